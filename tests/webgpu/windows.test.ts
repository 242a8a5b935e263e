/**
 * Windows and transforms on WebGPU against the reference interpreter: avg_pool2d,
 * conv2d_depthwise, dct_matrix, rfft, irfft and bspline_basis, on random inputs of several shapes
 * (sizes not multiples of the workgroup, size-1 dims, runtime dims) and their edge cases.
 *
 * The reference accumulates in double and rounds once; the kernels accumulate in f32, so every
 * case states its tolerance (EPS = 2^-24, the f32 unit roundoff):
 * - avg_pool2d: the f32 sum of n = k² terms errs by at most (n−1)·EPS·Σ|x|, i.e. (n−1)·EPS·max|x|
 *   after dividing by the count, plus the division's rounding (rtol EPS).
 * - conv2d_depthwise: the f32 sum of n = kh·kw products errs by at most n·EPS·Σ|x·w| ≤
 *   n²·EPS·max|x|·max|w| (a rigorous bound; the products themselves round once more, rtol EPS).
 * - dct_matrix: one cos of an angle in [0, π/4] (llvmpipe: ~1 ulp, angle error ~2 ulps after the
 *   integer reduction) times √(2/N): atol 8·EPS·√(2/N).
 * - rfft/irfft: N terms, each with a twiddle good to a few EPS and an f32 sum, scaled by 1/√N:
 *   atol √N·max|x|·1e-6 (the brief's rule; the rigorous bound N^1.5·EPS·max|x| is looser).
 * - bspline_basis: see its describe block (knots are formed in f32).
 */
import { describe, expect, it } from "vitest";
import type { Attr, DimExpr, Graph, TensorSpec } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";
import {
  EXACT,
  expectClose,
  expectOpMatches,
  random,
  runGpu,
  symbolic,
  type Tolerance,
} from "./harness.js";

const EPS = 2 ** -24;

function maxAbs(t: Tensor): number {
  let m = 0;
  for (const v of t.data) m = Math.max(m, Math.abs(v));
  return m;
}

const f32 = (shape: DimExpr[]): TensorSpec => ({ dtype: "f32", shape });

/** ⌊n/2⌋ + 1: the bins of a real signal of length n. */
const halfPlusOne = (n: string): DimExpr => ({
  op: "add",
  args: [{ op: "floor_div", args: [n, 2] }, 1],
});

/**
 * Like expectOpMatches, for a node that reads every graph input but the first: the first input
 * only binds a runtime dim the node's shapes use (N of irfft, grid of bspline_basis).
 */
async function expectGraphMatches(
  op: string,
  inputs: [string, Tensor, TensorSpec][],
  attrs: Record<string, Attr>,
  outputs: TensorSpec[],
  atol: number,
): Promise<void> {
  const n = inputs.length;
  const dims = new Set<string>();
  for (const [, , t] of inputs) for (const d of t.shape) if (typeof d === "string") dims.add(d);
  const graph: Graph = {
    version: 1,
    model: op,
    dims: [...dims],
    inputs: inputs.map(([name, , type], value) => ({ name, value, type })),
    params: [],
    nodes: [
      {
        op,
        inputs: inputs.slice(1).map((_, i) => i + 1),
        outputs: outputs.map((_, i) => n + i),
        types: outputs,
        attrs,
      },
    ],
    outputs: outputs.map((_, i) => ({ name: `y${i}`, value: n + i })),
    checks: [],
  };
  const feed = new Map(inputs.map(([name, t]) => [name, t]));
  const want = execute(graph, new Map(), feed);
  const { outputs: got } = await runGpu(graph, feed);
  outputs.forEach((_, i) =>
    expectClose(got.get(`y${i}`)!, want.get(`y${i}`)!, { atol, rtol: 0 }, `${op} output ${i}`),
  );
}

/** [B, H, W, C] output size of a window of k with stride and pad. */
const pooled = (n: number, k: number, stride: number, pad: number) =>
  Math.floor((n + 2 * pad - k) / stride) + 1;

