import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import {
  B,
  S,
  T,
  bol,
  call,
  dim,
  dims,
  err,
  expectFlops,
  f32,
  flt,
  i32,
  int,
  ints,
  kw,
  msg,
  ok,
  out,
  shapeOf,
  sz,
  t,
  tup,
  unified,
} from "./helpers.js";

const d = Dim.sym("d");
const heads = Dim.sym("heads");

describe("reshape", () => {
  it("reshapes when the element counts agree, concrete and symbolic", () => {
    expect(shapeOf("reshape", f32(2, 3, 4), dims(6, 4))).toBe("f32[6, 4]");
    expect(shapeOf("reshape", f32(B, T, 768), dims(B, T, 12, 64))).toBe("f32[B, T, 12, 64]");
    expect(shapeOf("reshape", i32(T), dims(T, 1))).toBe("i32[T, 1]");
    expect(shapeOf("reshape", f32(B, T), dims(dim(B).mul(dim(T))))).toBe("f32[B*T]");
    expect(shapeOf("reshape", f32(), dims(1, 1))).toBe("f32[1, 1]");
    expect(shapeOf("reshape", f32(1, 1), dims())).toBe("f32[]");
    // heads * (d / heads) == d
    expect(shapeOf("reshape", f32(B, d), dims(B, heads, d.div(heads)!))).toBe(
      "f32[B, heads, d/heads]",
    );
    expectFlops(call("reshape", [f32(B, T), dims(T, B)]), "0");
  });

  it("infers one -1 by exact division", () => {
    expect(shapeOf("reshape", f32(B, T, 768), dims(B, T, 4, -1))).toBe("f32[B, T, 4, 192]");
    expect(shapeOf("reshape", f32(B, T, 768), dims(-1, 768))).toBe("f32[B*T, 768]");
    expect(shapeOf("reshape", f32(B, T, 768), dims(B, -1))).toBe("f32[B, 768*T]");
    expect(shapeOf("reshape", f32(2, 6), dims(-1))).toBe("f32[12]");
    expect(shapeOf("reshape", f32(B, d), dims(B, heads, -1))).toBe("f32[B, heads, d/heads]");
  });

  it("names both shapes and counts when they differ", () => {
    expect(err("reshape", f32(B, T, 768), dims(B, T, 4, 16))).toEqual({
      message:
        "reshape: cannot reshape [B, T, 768] (768*B*T elements) to [B, T, 4, 16] (64*B*T elements)",
      arg: "dims",
    });
    expect(msg("reshape", f32(B, T), dims(B, S))).toBe(
      "reshape: cannot reshape [B, T] (B*T elements) to [B, S] (B*S elements)",
    );
    expect(
      out(
        call("reshape", [f32(B, T), dims(B, S)], unified([dim(B).mul(dim(T)), dim(B).mul(dim(S))])),
      ),
    ).toBe("f32[B, S]");
    expect(err("reshape", f32(2, 5), dims(3, -1))).toEqual({
      message: "reshape: cannot reshape [2, 5] (10 elements) to [3, -1]: 10 is not divisible by 3",
      arg: "dims",
    });
    expect(msg("reshape", f32(2, 5), dims(0, -1))).toBe(
      "reshape: cannot reshape [2, 5] (10 elements) to [0, -1]: 10 is not divisible by 0",
    );
  });

  it("refuses several -1 and other negative dims", () => {
    expect(err("reshape", f32(4, 4), dims(-1, 4, -1))).toEqual({
      message: "reshape: at most one dim may be -1, got [-1, 4, -1]",
      arg: "dims",
    });
    expect(msg("reshape", f32(4, 4), dims(-2, 8))).toBe(
      "reshape: the dim -2 in [-2, 8] is negative (only -1, inferred, is allowed)",
    );
  });
});

describe("permute and transpose", () => {
  it("permute reorders axes, with negative axes", () => {
    expect(shapeOf("permute", f32(B, T, 768), ints(2, 0, 1))).toBe("f32[768, B, T]");
    const r = ok("permute", f32(B, T, 768), ints(-1, 0, -2));
    expect(out(r)).toBe("f32[768, B, T]");
    expect(r.axes).toEqual([2, 0, 1]);
    expect(shapeOf("permute", f32(), tup())).toBe("f32[]");
    expectFlops(call("permute", [f32(B, T), ints(1, 0)]), "0");
  });

  it("permute refuses wrong lengths, repeats and out-of-range axes", () => {
    expect(err("permute", f32(B, T, 768), ints(0, 1))).toEqual({
      message: "permute: axes (0, 1) has 2 entries but x is a rank-3 tensor [B, T, 768]",
      arg: "axes",
    });
    expect(msg("permute", f32(B, T), ints(0))).toBe(
      "permute: axes (0) has 1 entry but x is a rank-2 tensor [B, T]",
    );
    expect(msg("permute", f32(B, T, 768), ints(0, 1, 1))).toBe(
      "permute: axis 1 of [B, T, 768] is listed twice (1 in (0, 1, 1))",
    );
    expect(msg("permute", f32(B, T, 768), ints(0, 1, 3))).toBe(
      "permute: axis 3 is out of range for a rank-3 tensor [B, T, 768] (axes are -3 to 2)",
    );
  });

  it("transpose swaps two axes", () => {
    expect(shapeOf("transpose", f32("out", "in"), int(0), int(1))).toBe("f32[in, out]");
    const r = ok("transpose", f32(B, "H", T, "E"), int(-1), int(-2));
    expect(out(r)).toBe("f32[B, H, E, T]");
    expect(r.axes).toEqual([3, 2]);
    expect(shapeOf("transpose", f32(B, T), int(1), int(1))).toBe("f32[B, T]");
    expect(err("transpose", f32(B, T), int(0), int(2))).toEqual({
      message: "transpose: axis 2 is out of range for a rank-2 tensor [B, T] (axes are -2 to 1)",
      arg: "b",
    });
    expect(err("transpose", f32(B), int(-2), int(0)).arg).toBe("a");
  });
});

