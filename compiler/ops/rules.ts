/**
 * Building blocks of the shape rules: broadcasting, axis normalization, dtype classes and the
 * typing of number literals. They throw `OpFailure` (via `fail`); the table turns that into a
 * result.
 */
import { Dim } from "../shapes/dim.js";
import { fail, formatFloat, type TensorArg } from "./signature.js";
import { formatShape, formatType, type DimEquality, type DType } from "./types.js";

export const ONE = Dim.const(1);
export const ZERO = Dim.const(0);

/** A dim the rules treat as 1: the constant 1, or a dim the checker has equated with 1. */
export function isOne(d: Dim, eq: DimEquality): boolean {
  return d.value === 1 || eq.equal(d, ONE);
}

export function product(dims: readonly Dim[]): Dim {
  return dims.reduce((acc, d) => acc.mul(d), ONE);
}

/** Whether `q` is the opaque quotient `a / b` (the division did not simplify). */
function isOpaqueQuotient(q: Dim, a: Dim, b: Dim): boolean {
  return q.equals(Dim.opaque("div", a, b));
}

/**
 * The sum of sizes, re-normalized: `Dim.add` merges like terms without the cancellation `Dim.mul`
 * applies, so `hd/2 + hd/2` would stay `2*(hd/2)`; multiplying by 1 cancels it to `hd`.
 */
export function sumDims(dims: readonly Dim[]): Dim {
  return dims.reduce((acc, d) => acc.add(d), ZERO).mul(ONE);
}

/**
 * Exact division `num / den` (`Dim.div`), first cancelling the largest divisor of a constant
 * `den` that divides every coefficient of `num`: `Dim.div` leaves `(3*d)/12` opaque where the
 * answer is `d/4`. Undefined when the division is known to be inexact.
 */
export function exactDiv(num: Dim, den: Dim): Dim | undefined {
  const c = den.value;
  if (c === undefined || c <= 1 || num.isConst() || c > 1e12) return num.div(den);
  const divisors: number[] = [];
  for (let g = 1; g * g <= c; g++) {
    if (c % g === 0) divisors.push(g, c / g);
  }
  divisors.sort((x, y) => y - x);
  for (const g of divisors) {
    if (g === 1) break;
    const gd = Dim.const(g);
    const q = num.div(gd);
    if (q && !isOpaqueQuotient(q, num, gd)) return g === c ? q : q.div(Dim.const(c / g));
  }
  return num.div(den);
}

/**
 * `product(num) / product(den)`, exactly, after cancelling dims that appear in both lists
 * (`Dim.div` does not cancel common factors of polynomials, so `(B*d)/(B*heads)` would stay
 * opaque where the answer is `d/heads`), then dividing by the rest one at a time, constants
 * first. Undefined when the division is known to be inexact.
 */
export function divideShapes(num: readonly Dim[], den: readonly Dim[]): Dim | undefined {
  const rest = [...num];
  const left: Dim[] = [];
  for (const d of den) {
    const i = rest.findIndex((n) => n.equals(d));
    if (i >= 0) rest.splice(i, 1);
    else left.push(d);
  }
  const consts = left.filter((d) => d.isConst());
  const syms = left.filter((d) => !d.isConst());
  let q: Dim | undefined = product(rest);
  const c = product(consts);
  if (c.value !== 1) q = exactDiv(q, c);
  if (q && syms.length > 0) q = q.div(product(syms));
  return q;
}

/** `a` divided by a positive constant `k`, exactly when it divides, else rounded up. */
export function ceilDivExact(a: Dim, k: number): Dim {
  if (k === 1) return a;
  const kd = Dim.const(k);
  const q = a.div(kd);
  if (q && !isOpaqueQuotient(q, a, kd)) return q;
  return a.ceilDiv(kd) ?? Dim.opaque("ceil_div", a, kd);
}

/**
 * `a - b` for sizes, recognizing `n - n/k` as `(k - 1) * (n/k)`: division of dims is exact by
 * definition, but the polynomial form cannot see that `n = k * (n/k)` (so `x[..., hd/2:]` has
 * the size `hd/2`, like `x[..., :hd/2]`).
 */
export function subSize(a: Dim, b: Dim): Dim {
  if (!b.isConst() && !a.isConst()) {
    for (let k = 2; k <= 64; k++) {
      const q = a.div(Dim.const(k));
      if (q && b.equals(q)) return b.mul(Dim.const(k - 1));
    }
  }
  return a.sub(b).mul(ONE);
}

// ------------------------------------------------------------------------------------ axes

export function rankText(shape: readonly Dim[]): string {
  return `a rank-${shape.length} tensor ${formatShape(shape)}`;
}