describe("avg_pool2d", () => {
  const poolTol = (k: number, x: Tensor): Tolerance => ({
    atol: (k * k - 1) * EPS * maxAbs(x),
    rtol: EPS,
  });
  const cases: [number[], number, number, number, boolean][] = [
    // shape, k, stride, pad, countIncludePad
    [[2, 9, 7, 5], 3, 2, 1, false],
    [[2, 9, 7, 5], 3, 2, 1, true],
    [[1, 8, 8, 3], 2, 2, 0, false],
    [[3, 11, 13, 19], 4, 3, 2, true],
    [[3, 11, 13, 19], 4, 3, 2, false],
    [[1, 1, 1, 1], 1, 1, 0, false],
    [[2, 5, 1, 7], 3, 1, 1, false], // W = 1: every window is mostly padding
    [[1, 4, 6, 300], 3, 1, 1, true], // C not a multiple of 256
  ];
  for (const [shape, k, stride, pad, inc] of cases) {
    it(`x [${shape.join(", ")}], k ${k}, stride ${stride}, pad ${pad}, countIncludePad ${inc}`, async () => {
      const x = random(
        "f32",
        shape,
        shape.reduce((a, b) => a + b, k),
      );
      const [B, H, W, C] = shape as [number, number, number, number];
      await expectOpMatches(
        {
          op: "avg_pool2d",
          inputs: [x],
          attrs: { k, stride, pad, countIncludePad: inc },
          outputs: [f32([B, pooled(H, k, stride, pad), pooled(W, k, stride, pad), C])],
        },
        poolTol(k, x),
      );
    });
  }

  it("runtime B, H and W (output dims as dim expressions)", async () => {
    const x = random("f32", [2, 10, 9, 6], 5);
    // floor((n + 2·1 − 3) / 2) + 1
    const out = (n: string): DimExpr => ({
      op: "add",
      args: [{ op: "floor_div", args: [{ op: "add", args: [n, -1] }, 2] }, 1],
    });
    for (const inc of [false, true]) {
      await expectOpMatches(
        {
          op: "avg_pool2d",
          inputs: [x],
          inputTypes: [symbolic(x, ["B", "H", "W"])],
          attrs: { k: 3, stride: 2, pad: 1, countIncludePad: inc },
          outputs: [f32(["B", out("H"), out("W"), 6])],
        },
        poolTol(3, x),
      );
    }
  });

  it("runtime k, stride and pad (dim-valued attributes from the dims uniform)", async () => {
    // K, S and P are bound by an input [K, S, P] the node does not read.
    const x = random("f32", [2, 9, 10, 3], 13);
    const size = (n: number): DimExpr => ({
      op: "add",
      args: [
        {
          op: "floor_div",
          args: [
            {
              op: "add",
              args: [
                n,
                {
                  op: "add",
                  args: [
                    { op: "mul", args: ["P", 2] },
                    { op: "mul", args: ["K", -1] },
                  ],
                },
              ],
            },
            "S",
          ],
        },
        1,
      ],
    });
    for (const inc of [false, true]) {
      await expectGraphMatches(
        "avg_pool2d",
        [
          ["kSP", random("f32", [3, 2, 1], 1), f32(["K", "S", "P"])],
          ["x", x, f32([2, 9, 10, 3])],
        ],
        { k: "K", stride: "S", pad: "P", countIncludePad: inc },
        [f32([2, size(9), size(10), 3])],
        poolTol(3, x).atol + EPS * maxAbs(x),
      );
    }
  });

  it("windows wholly in the padding divide by zero (NaN) without countIncludePad", async () => {
    const x = random("f32", [1, 2, 2, 3], 9);
    for (const inc of [false, true]) {
      const [y] = await expectOpMatches(
        {
          op: "avg_pool2d",
          inputs: [x],
          attrs: { k: 2, stride: 3, pad: 2, countIncludePad: inc },
          outputs: [f32([1, pooled(2, 2, 3, 2), pooled(2, 2, 3, 2), 3])],
        },
        poolTol(2, x),
      );
      // The corner window (rows and columns −2, −1) is all padding.
      expect(Number.isNaN(y!.data[0]!)).toBe(!inc);
    }
  });
});

