import { describe, expect, it } from "vitest";
import { erf } from "../../runtime/reference/kernels.js";
import { bool, expectClose, f, f32, i32, run, ty, vals } from "./helpers.js";

const un = (op: string, x: ReturnType<typeof f32>) => run(op, [x], {}, ty(x.dtype, ...x.shape));

describe("const", () => {
  it("is a rank-0 tensor of the output dtype", () => {
    expect(vals(run("const", [], { value: 0.1 }, ty("f32")))).toEqual(f(0.1));
    expect(vals(run("const", [], { value: 3 }, ty("i32")))).toEqual([3]);
    expect(vals(run("const", [], { value: true }, ty("bool")))).toEqual([1]);
    expect(vals(run("const", [], { value: -Infinity }, ty("f32")))).toEqual([-Infinity]);
    expect(() => run("const", [], { value: "-inf" }, ty("f32"))).toThrow(/a number or a bool/);
    expect(() => run("const", [], { value: 1 }, ty("f32", 2))).toThrow(/rank 0/);
    expect(() => run("const", [], {}, ty("f32"))).toThrow(/'value' is missing/);
  });
});

describe("unary ops", () => {
  it("neg, abs, sign", () => {
    const x = f32([5], [-2.5, -0, 0, 3, NaN]);
    expectClose(un("neg", x), [2.5, 0, 0, -3, NaN]);
    expectClose(un("abs", x), [2.5, 0, 0, 3, NaN]);
    expectClose(un("sign", x), [-1, 0, 0, 1, NaN]);
    const n = i32([4], [-7, 0, 5, -2147483648]);
    expect(vals(un("neg", n))).toEqual([7, 0, -5, -2147483648]); // wraps
    expect(vals(un("abs", n))).toEqual([7, 0, 5, -2147483648]);
    expect(vals(un("sign", n))).toEqual([-1, 0, 1, -1]);
  });

  it("floor and ceil (identity on i32)", () => {
    const x = f32([4], [1.5, -1.5, 2, -0.25]);
    expect(vals(un("floor", x))).toEqual([1, -2, 2, -1]);
    expect(vals(un("ceil", x))).toEqual([2, -1, 2, -0]);
    const n = i32([3], [-3, 0, 4]);
    expect(vals(un("floor", n))).toEqual([-3, 0, 4]);
    expect(vals(un("ceil", n))).toEqual([-3, 0, 4]);
  });

  it("transcendentals, rounded to f32", () => {
    expect(vals(un("exp", f32([3], [0, 1, -Infinity])))).toEqual([1, Math.fround(Math.E), 0]);
    expect(vals(un("log", f32([4], [1, 0, -1, Math.E])))).toEqual([
      0,
      -Infinity,
      NaN,
      Math.fround(Math.log(Math.fround(Math.E))),
    ]);
    expectClose(un("sqrt", f32([3], [4, 2, -1])), [2, Math.fround(Math.SQRT2), NaN], 0);
    expectClose(un("rsqrt", f32([3], [4, 0.25, 0])), [0.5, 2, Infinity], 0);
    expectClose(un("sin", f32([2], [0, Math.PI / 2])), [0, 1], 0);
    expectClose(un("cos", f32([2], [0, Math.PI])), [1, -1], 0);
    expectClose(un("tanh", f32([3], [0, 20, -20])), [0, 1, -1], 0);
    expect(vals(un("erf", f32([3], [0.5, 1, -2])))).toEqual(
      f(0.5204998778130465, 0.8427007929497149, -0.9953222650189527),
    );
  });

  it("float-only ops refuse i32", () => {
    expect(() => un("exp", i32([1], [1]))).toThrow(/x must be f32, got i32/);
  });

  it("not", () => {
    expect(vals(un("not", bool([3], [1, 0, 1])))).toEqual([0, 1, 0]);
  });
});

describe("erf in double precision", () => {
  const known: [number, number][] = [
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [-2, -0.9953222650189527],
    [0.1, 0.1124629160182849],
    [-0.1, -0.1124629160182849],
    [0.25, 0.2763263901682369],
    [1.5, 0.9661051464753107],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
    [4, 0.9999999845827421],
    [5.5, 0.9999999999999927],
  ];
  it.each(known)("erf(%f) = %f", (x, y) => {
    expect(Math.abs(erf(x) - y)).toBeLessThanOrEqual(1e-15);
  });
  it("is odd, saturates and propagates NaN", () => {
    expect(erf(0)).toBe(0);
    expect(erf(6)).toBe(1);
    expect(erf(-30)).toBe(-1);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
    for (const x of [0.3, 0.99, 1.01, 2.2, 4.7]) expect(erf(-x)).toBe(-erf(x));
    expect(erf(1e-10) / 1e-10).toBeCloseTo(1.1283791670955126, 15); // 2/√π
  });
});

