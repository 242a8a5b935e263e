import { describe, expect, it } from "vitest";
import {
  B,
  T,
  bol,
  bool,
  call,
  err,
  expectFlops,
  f32,
  i32,
  int,
  ints,
  kw,
  msg,
  ok,
  shapeOf,
  sz,
  t,
  tup,
} from "./helpers.js";

const REDUCTIONS = ["sum", "mean", "max", "min", "prod"];

describe("reductions", () => {
  it("remove the reduced axes, or keep them as 1", () => {
    for (const op of REDUCTIONS) {
      expect(shapeOf(op, f32(B, T, 768), int(-1))).toBe("f32[B, T]");
      expect(shapeOf(op, f32(B, T, 768), int(-1), kw("keepdim", bol(true)))).toBe("f32[B, T, 1]");
      expect(shapeOf(op, f32(B, T, 768), ints(0, 2))).toBe("f32[T]");
      expect(shapeOf(op, f32(B, T, 768), ints(0, -1), bol(true))).toBe("f32[1, T, 1]");
      expect(shapeOf(op, f32(B, T, 768), ints(2, 1, 0))).toBe("f32[]");
    }
    expect(shapeOf("mean", f32("B", "H", "W", "C"), tup(int(1), int(2), int(3)), bol(true))).toBe(
      "f32[B, 1, 1, 1]",
    );
  });

  it("report the axes sorted and normalized", () => {
    expect(ok("sum", f32(B, T, 768), ints(-1, 0)).axes).toEqual([0, 2]);
  });

  it("take numeric tensors; mean takes floats", () => {
    expect(shapeOf("sum", i32(B, T), int(1))).toBe("i32[B]");
    expect(shapeOf("max", i32(B, T), int(1))).toBe("i32[B]");
    expect(err("mean", i32(B, T), int(1))).toEqual({
      message: "mean: x must be a float (f32) tensor, got i32[B, T]",
      arg: "x",
      help: "cast(x, f32) first",
    });
    expect(err("sum", bool(B, T), int(1))).toEqual({
      message: "sum: x must be a numeric (f32 or i32) tensor, got bool[B, T]",
      arg: "x",
      help: "cast(x, f32) or cast(x, i32) first",
    });
  });

  it("refuse axes out of range, repeated, or none", () => {
    expect(err("sum", f32(B, T, 768), int(3))).toEqual({
      message: "sum: axis 3 is out of range for a rank-3 tensor [B, T, 768] (axes are -3 to 2)",
      arg: "axis",
    });
    expect(msg("max", f32(B, T, 768), int(-4))).toBe(
      "max: axis -4 is out of range for a rank-3 tensor [B, T, 768] (axes are -3 to 2)",
    );
    expect(msg("sum", f32(), int(0))).toBe(
      "sum: axis 0 is out of range for a rank-0 tensor [] (it has no axes)",
    );
    expect(err("sum", f32(B, T, 768), ints(2, -1))).toEqual({
      message: "sum: axis 2 of [B, T, 768] is listed twice (2 and -1 in (2, -1))",
      arg: "axis",
    });
    expect(msg("sum", f32(B, T), ints(1, 1))).toBe(
      "sum: axis 1 of [B, T] is listed twice (1 in (1, 1))",
    );
    expect(err("prod", f32(B, T), tup())).toEqual({
      message: "prod: axis is an empty tuple: name at least one axis",
      arg: "axis",
    });
  });

  it("count one FLOP per input element", () => {
    expectFlops(call("sum", [f32(B, T, 768), int(-1)]), "768*B*T");
    expectFlops(call("mean", [f32(B, T, 768), ints(0, 1, 2)]), "768*B*T");
  });
});

describe("argmax", () => {
  it("drops the axis and gives i32", () => {
    expect(shapeOf("argmax", f32(B, T, "V"), int(-1))).toBe("i32[B, T]");
    expect(shapeOf("argmax", i32(5), int(0))).toBe("i32[]");
    expect(ok("argmax", f32(B, T, "V"), int(-2)).axes).toEqual([1]);
    expectFlops(call("argmax", [f32(B, "V"), int(1)]), "B*V");
  });

  it("refuses a tuple of axes, bool tensors and out-of-range axes", () => {
    expect(msg("argmax", f32(B, T), ints(0, 1))).toBe(
      "argmax: axis must be an int, got a tuple of 2 values",
    );
    expect(msg("argmax", bool(B), int(0))).toBe(
      "argmax: x must be a numeric (f32 or i32) tensor, got bool[B]",
    );
    expect(msg("argmax", f32(B), int(1))).toBe(
      "argmax: axis 1 is out of range for a rank-1 tensor [B] (axes are -1 to 0)",
    );
  });
});

describe("cumsum", () => {
  it("keeps the shape", () => {
    expect(shapeOf("cumsum", f32(B, T), int(-1))).toBe("f32[B, T]");
    expect(shapeOf("cumsum", i32(T), int(0))).toBe("i32[T]");
    expect(ok("cumsum", f32(B, T), int(-1)).axes).toEqual([1]);
    expectFlops(call("cumsum", [f32(B, T), int(1)]), "B*T");
    expect(msg("cumsum", bool(T), int(0))).toBe(
      "cumsum: x must be a numeric (f32 or i32) tensor, got bool[T]",
    );
    expect(msg("cumsum", f32(T), int(2))).toBe(
      "cumsum: axis 2 is out of range for a rank-1 tensor [T] (axes are -1 to 0)",
    );
  });
});

describe("topk", () => {
  it("gives (values, i32 indices) with the axis becoming k", () => {
    expect(shapeOf("topk", f32(B, T, "V"), int(5))).toBe("(f32[B, T, 5], i32[B, T, 5])");
    expect(shapeOf("topk", f32(B, 10), sz("k"), int(0))).toBe("(f32[k, 10], i32[k, 10])");
    expect(shapeOf("topk", t("i32", B, 10), int(10))).toBe("(i32[B, 10], i32[B, 10])");
    expect(ok("topk", f32(B, 10), int(2), kw("axis", int(-2))).axes).toEqual([0]);
    expectFlops(call("topk", [f32(B, "V"), int(5)]), "B*V");
  });

  it("refuses k larger than the axis when both are known", () => {
    expect(err("topk", f32(B, 4), int(10))).toEqual({
      message: "topk: k = 10 exceeds the size 4 of axis 1 of [B, 4]",
      arg: "k",
    });
    expect(shapeOf("topk", f32(B, T), int(10))).toBe("(f32[B, 10], i32[B, 10])");
    expect(msg("topk", f32(B), int(-1))).toBe("topk: k must not be negative, got -1");
    expect(msg("topk", bool(B), int(1))).toBe(
      "topk: x must be a numeric (f32 or i32) tensor, got bool[B]",
    );
  });
});
