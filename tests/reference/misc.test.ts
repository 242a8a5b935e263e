import { describe, expect, it } from "vitest";
import { expectClose, f32, i32, run, runAll, ty, vals } from "./helpers.js";

describe("cumsum", () => {
  it("inclusive prefix sums along the axis", () => {
    expect(vals(run("cumsum", [f32([4], [1, 2, 3, 4])], { axis: 0 }, ty("f32", 4)))).toEqual([
      1, 3, 6, 10,
    ]);
    const m = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(vals(run("cumsum", [m], { axis: 0 }, ty("f32", 2, 3)))).toEqual([1, 2, 3, 5, 7, 9]);
    expect(vals(run("cumsum", [m], { axis: 1 }, ty("f32", 2, 3)))).toEqual([1, 3, 6, 4, 9, 15]);
    expect(vals(run("cumsum", [i32([3], [2147483647, 1, -1])], { axis: 0 }, ty("i32", 3)))).toEqual(
      [2147483647, -2147483648, 2147483647],
    );
  });
});

describe("topk", () => {
  const topk = (x: ReturnType<typeof f32>, axis: number, ...shape: number[]) =>
    runAll("topk", [x], { axis }, [ty(x.dtype, ...shape), ty("i32", ...shape)]).map(vals);

  it("the k largest, descending, ties keep the lower index first", () => {
    const x = f32([4], [3, 1, 3, 2]);
    expect(topk(x, 0, 2)).toEqual([
      [3, 3],
      [0, 2],
    ]);
    expect(topk(x, 0, 4)).toEqual([
      [3, 3, 2, 1],
      [0, 2, 3, 1],
    ]);
    const t = f32([5], [1, 1, 1, 1, 1]);
    expect(topk(t, 0, 3)).toEqual([
      [1, 1, 1],
      [0, 1, 2],
    ]);
  });

  it("along axis 0 of a matrix, i32, NaN largest", () => {
    const m = i32([3, 2], [1, 9, 5, 9, 3, 0]);
    expect(topk(m, 0, 2, 2)).toEqual([
      [5, 9, 3, 9],
      [1, 0, 2, 1],
    ]);
    const n = f32([3], [1, NaN, 2]);
    const [v, idx] = topk(n, 0, 2);
    expectClose(v!, [NaN, 2]);
    expect(idx).toEqual([1, 2]);
  });

  it("refuses k above the axis size", () => {
    expect(() => topk(f32([2]), 0, 3)).toThrow(/k = 3 exceeds the size 2/);
  });
});

describe("creation", () => {
  it("arange counts from start, length from the output", () => {
    expect(vals(run("arange", [], { start: 3 }, ty("i32", 4)))).toEqual([3, 4, 5, 6]);
    expect(vals(run("arange", [], { start: -2 }, ty("i32", 3)))).toEqual([-2, -1, 0]);
    expect(vals(run("arange", [], { start: 0 }, ty("i32", 0)))).toEqual([]);
  });

  it("full fills with the value", () => {
    expect(vals(run("full", [], { value: 2.5 }, ty("f32", 2, 2)))).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(vals(run("full", [], { value: 7 }, ty("i32", 3)))).toEqual([7, 7, 7]);
    expect(vals(run("full", [], { value: true }, ty("bool", 2)))).toEqual([1, 1]);
    expect(vals(run("full", [], { value: -Infinity }, ty("f32", 1)))).toEqual([-Infinity]);
    expect(vals(run("full", [], { value: 1 }, ty("f32")))).toEqual([1]);
  });

  it("eye is the identity", () => {
    expect(vals(run("eye", [], {}, ty("f32", 3, 3)))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(vals(run("eye", [], {}, ty("bool", 2, 2)))).toEqual([1, 0, 0, 1]);
  });
});