describe("conv2d_depthwise", () => {
  const convTol = (kh: number, kw: number, x: Tensor, w: Tensor): Tolerance => {
    const n = kh * kw;
    return { atol: n * n * EPS * maxAbs(x) * maxAbs(w), rtol: EPS };
  };
  const cases: [number[], number, number, number][] = [
    // x shape, kh, kw, pad
    [[2, 9, 11, 5], 3, 3, 1],
    [[1, 7, 8, 3], 3, 5, 2], // rectangular kernel
    [[2, 6, 5, 4], 1, 4, 0],
    [[1, 1, 1, 1], 1, 1, 0],
    [[1, 1, 1, 2], 3, 3, 1], // a 1×1 image padded to 3×3
    [[1, 5, 6, 300], 2, 3, 1], // C not a multiple of 256
    [[3, 4, 4, 7], 2, 2, 3], // pad larger than the kernel: rows of zeros
  ];
  for (const [shape, kh, kw, pad] of cases) {
    it(`x [${shape.join(", ")}], w ${kh}×${kw}, pad ${pad}`, async () => {
      const [B, H, W, C] = shape as [number, number, number, number];
      const x = random("f32", shape, H * 31 + kw);
      const w = random("f32", [C, kh, kw], C * 7 + kh);
      await expectOpMatches(
        {
          op: "conv2d_depthwise",
          inputs: [x, w],
          attrs: { pad },
          outputs: [f32([B, H + 2 * pad - kh + 1, W + 2 * pad - kw + 1, C])],
        },
        convTol(kh, kw, x, w),
      );
    });
  }

  it("runtime B, H and W", async () => {
    const x = random("f32", [3, 12, 10, 4], 41);
    const w = random("f32", [4, 3, 2], 42);
    const grow = (n: string, by: number): DimExpr => ({ op: "add", args: [n, by] });
    await expectOpMatches(
      {
        op: "conv2d_depthwise",
        inputs: [x, w],
        inputTypes: [symbolic(x, ["B", "H", "W"]), symbolic(w, [])],
        attrs: { pad: 1 },
        outputs: [f32(["B", grow("H", 0), grow("W", 1), 4])],
      },
      convTol(3, 2, x, w),
    );
  });
  it("a runtime pad", async () => {
    const x = random("f32", [1, 6, 7, 5], 43);
    const w = random("f32", [5, 2, 3], 44);
    const grow = (n: number, k: number): DimExpr => ({
      op: "add",
      args: [{ op: "mul", args: ["P", 2] }, n - k + 1],
    });
    await expectGraphMatches(
      "conv2d_depthwise",
      [
        ["p", random("f32", [2], 1), f32(["P"])],
        ["x", x, f32([1, 6, 7, 5])],
        ["w", w, f32([5, 2, 3])],
      ],
      { pad: "P" },
      [f32([1, grow(6, 2), grow(7, 3), 5])],
      convTol(2, 3, x, w).atol + EPS * 6 * maxAbs(x) * maxAbs(w),
    );
  });
});

describe("dct_matrix", () => {
  for (const N of [1, 2, 3, 8, 17, 64, 129]) {
    it(`N = ${N}`, async () => {
      await expectOpMatches(
        { op: "dct_matrix", inputs: [], outputs: [f32([N, N])] },
        { atol: 8 * EPS * Math.sqrt(2 / N), rtol: 0 },
      );
    });
  }
});

const dftTol = (N: number, x: Tensor): Tolerance => ({
  atol: Math.sqrt(N) * maxAbs(x) * 1e-6,
  rtol: 0,
});