describe("expand", () => {
  it("broadcasts to the given dims", () => {
    expect(shapeOf("expand", f32(T, 1), dims(B, T, 4))).toBe("f32[B, T, 4]");
    expect(shapeOf("expand", f32(), dims(B, T))).toBe("f32[B, T]");
    expect(shapeOf("expand", i32(3), dims(3))).toBe("i32[3]");
    expect(out(call("expand", [f32(S, 1), dims(T, 4)], unified([S, T])))).toBe("f32[T, 4]");
    expectFlops(call("expand", [f32(1), dims(B)]), "0");
  });

  it("refuses what does not broadcast", () => {
    expect(err("expand", f32(T, 1), dims(B, S, 4))).toEqual({
      message: "expand: cannot broadcast [T, 1] to [B, S, 4]: axis -2 has T vs S",
      arg: "dims",
    });
    expect(msg("expand", f32(3, 2), dims(3, 4))).toBe(
      "expand: cannot broadcast [3, 2] to [3, 4]: axis 1 has 2 vs 4",
    );
    expect(msg("expand", f32(B, T, 4), dims(T, 4))).toBe(
      "expand: cannot broadcast [B, T, 4] to [T, 4]: the target has fewer dims (2 < 3)",
    );
    expect(msg("expand", f32(3), dims(-1))).toBe("expand: dims[0] must not be negative, got -1");
  });
});

describe("concat", () => {
  it("adds the sizes along the axis", () => {
    expect(shapeOf("concat", tup(f32(B, T, 4), f32(B, T, 4)), int(-1))).toBe("f32[B, T, 8]");
    expect(shapeOf("concat", tup(f32(B, T), f32(B, S)), int(1))).toBe("f32[B, S + T]");
    expect(shapeOf("concat", tup(f32(2, 3), f32(5, 3), f32(1, 3)), int(0))).toBe("f32[8, 3]");
    expect(shapeOf("concat", tup(f32(T, 2)), int(0))).toBe("f32[T, 2]");
    expect(shapeOf("concat", tup(f32(T), f32(T)), int(0))).toBe("f32[2*T]");
    expect(ok("concat", tup(f32(T), f32(T)), int(-1)).axes).toEqual([0]);
    expectFlops(call("concat", [tup(f32(T), f32(T)), int(0)]), "0");
  });

  it("refuses empty tuples, scalars, mixed ranks, dtypes and other dims", () => {
    expect(err("concat", tup(), int(0))).toEqual({
      message: "concat: needs at least one tensor, got an empty tuple",
      arg: "tensors",
    });
    expect(msg("concat", tup(f32(), f32()), int(0))).toBe("concat: operand 0 is a scalar f32[]");
    expect(msg("concat", tup(f32(B, T, 768), f32(B, T)), int(0))).toBe(
      "concat: operand 1 is [B, T] (rank 2) but operand 0 is [B, T, 768] (rank 3)",
    );
    expect(msg("concat", tup(f32(T), i32(T)), int(0))).toBe(
      "concat: operand 1 is i32[T] but operand 0 is f32[T] (dtypes differ)",
    );
    expect(err("concat", tup(f32(B, T, 768), f32(B, S, 768)), int(2))).toEqual({
      message:
        "concat: operand 1 [B, S, 768] does not match operand 0 [B, T, 768] on axis 1 (S vs T); only axis 2 may differ",
      arg: "tensors",
    });
    expect(msg("concat", tup(f32(T), f32(T)), int(1))).toBe(
      "concat: axis 1 is out of range for a rank-1 tensor [T] (axes are -1 to 0)",
    );
  });
});