/**
 * A possibly negative axis of a tensor of rank `shape.length`, as a non-negative index; fails
 * naming the rank when it is out of range.
 */
export function normAxis(op: string, axis: number, shape: readonly Dim[], arg?: string): number {
  const r = shape.length;
  if (axis >= -r && axis < r) return axis < 0 ? axis + r : axis;
  const range = r === 0 ? "it has no axes" : `axes are ${-r} to ${r - 1}`;
  return fail(`${op}: axis ${axis} is out of range for ${rankText(shape)} (${range})`, arg);
}

/** Normalizes a list of axes; a repeated axis is an error. */
export function normAxes(
  op: string,
  axes: readonly number[],
  shape: readonly Dim[],
  arg?: string,
): number[] {
  const out: number[] = [];
  axes.forEach((a, i) => {
    const n = normAxis(op, a, shape, arg);
    const j = out.indexOf(n);
    if (j >= 0) {
      const same = axes[j] === a ? `${a}` : `${axes[j]} and ${a}`;
      fail(
        `${op}: axis ${n} of ${formatShape(shape)} is listed twice (${same} in (${axes.join(", ")}))`,
        arg,
      );
    }
    out[i] = n;
  });
  return out;
}

// ------------------------------------------------------------------------------------ broadcast

export interface Operand {
  /** How the operand reads in messages: a param name, "operand 1". */
  label: string;
  shape: readonly Dim[];
}

export interface BroadcastConflict {
  a: Operand;
  b: Operand;
  /** The axis text: `axis 1` (same rank) or `axis -2` (counted from the end). */
  axis: string;
  da: Dim;
  db: Dim;
}

function axisText(ra: number, rb: number, fromEnd: number): string {
  return ra === rb ? `axis ${ra - fromEnd}` : `axis -${fromEnd}`;
}

/**
 * NumPy broadcasting of any number of shapes: right-aligned, a dim equal to 1 stretches, others
 * must be equal (by `eq`). Where several operands agree, the first one's dim is kept.
 */
export function broadcast(
  operands: readonly Operand[],
  eq: DimEquality,
): { ok: true; shape: Dim[] } | { ok: false; conflict: BroadcastConflict } {
  const rank = Math.max(0, ...operands.map((o) => o.shape.length));
  const out: Dim[] = [];
  for (let j = 1; j <= rank; j++) {
    let chosen: { o: Operand; d: Dim } | undefined;
    let first: Dim | undefined;
    for (const o of operands) {
      const d = o.shape[o.shape.length - j];
      if (!d) continue;
      first ??= d;
      if (isOne(d, eq)) continue;
      if (!chosen) chosen = { o, d };
      else if (!eq.equal(chosen.d, d)) {
        return {
          ok: false,
          conflict: {
            a: chosen.o,
            b: o,
            axis: axisText(chosen.o.shape.length, o.shape.length, j),
            da: chosen.d,
            db: d,
          },
        };
      }
    }
    out.unshift(chosen ? chosen.d : first!);
  }
  return { ok: true, shape: out };
}

export function broadcastOrFail(
  op: string,
  operands: readonly Operand[],
  eq: DimEquality,
  arg?: (c: BroadcastConflict) => string | number | undefined,
): Dim[] {
  const r = broadcast(operands, eq);
  if (r.ok) return r.shape;
  const c = r.conflict;
  return fail(
    `${op}: cannot broadcast ${formatShape(c.a.shape)} with ${formatShape(c.b.shape)}: ${c.axis} has ${c.da} vs ${c.db}`,
    arg ? arg(c) : c.b.label,
    {
      notes: [
        `broadcasting aligns shapes from the right; a dim stretches only when it is 1 (${c.a.label} is ${formatShape(c.a.shape)}, ${c.b.label} is ${formatShape(c.b.shape)})`,
      ],
    },
  );
}

// ------------------------------------------------------------------------------------ dtypes

export type DTypeClass = "any" | "numeric" | "float" | "bool";

export function isFloat(t: DType): boolean {
  return t === "f32" || t === "f16";
}

export function inClass(t: DType, c: DTypeClass): boolean {
  switch (c) {
    case "any":
      return true;
    case "numeric":
      return t !== "bool";
    case "float":
      return isFloat(t);
    case "bool":
      return t === "bool";
  }
}

const CLASS_TEXT: Record<DTypeClass, string> = {
  any: "a tensor",
  numeric: "a numeric (f32 or i32) tensor",
  float: "a float (f32) tensor",
  bool: "a bool tensor",
};

const CLASS_HELP: Record<DTypeClass, (name: string) => string | undefined> = {
  any: () => undefined,
  numeric: (n) => `cast(${n}, f32) or cast(${n}, i32) first`,
  float: (n) => `cast(${n}, f32) first`,
  bool: (n) => `compare it (${n} != 0) or cast(${n}, bool) first`,
};

