import { describe, expect, it } from "vitest";
import { bool, f32, i32, run, runAll, ty, vals } from "./helpers.js";

// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
const x34 = f32([3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

describe("reshape, permute, expand", () => {
  it("reshape keeps the row-major order", () => {
    const r = run("reshape", [x34], {}, ty("f32", 2, 6));
    expect(vals(r)).toEqual(vals(x34));
    expect(vals(run("reshape", [f32([1], [5])], {}, ty("f32")))).toEqual([5]);
    expect(() => run("reshape", [x34], {}, ty("f32", 5))).toThrow(/cannot reshape \[3, 4\] to/);
  });

  it("permute: output axis i is input axis perm[i]", () => {
    const a = f32([2, 3], [0, 1, 2, 3, 4, 5]);
    expect(vals(run("permute", [a], { perm: [1, 0] }, ty("f32", 3, 2)))).toEqual([
      0, 3, 1, 4, 2, 5,
    ]);
    // [[[0, 1]], [[2, 3]]] ([2, 1, 2]) with perm [2, 0, 1]: out[k, i, 0] = x[i, 0, k].
    const b = f32([2, 1, 2], [0, 1, 2, 3]);
    expect(vals(run("permute", [b], { perm: [2, 0, 1] }, ty("f32", 2, 2, 1)))).toEqual([
      0, 2, 1, 3,
    ]);
    expect(() => run("permute", [a], { perm: [0, 0] }, ty("f32", 2, 2))).toThrow(
      /not a permutation/,
    );
  });

  it("permute agrees with its definition on every permutation, across tile boundaries", () => {
    // Sizes straddle the 32-wide tiles of the kernel (33, 70) and include 1 and 0.
    const shapes = [[], [5], [33, 70], [3, 1, 40], [2, 33, 3, 5], [4, 0, 3]];
    const perms = (n: number): number[][] =>
      n === 0
        ? [[]]
        : perms(n - 1).flatMap((p) =>
            Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
          );
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = f32(
        shape,
        Array.from({ length: n }, (_, i) => i),
      );
      const xStrides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
      for (const perm of perms(shape.length)) {
        const outShape = perm.map((p) => shape[p]!);
        const got = vals(run("permute", [x], { perm }, ty("f32", ...outShape)));
        // out[i0, i1, ...] = x[j] with j[perm[a]] = i[a]: enumerate the output row-major.
        const want: number[] = [];
        const walk = (a: number, offset: number): void => {
          if (a === outShape.length) return void want.push(offset);
          for (let i = 0; i < outShape[a]!; i++) walk(a + 1, offset + i * xStrides[perm[a]!]!);
        };
        walk(0, 0);
        expect(got, `${JSON.stringify(shape)} by ${JSON.stringify(perm)}`).toEqual(want);
      }
    }
  });

  it("expand broadcasts to the output shape", () => {
    const c = f32([3, 1], [1, 2, 3]);
    expect(vals(run("expand", [c], {}, ty("f32", 2, 3, 2)))).toEqual([
      1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,
    ]);
    expect(vals(run("expand", [f32([], [7])], {}, ty("f32", 2)))).toEqual([7, 7]);
    expect(() => run("expand", [c], {}, ty("f32", 2, 2))).toThrow(/cannot broadcast/);
  });
});

describe("slice", () => {
  it("an index drops its axis", () => {
    const r = run("slice", [x34], { axes: [{ index: 1 }, { start: 0, step: 2 }] }, ty("f32", 2));
    expect(vals(r)).toEqual([4, 6]);
    const s = run("slice", [x34], { axes: [{ start: 0, step: 1 }, { index: 3 }] }, ty("f32", 3));
    expect(vals(s)).toEqual([3, 7, 11]);
    const e = run("slice", [x34], { axes: [{ index: 2 }, { index: 0 }] }, ty("f32"));
    expect(vals(e)).toEqual([8]);
  });

  it("steps, starts and sizes from the output", () => {
    const r = run(
      "slice",
      [x34],
      {
        axes: [
          { start: 0, step: 2 },
          { start: 1, step: 2 },
        ],
      },
      ty("f32", 2, 2),
    );
    expect(vals(r)).toEqual([1, 3, 9, 11]);
    const t = run(
      "slice",
      [x34],
      {
        axes: [
          { start: 1, step: 1 },
          { start: 1, step: 3 },
        ],
      },
      ty("f32", 2, 1),
    );
    expect(vals(t)).toEqual([5, 9]);
    const empty = run(
      "slice",
      [x34],
      {
        axes: [
          { start: 3, step: 1 },
          { start: 0, step: 1 },
        ],
      },
      ty("f32", 0, 4),
    );
    expect(vals(empty)).toEqual([]);
  });

  it("refuses reads outside the tensor", () => {
    expect(() =>
      run("slice", [x34], { axes: [{ index: 3 }, { start: 0, step: 1 }] }, ty("f32", 4)),
    ).toThrow(/index 3 is out of range for axis 0 of size 3/);
    expect(() =>
      run(
        "slice",
        [x34],
        {
          axes: [
            { start: 0, step: 1 },
            { start: 1, step: 2 },
          ],
        },
        ty("f32", 3, 3),
      ),
    ).toThrow(/axis 1 of size 4: 3 elements from 1 by step 2/);
    expect(() => run("slice", [x34], { axes: [{ index: 0 }] }, ty("f32", 4))).toThrow(
      /one entry per axis/,
    );
  });
});

describe("concat and split", () => {
  const a = f32([2, 2], [1, 2, 3, 4]);
  const b = f32([2, 1], [5, 6]);
  it("concat joins along the axis", () => {
    expect(vals(run("concat", [a, b], { axis: 1 }, ty("f32", 2, 3)))).toEqual([1, 2, 5, 3, 4, 6]);
    expect(vals(run("concat", [a, a], { axis: 0 }, ty("f32", 4, 2)))).toEqual([
      1, 2, 3, 4, 1, 2, 3, 4,
    ]);
    expect(vals(run("concat", [b], { axis: 0 }, ty("f32", 2, 1)))).toEqual([5, 6]);
    expect(() => run("concat", [a, b], { axis: 0 }, ty("f32", 4, 2))).toThrow(
      /operand 1 \[2, 1\] does not match/,
    );
    expect(() => run("concat", [a, i32([2, 1])], { axis: 1 }, ty("f32", 2, 3))).toThrow(
      /operand 1 is i32/,
    );
  });

  it("split takes the sizes from the outputs", () => {
    const c = f32([2, 3], [1, 2, 5, 3, 4, 6]);
    const [p, q] = runAll("split", [c], { axis: 1 }, [ty("f32", 2, 2), ty("f32", 2, 1)]);
    expect(vals(p!)).toEqual([1, 2, 3, 4]);
    expect(vals(q!)).toEqual([5, 6]);
    const rows = runAll("split", [c], { axis: 0 }, [ty("f32", 1, 3), ty("f32", 1, 3)]);
    expect(rows.map(vals)).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    expect(() => runAll("split", [c], { axis: 1 }, [ty("f32", 2, 2)])).toThrow(/add up to 2/);
  });
});

describe("take", () => {
  // [[10, 11], [20, 21], [30, 31]]
  const table = f32([3, 2], [10, 11, 20, 21, 30, 31]);
  it("gathers rows", () => {
    expect(vals(run("take", [table, i32([2], [2, 0])], { axis: 0 }, ty("f32", 2, 2)))).toEqual([
      30, 31, 10, 11,
    ]);
    expect(
      vals(run("take", [table, i32([2, 2], [1, 1, 0, 2])], { axis: 0 }, ty("f32", 2, 2, 2))),
    ).toEqual([20, 21, 20, 21, 10, 11, 30, 31]);
    expect(vals(run("take", [table, i32([], [1])], { axis: 0 }, ty("f32", 2)))).toEqual([20, 21]);
  });

  it("gathers along a later axis", () => {
    const t = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(vals(run("take", [t, i32([2], [2, 0])], { axis: 1 }, ty("f32", 2, 2)))).toEqual([
      3, 1, 6, 4,
    ]);
  });

  it("ids out of range are errors naming the index and the size", () => {
    expect(() => run("take", [table, i32([2], [0, 3])], { axis: 0 }, ty("f32", 2, 2))).toThrow(
      /ids\[1\] = 3 is out of range for axis 0 of the table \[3, 2\] \(size 3/,
    );
    expect(() =>
      run("take", [table, i32([2, 2], [0, 1, -1, 0])], { axis: 0 }, ty("f32", 2, 2, 2)),
    ).toThrow(/ids\[1, 0\] = -1 is out of range .*size 3/);
    expect(() => run("take", [table, f32([1], [0])], { axis: 0 }, ty("f32", 1, 2))).toThrow(
      /ids must be i32/,
    );
  });
});

describe("take_along", () => {
  // [[10, 20, 30], [40, 50, 60]]
  const x = f32([2, 3], [10, 20, 30, 40, 50, 60]);
  it("gathers along the axis as torch.gather", () => {
    const ids = i32([2, 2], [2, 0, 1, 1]);
    expect(vals(run("take_along", [x, ids], { axis: 1 }, ty("f32", 2, 2)))).toEqual([
      30, 10, 50, 50,
    ]);
    const ids0 = i32([1, 3], [1, 0, 1]);
    expect(vals(run("take_along", [x, ids0], { axis: 0 }, ty("f32", 1, 3)))).toEqual([40, 20, 60]);
  });

  it("refuses ids out of range", () => {
    expect(() => run("take_along", [x, i32([2, 1], [0, 3])], { axis: 1 }, ty("f32", 2, 1))).toThrow(
      /ids\[1, 0\] = 3 is out of range for axis 1 .*size 3/,
    );
  });
});

describe("roll", () => {
  const v = f32([5], [0, 1, 2, 3, 4]);
  const roll = (shift: number) => vals(run("roll", [v], { axis: 0, shift }, ty("f32", 5)));
  it("moves element i to (i + shift) mod n", () => {
    expect(roll(2)).toEqual([3, 4, 0, 1, 2]);
    expect(roll(-1)).toEqual([1, 2, 3, 4, 0]);
    expect(roll(7)).toEqual([3, 4, 0, 1, 2]);
    expect(roll(-6)).toEqual([1, 2, 3, 4, 0]);
    expect(roll(0)).toEqual([0, 1, 2, 3, 4]);
  });
  it("rolls along an axis of a matrix", () => {
    const m = i32([3, 2], [1, 2, 3, 4, 5, 6]);
    expect(vals(run("roll", [m], { axis: 0, shift: 1 }, ty("i32", 3, 2)))).toEqual([
      5, 6, 1, 2, 3, 4,
    ]);
    expect(vals(run("roll", [m], { axis: 1, shift: -1 }, ty("i32", 3, 2)))).toEqual([
      2, 1, 4, 3, 6, 5,
    ]);
  });
});

describe("pad", () => {
  it("puts before values, then x, then values up to the output size", () => {
    const v = f32([3], [1, 2, 3]);
    expect(vals(run("pad", [v], { axis: 0, before: 2, value: 0 }, ty("f32", 6)))).toEqual([
      0, 0, 1, 2, 3, 0,
    ]);
    const m = f32([2, 2], [1, 2, 3, 4]);
    expect(vals(run("pad", [m], { axis: 1, before: 1, value: -1 }, ty("f32", 2, 4)))).toEqual([
      -1, 1, 2, -1, -1, 3, 4, -1,
    ]);
    expect(
      vals(run("pad", [m], { axis: 0, before: 0, value: -Infinity }, ty("f32", 3, 2))),
    ).toEqual([1, 2, 3, 4, -Infinity, -Infinity]);
    expect(
      vals(run("pad", [i32([1], [5])], { axis: 0, before: 1, value: 7 }, ty("i32", 2))),
    ).toEqual([7, 5]);
    expect(
      vals(run("pad", [bool([1], [0])], { axis: 0, before: 1, value: true }, ty("bool", 2))),
    ).toEqual([1, 0]);
  });
  it("refuses an output too small", () => {
    expect(() => run("pad", [f32([3])], { axis: 0, before: 2, value: 0 }, ty("f32", 4))).toThrow(
      /cannot pad/,
    );
  });
});