describe("binary arithmetic", () => {
  it("f32 results are the f32 rounding of the exact result", () => {
    const a = f32([3], [0.1, 1, 16777216]);
    const b = f32([3], [0.2, 1e-8, 1]);
    // 0.1f + 0.2f rounds to 0.30000001192...; 1 + 1e-8 and 2^24 + 1 round back down.
    expect(vals(run("add", [a, b], {}, ty("f32", 3)))).toEqual([
      Math.fround(Math.fround(0.1) + Math.fround(0.2)),
      1,
      16777216,
    ]);
    expect(vals(run("add", [a, b], {}, ty("f32", 3)))[0]).toBe(0.30000001192092896);
    expect(vals(run("div", [f32([2], [1, 1]), f32([2], [3, 0])], {}, ty("f32", 2)))).toEqual([
      Math.fround(1 / 3),
      Infinity,
    ]);
  });

  it("broadcasts size-1 dims and extends ranks", () => {
    const a = f32([2, 1], [10, 20]);
    const b = f32([3], [1, 2, 3]);
    expect(vals(run("add", [a, b], {}, ty("f32", 2, 3)))).toEqual([11, 12, 13, 21, 22, 23]);
    expect(vals(run("sub", [b, a], {}, ty("f32", 2, 3)))).toEqual([-9, -8, -7, -19, -18, -17]);
    const s = f32([], [2]);
    expect(vals(run("mul", [s, f32([2, 2], [1, 2, 3, 4])], {}, ty("f32", 2, 2)))).toEqual([
      2, 4, 6, 8,
    ]);
    // [2, 1, 2] * [3, 1] → [2, 3, 2]
    const c = f32([2, 1, 2], [1, 2, 3, 4]);
    const d = f32([3, 1], [1, 10, 100]);
    expect(vals(run("mul", [c, d], {}, ty("f32", 2, 3, 2)))).toEqual([
      1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400,
    ]);
  });

  it("rejects shapes that do not broadcast, output types that disagree, mixed dtypes", () => {
    const a = f32([2, 3]);
    expect(() => run("add", [a, f32([2])], {}, ty("f32", 2, 3))).toThrow(/cannot broadcast/);
    expect(() => run("add", [a, f32([3])], {}, ty("f32", 3, 3))).toThrow(/output type says/);
    expect(() => run("add", [a, i32([3])], {}, ty("f32", 2, 3))).toThrow(/dtypes differ/);
    expect(() => run("add", [bool([1]), bool([1])], {}, ty("bool", 1))).toThrow(/f32 or i32/);
  });

  it("i32 arithmetic wraps", () => {
    const a = i32([2], [2147483647, 65536]);
    const b = i32([2], [1, 65536]);
    expect(vals(run("add", [a, b], {}, ty("i32", 2)))).toEqual([-2147483648, 131072]);
    expect(vals(run("mul", [a, b], {}, ty("i32", 2)))).toEqual([2147483647, 0]);
    expect(vals(run("sub", [i32([1], [-2147483648]), i32([1], [1])], {}, ty("i32", 1)))).toEqual([
      2147483647,
    ]);
  });

  it("i32 div is floor division, mod takes the divisor's sign; by zero gives 0", () => {
    const a = i32([6], [7, -7, 7, -7, 6, -6]);
    const b = i32([6], [2, 2, -2, -2, 3, 3]);
    expect(vals(run("div", [a, b], {}, ty("i32", 6)))).toEqual([3, -4, -4, 3, 2, -2]);
    const m = i32([6], [3, 3, -3, -3, 3, -3]);
    expect(vals(run("mod", [a, m], {}, ty("i32", 6)))).toEqual([1, 2, -2, -1, 0, 0]);
    const z = i32([2], [0, 0]);
    expect(vals(run("div", [i32([2], [5, -5]), z], {}, ty("i32", 2)))).toEqual([0, 0]);
    expect(vals(run("mod", [i32([2], [5, -5]), z], {}, ty("i32", 2)))).toEqual([0, 0]);
    expect(vals(run("div", [i32([1], [-2147483648]), i32([1], [-1])], {}, ty("i32", 1)))).toEqual([
      -2147483648,
    ]);
  });

  it("f32 mod is a - floor(a / b) * b", () => {
    const a = f32([4], [5.5, -5.5, 5.5, -5.5]);
    const b = f32([4], [2, 2, -2, -2]);
    expect(vals(run("mod", [a, b], {}, ty("f32", 4)))).toEqual([1.5, 0.5, -0.5, -1.5]);
    expectClose(run("mod", [f32([1], [1]), f32([1], [0])], {}, ty("f32", 1)), [NaN]);
  });

  it("pow", () => {
    const a = f32([5], [2, 4, -8, 1, -1]);
    const b = f32([5], [10, 0.5, 1 / 3, NaN, Infinity]);
    expectClose(run("pow", [a, b], {}, ty("f32", 5)), [1024, 2, NaN, 1, 1], 0);
    const n = i32([5], [2, 3, 2, -1, 0]);
    const e = i32([5], [10, 0, -1, -3, 0]);
    expect(vals(run("pow", [n, e], {}, ty("i32", 5)))).toEqual([1024, 1, 0, -1, 1]);
    expect(vals(run("pow", [i32([1], [3]), i32([1], [21])], {}, ty("i32", 1)))).toEqual([
      1870418611, // 3^21 = 10460353203 = 2·2^32 + 1870418611
    ]);
  });

  it("maximum and minimum propagate NaN", () => {
    const a = f32([3], [1, 5, NaN]);
    const b = f32([3], [2, 3, 0]);
    expectClose(run("maximum", [a, b], {}, ty("f32", 3)), [2, 5, NaN], 0);
    expectClose(run("minimum", [a, b], {}, ty("f32", 3)), [1, 3, NaN], 0);
    expect(vals(run("maximum", [i32([2], [-1, 4]), i32([], [0])], {}, ty("i32", 2)))).toEqual([
      0, 4,
    ]);
  });
});

