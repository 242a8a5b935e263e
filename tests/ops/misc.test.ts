import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import {
  B,
  S,
  T,
  bol,
  bool,
  call,
  dims,
  dtype,
  err,
  expectFlops,
  f32,
  flt,
  i32,
  int,
  kw,
  msg,
  ok,
  out,
  shapeOf,
  sz,
  t,
  unified,
} from "./helpers.js";

const H = Dim.sym("H");
const W = Dim.sym("W");
const C = Dim.sym("C");

describe("take", () => {
  it("replaces the axis with the ids' shape", () => {
    expect(shapeOf("take", f32("vocab", "d"), i32(B, T))).toBe("f32[B, T, d]");
    expect(shapeOf("take", f32("vocab", "d"), i32(B, T), kw("axis", int(0)))).toBe("f32[B, T, d]");
    expect(shapeOf("take", f32(4, "V", 8), i32(T), int(1))).toBe("f32[4, T, 8]");
    expect(shapeOf("take", f32(4, "V"), i32(), int(-1))).toBe("f32[4]");
    expect(shapeOf("take", i32(10), i32(B, T))).toBe("i32[B, T]");
    expect(ok("take", f32(4, "V"), i32(T), int(-1)).axes).toEqual([1]);
    expectFlops(call("take", [f32("V", "d"), i32(B, T)]), "0");
  });

  it("needs i32 ids and an axis in range", () => {
    expect(err("take", f32("V", "d"), f32(B, T))).toEqual({
      message: "take: ids must be an i32 tensor, got f32[B, T]",
      arg: "ids",
      help: "cast(ids, i32)",
    });
    expect(msg("take", f32(), i32(B))).toBe(
      "take: axis 0 is out of range for a rank-0 tensor [] (it has no axes)",
    );
    expect(msg("take", f32(4), int(0))).toBe("take: ids must be a tensor, got the int 0");
  });
});

describe("take_along", () => {
  it("has the ids' shape and x's dtype", () => {
    expect(shapeOf("take_along", f32(B, T, "V"), i32(B, T, 5), int(-1))).toBe("f32[B, T, 5]");
    expect(shapeOf("take_along", f32(B, T), i32(B, 1), int(1))).toBe("f32[B, 1]");
    expect(shapeOf("take_along", i32(10, 4), i32(3, 4), int(0))).toBe("i32[3, 4]");
    expect(out(call("take_along", [f32(B, S, 8), i32(B, T, 2), int(2)], unified([S, T])))).toBe(
      "f32[B, T, 2]",
    );
    expect(ok("take_along", f32(B, T), i32(B, 1), int(-1)).axes).toEqual([1]);
    expectFlops(call("take_along", [f32(B, T), i32(B, 1), int(1)]), "0");
  });

  it("refuses other ranks, other dims, non-i32 ids", () => {
    expect(err("take_along", f32(B, T, "V"), i32(B, T), int(-1))).toEqual({
      message: "take_along: ids [B, T] must have the rank of x [B, T, V] (2 vs 3)",
      arg: "ids",
    });
    expect(err("take_along", f32(B, T, "V"), i32(B, 4, 2), int(2))).toEqual({
      message:
        "take_along: ids [B, 4, 2] and x [B, T, V] differ on axis 1 (4 vs T); only axis 2 may differ",
      arg: "ids",
    });
    expect(msg("take_along", f32(B, T), bool(B, T), int(1))).toBe(
      "take_along: ids must be an i32 tensor, got bool[B, T]",
    );
    expect(msg("take_along", f32(B, T), i32(B, T), int(2))).toBe(
      "take_along: axis 2 is out of range for a rank-2 tensor [B, T] (axes are -2 to 1)",
    );
  });
});