describe("split", () => {
  it("splits into n equal pieces by exact division", () => {
    expect(shapeOf("split", f32(B, T, 2304), int(3), kw("axis", int(-1)))).toBe(
      "(f32[B, T, 768], f32[B, T, 768], f32[B, T, 768])",
    );
    expect(shapeOf("split", f32(B, T, dim(d).mul(Dim.const(3))), int(3), int(-1))).toBe(
      "(f32[B, T, d], f32[B, T, d], f32[B, T, d])",
    );
    expect(shapeOf("split", f32(B, d), int(2), int(1))).toBe("(f32[B, d/2], f32[B, d/2])");
    expect(shapeOf("split", f32(4), int(1), int(0))).toBe("(f32[4])");
    expect(ok("split", f32(4, 6), int(2), int(-1)).axes).toEqual([1]);
    expectFlops(call("split", [f32(4), int(2), int(0)]), "0");
  });

  it("splits into pieces of given sizes that add up", () => {
    expect(shapeOf("split", f32(B, 10), dims(4, 6), int(1))).toBe("(f32[B, 4], f32[B, 6])");
    expect(shapeOf("split", f32(dim(T).add(dim(S))), dims(T, S), int(0))).toBe("(f32[T], f32[S])");
    expect(shapeOf("split", f32(d), dims(d.div(heads)!, d.sub(d.div(heads)!)), int(0))).toBe(
      "(f32[d/heads], f32[d - d/heads])",
    );
    const half = d.div(Dim.const(2))!;
    expect(shapeOf("split", f32(B, d), dims(half, half), int(-1))).toBe(
      "(f32[B, d/2], f32[B, d/2])",
    );
    expect(shapeOf("concat", tup(f32(B, half), f32(B, half)), int(-1))).toBe("f32[B, d]");
    expect(shapeOf("pad", f32(half), int(0), sz(half), int(0))).toBe("f32[d]");
  });

  it("refuses inexact or empty splits", () => {
    expect(err("split", f32(B, T, 10), int(3), int(-1))).toEqual({
      message: "split: axis 2 of [B, T, 10] has size 10, which does not split into 3 equal pieces",
      arg: "sections",
    });
    expect(msg("split", f32(10), int(0), int(0))).toBe(
      "split: the number of pieces must be at least 1, got 0",
    );
    expect(err("split", f32(10), dims(4, 4), int(0))).toEqual({
      message: "split: the sizes (4, 4) add up to 8 but axis 0 of [10] has size 10",
      arg: "sections",
    });
    expect(msg("split", f32(T), dims(T, 1), int(0))).toBe(
      "split: the sizes (T, 1) add up to T + 1 but axis 0 of [T] has size T",
    );
    expect(msg("split", f32(10), tup(), int(0))).toBe("split: the sizes are an empty tuple");
    expect(msg("split", f32(10), int(2), int(1))).toBe(
      "split: axis 1 is out of range for a rank-1 tensor [10] (axes are -1 to 0)",
    );
  });
});

describe("roll and pad", () => {
  it("roll keeps the shape; the shift may be negative or symbolic", () => {
    expect(shapeOf("roll", f32(B, T), int(-1), int(1))).toBe("f32[B, T]");
    expect(shapeOf("roll", f32(B, T), sz(T), int(-1))).toBe("f32[B, T]");
    expect(ok("roll", f32(B, T), int(3), int(-2)).axes).toEqual([0]);
    expect(msg("roll", f32(B), int(1), int(1))).toBe(
      "roll: axis 1 is out of range for a rank-1 tensor [B] (axes are -1 to 0)",
    );
    expectFlops(call("roll", [f32(B), int(1), int(0)]), "0");
  });

  it("pad grows the axis by before + after", () => {
    expect(shapeOf("pad", f32(B, T), int(1), int(2), int(3))).toBe("f32[B, T + 5]");
    expect(shapeOf("pad", f32(B, 4), int(-1), sz("p"), sz("p"))).toBe("f32[B, 2*p + 4]");
    expect(shapeOf("pad", f32(4), int(0), int(0), int(0), flt(-Infinity))).toBe("f32[4]");
    expect(shapeOf("pad", i32(4), int(0), int(1), int(1))).toBe("i32[6]");
    expect(shapeOf("pad", i32(4), int(0), int(1), int(1), int(-1))).toBe("i32[6]");
    expect(shapeOf("pad", t("bool", 4), int(0), int(1), int(1), bol(true))).toBe("bool[6]");
    expect(shapeOf("pad", t("bool", 4), int(0), int(1), int(1))).toBe("bool[6]");
    expect(ok("pad", f32(B, 4), int(-1), int(1), int(1)).axes).toEqual([1]);
    expectFlops(call("pad", [f32(4), int(0), int(1), int(1)]), "0");
  });

  it("pad refuses negative sizes and values that do not fit", () => {
    expect(err("pad", f32(4), int(0), int(-1), int(0))).toEqual({
      message: "pad: before must not be negative, got -1",
      arg: "before",
    });
    expect(err("pad", i32(4), int(0), int(1), int(1), flt(0.5))).toEqual({
      message: "pad: value 0.5 cannot fill an i32 tensor (not an integer)",
      arg: "value",
    });
    expect(msg("pad", f32(4), int(0), int(1), int(1), bol(true))).toBe(
      "pad: value true cannot fill a f32 tensor (use a number)",
    );
    expect(msg("pad", t("bool", 4), int(0), int(1), int(1), flt(2))).toBe(
      "pad: value 2.0 is not a bool (use true or false)",
    );
  });
});
