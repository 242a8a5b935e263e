/**
 * Small pieces of WGSL text every kernel generator uses: element types, literals, dim
 * expressions as u32 arithmetic on the dims uniform, and index arithmetic (row-major strides,
 * unravelling a linear index, broadcasting).
 */
import { applyDimOp, type DimExpr, type DType } from "../../../runtime/graph.js";

/** The WGSL type of one element in a buffer: bool is stored as u32 (0 or 1). */
export function storageType(dtype: DType): string {
  return dtype === "f32" ? "f32" : dtype === "i32" ? "i32" : "u32";
}

/** The WGSL type a kernel computes with: bool is `bool`. */
export function valueType(dtype: DType): string {
  return dtype === "bool" ? "bool" : storageType(dtype);
}

/** Reads a stored element as a value (`x[i]`, `x[i] != 0u` for bool). */
export function load(dtype: DType, ref: string): string {
  return dtype === "bool" ? `(${ref} != 0u)` : ref;
}

/** A value as a stored element (`select(0u, 1u, v)` for bool). */
export function store(dtype: DType, value: string): string {
  return dtype === "bool" ? `select(0u, 1u, ${value})` : value;
}

/**
 * A number as a WGSL literal of the dtype. f32 literals round-trip exactly (shortest decimal of
 * the f32 value). WGSL has no literal for infinities and NaN, and Tint rejects a constant
 * expression that evaluates to one, so those call the prelude functions of `PRELUDE`.
 */
export function literal(dtype: DType, v: number | boolean): string {
  if (dtype === "bool") return v ? "true" : "false";
  const n = Number(v);
  if (dtype === "i32") {
    // -2147483648 is not a valid i32 literal (its magnitude overflows); write it as a bitcast.
    return n === -2147483648 ? "i32(-2147483647 - 1)" : `${n | 0}i`;
  }
  if (Number.isNaN(n)) return "nan_f32()";
  if (n === Infinity) return "inf_f32()";
  if (n === -Infinity) return "-inf_f32()";
  const f = Math.fround(n);
  if (Object.is(f, -0)) return "-0.0f";
  let text = String(f);
  // The shortest decimal that reads back as the same f32.
  for (let digits = 1; digits <= 17; digits++) {
    const t = f.toPrecision(digits);
    if (Math.fround(Number(t)) === f) {
      text = t;
      break;
    }
  }
  if (!/[.eE]/.test(text)) text += ".0";
  return `${text}f`;
}

