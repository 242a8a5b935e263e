import { describe, expect, it } from "vitest";
import type { Attr } from "../../runtime/graph.js";
import { expectClose, f32, run, runAll, ty, vals } from "./helpers.js";

describe("dct_matrix", () => {
  it("is orthonormal: M·Mᵀ = I", () => {
    for (const n of [1, 4, 7]) {
      const m = vals(run("dct_matrix", [], {}, ty("f32", n, n)));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += m[i * n + k]! * m[j * n + k]!;
          expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-6);
        }
      }
    }
  });

  it("has the DCT-II entries", () => {
    const m = vals(run("dct_matrix", [], {}, ty("f32", 4, 4)));
    // Row 0 is √(1/4) = 0.5 everywhere; M[1, 0] = √(2/4)·cos(π/8); M[2, 1] = √(1/2)·cos(3π/4).
    expect(m.slice(0, 4)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(m[4]).toBe(Math.fround(0.6532814824381883));
    expect(m[9]).toBe(Math.fround(-0.5));
  });
});

describe("rfft and irfft", () => {
  it("a hand-checked 4-point DFT", () => {
    // X_k = Σ x_n e^{−2πikn/4} / 2 for x = [1, 2, 3, 4]:
    // X_0 = 10/2 = 5; X_1 = (1 − 2i − 3 + 4i)/2 = −1 + i; X_2 = (1 − 2 + 3 − 4)/2 = −1.
    const [re, im] = runAll("rfft", [f32([4], [1, 2, 3, 4])], { axis: 0 }, [
      ty("f32", 3),
      ty("f32", 3),
    ]);
    expect(vals(re!)).toEqual([5, -1, -1]);
    expect(vals(im!)).toEqual([0, 1, 0]);
  });

  it("odd length: an impulse has a flat spectrum 1/√N", () => {
    const [re, im] = runAll("rfft", [f32([3], [1, 0, 0])], { axis: 0 }, [
      ty("f32", 2),
      ty("f32", 2),
    ]);
    expectClose(re!, [1 / Math.sqrt(3), 1 / Math.sqrt(3)]);
    expectClose(im!, [0, 0]);
  });

  it("transforms along an inner axis", () => {
    // Columns [1, 2, 3, 4] and [1, 1, 1, 1] of a [4, 2] matrix.
    const x = f32([4, 2], [1, 1, 2, 1, 3, 1, 4, 1]);
    const [re, im] = runAll("rfft", [x], { axis: 0 }, [ty("f32", 3, 2), ty("f32", 3, 2)]);
    expect(vals(re!)).toEqual([5, 2, -1, 0, -1, 0]);
    expect(vals(im!)).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it("irfft inverts the hand-checked spectrum", () => {
    const out = run(
      "irfft",
      [f32([3], [5, -1, -1]), f32([3], [0, 1, 0])],
      { axis: 0 },
      ty("f32", 4),
    );
    expectClose(out, [1, 2, 3, 4], 1e-6);
  });

  it("irfft ignores the imaginary parts of bin 0 and (N even) bin N/2", () => {
    const out = run(
      "irfft",
      [f32([3], [5, -1, -1]), f32([3], [7, 1, 9])],
      { axis: 0 },
      ty("f32", 4),
    );
    expectClose(out, [1, 2, 3, 4], 1e-6);
    // N odd (3): bin 1 is not a Nyquist bin, its imaginary part counts.
    // X = [1, (1 + i)/√3·… ]: check against the forward transform instead.
    const [re, im] = runAll("rfft", [f32([3], [1, 2, 4])], { axis: 0 }, [
      ty("f32", 2),
      ty("f32", 2),
    ]);
    expect(Math.abs(vals(im!)[1]!)).toBeGreaterThan(0.5);
    expectClose(run("irfft", [re!, im!], { axis: 0 }, ty("f32", 3)), [1, 2, 4], 1e-6);
  });

  it("round trips for even and odd lengths along any axis", () => {
    for (const n of [1, 2, 5, 8, 9]) {
      const m = Math.floor(n / 2) + 1;
      const data = Array.from({ length: 2 * n }, (_, i) => Math.sin(3 * i + 1) * 2);
      const x = f32([2, n], data);
      const attrs: Record<string, Attr> = { axis: 1 };
      const [re, im] = runAll("rfft", [x], attrs, [ty("f32", 2, m), ty("f32", 2, m)]);
      expectClose(run("irfft", [re!, im!], attrs, ty("f32", 2, n)), vals(x), 1e-5);
    }
  });

  it("refuses a spectrum of the wrong length", () => {
    expect(() => run("irfft", [f32([2]), f32([2])], { axis: 0 }, ty("f32", 4))).toThrow(
      /has 2 bins but N = 4 needs 3/,
    );
  });
});

describe("bspline_basis", () => {
  const basis = (xs: number[], grid: number, order: number, lo = -1, hi = 1) =>
    vals(
      run(
        "bspline_basis",
        [f32([xs.length], xs)],
        { grid, order, lo, hi },
        ty("f32", xs.length, grid + order),
      ),
    );

  it("order 0: indicators of half-open intervals", () => {
    // grid 2 on [-1, 1): knots -1, 0, 1.
    expect(basis([-1, -0.5, 0, 0.75, 1, -1.5], 2, 0)).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
  });

  it("order 1: hat functions on the extended knots", () => {
    // grid 2, h = 1, knots t_j = -1 + (j - 1) = -2, -1, 0, 1, 2; three hats peaking at -1, 0, 1:
    //   B_0(x) = (x + 2) on [-2, -1), (0 - x) on [-1, 0);
    //   B_1(x) = (x + 1) on [-1, 0), (1 - x) on [0, 1);
    //   B_2(x) = x on [0, 1), (2 - x) on [1, 2).
    const xs = [-0.5, 0.25, -1, 0, -1.5, 1.5, 0.999];
    expectClose(basis(xs, 2, 1), [
      ...[0.5, 0.5, 0],
      ...[0, 0.75, 0.25],
      ...[1, 0, 0],
      ...[0, 1, 0],
      ...[0.5, 0, 0],
      ...[0, 0, 0.5],
      ...[0, 0.001, 0.999],
    ]);
  });

  it("order 2: the quadratic B-spline values", () => {
    // grid 2, h = 1, knots -3 … 3; B_j lives on [t_j, t_j+3] = [j - 3, j]. The uniform quadratic
    // is u²/2, (−2u² + 6u − 3)/2, (3 − u)²/2 on [0, 1), [1, 2), [2, 3) with u = x − t_j.
    // x = 0: B_1 (u = 2) = 1/2, B_2 (u = 1) = 1/2; x = 0.5: B_1 = 1/8, B_2 = 3/4, B_3 = 1/8.
    expectClose(basis([0, 0.5], 2, 2), [0, 0.5, 0.5, 0, 0, 0.125, 0.75, 0.125]);
  });

  it("is zero outside the extended grid", () => {
    // order 1, grid 2: the extended grid is [-2, 2).
    expect(basis([-2.5, -2, 2, 3, -100], 2, 1)).toEqual(new Array<number>(15).fill(0));
    // order 3, grid 5 on [-1, 1): h = 0.4, extended grid [-2.2, 2.2).
    const out = basis([-2.21, -2.2, 2.2, 2.5], 5, 3);
    expect(out).toEqual(new Array<number>(32).fill(0));
  });

  it("is a partition of unity on [lo, hi)", () => {
    for (const [grid, order, lo, hi] of [
      [2, 1, -1, 1],
      [5, 3, -1, 1],
      [4, 2, 0, 3],
      [3, 0, -2, 5],
    ] as const) {
      const xs = Array.from({ length: 41 }, (_, i) => lo + ((hi - lo) * i) / 41);
      const out = basis(xs, grid, order, lo, hi);
      const nb = grid + order;
      xs.forEach((_, i) => {
        let s = 0;
        for (let j = 0; j < nb; j++) {
          const v = out[i * nb + j]!;
          expect(v).toBeGreaterThanOrEqual(0);
          s += v;
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-6);
      });
    }
  });

  it("appends the bases axis to any shape", () => {
    const out = run(
      "bspline_basis",
      [f32([2, 1], [-0.5, 0.25])],
      { grid: 2, order: 1, lo: -1, hi: 1 },
      ty("f32", 2, 1, 3),
    );
    expectClose(out, [0.5, 0.5, 0, 0, 0.75, 0.25]);
  });
});