describe("rfft", () => {
  const cases: [number[], number][] = [
    // shape, axis
    [[1], 0],
    [[2], 0],
    [[3, 7], 1],
    [[4, 16], 1],
    [[5, 300], 1], // 5·151 bins: not a multiple of 256
    [[2, 33, 3], 1], // an inner axis
    [[9, 1, 4], 0], // a size-1 dim, axis 0
    [[257], 0],
  ];
  for (const [shape, axis] of cases) {
    it(`x [${shape.join(", ")}], axis ${axis}`, async () => {
      const x = random("f32", shape, shape.length * 100 + shape[axis]!);
      const N = shape[axis]!;
      const spec = shape.map((d, i) => (i === axis ? Math.floor(N / 2) + 1 : d));
      await expectOpMatches(
        { op: "rfft", inputs: [x], attrs: { axis }, outputs: [f32(spec), f32(spec)] },
        dftTol(N, x),
      );
    });
  }

  it("runtime batch and signal length (bins ⌊T/2⌋ + 1)", async () => {
    for (const T of [10, 11]) {
      const x = random("f32", [3, T], T);
      const spec = f32(["B", halfPlusOne("T")]);
      await expectOpMatches(
        {
          op: "rfft",
          inputs: [x],
          inputTypes: [symbolic(x, ["B", "T"])],
          attrs: { axis: 1 },
          outputs: [spec, spec],
        },
        dftTol(T, x),
      );
    }
  });

  it("a large N with sharp twiddles (N = 1000, a pure tone)", async () => {
    const N = 1000;
    const x = tensor(
      "f32",
      [N],
      Array.from({ length: N }, (_, n) => Math.cos((2 * Math.PI * 137 * n) / N)),
    );
    const M = N / 2 + 1;
    await expectOpMatches(
      { op: "rfft", inputs: [x], attrs: { axis: 0 }, outputs: [f32([M]), f32([M])] },
      dftTol(N, x),
    );
  });
});

describe("irfft", () => {
  const cases: [number[], number][] = [
    // output shape, axis
    [[1], 0],
    [[2], 0],
    [[3, 7], 1],
    [[4, 16], 1],
    [[5, 300], 1],
    [[2, 33, 3], 1],
    [[9, 1, 4], 0],
    [[6, 257], 1],
  ];
  for (const [shape, axis] of cases) {
    it(`to [${shape.join(", ")}], axis ${axis}`, async () => {
      const N = shape[axis]!;
      const spec = shape.map((d, i) => (i === axis ? Math.floor(N / 2) + 1 : d));
      const re = random("f32", spec, N * 3 + 1);
      const im = random("f32", spec, N * 3 + 2);
      // Each output sums about N values of size max|X|; same rule as rfft.
      const tol = dftTol(N, maxAbs(re) > maxAbs(im) ? re : im);
      await expectOpMatches(
        { op: "irfft", inputs: [re, im], attrs: { axis }, outputs: [f32(shape)] },
        { atol: 2 * tol.atol, rtol: 0 },
      );
    });
  }

  it("ignores the imaginary parts of bin 0 and bin N/2 (N even)", async () => {
    // Same real parts, different imaginary parts at bins 0 and N/2 only: the outputs agree
    // with the reference (which ignores them) — a kernel that reads them would differ by ~1.
    for (const N of [8, 9]) {
      const M = Math.floor(N / 2) + 1;
      const re = random("f32", [M], N);
      const im = random("f32", [M], N + 1);
      const im2 = tensor(
        "f32",
        [M],
        Array.from(im.data, (v, k) => (k === 0 || (N % 2 === 0 && k === N / 2) ? v + 100 : v)),
      );
      await expectOpMatches(
        { op: "irfft", inputs: [re, im2], attrs: { axis: 0 }, outputs: [f32([N])] },
        { atol: 2 * dftTol(N, re).atol, rtol: 0 },
      );
    }
  });

  it("runtime batch and signal length (N from the output type only)", async () => {
    // T is bound by an input the node does not read; the bins axis is ⌊T/2⌋ + 1.
    for (const T of [12, 13]) {
      const M = Math.floor(T / 2) + 1;
      const re = random("f32", [2, M], T);
      const im = random("f32", [2, M], T + 1);
      await expectGraphMatches(
        "irfft",
        [
          ["signal", random("f32", [T], 1), f32(["T"])],
          ["re", re, f32(["B", halfPlusOne("T")])],
          ["im", im, f32(["B", halfPlusOne("T")])],
        ],
        { axis: 1 },
        [f32(["B", "T"])],
        2 * dftTol(T, re).atol,
      );
    }
  });
});

