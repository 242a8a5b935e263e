import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import {
  BINARY_OPERATORS,
  OPS,
  UNARY_OPERATORS,
  bindArgs,
  callOp,
  SYNTACTIC,
  type ParamKind,
} from "../../compiler/ops/index.js";
import { call, dims, f32, int, msg } from "./helpers.js";

/** Every primitive of spec §7. */
const SPEC_OPS = [
  ...["neg", "not", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "erf", "sign"],
  ...["floor", "ceil", "add", "sub", "mul", "div", "mod", "pow", "maximum", "minimum"],
  ...["eq", "ne", "lt", "le", "gt", "ge", "and", "or", "where", "cast"],
  ...["sum", "mean", "max", "min", "prod", "argmax", "matmul", "einsum"],
  ...["reshape", "permute", "transpose", "rearrange", "expand", "slice", "concat", "split"],
  ...["take", "take_along", "cumsum", "topk", "arange", "full", "zeros", "ones", "eye"],
  ...["roll", "pad", "avg_pool2d", "conv2d_depthwise", "dct_matrix", "rfft", "irfft"],
  "bspline_basis",
];

const CATEGORIES = [
  "elementwise",
  "reduce",
  "matmul",
  "layout",
  "index",
  "create",
  "transform",
  "window",
];

/** The kinds a default value may have, per parameter kind (normalized forms). */
const DEFAULT_KINDS: Partial<Record<ParamKind, string[]>> = {
  int: ["int"],
  float: ["float"],
  scalar: ["int", "float", "bool"],
  bool: ["bool"],
  dim: ["dim"],
  dtype: ["dtype"],
  string: ["string"],
};

describe("the op table", () => {
  it("has exactly the primitives of spec §7", () => {
    expect(Object.keys(OPS).sort()).toEqual([...SPEC_OPS].sort());
  });

  it("has a name, a category, a one-line doc and well-formed parameters for each op", () => {
    for (const [name, op] of Object.entries(OPS)) {
      expect(op.name).toBe(name);
      expect(CATEGORIES).toContain(op.category);
      expect(op.doc).toMatch(/^\S.*\.$/);
      expect(op.doc).not.toContain("\n");
      const names = op.params.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      op.params.forEach((p, i) => {
        if (p.variadic) expect(i).toBe(op.params.length - 1);
        if (p.default) expect(DEFAULT_KINDS[p.kind] ?? []).toContain(p.default.kind);
        if (p.scalar) expect(p.kind).toBe("tensor");
        if (p.signed) expect(["dim", "dims"]).toContain(p.kind);
      });
      // once a parameter has a default, the later ones do too (positional binding stays simple)
      const first = op.params.findIndex((p) => p.default || p.optional);
      if (first >= 0) {
        for (const p of op.params.slice(first)) expect(Boolean(p.default || p.optional)).toBe(true);
      }
      if (op.rest) expect(names).not.toContain(op.rest.name);
    }
  });

  it("categorizes ops for the fusion lattice", () => {
    const cat = (n: string) => OPS[n]!.category;
    expect(["add", "exp", "where", "cast", "not"].map(cat)).toEqual(Array(5).fill("elementwise"));
    expect(["sum", "argmax", "cumsum", "topk"].map(cat)).toEqual(Array(4).fill("reduce"));
    expect(["matmul", "einsum"].map(cat)).toEqual(["matmul", "matmul"]);
    expect(["reshape", "permute", "rearrange", "concat", "split", "pad", "roll"].map(cat)).toEqual(
      Array(7).fill("layout"),
    );
    expect(["slice", "take", "take_along"].map(cat)).toEqual(Array(3).fill("index"));
    expect(["arange", "full", "eye", "dct_matrix"].map(cat)).toEqual(Array(4).fill("create"));
    expect(["rfft", "irfft", "bspline_basis"].map(cat)).toEqual(Array(3).fill("transform"));
    expect(["avg_pool2d", "conv2d_depthwise"].map(cat)).toEqual(["window", "window"]);
  });

  it("maps every operator to a primitive of the table", () => {
    for (const prim of [...Object.values(BINARY_OPERATORS), ...Object.values(UNARY_OPERATORS)]) {
      expect(OPS[prim]).toBeDefined();
    }
  });

  it("binds defaults in their normalized form", () => {
    const r = bindArgs(OPS.avg_pool2d!, [{ value: f32(1, 4, 4, 1) }, { value: int(2) }]);
    expect(r.ok && r.bound.stride).toEqual({ kind: "dim", value: Dim.const(1) });
  });

  it("reports dim overflow as an error, and leaves out overflowing FLOP counts", () => {
    const big = 2 ** 30;
    expect(msg("reshape", f32(big, big), dims(-1))).toBe(
      "reshape: a dim overflows 2^53: 1073741824 * 1073741824",
    );
    expect(msg("eye", int(2 ** 60))).toBe(`eye: a dim overflows 2^53: ${2 ** 60}`);
    const r = callOp(
      OPS.matmul!,
      [{ value: f32(big, 2 ** 20) }, { value: f32(2 ** 20, 4) }],
      SYNTACTIC,
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.flops).toBeUndefined();
    expect(call("exp", [f32(4)]).ok).toBe(true);
  });
});