describe("creation", () => {
  it("arange gives i32 of size n or b - a", () => {
    expect(shapeOf("arange", sz(T))).toBe("i32[T]");
    expect(shapeOf("arange", int(5))).toBe("i32[5]");
    expect(shapeOf("arange", int(0))).toBe("i32[0]");
    expect(shapeOf("arange", int(2), int(7))).toBe("i32[5]");
    expect(shapeOf("arange", int(-3), int(3))).toBe("i32[6]");
    expect(shapeOf("arange", sz(Dim.sym("hd").div(Dim.const(2))!))).toBe("i32[hd/2]");
    expect(shapeOf("arange", int(1), sz(T))).toBe("i32[T - 1]");
    expect(shapeOf("arange", kw("a", int(1)), kw("b", int(3)))).toBe("i32[2]");
    expectFlops(call("arange", [sz(T)]), "0");
    expect(err("arange", int(-1))).toEqual({
      message: "arange: the size -1 is negative",
      arg: "a",
    });
    expect(err("arange", int(5), int(2))).toEqual({
      message: "arange: the end 2 is before the start 5",
      arg: "b",
    });
    expect(msg("arange", flt(2))).toBe("arange: a must be a size, got the float 2.0");
  });

  it("full fills with a value that fits the dtype", () => {
    expect(shapeOf("full", dims(B, T), flt(0.5))).toBe("f32[B, T]");
    expect(shapeOf("full", dims(T, T), flt(-Infinity))).toBe("f32[T, T]");
    expect(shapeOf("full", dims(T, T), bol(true), dtype("bool"))).toBe("bool[T, T]");
    expect(shapeOf("full", dims(T), int(0), dtype("bool"))).toBe("bool[T]");
    expect(shapeOf("full", dims(T), int(7), kw("dtype", dtype("i32")))).toBe("i32[T]");
    expect(shapeOf("full", dims(T), flt(7), dtype("i32"))).toBe("i32[T]");
    expect(shapeOf("full", dims(), int(1))).toBe("f32[]");
    expectFlops(call("full", [dims(B, T), flt(0)]), "0");
    expect(err("full", dims(T), bol(true))).toEqual({
      message: "full: value true cannot fill a f32 tensor (use a number)",
      arg: "value",
    });
    expect(msg("full", dims(T), flt(0.5), dtype("i32"))).toBe(
      "full: value 0.5 cannot fill an i32 tensor (not an integer)",
    );
    expect(msg("full", dims(T), flt(Infinity), dtype("i32"))).toBe(
      "full: value inf cannot fill an i32 tensor (not an integer)",
    );
    expect(msg("full", dims(T), int(2), dtype("bool"))).toBe(
      "full: value 2 is not a bool (use true or false)",
    );
    expect(msg("full", dims(T, -1), int(0))).toBe("full: dims[1] must not be negative, got -1");
  });

  it("zeros, ones, eye, dct_matrix", () => {
    expect(shapeOf("zeros", dims(B, T))).toBe("f32[B, T]");
    expect(shapeOf("ones", dims(4))).toBe("f32[4]");
    expect(shapeOf("zeros", dims(4), dtype("i32"))).toBe("i32[4]");
    expect(shapeOf("ones", dims(), kw("dtype", dtype("bool")))).toBe("bool[]");
    expect(shapeOf("eye", sz("n"))).toBe("f32[n, n]");
    expect(shapeOf("eye", int(3), dtype("i32"))).toBe("i32[3, 3]");
    expect(shapeOf("dct_matrix", int(8))).toBe("f32[8, 8]");
    expect(shapeOf("dct_matrix", sz("n"))).toBe("f32[n, n]");
    expect(err("dct_matrix", int(0))).toEqual({
      message: "dct_matrix: n must be at least 1, got 0",
      arg: "n",
    });
    for (const op of ["zeros", "ones"]) expectFlops(call(op, [dims(B)]), "0");
    expectFlops(call("eye", [int(3)]), "0");
    expectFlops(call("dct_matrix", [int(3)]), "0");
  });
});

