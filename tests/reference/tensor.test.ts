import { describe, expect, it } from "vitest";
import {
  aroundAxis,
  broadcastOffsets,
  broadcastShapes,
  broadcastStrides,
  forEachIndex,
  get,
  numel,
  offsetOf,
  scalar,
  strides,
  tensor,
  unravel,
  zerosLike,
} from "../../runtime/reference/tensor.js";

describe("tensor", () => {
  it("constructs tensors of each dtype", () => {
    const a = tensor("f32", [2, 2], [0.1, 1, 2, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.data[0]).toBe(Math.fround(0.1));
    const b = tensor("i32", [3], [1, -2, 3]);
    expect(b.data).toBeInstanceOf(Int32Array);
    expect(Array.from(b.data)).toEqual([1, -2, 3]);
    const c = tensor("bool", [4], [true, false, 2, 0]);
    expect(c.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(c.data)).toEqual([1, 0, 1, 0]);
    expect(Array.from(tensor("f32", [2, 0, 3]).data)).toEqual([]);
    expect(Array.from(tensor("f32", [2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(scalar("f32", 2.5)).toEqual({ dtype: "f32", shape: [], data: new Float32Array([2.5]) });
  });

  it("rejects a wrong number of values and invalid shapes", () => {
    expect(() => tensor("f32", [2, 3], [1, 2])).toThrow(/2 values given for shape \[2, 3\]/);
    expect(() => tensor("f32", [-1])).toThrow(/invalid shape/);
  });

  it("zerosLike keeps the dtype and shape", () => {
    const z = zerosLike(tensor("i32", [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(z.dtype).toBe("i32");
    expect(z.shape).toEqual([2, 3]);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("computes numel, strides and indices (row-major)", () => {
    expect(numel([])).toBe(1);
    expect(numel([2, 3, 4])).toBe(24);
    expect(numel([2, 0])).toBe(0);
    expect(strides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(strides([])).toEqual([]);
    expect(offsetOf([12, 4, 1], [1, 2, 3])).toBe(23);
    expect(unravel(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(get(tensor("f32", [2, 3], [0, 1, 2, 3, 4, 5]), [1, 0])).toBe(3);
    expect(aroundAxis([2, 3, 4], 1)).toEqual({ outer: 2, n: 3, inner: 4 });
    expect(() => aroundAxis([2], 1)).toThrow(/axis 1 is out of range/);
  });

  it("visits indices in row-major order", () => {
    const seen: string[] = [];
    forEachIndex(
      [2, 2],
      [
        [2, 1],
        [1, 0],
      ],
      (off, index) => {
        seen.push(`${index.join("")}:${off.join(",")}`);
      },
    );
    expect(seen).toEqual(["00:0,0", "01:1,0", "10:2,1", "11:3,1"]);
    let calls = 0;
    forEachIndex([], [], () => calls++);
    expect(calls).toBe(1);
    forEachIndex([3, 0], [], () => calls++);
    expect(calls).toBe(1);
  });

  it("broadcasts shapes with NumPy rules", () => {
    expect(broadcastShapes([2, 1], [3])).toEqual([2, 3]);
    expect(broadcastShapes([4, 1, 3], [2, 1], [])).toEqual([4, 2, 3]);
    expect(broadcastShapes([], [])).toEqual([]);
    expect(broadcastShapes([0], [1])).toEqual([0]);
    expect(() => broadcastShapes([2, 3], [2])).toThrow(/cannot broadcast \[2, 3\] with \[2\]/);
  });

  it("maps output indices to input offsets", () => {
    expect(broadcastStrides([2, 1], [2, 3])).toEqual([1, 0]);
    expect(broadcastStrides([3], [2, 3])).toEqual([0, 1]);
    expect(Array.from(broadcastOffsets([2, 1], [2, 3]))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(broadcastOffsets([3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(broadcastOffsets([], [2, 2]))).toEqual([0, 0, 0, 0]);
    // [2, 1, 2] → [2, 3, 2]: the middle axis repeats each pair.
    expect(Array.from(broadcastOffsets([2, 1, 2], [2, 3, 2]))).toEqual([
      0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3,
    ]);
    expect(() => broadcastOffsets([2], [3])).toThrow(/cannot broadcast \[2\] to \[3\]/);
    expect(() => broadcastOffsets([2, 3], [3])).toThrow(/cannot broadcast/);
  });
});