describe("bspline_basis", () => {
  /*
   * Tolerance. The reference forms knots in double; the kernel in f32 (lo + (j − order)·h with h
   * rounded once), so each knot is off by δ ≤ 2·EPS·max|t| (+ lo's own rounding). Bases of order
   * ≥ 1 are continuous with slope ≤ 1/h, and each Cox–de Boor ratio moves by ~δ/h per level, so
   * the error is ≤ order·(4δ/h) from the knots plus ~4·order·EPS from the recursion's roundings
   * (each level is a convex combination). Order 0 (indicators) is exact when the knots are exact
   * in f32 (dyadic lo, hi, grid); with inexact knots an x within δ of a knot could flip, so
   * order 0 is only tested on dyadic knots.
   */
  const splineTol = (lo: number, hi: number, grid: number, order: number): Tolerance => {
    const h = (hi - lo) / grid;
    const tmax = Math.max(Math.abs(lo), Math.abs(hi)) + order * h;
    const delta = 2 * EPS * tmax + EPS * Math.abs(lo);
    return { atol: order * ((4 * delta) / h + 4 * EPS), rtol: 0 };
  };
  const nb = (grid: number, order: number) => grid + order;

  const cases: [number[], number, number, number, number][] = [
    // x shape, grid, order, lo, hi
    [[3, 100], 5, 3, -1, 1],
    [[7, 37], 8, 2, -2.5, 3.7],
    [[300], 3, 1, 0, 1],
    [[2, 1, 5], 10, 4, -3, 3],
    [[], 5, 3, -1, 1], // rank 0: the output is the bases axis alone
  ];
  for (const [shape, grid, order, lo, hi] of cases) {
    it(`x [${shape.join(", ")}], grid ${grid}, order ${order}, [${lo}, ${hi}]`, async () => {
      // Below lo and above hi too: the bases extend order·h beyond [lo, hi], then vanish.
      const span = hi - lo;
      const x = random("f32", shape, grid * 10 + order, { lo: lo - span / 2, hi: hi + span / 2 });
      await expectOpMatches(
        {
          op: "bspline_basis",
          inputs: [x],
          attrs: { grid, order, lo, hi },
          outputs: [f32([...shape, nb(grid, order)])],
        },
        splineTol(lo, hi, grid, order),
      );
    });
  }

  it("x exactly on dyadic knots, every order from 0 to 3 (order 0 exact)", async () => {
    const [lo, hi, grid] = [-1, 1, 4]; // h = 0.5: every knot exact in f32 and double
    const knots = Array.from({ length: grid + 7 + 4 }, (_, j) => lo + (j - 5) * 0.5);
    const x = tensor("f32", [knots.length], knots);
    for (let order = 0; order <= 3; order++) {
      await expectOpMatches(
        {
          op: "bspline_basis",
          inputs: [x],
          attrs: { grid, order, lo, hi },
          outputs: [f32([knots.length, nb(grid, order)])],
        },
        order === 0 ? EXACT : splineTol(lo, hi, grid, order),
      );
    }
  });

  it("x on inexact knots (h = 0.3): f32 knot error stays within the bound", async () => {
    const [lo, hi, grid, order] = [-0.6, 0.9, 5, 3];
    const h = (hi - lo) / grid;
    const knots = Array.from({ length: grid + 2 * order + 1 }, (_, j) => lo + (j - order) * h);
    const x = tensor("f32", [knots.length], knots);
    await expectOpMatches(
      {
        op: "bspline_basis",
        inputs: [x],
        attrs: { grid, order, lo, hi },
        outputs: [f32([knots.length, nb(grid, order)])],
      },
      splineTol(lo, hi, grid, order),
    );
  });

  it("runtime dims of x and a runtime grid", async () => {
    const x = random("f32", [4, 21], 77, { lo: -1.5, hi: 1.5 });
    await expectOpMatches(
      {
        op: "bspline_basis",
        inputs: [x],
        inputTypes: [symbolic(x, ["B", "T"])],
        attrs: { grid: 5, order: 3, lo: -1, hi: 1 },
        outputs: [f32(["B", "T", 8])],
      },
      splineTol(-1, 1, 5, 3),
    );
    // grid is the runtime dim G, bound by an input of length G that the node does not read.
    await expectGraphMatches(
      "bspline_basis",
      [
        ["g", random("f32", [6], 1), f32(["G"])],
        ["x", x, symbolic(x, ["B", "T"])],
      ],
      { grid: "G", order: 2, lo: -1, hi: 1 },
      [f32(["B", "T", { op: "add", args: ["G", 2] }])],
      // h = 2/6 is formed in f32 at runtime: one more rounding in every knot (within δ).
      splineTol(-1, 1, 6, 2).atol,
    );
  });
});
