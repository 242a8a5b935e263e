import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import { formatIndex, type IndexElem, type SliceAxis } from "../../compiler/ops/index.js";
import {
  B,
  T,
  call,
  dim,
  err,
  expectFlops,
  f32,
  i32,
  index,
  msg,
  ok,
  shapeOf,
  type D,
} from "./helpers.js";

const E: IndexElem = { kind: "ellipsis" };
const at = (i: D): IndexElem => ({ kind: "int", value: dim(i) });
function sl(start?: D, stop?: D, step?: number): IndexElem {
  const e: IndexElem = { kind: "slice" };
  if (start !== undefined) e.start = dim(start);
  if (stop !== undefined) e.stop = dim(stop);
  if (step !== undefined) e.step = step;
  return e;
}

const hd = Dim.sym("hd");
const half = hd.div(Dim.const(2))!;

function axesText(axes: SliceAxis[] | undefined): string[] {
  return (axes ?? []).map((a) =>
    a.kind === "index" ? `i${a.index}` : `${a.start}:${a.stop}:${a.step}=${a.size}`,
  );
}

describe("slice: shapes", () => {
  it("drops an axis for an int index, keeps it for a slice", () => {
    expect(shapeOf("slice", f32(B, T, 8), index(at(0)))).toBe("f32[T, 8]");
    expect(shapeOf("slice", f32(B, T, 8), index(sl(), at(0)))).toBe("f32[B, 8]");
    expect(shapeOf("slice", f32(B, T, 8), index(E, at(0)))).toBe("f32[B, T]");
    expect(shapeOf("slice", f32(B, T, 8), index(at(0), at(1), at(2)))).toBe("f32[]");
    expect(shapeOf("slice", f32(B, T, 8), index())).toBe("f32[B, T, 8]");
    expect(shapeOf("slice", i32(B, T, 8), index(E))).toBe("i32[B, T, 8]");
    expect(shapeOf("slice", f32(B, T, 8), index(at(0), E, at(0)))).toBe("f32[T]");
    expect(shapeOf("slice", f32(B, T, 8), index(at(0), at(0), E, at(0)))).toBe("f32[]");
    expectFlops(call("slice", [f32(B, T), index(at(0))]), "0");
  });

  it("slices with constant bounds, negatives counting from the end", () => {
    expect(shapeOf("slice", f32(10), index(sl(2, 5)))).toBe("f32[3]");
    expect(shapeOf("slice", f32(10), index(sl(-3)))).toBe("f32[3]");
    expect(shapeOf("slice", f32(10), index(sl(undefined, -1)))).toBe("f32[9]");
    expect(shapeOf("slice", f32(10), index(sl(3, 3)))).toBe("f32[0]");
    expect(shapeOf("slice", f32(10), index(sl(0, 10)))).toBe("f32[10]");
    expect(shapeOf("slice", f32(10), index(sl(undefined, undefined, 3)))).toBe("f32[4]");
    expect(shapeOf("slice", f32(10), index(sl(1, undefined, 2)))).toBe("f32[5]");
    expect(shapeOf("slice", f32(B, 10), index(at(-1)))).toBe("f32[10]");
    const r = ok("slice", f32(B, 10), index(E, at(-1)));
    expect(axesText(r.slice?.axes)).toEqual(["0:B:1=B", "i9"]);
    const s = ok("slice", f32(10), index(sl(-3, undefined, 2)));
    expect(axesText(s.slice?.axes)).toEqual(["7:10:2=2"]);
  });

  it("slices with symbolic bounds using dim arithmetic", () => {
    expect(shapeOf("slice", f32(B, T, hd), index(E, sl(0, half)))).toBe("f32[B, T, hd/2]");
    expect(shapeOf("slice", f32(B, T, hd), index(E, sl(half)))).toBe("f32[B, T, hd/2]");
    expect(shapeOf("slice", f32(B, T, hd), index(E, sl(0, undefined, 2)))).toBe(
      "f32[B, T, ceil_div(hd, 2)]",
    );
    expect(shapeOf("slice", f32(B, T, hd), index(E, sl(1, undefined, 2)))).toBe(
      "f32[B, T, ceil_div(hd - 1, 2)]",
    );
    expect(
      shapeOf("slice", f32(dim(T).mul(Dim.const(2))), index(sl(undefined, undefined, 2))),
    ).toBe("f32[T]");
    expect(shapeOf("slice", f32(T), index(sl(1)))).toBe("f32[T - 1]");
    expect(shapeOf("slice", f32(T), index(sl(-1)))).toBe("f32[1]");
    expect(shapeOf("slice", f32(T), index(sl(undefined, -1)))).toBe("f32[T - 1]");
    expect(shapeOf("slice", f32(T), index(sl(2, dim(T).sub(Dim.const(1)))))).toBe("f32[T - 3]");
    expect(shapeOf("slice", f32(10), index(sl(0, "k")))).toBe("f32[k]");
    expect(shapeOf("slice", f32(B, T), index(E, at(dim(T).sub(Dim.const(1)))))).toBe("f32[B]");
    const r = ok("slice", f32(T), index(sl(-2)));
    expect(axesText(r.slice?.axes)).toEqual(["T - 2:T:1=2"]);
  });
});