describe("comparisons and logic", () => {
  it("compare with broadcasting, bool result", () => {
    const a = f32([3], [1, 2, NaN]);
    const b = f32([], [2]);
    const cmp = (op: string) => vals(run(op, [a, b], {}, ty("bool", 3)));
    expect(cmp("eq")).toEqual([0, 1, 0]);
    expect(cmp("ne")).toEqual([1, 0, 1]);
    expect(cmp("lt")).toEqual([1, 0, 0]);
    expect(cmp("le")).toEqual([1, 1, 0]);
    expect(cmp("gt")).toEqual([0, 0, 0]);
    expect(cmp("ge")).toEqual([0, 1, 0]);
    const p = bool([2], [1, 0]);
    const q = bool([2, 1], [1, 0]);
    expect(vals(run("eq", [p, q], {}, ty("bool", 2, 2)))).toEqual([1, 0, 0, 1]);
    expect(vals(run("and", [p, q], {}, ty("bool", 2, 2)))).toEqual([1, 0, 0, 0]);
    expect(vals(run("or", [p, q], {}, ty("bool", 2, 2)))).toEqual([1, 1, 1, 0]);
    expect(() => run("lt", [p, p], {}, ty("bool", 2))).toThrow(/f32 or i32/);
  });

  it("where broadcasts all three operands", () => {
    const c = bool([2, 1], [1, 0]);
    const a = f32([3], [1, 2, 3]);
    const b = f32([], [-1]);
    expect(vals(run("where", [c, a, b], {}, ty("f32", 2, 3)))).toEqual([1, 2, 3, -1, -1, -1]);
    expect(() => run("where", [a, a, a], {}, ty("f32", 3))).toThrow(/must be bool/);
  });
});

describe("cast", () => {
  it("f32 → i32 truncates toward zero, saturating; NaN is 0", () => {
    const x = f32([7], [1.7, -1.7, 2.5, -0.5, 3e9, -3e9, NaN]);
    expect(vals(run("cast", [x], { dtype: "i32" }, ty("i32", 7)))).toEqual([
      1, -1, 2, 0, 2147483647, -2147483648, 0,
    ]);
  });

  it("to bool is x != 0, from bool is 0/1", () => {
    const x = f32([4], [0, -0, 2, NaN]);
    expect(vals(run("cast", [x], { dtype: "bool" }, ty("bool", 4)))).toEqual([0, 0, 1, 1]);
    expect(vals(run("cast", [i32([2], [0, -3])], { dtype: "bool" }, ty("bool", 2)))).toEqual([
      0, 1,
    ]);
    const b = bool([2], [1, 0]);
    expect(vals(run("cast", [b], { dtype: "f32" }, ty("f32", 2)))).toEqual([1, 0]);
    expect(vals(run("cast", [b], { dtype: "i32" }, ty("i32", 2)))).toEqual([1, 0]);
  });

  it("i32 → f32 rounds to nearest", () => {
    const x = i32([2], [16777217, -3]);
    expect(vals(run("cast", [x], { dtype: "f32" }, ty("f32", 2)))).toEqual([16777216, -3]);
    expect(() => run("cast", [x], { dtype: "bool" }, ty("f32", 2))).toThrow(/attribute dtype/);
  });
});

describe("output types", () => {
  it("must have the dtype the op computes", () => {
    const a = f32([2], [1, 2]);
    expect(() => run("add", [a, a], {}, ty("i32", 2))).toThrow(
      /output type is i32 but the result is f32/,
    );
    expect(() => run("lt", [a, a], {}, ty("f32", 2))).toThrow(
      /output type is f32 but the result is bool/,
    );
    expect(() => run("reshape", [a], {}, ty("i32", 2))).toThrow(/output type is i32/);
    expect(() => run("argmax", [a], { axis: 0 }, ty("f32"))).toThrow(/result is i32/);
  });
});
