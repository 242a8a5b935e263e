/** Shorthands for the op table tests: tensor arguments from dims, one-call binding and inference. */
import { expect } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import {
  callOp,
  formatType,
  lookupOp,
  SYNTACTIC,
  type Arg,
  type ArgValue,
  type CallResult,
  type DimEquality,
  type DType,
  type IndexElem,
  type OpError,
  type TensorType,
} from "../../compiler/ops/index.js";

export type D = number | string | Dim;

export const B = Dim.sym("B");
export const T = Dim.sym("T");
export const S = Dim.sym("S");

/** A dim from a number (constant), a string (symbol) or a Dim. */
export function dim(d: D): Dim {
  return typeof d === "number" ? Dim.const(d) : typeof d === "string" ? Dim.sym(d) : d;
}

export function ty(dtype: DType, ...dims: D[]): TensorType {
  return { dtype, shape: dims.map(dim) };
}

/** A tensor argument `dtype[dims]`. */
export function t(dtype: DType, ...dims: D[]): ArgValue {
  return { kind: "tensor", type: ty(dtype, ...dims) };
}
export const f32 = (...dims: D[]) => t("f32", ...dims);
export const i32 = (...dims: D[]) => t("i32", ...dims);
export const bool = (...dims: D[]) => t("bool", ...dims);

export const int = (value: number): ArgValue => ({ kind: "int", value });
export const flt = (value: number): ArgValue => ({ kind: "float", value });
export const bol = (value: boolean): ArgValue => ({ kind: "bool", value });
export const str = (value: string): ArgValue => ({ kind: "string", value });
export const dtype = (value: DType): ArgValue => ({ kind: "dtype", value });
export const sz = (d: D): ArgValue => ({ kind: "dim", value: dim(d) });
export const tup = (...items: ArgValue[]): ArgValue => ({ kind: "tuple", items });
/** A list of sizes `[B, T, 4]`: numbers become ints, strings symbols. */
export const dims = (...ds: D[]): ArgValue =>
  tup(...ds.map((d) => (typeof d === "number" ? int(d) : sz(d))));
export const ints = (...ns: number[]): ArgValue => tup(...ns.map(int));
export const index = (...elems: IndexElem[]): ArgValue => ({ kind: "index", elems });

/** A keyword argument. */
export function kw(name: string, value: ArgValue): Arg {
  return { name, value };
}

export type A = ArgValue | Arg;
function isArg(a: A): a is Arg {
  return "value" in a && !("kind" in a);
}

/** Binds and infers `name(args)`; `name` may be an operator (`+`, unary `-` is `neg`). */
export function call(name: string, args: A[], eq: DimEquality = SYNTACTIC): CallResult {
  const op = lookupOp(name);
  if (!op) throw new Error(`no op ${name}`);
  return callOp(
    op,
    args.map((a) => (isArg(a) ? a : { value: a })),
    eq,
  );
}

/** The output type(s) as text: `f32[B, T]`, or `(f32[B], i32[B])` for a tuple. */
export function out(r: CallResult): string {
  if (!r.ok) throw new Error(`expected success, got: ${r.error.message}`);
  return Array.isArray(r.out) ? `(${r.out.map(formatType).join(", ")})` : formatType(r.out);
}

export function shapeOf(name: string, ...args: A[]): string {
  return out(call(name, args));
}

export function ok(name: string, ...args: A[]): Extract<CallResult, { ok: true }> {
  const r = call(name, args);
  if (!r.ok) throw new Error(`expected success, got: ${r.error.message}`);
  return r;
}

export function err(name: string, ...args: A[]): OpError {
  const r = call(name, args);
  if (r.ok) throw new Error(`expected an error, got ${out(r)}`);
  return r.error;
}

/** The error message of `name(args)`. */
export function msg(name: string, ...args: A[]): string {
  return err(name, ...args).message;
}

/** A DimEquality that also equates the given pairs (by dim text), like `requires S == T`. */
export function unified(...pairs: [D, D][]): DimEquality {
  const same = (a: Dim, b: Dim) =>
    pairs.some(
      ([x, y]) => (dim(x).equals(a) && dim(y).equals(b)) || (dim(x).equals(b) && dim(y).equals(a)),
    );
  return { equal: (a, b) => a.equals(b) || same(a, b) };
}

export function expectFlops(r: CallResult, text: string): void {
  if (!r.ok) throw new Error(r.error.message);
  expect(r.flops?.toString()).toBe(text);
}