/** Fails unless `t`'s dtype is in `cls`; the message names the operand's type. */
export function requireClass(
  op: string,
  t: TensorArg,
  cls: DTypeClass,
  param: string,
  label = param,
): void {
  if (inClass(t.type.dtype, cls)) return;
  const what = t.weak ? `the number ${weakText(t)}` : formatType(t.type);
  const help = t.weak ? undefined : CLASS_HELP[cls](param);
  fail(`${op}: ${label} must be ${CLASS_TEXT[cls]}, got ${what}`, param, help ? { help } : {});
}

function a(kind: string): string {
  return kind === "int" ? "an int" : `a ${kind}`;
}

function weakText(t: TensorArg): string {
  const w = t.weak!;
  return w.kind === "float" ? formatFloat(w.value) : String(w.value);
}

/** Whether a number literal of this kind can take `dtype`. */
function weakFits(w: NonNullable<TensorArg["weak"]>, dtype: DType): boolean {
  switch (w.kind) {
    case "int":
      return dtype !== "bool";
    case "float":
      return isFloat(dtype);
    case "bool":
      return dtype === "bool";
  }
}

/**
 * The common dtype of elementwise operands. Tensors must agree exactly (no implicit promotion);
 * a number literal (weak scalar) takes the tensors' dtype when it fits it: an int literal fits
 * any numeric dtype, a float literal only a float dtype (`i32 * 0.5` is an error, not a silent
 * truncation), a bool literal only bool. Operands that are all literals take float if any is a
 * float, else i32 for ints, bool for bools (a bool mixed with a number is an error).
 *
 * Returns the dtype and the dtype each literal took, by parameter name.
 */
export function unifyDtypes(
  op: string,
  operands: readonly { name: string; t: TensorArg }[],
): { dtype: DType; scalars: Record<string, DType> } {
  const strong = operands.filter((o) => !o.t.weak);
  const weak = operands.filter((o) => o.t.weak);
  let dtype: DType;
  if (strong[0]) {
    const base = strong[0];
    dtype = base.t.type.dtype;
    for (const o of strong.slice(1)) {
      if (o.t.type.dtype !== dtype) {
        fail(
          `${op}: the operands' dtypes differ: ${base.name} is ${formatType(base.t.type)}, ${o.name} is ${formatType(o.t.type)}`,
          o.name,
          { help: `cast one of them, e.g. cast(${o.name}, ${dtype})` },
        );
      }
    }
    for (const o of weak) {
      if (!weakFits(o.t.weak!, dtype)) {
        const w = o.t.weak!;
        const needs = w.kind === "int" ? "a numeric" : w.kind === "float" ? "a float" : "a bool";
        fail(
          `${op}: the ${w.kind} ${weakText(o.t)} cannot be combined with ${formatType(base.t.type)} (${a(w.kind)} literal needs ${needs} tensor)`,
          o.name,
          w.kind === "float" && dtype === "i32"
            ? { help: `cast(${base.name}, f32) first, or use an int` }
            : {},
        );
      }
    }
  } else {
    const kinds = new Set(weak.map((o) => o.t.weak!.kind));
    if (kinds.has("bool") && kinds.size > 1) {
      const b = weak.find((o) => o.t.weak!.kind === "bool")!;
      const n = weak.find((o) => o.t.weak!.kind !== "bool")!;
      fail(
        `${op}: cannot combine the bool ${weakText(b.t)} with the number ${weakText(n.t)}`,
        n.name,
      );
    }
    dtype = kinds.has("float") ? "f32" : kinds.has("int") ? "i32" : "bool";
  }
  const scalars: Record<string, DType> = {};
  for (const o of weak) scalars[o.name] = dtype;
  return { dtype, scalars };
}

/** Fails unless a fill value (`full`, `pad`) can be stored in `dtype` exactly. */
export function checkFill(
  op: string,
  param: string,
  v: { kind: "int" | "float" | "bool"; value: number | boolean },
  dtype: DType,
): void {
  const text = v.kind === "float" ? formatFloat(v.value as number) : String(v.value);
  const bad = (why: string): never => fail(`${op}: ${param} ${text} ${why}`, param);
  if (dtype === "bool") {
    if (v.kind === "bool") return;
    if (v.value === 0 || v.value === 1) return;
    bad("is not a bool (use true or false)");
  }
  if (v.kind === "bool") bad(`cannot fill a ${dtype} tensor (use a number)`);
  if (dtype === "i32" && !Number.isInteger(v.value))
    bad("cannot fill an i32 tensor (not an integer)");
}