describe("avg_pool2d", () => {
  it("computes the spatial dims", () => {
    expect(shapeOf("avg_pool2d", f32(B, H, W, C), int(3), kw("pad", int(1)))).toBe(
      "f32[B, H, W, C]",
    );
    expect(shapeOf("avg_pool2d", f32(B, 32, 32, 16), int(2), int(2))).toBe("f32[B, 16, 16, 16]");
    expect(shapeOf("avg_pool2d", f32(B, 7, 9, 16), int(3), int(2), int(1))).toBe(
      "f32[B, 4, 5, 16]",
    );
    expect(shapeOf("avg_pool2d", f32(B, H, W, C), int(3))).toBe("f32[B, H - 2, W - 2, C]");
    expect(shapeOf("avg_pool2d", f32(B, H, W, C), int(2), int(2))).toBe(
      "f32[B, floor_div(H - 2, 2) + 1, floor_div(W - 2, 2) + 1, C]",
    );
    expect(
      shapeOf(
        "avg_pool2d",
        f32(B, H, W, C),
        int(3),
        int(1),
        int(1),
        kw("count_include_pad", bol(true)),
      ),
    ).toBe("f32[B, H, W, C]");
    expectFlops(call("avg_pool2d", [f32(B, H, W, C), int(3), kw("pad", int(1))]), "9*B*C*H*W");
  });

  it("refuses wrong ranks and dtypes, windows too large, bad strides and pads", () => {
    expect(err("avg_pool2d", f32(B, H, W), int(3))).toEqual({
      message: "avg_pool2d: x must be [B, H, W, C] (rank 4, channels last), got [B, H, W]",
      arg: "x",
    });
    expect(msg("avg_pool2d", i32(B, H, W, C), int(3))).toBe(
      "avg_pool2d: x must be a float (f32) tensor, got i32[B, H, W, C]",
    );
    expect(err("avg_pool2d", f32(B, 2, 2, C), int(5), int(1), int(1))).toEqual({
      message: "avg_pool2d: the window 5 does not fit the padded height 4 of [B, 2, 2, C]",
      arg: "x",
    });
    expect(shapeOf("avg_pool2d", f32(B, 2, 2, C), int(5), int(1), int(2))).toBe("f32[B, 2, 2, C]");
    expect(msg("avg_pool2d", f32(B, 2, 2, C), int(3))).toBe(
      "avg_pool2d: the window 3 does not fit the padded height 2 of [B, 2, 2, C]",
    );
    expect(msg("avg_pool2d", f32(B, 8, 2, C), int(3))).toBe(
      "avg_pool2d: the window 3 does not fit the padded width 2 of [B, 8, 2, C]",
    );
    expect(err("avg_pool2d", f32(B, H, W, C), int(3), int(1), int(2))).toEqual({
      message: "avg_pool2d: pad = 2 is more than half of k = 3",
      arg: "pad",
    });
    expect(err("avg_pool2d", f32(B, H, W, C), int(3), int(0))).toEqual({
      message: "avg_pool2d: stride must be at least 1, got 0",
      arg: "stride",
    });
    expect(msg("avg_pool2d", f32(B, H, W, C), int(0))).toBe(
      "avg_pool2d: k must be at least 1, got 0",
    );
  });
});

describe("conv2d_depthwise", () => {
  it("computes the spatial dims, stride 1", () => {
    expect(shapeOf("conv2d_depthwise", f32(B, H, W, C), f32(C, 3, 3), kw("pad", int(1)))).toBe(
      "f32[B, H, W, C]",
    );
    expect(shapeOf("conv2d_depthwise", f32(B, H, W, C), f32(C, 3, 3))).toBe(
      "f32[B, H - 2, W - 2, C]",
    );
    expect(shapeOf("conv2d_depthwise", f32(B, 8, 8, 4), f32(4, 3, 5), int(1))).toBe(
      "f32[B, 8, 6, 4]",
    );
    expect(shapeOf("conv2d_depthwise", f32(B, H, W, C), f32(C, "k", "k"), sz("p"))).toBe(
      "f32[B, H - k + 2*p + 1, W - k + 2*p + 1, C]",
    );
    expectFlops(call("conv2d_depthwise", [f32(B, H, W, C), f32(C, 3, 3), int(1)]), "18*B*C*H*W");
  });

  it("checks the kernel", () => {
    expect(err("conv2d_depthwise", f32(B, H, W, 32), f32(64, 3, 3))).toEqual({
      message: "conv2d_depthwise: w [64, 3, 3] has 64 channels but x [B, H, W, 32] has 32",
      arg: "w",
    });
    expect(msg("conv2d_depthwise", f32(B, H, W, C), f32(C, 3))).toBe(
      "conv2d_depthwise: w must be [C, k, k] (rank 3), got [C, 3]",
    );
    expect(msg("conv2d_depthwise", f32(B, H, W, C), t("f16", C, 3, 3))).toBe(
      "conv2d_depthwise: the dtypes differ: x is f32[B, H, W, C], w is f16[C, 3, 3]",
    );
    expect(msg("conv2d_depthwise", f32(B, 2, 8, C), f32(C, 3, 3))).toBe(
      "conv2d_depthwise: the window 3 does not fit the padded height 2 of [B, 2, 8, C]",
    );
    expect(msg("conv2d_depthwise", f32(H, W, C), f32(C, 3, 3))).toBe(
      "conv2d_depthwise: x must be [B, H, W, C] (rank 4, channels last), got [H, W, C]",
    );
  });
});

