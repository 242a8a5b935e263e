import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import {
  OPS,
  bindArgs,
  describeArg,
  formatSignature,
  formatValue,
  type Arg,
  type ArgValue,
  type OpSignature,
} from "../../compiler/ops/index.js";
import { B, T, bol, dims, dtype, f32, flt, index, int, ints, kw, str, sz, tup } from "./helpers.js";

const pos = (...values: ArgValue[]): Arg[] => values.map((value) => ({ value }));

function bind(op: OpSignature, args: Arg[]) {
  const r = bindArgs(op, args);
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

function bindErr(op: OpSignature, args: Arg[]) {
  const r = bindArgs(op, args);
  if (r.ok) throw new Error("expected a binding error");
  return r.error;
}

const sum = OPS.sum!;
const transpose = OPS.transpose!;

describe("bindArgs: positional and keyword binding", () => {
  it("binds positionally, by keyword, and fills defaults", () => {
    const r = bind(sum, [...pos(f32(B, T), int(1)), kw("keepdim", bol(true))]);
    expect(r.bound.keepdim).toEqual({ kind: "bool", value: true });
    expect(r.bound.axis).toEqual({ kind: "tuple", items: [{ kind: "int", value: 1 }] });
    expect(r.sources).toEqual({ x: 0, axis: 1, keepdim: 2 });

    const d = bind(sum, pos(f32(B, T), int(1)));
    expect(d.bound.keepdim).toEqual({ kind: "bool", value: false });
    expect(d.sources).toEqual({ x: 0, axis: 1 });

    const k = bind(transpose, [kw("b", int(0)), kw("x", f32(B, T)), kw("a", int(1))]);
    expect(k.sources).toEqual({ x: 1, a: 2, b: 0 });
  });

  it("refuses a positional argument after a keyword", () => {
    expect(bindErr(transpose, [...pos(f32(B, T)), kw("a", int(0)), ...pos(int(1))])).toEqual({
      message: "transpose: a positional argument cannot follow a keyword argument",
      arg: 2,
      notes: ["signature: transpose(x: tensor, a: int, b: int)"],
    });
  });

  it("refuses too many positional arguments, pointing at the first extra one", () => {
    expect(bindErr(transpose, pos(f32(B, T), int(0), int(1), int(2)))).toEqual({
      message: "transpose: too many arguments: it takes 3 arguments, got 4",
      arg: 3,
      notes: ["signature: transpose(x: tensor, a: int, b: int)"],
    });
    expect(bindErr(OPS.neg!, pos(f32(B), f32(B))).message).toBe(
      "neg: too many arguments: it takes 1 argument, got 2",
    );
  });

  it("refuses unknown keywords, suggesting a close parameter name", () => {
    expect(bindErr(sum, [...pos(f32(B, T), int(1)), kw("keep_dim", bol(true))])).toEqual({
      message: "sum: unknown keyword argument keep_dim",
      arg: 2,
      help: "did you mean keepdim?",
      notes: ["signature: sum(x: tensor, axis: ints, keepdim: bool = false)"],
    });
    const far = bindErr(sum, [...pos(f32(B, T), int(1)), kw("banana", bol(true))]);
    expect(far.message).toBe("sum: unknown keyword argument banana");
    expect(far.help).toBeUndefined();
    expect(bindErr(sum, [...pos(f32(B, T)), kw("axes", int(1))]).help).toBe("did you mean axis?");
  });

  it("refuses an argument given twice", () => {
    expect(bindErr(transpose, [...pos(f32(B, T), int(0)), kw("a", int(1))])).toEqual({
      message: "transpose: argument a is given twice",
      arg: 2,
    });
    const rearrange = OPS.rearrange!;
    expect(
      bindErr(rearrange, [...pos(f32(B, T), str("b t -> t b")), kw("b", int(2)), kw("b", int(2))]),
    ).toEqual({ message: "rearrange: argument b is given twice", arg: 3 });
  });

  it("reports a missing argument with no position, and the signature", () => {
    expect(bindErr(transpose, pos(f32(B, T), int(0)))).toEqual({
      message: "transpose: missing argument b (an int)",
      notes: ["signature: transpose(x: tensor, a: int, b: int)"],
    });
    expect(bindErr(OPS.add!, pos(f32(B))).message).toBe(
      "add: missing argument b (a tensor or a number)",
    );
  });

  it("collects variadic positional arguments and refuses them by keyword", () => {
    const einsum = OPS.einsum!;
    const r = bind(einsum, pos(str("ij,jk->ik"), f32(2, 3), f32(3, 4)));
    expect(r.bound.operands?.kind).toBe("tuple");
    expect(r.sources).toEqual({ spec: 0, operands: 1 });
    const none = bind(einsum, pos(str("->")));
    expect(none.bound.operands).toEqual({ kind: "tuple", items: [] });
    expect(bindErr(einsum, [...pos(str("i->i")), kw("operands", f32(2))])).toEqual({
      message: "einsum: operands are positional arguments and cannot be given by keyword",
      arg: 1,
      notes: ["signature: einsum(spec: string, ...operands: tensor)"],
    });
    expect(bindErr(einsum, pos(str("i->i"), int(3)))).toEqual({
      message: "einsum: operands must be a tensor, got the int 3",
      arg: 1,
    });
  });

  it("collects the rest of the keywords, converted to the rest's kind", () => {
    const r = bind(OPS.rearrange!, [
      ...pos(f32(B, 768), str("b (h e) -> b h e")),
      kw("h", int(12)),
      kw("pattern2", sz("heads")),
    ]);
    const sizes = r.bound.sizes;
    expect(sizes?.kind).toBe("keywords");
    if (sizes?.kind !== "keywords") return;
    expect([...sizes.entries.keys()]).toEqual(["h", "pattern2"]);
    expect(formatValue(sizes)).toBe("h = 12, pattern2 = heads");
    expect(r.sources).toEqual({ tensor: 0, pattern: 1, h: 2, pattern2: 3 });
    // a keyword naming a declared parameter binds it
    expect(bind(OPS.rearrange!, [...pos(f32(B)), kw("pattern", str("b -> b"))]).sources).toEqual({
      tensor: 0,
      pattern: 1,
    });
    expect(bindErr(OPS.rearrange!, [...pos(f32(B), str("b -> b")), kw("b", flt(2.5))])).toEqual({
      message: "rearrange: b must be a size, got the float 2.5",
      arg: "b",
    });
  });

  it("binds an optional parameter only when given", () => {
    expect(Object.keys(bind(OPS.arange!, pos(int(4))).bound)).toEqual(["a"]);
    expect(Object.keys(bind(OPS.arange!, pos(int(1), int(4))).bound)).toEqual(["a", "b"]);
  });
});

describe("bindArgs: kinds", () => {
  const one = (op: string, args: Arg[]) => bindErr(OPS[op]!, args);

  it("tensor: numbers only where the parameter takes scalars, as weak rank-0 tensors", () => {
    const r = bind(OPS.add!, pos(f32(B), flt(0.5)));
    expect(r.bound.b).toEqual({
      kind: "tensor",
      type: { dtype: "f32", shape: [] },
      weak: { kind: "float", value: 0.5 },
    });
    const i = bind(OPS.add!, pos(f32(B), int(2)));
    expect(i.bound.b).toMatchObject({ type: { dtype: "i32" }, weak: { kind: "int" } });
    const s = bind(OPS.mul!, pos(f32(B), sz("heads")));
    expect(s.bound.b).toMatchObject({ weak: { kind: "int", value: Dim.sym("heads") } });
    const bb = bind(OPS.where!, pos(bol(true), f32(B), f32(B)));
    expect(bb.bound.c).toMatchObject({ type: { dtype: "bool" }, weak: { kind: "bool" } });
    expect(one("reshape", pos(flt(1), dims(1)))).toEqual({
      message: "reshape: x must be a tensor, got the float 1.0",
      arg: "x",
    });
    expect(one("add", pos(f32(B), str("x")))).toEqual({
      message: 'add: b must be a tensor or a number, got the string "x"',
      arg: "b",
    });
  });

  it("tensors: a tuple of real tensors", () => {
    expect(one("concat", pos(f32(B), int(0)))).toEqual({
      message: "concat: tensors must be a tuple of tensors, got a tensor f32[B]",
      arg: "tensors",
    });
    expect(one("concat", pos(tup(f32(B), flt(1)), int(0)))).toEqual({
      message: "concat: tensors must be a tuple of tensors, but item 1 is the float 1.0",
      arg: "tensors",
    });
  });

  it("int: an int, or a dim known at compile time", () => {
    const r = bind(OPS.transpose!, pos(f32(B, T), sz(1), int(0)));
    expect(r.bound.a).toEqual({ kind: "int", value: 1 });
    expect(one("transpose", pos(f32(B, T), sz("k"), int(0)))).toEqual({
      message: "transpose: a must be an int, got the size k (it must be known at compile time)",
      arg: "a",
    });
    expect(one("transpose", pos(f32(B, T), flt(1), int(0))).message).toBe(
      "transpose: a must be an int, got the float 1.0",
    );
  });

  it("ints: an int or a tuple of ints, normalized to a tuple", () => {
    expect(bind(sum, pos(f32(B, T), ints(0, 1))).bound.axis).toEqual(ints(0, 1));
    expect(bind(sum, pos(f32(B, T), int(-1))).bound.axis).toEqual(ints(-1));
    expect(one("sum", pos(f32(B, T), tup(int(0), flt(1))))).toEqual({
      message: "sum: axis must be an int or a tuple of ints, but item 1 is the float 1.0",
      arg: "axis",
    });
    expect(one("sum", pos(f32(B, T), sz("k"))).message).toBe(
      "sum: axis must be an int or a tuple of ints, got the size k (it must be known at compile time)",
    );
    expect(one("sum", pos(f32(B, T), str("x"))).message).toBe(
      'sum: axis must be an int or a tuple of ints, got the string "x"',
    );
  });

  it("float: a float or an int", () => {
    const r = bind(OPS.bspline_basis!, [...pos(f32(B), int(5), int(3)), kw("lo", int(0))]);
    expect(r.bound.lo).toEqual({ kind: "float", value: 0 });
    expect(r.bound.hi).toEqual({ kind: "float", value: 1 });
    expect(one("bspline_basis", [...pos(f32(B), int(5), int(3)), kw("lo", bol(true))])).toEqual({
      message: "bspline_basis: lo must be a float, got the bool true",
      arg: "lo",
    });
  });

  it("scalar: a number or a bool", () => {
    expect(bind(OPS.full!, pos(dims(2), sz(3))).bound.value).toEqual(int(3));
    expect(one("full", pos(dims(2), str("a"))).message).toBe(
      'full: value must be a number or a bool, got the string "a"',
    );
  });

  it("bool, string, dtype, index: exactly that kind", () => {
    expect(one("sum", [...pos(f32(B), int(0)), kw("keepdim", int(1))]).message).toBe(
      "sum: keepdim must be a bool, got the int 1",
    );
    expect(one("einsum", pos(int(1))).message).toBe("einsum: spec must be a string, got the int 1");
    expect(one("cast", pos(f32(B), str("f32"))).message).toBe(
      'cast: dtype must be a dtype (f32, i32, bool, f16), got the string "f32"',
    );
    expect(one("slice", pos(f32(B), int(0))).message).toBe(
      "slice: index must be an index, got the int 0",
    );
    expect(bind(OPS.slice!, pos(f32(B), index({ kind: "ellipsis" }))).bound.index?.kind).toBe(
      "index",
    );
  });

  it("dim: an int or a dim; negative constants only where signed", () => {
    expect(bind(OPS.eye!, pos(int(3))).bound.n).toEqual({ kind: "dim", value: Dim.const(3) });
    expect(bind(OPS.eye!, pos(sz("n"))).bound.n).toEqual(sz("n"));
    expect(one("eye", pos(int(-3)))).toEqual({
      message: "eye: n must not be negative, got -3",
      arg: "n",
    });
    expect(one("eye", pos(flt(3)))).toEqual({
      message: "eye: n must be a size, got the float 3.0",
      arg: "n",
    });
    expect(bind(OPS.roll!, pos(f32(B), int(-2), int(0))).bound.shift).toEqual(sz(-2));
  });

  it("dims: a list of sizes", () => {
    expect(bind(OPS.zeros!, pos(dims(B, 4))).bound.dims).toEqual(tup(sz(B), sz(4)));
    expect(one("zeros", pos(int(4)))).toEqual({
      message:
        "zeros: dims must be a list of sizes, got the int 4 (write the sizes as a list: [B, T])",
      arg: "dims",
    });
    expect(one("zeros", pos(dims(2, -1)))).toEqual({
      message: "zeros: dims[1] must not be negative, got -1",
      arg: "dims",
    });
    expect(one("zeros", pos(tup(int(2), flt(0.5)))).message).toBe(
      "zeros: dims[1] must be a size, got the float 0.5",
    );
    expect(bind(OPS.reshape!, pos(f32(4), dims(2, -1))).bound.dims).toEqual(tup(sz(2), sz(-1)));
  });

  it("count_or_dims: a number of pieces or a tuple of sizes", () => {
    expect(bind(OPS.split!, pos(f32(6), sz(3), int(0))).bound.sections).toEqual(int(3));
    expect(bind(OPS.split!, pos(f32(6), dims(2, 4), int(0))).bound.sections).toEqual(
      tup(sz(2), sz(4)),
    );
    expect(one("split", pos(f32(6), sz("n"), int(0)))).toEqual({
      message:
        "split: sections must be a number of pieces or a tuple of sizes, got the size n (a number of pieces must be known at compile time)",
      arg: "sections",
    });
    expect(one("split", pos(f32(6), flt(2), int(0))).message).toBe(
      "split: sections must be a number of pieces or a tuple of sizes, got the float 2.0",
    );
    expect(one("split", pos(f32(6), dims(2, -1), int(0))).message).toBe(
      "split: sections[1] must not be negative, got -1",
    );
  });
});

describe("formatting", () => {
  it("formats signatures with defaults, optional, variadic and rest parameters", () => {
    expect(formatSignature(OPS.pad!)).toBe(
      "pad(x: tensor, axis: int, before: dim, after: dim, value: scalar = 0.0)",
    );
    expect(formatSignature(OPS.arange!)).toBe("arange(a: dim, b: dim?)");
    expect(formatSignature(OPS.rearrange!)).toBe(
      "rearrange(tensor: tensor, pattern: string, **sizes: dim)",
    );
    expect(formatSignature(OPS.full!)).toBe("full(dims: dims, value: scalar, dtype: dtype = f32)");
    expect(formatSignature(OPS.bspline_basis!)).toBe(
      "bspline_basis(x: tensor, grid: dim, order: int, lo: float = -1.0, hi: float = 1.0)",
    );
  });

  it("describes and formats values", () => {
    expect(describeArg(f32(B, 3))).toBe("a tensor f32[B, 3]");
    expect(describeArg(sz(3))).toBe("the int 3");
    expect(describeArg(sz("T"))).toBe("the size T");
    expect(describeArg(dtype("i32"))).toBe("the dtype i32");
    expect(describeArg(tup(int(1)))).toBe("a tuple of 1 value");
    expect(describeArg(tup())).toBe("a tuple of 0 values");
    expect(describeArg(index())).toBe("an index");
    expect(formatValue(tup(int(1)))).toBe("(1,)");
    expect(formatValue(tup(int(1), flt(Infinity), flt(-Infinity), flt(1e-5)))).toBe(
      "(1, inf, -inf, 0.00001)",
    );
    expect(formatValue(f32(B))).toBe("f32[B]");
    expect(formatValue(index())).toBe("[...]");
    expect(formatValue(bol(false))).toBe("false");
    expect(formatValue(str("a"))).toBe('"a"');
  });
});
