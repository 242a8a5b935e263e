import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import { OPS, broadcast, lookupOp, SYNTACTIC } from "../../compiler/ops/index.js";
import {
  B,
  S,
  T,
  bol,
  bool,
  call,
  dim,
  dtype,
  err,
  expectFlops,
  f32,
  flt,
  i32,
  int,
  msg,
  ok,
  out,
  shapeOf,
  sz,
  t,
  unified,
} from "./helpers.js";

const UNARY_FLOAT = ["exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "erf"];
const UNARY_NUMERIC = ["neg", "abs", "sign", "floor", "ceil"];
const ARITH = ["add", "sub", "mul", "div", "mod", "pow", "maximum", "minimum"];
const ORDER = ["lt", "le", "gt", "ge"];

describe("unary elementwise", () => {
  it("keeps the shape and dtype, concrete and symbolic", () => {
    for (const op of [...UNARY_FLOAT, ...UNARY_NUMERIC]) {
      expect(shapeOf(op, f32(B, T, 768))).toBe("f32[B, T, 768]");
      expect(shapeOf(op, f32())).toBe("f32[]");
      expect(shapeOf(op, t("f16", 2, 3))).toBe("f16[2, 3]");
    }
    for (const op of UNARY_NUMERIC) expect(shapeOf(op, i32(B, 3))).toBe("i32[B, 3]");
    expect(shapeOf("not", bool(B, T))).toBe("bool[B, T]");
  });

  it("refuses the wrong dtype class, with a cast hint", () => {
    expect(err("exp", i32(B, T))).toEqual({
      message: "exp: x must be a float (f32) tensor, got i32[B, T]",
      arg: "x",
      help: "cast(x, f32) first",
    });
    expect(msg("tanh", bool(B))).toBe("tanh: x must be a float (f32) tensor, got bool[B]");
    expect(err("neg", bool(B))).toEqual({
      message: "neg: x must be a numeric (f32 or i32) tensor, got bool[B]",
      arg: "x",
      help: "cast(x, f32) or cast(x, i32) first",
    });
    expect(err("not", f32(B))).toEqual({
      message: "not: x must be a bool tensor, got f32[B]",
      arg: "x",
      help: "compare it (x != 0) or cast(x, bool) first",
    });
  });

  it("types number literals", () => {
    const r = ok("neg", flt(2));
    expect(out(r)).toBe("f32[]");
    expect(r.scalarDtypes).toEqual({ x: "f32" });
    expect(shapeOf("neg", int(2))).toBe("i32[]");
    expect(shapeOf("not", bol(true))).toBe("bool[]");
    expect(err("exp", int(2))).toEqual({
      message: "exp: x must be a float (f32) tensor, got the number 2",
      arg: "x",
    });
    expect(ok("exp", f32(B)).scalarDtypes).toBeUndefined();
  });

  it("counts one FLOP per element", () => {
    expectFlops(call("exp", [f32(B, T, 768)]), "768*B*T");
    expectFlops(call("neg", [f32()]), "1");
  });
});

describe("binary elementwise: broadcasting", () => {
  it("broadcasts right-aligned, stretching size-1 dims and extending rank", () => {
    expect(shapeOf("add", f32(B, T, 768), f32(768))).toBe("f32[B, T, 768]");
    expect(shapeOf("add", f32(768), f32(B, T, 768))).toBe("f32[B, T, 768]");
    expect(shapeOf("mul", f32(B, 1, 768), f32(T, 1))).toBe("f32[B, T, 768]");
    expect(shapeOf("sub", f32(1, 1), f32(3, 4))).toBe("f32[3, 4]");
    expect(shapeOf("sub", f32(3, 1), f32(1, 4))).toBe("f32[3, 4]");
    expect(shapeOf("add", f32(), f32(B, T))).toBe("f32[B, T]");
    expect(shapeOf("add", f32(), f32())).toBe("f32[]");
    expect(shapeOf("add", f32(1), f32(1))).toBe("f32[1]");
    expect(shapeOf("add", f32(B, T, 1), f32(T, 1))).toBe("f32[B, T, 1]");
  });

  it("stretches a symbolic dim against 1, and a dim equated to 1", () => {
    expect(shapeOf("add", f32(T, 1), f32(1, T))).toBe("f32[T, T]");
    expect(shapeOf("add", f32(1, 768), f32(B, 1))).toBe("f32[B, 768]");
    const eq = unified(["K", 1]);
    const r = call("add", [f32("K", 4), f32(T, 4)], eq);
    expect(out(r)).toBe("f32[T, 4]");
    expect(msg("add", f32("K", 4), f32(T, 4))).toBe(
      "add: cannot broadcast [K, 4] with [T, 4]: axis 0 has K vs T",
    );
  });

  it("compares dims with the checker's equality", () => {
    const r = call("add", [f32(B, T, 768), f32(B, S, 768)], unified([T, S]));
    expect(out(r)).toBe("f32[B, T, 768]");
    expect(shapeOf("add", f32(dim(T).mul(Dim.const(2))), f32(dim(T).add(dim(T))))).toBe("f32[2*T]");
  });

  it("names both shapes and the axis when they do not broadcast", () => {
    expect(err("add", f32(B, T, 768), f32(B, S, 768))).toEqual({
      message: "add: cannot broadcast [B, T, 768] with [B, S, 768]: axis 1 has T vs S",
      arg: "b",
      notes: [
        "broadcasting aligns shapes from the right; a dim stretches only when it is 1 (a is [B, T, 768], b is [B, S, 768])",
      ],
    });
    expect(msg("mul", f32(T, 768), f32(B, S, 768))).toBe(
      "mul: cannot broadcast [T, 768] with [B, S, 768]: axis -2 has T vs S",
    );
    expect(msg("add", f32(3), f32(4))).toBe(
      "add: cannot broadcast [3] with [4]: axis 0 has 3 vs 4",
    );
    expect(msg("add", f32(B, 2, 3), f32(4, 3))).toBe(
      "add: cannot broadcast [B, 2, 3] with [4, 3]: axis -2 has 2 vs 4",
    );
    // a conflict is reported against the first operand whose dim is not 1
    expect(msg("where", bool(1, 3), f32(3, 1), f32(4, 1))).toBe(
      "where: cannot broadcast [3, 1] with [4, 1]: axis 0 has 3 vs 4",
    );
  });

  it("exposes n-ary broadcasting", () => {
    const r = broadcast(
      [
        { label: "p", shape: [dim(1), dim(3)] },
        { label: "q", shape: [dim(B), dim(1)] },
        { label: "r", shape: [dim(1)] },
      ],
      SYNTACTIC,
    );
    expect(r).toEqual({ ok: true, shape: [dim(B), dim(3)] });
    const bad = broadcast(
      [
        { label: "p", shape: [dim(1), dim(3)] },
        { label: "q", shape: [dim(4)] },
      ],
      SYNTACTIC,
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect([bad.conflict.axis, bad.conflict.a.label, bad.conflict.b.label]).toEqual([
        "axis -1",
        "p",
        "q",
      ]);
  });
});

describe("binary elementwise: dtypes", () => {
  it("keeps the operands' dtype for arithmetic, on f32, f16 and i32", () => {
    for (const op of ARITH) {
      expect(shapeOf(op, f32(B), f32(B))).toBe("f32[B]");
      expect(shapeOf(op, i32(B), i32(1))).toBe("i32[B]");
      expect(shapeOf(op, t("f16", 2), t("f16", 2))).toBe("f16[2]");
    }
  });

  it("refuses mixed tensor dtypes and bool arithmetic", () => {
    expect(err("add", f32(B, T), i32(T))).toEqual({
      message: "add: the operands' dtypes differ: a is f32[B, T], b is i32[T]",
      arg: "b",
      help: "cast one of them, e.g. cast(b, f32)",
    });
    expect(err("add", bool(B), bool(B))).toEqual({
      message: "add: a must be a numeric (f32 or i32) tensor, got bool[B]",
      arg: "a",
      help: "cast(a, f32) or cast(a, i32) first",
    });
    expect(msg("pow", f32(B), bool(B))).toBe(
      "pow: b must be a numeric (f32 or i32) tensor, got bool[B]",
    );
  });

  it("gives literals the other operand's dtype when they fit it", () => {
    const r = ok("mul", f32(B, T), flt(0.5));
    expect(out(r)).toBe("f32[B, T]");
    expect(r.scalarDtypes).toEqual({ b: "f32" });
    const l = ok("div", flt(1), f32(B));
    expect(out(l)).toBe("f32[B]");
    expect(l.scalarDtypes).toEqual({ a: "f32" });
    expect(shapeOf("add", i32(T), int(1))).toBe("i32[T]");
    expect(shapeOf("add", t("f16", T), int(1))).toBe("f16[T]");
    expect(shapeOf("mul", f32(T), sz("heads"))).toBe("f32[T]");
    expect(ok("add", f32(T), f32(T)).scalarDtypes).toBeUndefined();
  });

  it("refuses a literal that does not fit the tensor's dtype", () => {
    expect(err("mul", i32(B), flt(0.5))).toEqual({
      message:
        "mul: the float 0.5 cannot be combined with i32[B] (a float literal needs a float tensor)",
      arg: "b",
      help: "cast(a, f32) first, or use an int",
    });
    expect(err("eq", bool(B), int(1))).toEqual({
      message:
        "eq: the int 1 cannot be combined with bool[B] (an int literal needs a numeric tensor)",
      arg: "b",
    });
    expect(msg("eq", f32(B), bol(true))).toBe(
      "eq: the bool true cannot be combined with f32[B] (a bool literal needs a bool tensor)",
    );
  });

  it("types operations of two literals", () => {
    expect(shapeOf("add", int(1), flt(2))).toBe("f32[]");
    expect(shapeOf("add", int(1), int(2))).toBe("i32[]");
    expect(ok("add", int(1), int(2)).scalarDtypes).toEqual({ a: "i32", b: "i32" });
    expect(shapeOf("and", bol(true), bol(false))).toBe("bool[]");
    expect(err("eq", bol(true), int(1))).toEqual({
      message: "eq: cannot combine the bool true with the number 1",
      arg: "b",
    });
    expect(msg("add", bol(true), bol(true))).toBe(
      "add: a must be a numeric (f32 or i32) tensor, got the number true",
    );
    expect(msg("and", int(1), int(0))).toBe("and: a must be a bool tensor, got the number 1");
  });

  it("comparisons give bool; order comparisons need numbers; equality takes any dtype", () => {
    for (const op of ["eq", "ne", ...ORDER]) {
      expect(shapeOf(op, f32(B, T), f32(T))).toBe("bool[B, T]");
      expect(shapeOf(op, i32(T, 1), i32(1, T))).toBe("bool[T, T]");
    }
    expect(shapeOf("eq", bool(B), bool(B))).toBe("bool[B]");
    expect(shapeOf("ne", bool(B), bol(false))).toBe("bool[B]");
    expect(shapeOf("eq", f32(B, 1), flt(-Infinity))).toBe("bool[B, 1]");
    expect(msg("lt", bool(B), bool(B))).toBe(
      "lt: a must be a numeric (f32 or i32) tensor, got bool[B]",
    );
    expect(msg("eq", f32(B), i32(B))).toBe(
      "eq: the operands' dtypes differ: a is f32[B], b is i32[B]",
    );
  });

  it("and/or need bool", () => {
    expect(shapeOf("and", bool(B, 1), bool(T))).toBe("bool[B, T]");
    expect(shapeOf("or", bool(B), bol(true))).toBe("bool[B]");
    expect(err("or", bool(B), f32(B))).toEqual({
      message: "or: b must be a bool tensor, got f32[B]",
      arg: "b",
      help: "compare it (b != 0) or cast(b, bool) first",
    });
  });

  it("counts one FLOP per output element", () => {
    expectFlops(call("add", [f32(B, T, 768), f32(768)]), "768*B*T");
    expectFlops(call("lt", [f32(T, 1), f32(1, T)]), "T*T");
  });
});

describe("operators", () => {
  it("resolve to primitives", () => {
    const pairs: [string, string][] = [
      ["+", "add"],
      ["-", "sub"],
      ["*", "mul"],
      ["/", "div"],
      ["%", "mod"],
      ["**", "pow"],
      ["@", "matmul"],
      ["==", "eq"],
      ["!=", "ne"],
      ["<", "lt"],
      ["<=", "le"],
      [">", "gt"],
      [">=", "ge"],
      ["&&", "and"],
      ["||", "or"],
    ];
    for (const [sym, name] of pairs) {
      expect(lookupOp(sym)?.name).toBe(name);
      expect(lookupOp(sym, 2)?.name).toBe(name);
    }
    expect(lookupOp("-", 1)?.name).toBe("neg");
    expect(lookupOp("!")?.name).toBe("not");
    expect(lookupOp("!", 1)?.name).toBe("not");
    expect(lookupOp("!", 2)).toBeUndefined();
    expect(lookupOp("+", 1)).toBeUndefined();
    expect(lookupOp("softmax")).toBeUndefined();
    expect(lookupOp("toString")).toBeUndefined();
    expect(lookupOp("exp")).toBe(OPS.exp);
  });
});

describe("where", () => {
  it("broadcasts the condition and both branches", () => {
    expect(shapeOf("where", bool(T, T), f32(B, 4, T, T), f32(B, 4, T, T))).toBe("f32[B, 4, T, T]");
    expect(shapeOf("where", bool(B, 1), f32(1, T), f32(T))).toBe("f32[B, T]");
    expectFlops(call("where", [bool(T, 1), f32(1, T), f32()]), "T*T");
  });

  it("types literal branches from the tensor branch, and bool literal conditions", () => {
    const r = ok("where", bool(T, T), f32(B, T, T), flt(-Infinity));
    expect(out(r)).toBe("f32[B, T, T]");
    expect(r.scalarDtypes).toEqual({ b: "f32" });
    const l = ok("where", bool(B), flt(0), f32(B));
    expect(l.scalarDtypes).toEqual({ a: "f32" });
    const c = ok("where", bol(true), f32(B), f32(B));
    expect(c.scalarDtypes).toEqual({ c: "bool" });
    expect(shapeOf("where", bool(B), int(1), int(0))).toBe("i32[B]");
    expect(shapeOf("where", bool(B), int(1), flt(0.5))).toBe("f32[B]");
    expect(shapeOf("where", bool(B), i32(B), int(0))).toBe("i32[B]");
    expect(ok("where", bool(B), f32(B), f32(B)).scalarDtypes).toBeUndefined();
  });

  it("refuses a non-bool condition, mismatched branches and unbroadcastable shapes", () => {
    expect(err("where", f32(B), f32(B), f32(B))).toEqual({
      message: "where: the condition c must be a bool tensor, got f32[B]",
      arg: "c",
      help: "compare it (c != 0) or cast(c, bool) first",
    });
    expect(err("where", int(1), f32(B), f32(B))).toEqual({
      message: "where: the condition c must be a bool tensor, got the number 1",
      arg: "c",
    });
    expect(msg("where", bool(B), f32(B), i32(B))).toBe(
      "where: the operands' dtypes differ: a is f32[B], b is i32[B]",
    );
    expect(msg("where", bool(B), i32(B), flt(0.5))).toBe(
      "where: the float 0.5 cannot be combined with i32[B] (a float literal needs a float tensor)",
    );
    expect(err("where", bool(B, T), f32(T), f32(S))).toEqual({
      message: "where: cannot broadcast [B, T] with [S]: axis -1 has T vs S",
      arg: "b",
      notes: [
        "broadcasting aligns shapes from the right; a dim stretches only when it is 1 (c is [B, T], b is [S])",
      ],
    });
    expect(err("where", bool(3), f32(4), f32(1)).arg).toBe("a");
  });
});

describe("cast", () => {
  it("changes the dtype and keeps the shape", () => {
    expect(shapeOf("cast", f32(B, T), dtype("i32"))).toBe("i32[B, T]");
    expect(shapeOf("cast", bool(T), dtype("f32"))).toBe("f32[T]");
    expect(shapeOf("cast", i32(), dtype("bool"))).toBe("bool[]");
    expect(shapeOf("cast", i32(2), dtype("f16"))).toBe("f16[2]");
    expectFlops(call("cast", [f32(B, T), dtype("i32")]), "B*T");
  });
});