describe("rfft and irfft", () => {
  it("rfft gives (re, im) with the axis becoming floor_div(n, 2) + 1", () => {
    expect(shapeOf("rfft", f32(B, 16), int(-1))).toBe("(f32[B, 9], f32[B, 9])");
    expect(shapeOf("rfft", f32(B, 15), int(1))).toBe("(f32[B, 8], f32[B, 8])");
    expect(shapeOf("rfft", f32(B, T, 4), int(1))).toBe(
      "(f32[B, floor_div(T, 2) + 1, 4], f32[B, floor_div(T, 2) + 1, 4])",
    );
    expect(ok("rfft", f32(B, T), int(-1)).axes).toEqual([1]);
    expect(msg("rfft", i32(B, 16), int(-1))).toBe(
      "rfft: x must be a float (f32) tensor, got i32[B, 16]",
    );
    expect(msg("rfft", f32(B), int(1))).toBe(
      "rfft: axis 1 is out of range for a rank-1 tensor [B] (axes are -1 to 0)",
    );
    // a dense real DFT: 4 * n * (n/2 + 1) per row
    expectFlops(call("rfft", [f32(B, 16), int(-1)]), "576*B");
  });

  it("irfft maps floor_div(n, 2) + 1 back to n", () => {
    expect(shapeOf("irfft", f32(B, 9), f32(B, 9), int(16), int(-1))).toBe("f32[B, 16]");
    expect(shapeOf("irfft", f32(B, 9), f32(B, 9), int(17), int(1))).toBe("f32[B, 17]");
    const half = Dim.sym("T").floorDiv(Dim.const(2))!.add(Dim.const(1));
    expect(shapeOf("irfft", f32(B, half), f32(B, half), sz(T), int(1))).toBe("f32[B, T]");
    expect(ok("irfft", f32(9, B), f32(9, B), int(16), int(0)).axes).toEqual([0]);
    expectFlops(call("irfft", [f32(B, 9), f32(B, 9), int(16), int(-1)]), "576*B");
  });

  it("irfft checks re, im and n", () => {
    expect(err("irfft", f32(B, 9), f32(B, 9), int(20), int(-1))).toEqual({
      message: "irfft: axis 1 of re [B, 9] has size 9 but n = 20 needs floor_div(n, 2) + 1 = 11",
      arg: "n",
    });
    expect(err("irfft", f32(B, 9), f32(B, 8), int(16), int(-1))).toEqual({
      message: "irfft: re and im must have one type, got f32[B, 9] and f32[B, 8]",
      arg: "im",
    });
    expect(msg("irfft", f32(B, 9), f32(9), int(16), int(-1))).toBe(
      "irfft: re and im must have one type, got f32[B, 9] and f32[9]",
    );
    expect(msg("irfft", f32(B, 9), t("f16", B, 9), int(16), int(-1))).toBe(
      "irfft: re and im must have one type, got f32[B, 9] and f16[B, 9]",
    );
    expect(msg("irfft", i32(B, 9), i32(B, 9), int(16), int(-1))).toBe(
      "irfft: re must be a float (f32) tensor, got i32[B, 9]",
    );
    expect(msg("irfft", f32(B, 1), f32(B, 1), int(0), int(-1))).toBe(
      "irfft: n must be at least 1, got 0",
    );
    expect(out(call("irfft", [f32(S, 9), f32(T, 9), int(16), int(1)], unified([S, T])))).toBe(
      "f32[S, 16]",
    );
  });
});

describe("bspline_basis", () => {
  it("adds an axis of grid + order", () => {
    expect(shapeOf("bspline_basis", f32(B, T, 8), int(5), int(3))).toBe("f32[B, T, 8, 8]");
    expect(shapeOf("bspline_basis", f32(B), sz("g"), int(3), flt(-2), flt(2))).toBe(
      "f32[B, g + 3]",
    );
    expect(shapeOf("bspline_basis", f32(), int(4), int(0), kw("hi", int(5)))).toBe("f32[4]");
    expectFlops(call("bspline_basis", [f32(B), int(5), int(3)]), "160*B");
  });

  it("checks its arguments", () => {
    expect(err("bspline_basis", f32(B), int(5), int(3), flt(1), flt(1))).toEqual({
      message: "bspline_basis: lo = 1 must be less than hi = 1",
      arg: "hi",
    });
    expect(msg("bspline_basis", f32(B), int(0), int(3))).toBe(
      "bspline_basis: grid must be at least 1, got 0",
    );
    expect(msg("bspline_basis", f32(B), int(5), int(-1))).toBe(
      "bspline_basis: order must be at least 0, got -1",
    );
    expect(msg("bspline_basis", i32(B), int(5), int(3))).toBe(
      "bspline_basis: x must be a float (f32) tensor, got i32[B]",
    );
  });
});
