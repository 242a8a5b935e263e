import { describe, expect, it } from "vitest";
import { expectClose, f32, i32, run, ty, vals } from "./helpers.js";

// [[1, 2, 3], [4, 5, 6]]
const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);

describe("reductions", () => {
  it("sum, mean, max, min, prod over one axis", () => {
    const r = (op: string, axis: number, n: number) =>
      vals(run(op, [x], { axes: [axis], keepdim: false }, ty("f32", n)));
    expect(r("sum", 1, 2)).toEqual([6, 15]);
    expect(r("sum", 0, 3)).toEqual([5, 7, 9]);
    expect(r("mean", 0, 3)).toEqual([2.5, 3.5, 4.5]);
    expect(r("mean", 1, 2)).toEqual([2, 5]);
    expect(r("max", 1, 2)).toEqual([3, 6]);
    expect(r("min", 0, 3)).toEqual([1, 2, 3]);
    expect(r("prod", 1, 2)).toEqual([6, 120]);
  });

  it("keepdim keeps the reduced axes as size 1", () => {
    const t = run("sum", [x], { axes: [1], keepdim: true }, ty("f32", 2, 1));
    expect(vals(t)).toEqual([6, 15]);
    const all = run("sum", [x], { axes: [0, 1], keepdim: true }, ty("f32", 1, 1));
    expect(vals(all)).toEqual([21]);
    expect(() => run("sum", [x], { axes: [1], keepdim: true }, ty("f32", 2))).toThrow(
      /output type says \[2\] but the reduction is \[2, 1\]/,
    );
  });

  it("reduces several axes, to a scalar when all are", () => {
    expect(vals(run("sum", [x], { axes: [0, 1], keepdim: false }, ty("f32")))).toEqual([21]);
    // values 0..7 as [2, 2, 2]: element (i, j, k) = 4i + 2j + k; summing i and k leaves j.
    const y = f32([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(vals(run("sum", [y], { axes: [2, 0], keepdim: false }, ty("f32", 2)))).toEqual([10, 18]);
    expect(vals(run("max", [y], { axes: [0, 2], keepdim: true }, ty("f32", 1, 2, 1)))).toEqual([
      5, 7,
    ]);
  });

  it("over an empty axis: sum 0, prod 1, mean NaN, max -inf, min +inf", () => {
    const e = f32([2, 0]);
    const r = (op: string) => run(op, [e], { axes: [1], keepdim: false }, ty("f32", 2));
    expect(vals(r("sum"))).toEqual([0, 0]);
    expect(vals(r("prod"))).toEqual([1, 1]);
    expectClose(r("mean"), [NaN, NaN]);
    expect(vals(r("max"))).toEqual([-Infinity, -Infinity]);
    expect(vals(r("min"))).toEqual([Infinity, Infinity]);
    // i32 has no infinities: its extremes.
    const n = i32([0, 2]);
    const ri = (op: string) => vals(run(op, [n], { axes: [0], keepdim: false }, ty("i32", 2)));
    expect(ri("max")).toEqual([-2147483648, -2147483648]);
    expect(ri("min")).toEqual([2147483647, 2147483647]);
    expect(ri("sum")).toEqual([0, 0]);
    expect(ri("prod")).toEqual([1, 1]);
    // Reducing an empty tensor's other axis gives an empty result.
    expect(vals(run("sum", [e], { axes: [0], keepdim: false }, ty("f32", 0)))).toEqual([]);
  });

  it("max and min propagate NaN", () => {
    const y = f32([2, 2], [1, NaN, 3, 2]);
    expectClose(run("max", [y], { axes: [1], keepdim: false }, ty("f32", 2)), [NaN, 3]);
    expectClose(run("min", [y], { axes: [1], keepdim: false }, ty("f32", 2)), [NaN, 2]);
  });

  it("i32 sums and products wrap; mean needs f32", () => {
    const n = i32([3], [2147483647, 1, 5]);
    expect(vals(run("sum", [n], { axes: [0], keepdim: false }, ty("i32")))).toEqual([-2147483643]);
    const m = i32([2], [65536, 65536]);
    expect(vals(run("prod", [m], { axes: [0], keepdim: false }, ty("i32")))).toEqual([0]);
    expect(() => run("mean", [n], { axes: [0], keepdim: false }, ty("i32"))).toThrow(/f32/);
  });

  it("rejects bad axes", () => {
    expect(() => run("sum", [x], { axes: [2], keepdim: false }, ty("f32", 2))).toThrow(
      /axis 2 is out of range/,
    );
    expect(() => run("sum", [x], { axes: [1, 1], keepdim: false }, ty("f32", 2))).toThrow(
      /listed twice/,
    );
    expect(() => run("sum", [x], { axes: [1] }, ty("f32", 2))).toThrow(/'keepdim' is missing/);
  });
});

describe("argmax", () => {
  it("returns the first index of the maximum, i32", () => {
    const y = f32([2, 3], [1, 3, 3, 5, 2, 5]);
    expect(vals(run("argmax", [y], { axis: 1 }, ty("i32", 2)))).toEqual([1, 0]);
    expect(vals(run("argmax", [y], { axis: 0 }, ty("i32", 3)))).toEqual([1, 0, 1]);
    const n = i32([4], [-5, -2, -9, -2]);
    expect(vals(run("argmax", [n], { axis: 0 }, ty("i32")))).toEqual([1]);
  });

  it("counts NaN as the maximum (first NaN)", () => {
    const y = f32([4], [1, NaN, 7, NaN]);
    expect(vals(run("argmax", [y], { axis: 0 }, ty("i32")))).toEqual([1]);
  });

  it("refuses an empty axis", () => {
    expect(() => run("argmax", [f32([2, 0])], { axis: 1 }, ty("i32", 2))).toThrow(/empty axis/);
  });
});