/** The field of the dims uniform holding runtime dim `name`. */
export function dimField(name: string): string {
  return `dims.d_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Folds a dim expression with no runtime dims to its number; undefined otherwise. */
export function constDim(d: DimExpr): number | undefined {
  if (typeof d === "number") return d;
  if (typeof d === "string") return undefined;
  const a = constDim(d.args[0]);
  const b = constDim(d.args[1]);
  return a === undefined || b === undefined ? undefined : applyDimOp(d.op, a, b);
}

/**
 * A non-negative dim expression (a size, an offset) as a WGSL u32 expression over the dims
 * uniform. One with a negative constant in it (`T - 1` is `T + -1`: DimExpr has no `sub`) is
 * computed in i32 with floor semantics and converted at the end.
 */
export function dimU32(d: DimExpr): string {
  const c = constDim(d);
  if (c !== undefined) return `${c}u`;
  if (hasNegative(d)) return `u32(${dimI32(d)})`;
  if (typeof d === "string") return dimField(d);
  if (typeof d === "number") return `${d}u`;
  const a = dimU32(d.args[0]);
  const b = dimU32(d.args[1]);
  switch (d.op) {
    case "add":
      return `(${a} + ${b})`;
    case "mul":
      return `(${a} * ${b})`;
    case "div":
    case "floor_div":
      return `(${a} / ${b})`;
    case "ceil_div":
      return `((${a} + ${b} - 1u) / ${b})`;
    case "mod":
      return `(${a} % ${b})`;
    case "maximum":
      return `max(${a}, ${b})`;
    case "minimum":
      return `min(${a}, ${b})`;
  }
}

/**
 * A dim expression with its constant subtrees folded and the identities of 0 and 1 applied
 * (`x*0 = 0`, `x*1 = x`, `x+0 = x`, `⌊x/1⌋ = x`), so that a choice made from constants (a
 * reduction's schedule gate) is a constant even next to runtime dims.
 */
export function foldDim(d: DimExpr): DimExpr {
  if (typeof d !== "object") return d;
  const c = constDim(d);
  if (c !== undefined) return c;
  const a = foldDim(d.args[0]);
  const b = foldDim(d.args[1]);
  switch (d.op) {
    case "mul":
      if (a === 0 || b === 0) return 0;
      if (a === 1) return b;
      if (b === 1) return a;
      break;
    case "add":
      if (a === 0) return b;
      if (b === 0) return a;
      break;
    case "div":
    case "floor_div":
    case "ceil_div":
      if (b === 1) return a;
      if (a === 0) return 0;
      break;
  }
  return { op: d.op, args: [a, b] };
}

/** A dim expression as a WGSL i32 expression (it may be negative: `T - 1`, a negative shift). */
export function dimI32(d: DimExpr): string {
  const c = constDim(d);
  if (c !== undefined) return literal("i32", c);
  if (typeof d === "string") return `i32(${dimField(d)})`;
  if (typeof d === "number") return literal("i32", d);
  const a = dimI32(d.args[0]);
  const b = dimI32(d.args[1]);
  switch (d.op) {
    case "add":
      return `(${a} + ${b})`;
    case "mul":
      return `(${a} * ${b})`;
    case "div":
    case "floor_div":
      return `dim_floor_div(${a}, ${b})`;
    case "ceil_div":
      return `(0i - dim_floor_div(0i - ${a}, ${b}))`;
    case "mod":
      return `dim_mod(${a}, ${b})`;
    case "maximum":
      return `max(${a}, ${b})`;
    case "minimum":
      return `min(${a}, ${b})`;
  }
}

/** True when a dim expression has a negative constant in it. */
function hasNegative(d: DimExpr): boolean {
  if (typeof d === "number") return d < 0;
  if (typeof d === "string") return false;
  return hasNegative(d.args[0]) || hasNegative(d.args[1]);
}

/** Product of dims, simplified where constant (`[B, T, 4]` → `B*T*4`). */
export function product(dims: readonly DimExpr[]): DimExpr {
  let constant = 1;
  let symbolic: DimExpr | undefined;
  for (const d of dims) {
    const c = constDim(d);
    if (c !== undefined) constant *= c;
    else symbolic = symbolic === undefined ? d : { op: "mul", args: [symbolic, d] };
  }
  if (symbolic === undefined) return constant;
  return constant === 1 ? symbolic : { op: "mul", args: [symbolic, constant] };
}

/** Row-major strides of a shape, as dim expressions. */
export function stridesOf(shape: readonly DimExpr[]): DimExpr[] {
  const out: DimExpr[] = [];
  for (let i = 0; i < shape.length; i++) out.push(product(shape.slice(i + 1)));
  return out;
}

/**
 * Statements that split linear index `index` of `shape` into coordinates `${prefix}0`, ...
 * (row-major). Axes of size 1 get the constant 0.
 */
export function unravel(index: string, shape: readonly DimExpr[], prefix: string): string {
  const lines: string[] = [];
  if (shape.length === 0) return "";
  lines.push(`var ${prefix}rest = ${index};`);
  for (let a = shape.length - 1; a >= 0; a--) {
    const size = shape[a]!;
    if (constDim(size) === 1) {
      lines.push(`let ${prefix}${a} = 0u;`);
    } else if (a === 0) {
      lines.push(`let ${prefix}${a} = ${prefix}rest;`);
    } else {
      const s = dimU32(size);
      lines.push(`let ${prefix}${a} = ${prefix}rest % ${s};`);
      lines.push(`${prefix}rest = ${prefix}rest / ${s};`);
    }
  }
  return lines.join("\n");
}

/**
 * The offset into a tensor of shape `inShape` broadcast (right-aligned, NumPy rules) to output
 * coordinates `${coord}0..`: the sum of coordinate × stride over the axes that are not size 1.
 */
export function broadcastOffset(
  inShape: readonly DimExpr[],
  outRank: number,
  coord: string,
): string {
  const lead = outRank - inShape.length;
  const strides = stridesOf(inShape);
  const terms: string[] = [];
  inShape.forEach((d, i) => {
    if (constDim(d) === 1) return;
    const s = strides[i]!;
    const c = `${coord}${i + lead}`;
    terms.push(constDim(s) === 1 ? c : `${c} * ${dimU32(s)}`);
  });
  return terms.length === 0 ? "0u" : terms.join(" + ");
}

export { sameShape } from "../../opt/graph-edit.js";

/**
 * Text safe in a line comment of WGSL or C++: no line break of either language (LF, CR, VT, FF,
 * NEL, U+2028, U+2029) or other control character, and no backslash (which ends a C++ line
 * comment's line by splicing the next line into it).
 */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g, "?");
}

/** `f32[B, T, 64]` → `f32_BxTx64`, for kernel names. */
export function shapeTag(dtype: DType, shape: readonly DimExpr[]): string {
  const dims = shape.map((d) => (typeof d === "number" || typeof d === "string" ? String(d) : "e"));
  return `${dtype}_${dims.join("x") || "s"}`;
}
