/**
 * The bridge from elaboration to the primitive table (compiler/ops): converts evaluated
 * arguments to the table's argument values, binds and type-checks them, and maps an error back to
 * the argument at fault so the diagnostic points at it.
 */
import type { Span } from "../diagnostics/source.js";
import {
  bindArgs,
  lookupOp,
  opBytes,
  type Arg,
  type ArgValue,
  type Bound,
  type InferOk,
  type OpError,
} from "../ops/index.js";
import type { DimEquality, TensorType } from "../ops/types.js";
import type { Dim } from "../shapes/dim.js";
import type { IndexArg } from "./elaborate.js";
import { describe, type Value } from "./values.js";

export type PrimitiveArg =
  { name?: string; value: Value; span: Span } | { name?: string; index: IndexArg[]; span: Span };

export type PrimitiveResult =
  | {
      ok: true;
      out: TensorType | TensorType[];
      flops: Dim;
      /** Bytes moved as its own kernel (table.ts `opBytes`). */
      bytes: Dim;
      plan: InferOk;
      bound: Bound;
      sources: Record<string, number>;
    }
  | { ok: false; error: OpError & { code?: string; arg?: string | number } };

/** Converts an evaluated value to what the table takes, or a reason it cannot. */
function toArg(v: Value): ArgValue | string {
  switch (v.kind) {
    case "tensor":
      return { kind: "tensor", type: v.type };
    case "int":
      return v.dim.value !== undefined
        ? { kind: "int", value: v.dim.value }
        : { kind: "dim", value: v.dim };
    case "float":
      return { kind: "float", value: v.value };
    case "bool":
      return { kind: "bool", value: v.value };
    case "string":
      return { kind: "string", value: v.value };
    case "dtype":
      return { kind: "dtype", value: v.dtype };
    case "tuple":
    case "list": {
      const items: ArgValue[] = [];
      for (const x of v.items) {
        const a = toArg(x);
        if (typeof a === "string") return a;
        items.push(a);
      }
      return { kind: "tuple", items };
    }
    default:
      return `${describe(v)} cannot be an argument of a primitive`;
  }
}

export function applyPrimitive(
  name: string,
  args: PrimitiveArg[],
  eq: DimEquality,
): PrimitiveResult {
  const op = lookupOp(name);
  if (!op) return { ok: false, error: { message: `internal: no primitive '${name}'` } };
  const converted: Arg[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let value: ArgValue;
    if ("index" in a) value = { kind: "index", elems: a.index };
    else {
      const c = toArg(a.value);
      if (typeof c === "string")
        return { ok: false, error: { message: `${name}: ${c}`, arg: i, code: "A0302" } };
      value = c;
    }
    converted.push(a.name ? { name: a.name, value } : { value });
  }
  const bind = bindArgs(op, converted);
  if (!bind.ok) return { ok: false, error: { ...bind.error, code: bindCode(bind.error.message) } };
  const r = op.infer(bind.bound, eq);
  if (!r.ok) {
    const arg = typeof r.error.arg === "string" ? bind.sources[r.error.arg] : r.error.arg;
    const error: OpError & { code?: string } = { ...r.error, code: "A0401" };
    if (arg !== undefined) error.arg = arg;
    else delete error.arg;
    return { ok: false, error };
  }
  return {
    ok: true,
    out: r.out,
    flops: op.flops(bind.bound, r.out),
    bytes: opBytes(op, bind.bound, r),
    plan: r,
    bound: bind.bound,
    sources: bind.sources,
  };
}

/** Binding problems are argument errors (arity, names, kinds), not shape errors. */
function bindCode(message: string): string {
  if (/given twice/.test(message)) return "A0305";
  if (/missing|needs/.test(message)) return "A0303";
  if (/no parameter|takes at most|too many|unknown keyword/.test(message)) return "A0304";
  return "A0306";
}