describe("slice: errors", () => {
  it("refuses indices out of range when known", () => {
    expect(err("slice", f32(B, 4), index(E, at(4)))).toEqual({
      message: "slice: index 4 is out of range for axis 1 of [B, 4] (size 4)",
      arg: "index",
    });
    expect(msg("slice", f32(B, 4), index(E, at(-5)))).toBe(
      "slice: index -5 is out of range for axis 1 of [B, 4] (size 4)",
    );
    expect(msg("slice", f32(10), index(sl(0, 11)))).toBe(
      "slice: stop 11 is out of range for axis 0 of [10] (size 10)",
    );
    expect(msg("slice", f32(10), index(sl(-11)))).toBe(
      "slice: start -11 is out of range for axis 0 of [10] (size 10)",
    );
    expect(msg("slice", f32(10), index(sl(12)))).toBe(
      "slice: start 12 is out of range for axis 0 of [10] (size 10)",
    );
  });

  it("refuses reversed slices, bad steps, too many indices and two ellipses", () => {
    expect(err("slice", f32(10), index(sl(5, 3)))).toEqual({
      message: "slice: the slice 5:3 of axis 0 of [10] ends before it starts (3 < 5)",
      arg: "index",
    });
    expect(msg("slice", f32(10), index(sl(-2, 3)))).toBe(
      "slice: the slice -2:3 of axis 0 of [10] ends before it starts (3 < 8)",
    );
    expect(msg("slice", f32(10), index(sl(0, 4, 0)))).toBe(
      "slice: the step 0 in 0:4:0 must be a positive integer",
    );
    expect(msg("slice", f32(10), index(sl(undefined, undefined, -1)))).toBe(
      "slice: the step -1 in ::-1 must be a positive integer",
    );
    expect(msg("slice", f32(10), index(sl(undefined, undefined, 1.5)))).toBe(
      "slice: the step 1.5 in ::1.5 must be a positive integer",
    );
    expect(err("slice", f32(B, T), index(at(0), at(0), at(0)))).toEqual({
      message:
        "slice: too many indices for [B, T]: the index [0, 0, 0] has 3 but the tensor has rank 2",
      arg: "index",
    });
    expect(msg("slice", f32(B, T), index(E, at(0), E))).toBe(
      "slice: more than one ... in the index [B, T][..., 0, ...]",
    );
  });

  it("formats indices", () => {
    expect(formatIndex([E, sl(0, half), sl(1, undefined, 2), at(-1), sl()])).toBe(
      "[..., 0:hd/2, 1::2, -1, :]",
    );
  });
});
