/**
 * The reference semantics of every IR op (spec/ir.md): simple CPU kernels, written to be
 * obviously correct and deterministic rather than fast. They are the oracle every other backend
 * is tested against.
 *
 * Numerics:
 * - f32 results are stored in a Float32Array, which rounds to nearest (exactly `Math.fround`).
 *   Elementwise arithmetic (`add sub mul div sqrt`, ...) is computed in double on f32 inputs and
 *   rounded once, which gives the correctly rounded f32 result, i.e. what float32 hardware gives
 *   for one IEEE operation. Transcendentals (`exp log sin cos tanh erf`, `pow`, `rsqrt`) are
 *   computed in double (V8's fdlibm ports; `erf` below) and rounded once.
 * - Sums of many terms (reductions, `cumsum`, `matmul`, `einsum`, pooling, convolution, the DFTs,
 *   `bspline_basis`) accumulate in double, in a fixed order, and round once per output element:
 *   at least as accurate as any f32 kernel, so other backends are compared with a tolerance.
 * - i32 arithmetic wraps modulo 2^32 (two's complement). `div` is floor division and `mod`
 *   takes the divisor's sign (Python); division or modulo by zero gives 0 (as NumPy).
 * - bool is 0/1.
 *
 * Errors are thrown as plain `Error`s whose messages do not repeat the op's name (the
 * interpreter prefixes it with the node's op and source location).
 */
import type { Attr, DType } from "../graph.js";
import {
  aroundAxis,
  broadcastOffsets,
  broadcastShapes,
  forEachIndex,
  numel,
  strides,
  tensor,
  unravel,
  type Tensor,
} from "./tensor.js";

/** The type of one output, with its shape evaluated (runtime dims bound). */
export interface OutType {
  dtype: DType;
  shape: number[];
}

/**
 * A kernel: input tensors (in the node's order), the node's attributes, the output types (one
 * per output, shapes already evaluated to numbers) → one tensor per output, of exactly those
 * types. Ops whose result size is an argument (`reshape`, `expand`, `split`, `topk`, `arange`,
 * `full`, `eye`, `irfft`, the sizes of `slice` and `pad`, ...) take it from `outTypes`.
 *
 * Attributes are as in spec/ir.md, except that dim-valued ones arrive already evaluated to
 * numbers: `arange.start`, `roll.shift`, `pad.before`, `avg_pool2d.k/stride/pad`,
 * `conv2d_depthwise.pad`, `bspline_basis.grid` and the `index`/`start` of each `slice` axis.
 * A fill value (`const`, `full`, `pad`) is a number (possibly ±Infinity or NaN: graphs read
 * with `parseGraph` have them restored) or a bool.
 */
export type Kernel = (
  inputs: Tensor[],
  attrs: Record<string, Attr>,
  outTypes: OutType[],
) => Tensor[];

// ------------------------------------------------------------------------------------ helpers

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Exactly `n` inputs. */
function args(inputs: Tensor[], n: number): Tensor[] {
  if (inputs.length !== n) throw new Error(`expects ${n} inputs, got ${inputs.length}`);
  return inputs;
}

function input(inputs: Tensor[], i: number): Tensor {
  const t = inputs[i];
  if (!t) throw new Error(`input ${i} is missing`);
  return t;
}

function outType(outTypes: OutType[], i = 0): OutType {
  const t = outTypes[i];
  if (!t) throw new Error(`output type ${i} is missing`);
  return t;
}

function checkDtype(t: OutType, dtype: DType): void {
  if (t.dtype !== dtype)
    throw new Error(`the output type is ${t.dtype} but the result is ${dtype}`);
}

/** A zero tensor of an output type, which must have the dtype the op computes (if given). */
function alloc(t: OutType, dtype?: DType): Tensor {
  if (dtype !== undefined) checkDtype(t, dtype);
  return tensor(t.dtype, t.shape);
}

function expectShape(what: string, got: readonly number[], want: readonly number[]): void {
  if (!sameShape(got, want)) {
    throw new Error(`the output type says ${shapeText(want)} but ${what} is ${shapeText(got)}`);
  }
}

function needDtype(t: Tensor, what: string, ...dtypes: DType[]): void {
  if (!dtypes.includes(t.dtype)) {
    throw new Error(`${what} must be ${dtypes.join(" or ")}, got ${t.dtype}${shapeText(t.shape)}`);
  }
}

function attr(attrs: Record<string, Attr>, name: string): Attr {
  const v = attrs[name];
  if (v === undefined) throw new Error(`attribute '${name}' is missing`);
  return v;
}

function intAttr(attrs: Record<string, Attr>, name: string): number {
  const v = attr(attrs, name);
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new Error(`attribute '${name}' must be an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function numAttr(attrs: Record<string, Attr>, name: string): number {
  const v = attr(attrs, name);
  if (typeof v !== "number") {
    throw new Error(`attribute '${name}' must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function boolAttr(attrs: Record<string, Attr>, name: string): boolean {
  const v = attr(attrs, name);
  if (typeof v !== "boolean") {
    throw new Error(`attribute '${name}' must be a bool, got ${JSON.stringify(v)}`);
  }
  return v;
}

function intsAttr(attrs: Record<string, Attr>, name: string): number[] {
  const v = attr(attrs, name);
  if (!Array.isArray(v) || !v.every((e) => typeof e === "number" && Number.isInteger(e))) {
    throw new Error(`attribute '${name}' must be a list of integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/** A fill value: a number, or a bool (1/0). */
function valueAttr(attrs: Record<string, Attr>, name: string): number {
  const v = attr(attrs, name);
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new Error(`attribute '${name}' must be a number or a bool, got ${JSON.stringify(v)}`);
}

/** An axis attribute, checked against a rank. */
function axisAttr(attrs: Record<string, Attr>, rank: number, name = "axis"): number {
  const a = intAttr(attrs, name);
  if (a < 0 || a >= rank) throw new Error(`${name} ${a} is out of range for rank ${rank}`);
  return a;
}

// ------------------------------------------------------------------------------------ erf

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π

/** e^{−x²}, with x² split so the argument is exact for |x| of 24 bits (every f32). */
function expNegSquare(x: number): number {
  const hi = Math.fround(x);
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (x + hi));
}

/**
 * The error function in double precision (absolute error below 6e−16, i.e. a few ulps; checked
 * against 40-digit values):
 * - |x| < 1: `erf(x) = 2/√π · e^{−x²} · Σ_{n≥0} 2^n x^{2n+1} / (1·3·…·(2n+1))`, a series of
 *   positive terms (no cancellation);
 * - 1 ≤ |x| < 6: `erf(x) = 1 − erfc(x)`, with Laplace's continued fraction
 *   `erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))` evaluated
 *   backward from ⌈200/x²⌉ + 20 terms (enough for full precision from x = 1 on);
 * - |x| ≥ 6: ±1 (erfc(6) ≈ 2e−17 is below half an ulp of 1).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax >= 6) r = 1;
  else if (ax < 1) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    r = TWO_OVER_SQRT_PI * expNegSquare(ax) * sum;
  } else {
    let f = ax;
    for (let n = Math.ceil(200 / (ax * ax)) + 20; n >= 1; n--) f = ax + n / 2 / f;
    r = 1 - (ONE_OVER_SQRT_PI * expNegSquare(ax)) / f;
  }
  return x < 0 ? -r : r;
}

// ------------------------------------------------------------------------------------ scalar math

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Floor division on i32 (Python `//`); by zero gives 0 (as NumPy). Wraps (MIN // -1 = MIN). */
function floorDivI(a: number, b: number): number {
  if (b === 0) return 0;
  return Math.floor(a / b) | 0;
}

/** i32 modulo with the divisor's sign (Python `%`); by zero gives 0 (as NumPy). */
function modI(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** f32 modulo, `a − floor(a / b)·b` evaluated in double (then rounded once by the store). */
function modF(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

/**
 * i32 power by repeated squaring, wrapping. A negative exponent gives the true value truncated
 * toward zero: 1 for a = 1, ±1 for a = −1, otherwise 0 (also for a = 0).
 */
function powI(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let r = 1;
  let base = a;
  for (let e = b; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
  }
  return r;
}

/** f32 power: `Math.pow`, except C's pow(1, y) = 1 and pow(−1, ±inf) = 1 (JS gives NaN). */
function powF(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** f32 → i32: truncation toward zero, saturating at the i32 range; NaN gives 0. */
function toI32(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= INT32_MAX) return INT32_MAX;
  if (x <= INT32_MIN) return INT32_MIN;
  return Math.trunc(x);
}

// ------------------------------------------------------------------------------------ elementwise

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

/** A unary elementwise kernel; `fns` has the function for each accepted input dtype. */
function unary(fns: Partial<Record<DType, Fn1>>): Kernel {
  return (inputs, _attrs, outTypes) => {
    const [x] = args(inputs, 1) as [Tensor];
    const fn = fns[x.dtype];
    if (!fn) throw new Error(`x must be ${Object.keys(fns).join(" or ")}, got ${x.dtype}`);
    const o = alloc(outType(outTypes), x.dtype);
    expectShape("x", x.shape, o.shape);
    for (let i = 0; i < o.data.length; i++) o.data[i] = fn(x.data[i]!);
    return [o];
  };
}

const float = (f: Fn1): Partial<Record<DType, Fn1>> => ({ f32: f });

/** Elementwise over broadcast operands: `out[i] = fn(in_0[...], in_1[...], ...)`. */
function broadcastMap(ins: Tensor[], out: Tensor, fn: (vals: number[]) => number): void {
  const want = broadcastShapes(...ins.map((t) => t.shape));
  expectShape(`the broadcast of ${ins.map((t) => shapeText(t.shape)).join(", ")}`, want, out.shape);
  const offs = ins.map((t) => broadcastOffsets(t.shape, out.shape));
  const vals = new Array<number>(ins.length).fill(0);
  for (let k = 0; k < out.data.length; k++) {
    for (let t = 0; t < ins.length; t++) vals[t] = ins[t]!.data[offs[t]![k]!]!;
    out.data[k] = fn(vals);
  }
}

/**
 * A binary elementwise kernel with NumPy broadcasting; both operands of one accepted dtype; the
 * result has their dtype, or bool (comparisons).
 */
function binary(fns: Partial<Record<DType, Fn2>>, result: "same" | "bool" = "same"): Kernel {
  return (inputs, _attrs, outTypes) => {
    const [a, b] = args(inputs, 2) as [Tensor, Tensor];
    if (a.dtype !== b.dtype) throw new Error(`the operands' dtypes differ: ${a.dtype}, ${b.dtype}`);
    const fn = fns[a.dtype];
    if (!fn) throw new Error(`operands must be ${Object.keys(fns).join(" or ")}, got ${a.dtype}`);
    const o = alloc(outType(outTypes), result === "bool" ? "bool" : a.dtype);
    broadcastMap([a, b], o, (v) => fn(v[0]!, v[1]!));
    return [o];
  };
}

const numeric = (f32: Fn2, i32: Fn2): Partial<Record<DType, Fn2>> => ({ f32, i32 });
const anyDtype = (f: Fn2): Partial<Record<DType, Fn2>> => ({ f32: f, i32: f, bool: f });
const numbers = (f: Fn2): Partial<Record<DType, Fn2>> => ({ f32: f, i32: f });

const where: Kernel = (inputs, _attrs, outTypes) => {
  const [c, a, b] = args(inputs, 3) as [Tensor, Tensor, Tensor];
  needDtype(c, "the condition c", "bool");
  if (a.dtype !== b.dtype) throw new Error(`a and b's dtypes differ: ${a.dtype}, ${b.dtype}`);
  const o = alloc(outType(outTypes), a.dtype);
  broadcastMap([c, a, b], o, (v) => (v[0] ? v[1]! : v[2]!));
  return [o];
};

const cast: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const t = outType(outTypes);
  const to = attr(attrs, "dtype");
  if (to !== t.dtype) throw new Error(`attribute dtype ${JSON.stringify(to)} ≠ output ${t.dtype}`);
  const o = alloc(t);
  expectShape("x", x.shape, o.shape);
  const conv: Fn1 =
    to === "bool" ? (v) => (v !== 0 ? 1 : 0) : to === "i32" && x.dtype === "f32" ? toI32 : (v) => v;
  for (let i = 0; i < o.data.length; i++) o.data[i] = conv(x.data[i]!);
  return [o];
};

const constKernel: Kernel = (inputs, attrs, outTypes) => {
  args(inputs, 0);
  const t = outType(outTypes);
  if (t.shape.length !== 0) throw new Error(`the output must be rank 0, got ${shapeText(t.shape)}`);
  const o = alloc(t);
  o.data[0] = valueAttr(attrs, "value");
  return [o];
};

// ------------------------------------------------------------------------------------ reductions

/**
 * A reduction over `axes` (with `keepdim`): each output element folds its input elements in
 * row-major order with `step` from `init`, then `finish(acc, count)`.
 */
function reduction(
  dtypes: DType[],
  init: (dtype: DType) => number,
  step: (dtype: DType) => (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number = (acc) => acc,
): Kernel {
  return (inputs, attrs, outTypes) => {
    const [x] = args(inputs, 1) as [Tensor];
    needDtype(x, "x", ...dtypes);
    const rank = x.shape.length;
    const axes = intsAttr(attrs, "axes");
    const keep = boolAttr(attrs, "keepdim");
    axes.forEach((a, i) => {
      if (a < 0 || a >= rank) throw new Error(`axis ${a} is out of range for rank ${rank}`);
      if (axes.indexOf(a) !== i) throw new Error(`axis ${a} is listed twice`);
    });
    const reduced = (i: number) => axes.includes(i);
    const shape = x.shape.flatMap((d, i) => (reduced(i) ? (keep ? [1] : []) : [d]));
    const o = alloc(outType(outTypes), x.dtype);
    expectShape("the reduction", shape, o.shape);
    // Output strides laid over the input's axes: 0 on the reduced ones.
    const kept = x.shape.map((d, i) => (reduced(i) ? 1 : d));
    const os = strides(kept).map((s, i) => (reduced(i) ? 0 : s));
    const count = numel(axes.map((a) => x.shape[a]!));
    const acc = new Float64Array(o.data.length).fill(init(x.dtype));
    const f = step(x.dtype);
    forEachIndex(x.shape, [strides(x.shape), os], (off) => {
      acc[off[1]!] = f(acc[off[1]!]!, x.data[off[0]!]!);
    });
    for (let i = 0; i < o.data.length; i++) o.data[i] = finish(acc[i]!, count);
    return [o];
  };
}

const sum = reduction(
  ["f32", "i32"],
  () => 0,
  (d) => (d === "i32" ? (a, v) => (a + v) | 0 : (a, v) => a + v),
);
const prod = reduction(
  ["f32", "i32"],
  () => 1,
  (d) => (d === "i32" ? (a, v) => Math.imul(a, v) : (a, v) => a * v),
);
const mean = reduction(
  ["f32"],
  () => 0,
  () => (a, v) => a + v,
  (acc, n) => acc / n,
);
/** max/min propagate NaN; over an empty axis they give ∓inf (i32: its minimum / maximum). */
const max = reduction(
  ["f32", "i32"],
  (d) => (d === "i32" ? INT32_MIN : -Infinity),
  () => Math.max,
);
const min = reduction(
  ["f32", "i32"],
  (d) => (d === "i32" ? INT32_MAX : Infinity),
  () => Math.min,
);

/** First index of the maximum; NaN counts as the maximum (the first NaN wins, as NumPy). */
const argmax: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  needDtype(x, "x", "f32", "i32");
  const axis = axisAttr(attrs, x.shape.length);
  const o = alloc(outType(outTypes), "i32");
  expectShape(
    "the reduction",
    x.shape.filter((_, i) => i !== axis),
    o.shape,
  );
  const { outer, n, inner } = aroundAxis(x.shape, axis);
  if (n === 0 && o.data.length > 0) throw new Error(`argmax over the empty axis ${axis}`);
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < inner; j++) {
      let best = 0;
      let bv = x.data[p * n * inner + j]!;
      for (let i = 1; i < n && !Number.isNaN(bv); i++) {
        const v = x.data[(p * n + i) * inner + j]!;
        if (v > bv || Number.isNaN(v)) {
          best = i;
          bv = v;
        }
      }
      o.data[p * inner + j] = best;
    }
  }
  return [o];
};

// ------------------------------------------------------------------------------------ matmul

/**
 * NumPy `matmul`: `[...A, m, k] @ [...B, k, n] → [broadcast(A, B), m, n]`; a rank-1 `a` is a
 * row `[1, k]` and a rank-1 `b` a column `[k, 1]`, whose added axis is dropped from the result.
 */
const matmul: Kernel = (inputs, _attrs, outTypes) => {
  const [a, b] = args(inputs, 2) as [Tensor, Tensor];
  needDtype(a, "a", "f32", "i32");
  if (a.dtype !== b.dtype) throw new Error(`the operands' dtypes differ: ${a.dtype}, ${b.dtype}`);
  if (a.shape.length === 0 || b.shape.length === 0) throw new Error("an operand is rank 0");
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const m = as[as.length - 2]!;
  const k = as[as.length - 1]!;
  const n = bs[bs.length - 1]!;
  if (bs[bs.length - 2] !== k) {
    throw new Error(`the contracted dims differ: ${shapeText(a.shape)} @ ${shapeText(b.shape)}`);
  }
  const batchA = as.slice(0, -2);
  const batchB = bs.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
  const shape = [
    ...batch,
    ...(a.shape.length >= 2 ? [m] : []),
    ...(b.shape.length >= 2 ? [n] : []),
  ];
  const o = alloc(outType(outTypes), a.dtype);
  expectShape("the product", shape, o.shape);
  const offA = broadcastOffsets(batchA, batch);
  const offB = broadcastOffsets(batchB, batch);
  // One output row at a time, accumulated over p in order (the same sum, term by term, as the
  // textbook triple loop) but walking b row by row, which is what keeps big n (a vocabulary)
  // cache-friendly. f32 accumulates in double; i32 wraps.
  const int = a.dtype === "i32";
  const acc = int ? new Int32Array(n) : new Float64Array(n);
  for (let t = 0; t < offA.length; t++) {
    const pa = offA[t]! * m * k;
    const pb = offB[t]! * k * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const x = a.data[pa + i * k + p]!;
        const row = pb + p * n;
        if (int) for (let j = 0; j < n; j++) acc[j] = acc[j]! + Math.imul(x, b.data[row + j]!);
        else for (let j = 0; j < n; j++) acc[j]! += x * b.data[row + j]!;
      }
      o.data.set(acc, (t * m + i) * n);
    }
  }
  return [o];
};

/**
 * Parses a letters einsum spec (`"bij,bjk->bik"`, `"...ij,...jk->...ik"`) against the operands'
 * ranks. Each operand's `...` stands for its leading unnamed dims; they are labelled `.0`, `.1`,
 * ... right-aligned across operands (so they broadcast as NumPy's). Whitespace is ignored.
 */
export function parseEinsumSpec(
  spec: string,
  ranks: readonly number[],
): { inputs: string[][]; output: string[] } {
  const s = spec.replace(/\s+/g, "");
  const sides = s.split("->");
  if (sides.length !== 2) throw new Error(`the spec ${JSON.stringify(spec)} needs one "->"`);
  const terms = sides[0]!.split(",");
  if (terms.length !== ranks.length) {
    throw new Error(
      `the spec ${JSON.stringify(spec)} has ${terms.length} operand terms but there are ${ranks.length} operands`,
    );
  }
  const tokens = (term: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < term.length;) {
      if (term.startsWith("...", i)) {
        if (out.includes("...")) throw new Error(`more than one "..." in ${JSON.stringify(term)}`);
        out.push("...");
        i += 3;
      } else if (/[A-Za-z]/.test(term[i]!)) out.push(term[i++]!);
      else
        throw new Error(
          `unexpected ${JSON.stringify(term[i])} in the spec ${JSON.stringify(spec)}`,
        );
    }
    return out;
  };
  const parsed = terms.map(tokens);
  const ellipsisRanks = parsed.map((t, i) => {
    const letters = t.filter((x) => x !== "...").length;
    const e = ranks[i]! - letters;
    if (e < 0 || (e > 0 && !t.includes("..."))) {
      throw new Error(
        `operand ${i} has rank ${ranks[i]} but its subscripts ${JSON.stringify(terms[i])} name ${letters} axes`,
      );
    }
    return t.includes("...") ? e : 0;
  });
  const E = Math.max(0, ...ellipsisRanks);
  const expand = (t: string[], e: number): string[] =>
    t.flatMap((x) => (x === "..." ? Array.from({ length: e }, (_, j) => `.${E - e + j}`) : [x]));
  const inputs = parsed.map((t, i) => expand(t, ellipsisRanks[i]!));
  const out = tokens(sides[1]!);
  if (E > 0 && !out.includes("...")) {
    throw new Error(`the operands' "..." cover ${E} dims but the output has no "..."`);
  }
  const output = expand(out, E);
  output.forEach((l, i) => {
    if (output.indexOf(l) !== i) throw new Error(`index ${l} appears twice in the output`);
    if (!l.startsWith(".") && !inputs.some((t) => t.includes(l))) {
      throw new Error(`the output index ${l} is not in any operand`);
    }
  });
  return { inputs, output };
}

/**
 * `einsum`: for every combination of all indices, the product of the operands' elements is
 * added to the output element of the output's indices (so indices not in the output are
 * summed; an index repeated within an operand reads its diagonal). Sizes of one index must
 * agree, a size of 1 broadcasting (as NumPy).
 */
const einsum: Kernel = (inputs, attrs, outTypes) => {
  const spec = attr(attrs, "spec");
  if (typeof spec !== "string") throw new Error("attribute 'spec' must be a string");
  if (inputs.length === 0) throw new Error("needs at least one operand");
  const dtype = input(inputs, 0).dtype;
  for (const t of inputs) {
    needDtype(t, "every operand", "f32", "i32");
    if (t.dtype !== dtype) throw new Error(`the operands' dtypes differ: ${dtype}, ${t.dtype}`);
  }
  const plan = parseEinsumSpec(
    spec,
    inputs.map((t) => t.shape.length),
  );
  const labels: string[] = [];
  const sizes: number[] = [];
  plan.inputs.forEach((term, i) => {
    term.forEach((l, ax) => {
      const d = inputs[i]!.shape[ax]!;
      const at = labels.indexOf(l);
      if (at < 0) {
        labels.push(l);
        sizes.push(d);
      } else if (sizes[at] !== d && d !== 1) {
        if (sizes[at] !== 1) {
          throw new Error(
            `index ${l} has size ${sizes[at]} and ${d} in the spec ${JSON.stringify(spec)}`,
          );
        }
        sizes[at] = d;
      }
    });
  });
  const size = (l: string) => sizes[labels.indexOf(l)]!;
  const o = alloc(outType(outTypes), dtype);
  expectShape(`the result of ${JSON.stringify(spec)}`, plan.output.map(size), o.shape);
  const strideSets = [plan.output, ...plan.inputs].map((term, t) => {
    const shape = t === 0 ? o.shape : inputs[t - 1]!.shape;
    const own = strides(shape);
    const s = labels.map(() => 0);
    term.forEach((l, ax) => {
      if (shape[ax] !== 1) s[labels.indexOf(l)]! += own[ax]!;
    });
    return s;
  });
  const int = dtype === "i32";
  const acc = new Float64Array(o.data.length);
  const nOps = inputs.length;
  forEachIndex(sizes, strideSets, (off) => {
    let p = inputs[0]!.data[off[1]!]!;
    for (let t = 1; t < nOps; t++) {
      const v = inputs[t]!.data[off[t + 1]!]!;
      p = int ? Math.imul(p, v) : p * v;
    }
    acc[off[0]!] = int ? (acc[off[0]!]! + p) | 0 : acc[off[0]!]! + p;
  });
  o.data.set(acc);
  return [o];
};

// ------------------------------------------------------------------------------------ layout

const reshape: Kernel = (inputs, _attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const t = outType(outTypes);
  checkDtype(t, x.dtype);
  if (numel(t.shape) !== x.data.length) {
    throw new Error(`cannot reshape ${shapeText(x.shape)} to ${shapeText(t.shape)}`);
  }
  return [{ dtype: x.dtype, shape: [...t.shape], data: x.data.slice() }];
};

const permute: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const perm = intsAttr(attrs, "perm");
  const rank = x.shape.length;
  if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new Error(`perm (${perm.join(", ")}) is not a permutation of the ${rank} axes`);
  }
  const o = alloc(outType(outTypes), x.dtype);
  expectShape(
    "the permuted shape",
    perm.map((p) => x.shape[p]!),
    o.shape,
  );
  if (rank === 0) {
    o.data[0] = x.data[0]!;
    return [o];
  }
  // The last two output axes are copied as a plane in 32×32 tiles, so a transpose reads and
  // writes whole cache lines; the index walk covers the other axes.
  const xs = strides(x.shape);
  const rows = rank >= 2 ? o.shape[rank - 2]! : 1;
  const cols = o.shape[rank - 1]!;
  const rowStep = rank >= 2 ? xs[perm[rank - 2]!]! : 0;
  const colStep = xs[perm[rank - 1]!]!;
  const TILE = 32;
  let base = 0;
  forEachIndex(o.shape.slice(0, -2), [perm.slice(0, -2).map((p) => xs[p]!)], (off) => {
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        for (let r = r0; r < Math.min(r0 + TILE, rows); r++) {
          const src = off[0]! + r * rowStep;
          const dst = base + r * cols;
          for (let c = c0; c < Math.min(c0 + TILE, cols); c++)
            o.data[dst + c] = x.data[src + c * colStep]!;
        }
      }
    }
    base += rows * cols;
  });
  return [o];
};

const expand: Kernel = (inputs, _attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const o = alloc(outType(outTypes), x.dtype);
  const offs = broadcastOffsets(x.shape, o.shape);
  for (let k = 0; k < offs.length; k++) o.data[k] = x.data[offs[k]!]!;
  return [o];
};

/**
 * `slice`: `axes` has one entry per input axis, `{index}` (drops it) or `{start, step}` (keeps
 * it: element i reads `start + i·step`, the size from the output). Reads outside the axis are
 * errors (no clamping, no negative indices: the compiler has resolved them).
 */
const slice: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const axes = attr(attrs, "axes");
  if (!Array.isArray(axes) || axes.length !== x.shape.length) {
    throw new Error(`attribute 'axes' must list one entry per axis of ${shapeText(x.shape)}`);
  }
  const o = alloc(outType(outTypes), x.dtype);
  const xs = strides(x.shape);
  let base = 0;
  const keptStrides: number[] = [];
  let kept = 0;
  axes.forEach((a, ax) => {
    const n = x.shape[ax]!;
    const e: Record<string, Attr> = typeof a === "object" && !Array.isArray(a) ? a : {};
    if (e.index !== undefined) {
      const i = e.index;
      if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n) {
        throw new Error(`index ${JSON.stringify(i)} is out of range for axis ${ax} of size ${n}`);
      }
      base += i * xs[ax]!;
      return;
    }
    const { start, step } = e;
    if (typeof start !== "number" || typeof step !== "number") {
      throw new Error(`axes[${ax}] must be {index} or {start, step}, got ${JSON.stringify(a)}`);
    }
    const size = o.shape[kept++];
    if (size === undefined) throw new Error(`the output ${shapeText(o.shape)} has too few axes`);
    const last = start + (size - 1) * step;
    if (size > 0 && (start < 0 || start >= n || last < 0 || last >= n)) {
      throw new Error(
        `axis ${ax} of size ${n}: ${size} elements from ${start} by step ${step} read outside it`,
      );
    }
    base += start * xs[ax]!;
    keptStrides.push(step * xs[ax]!);
  });
  if (kept !== o.shape.length)
    throw new Error(`the output ${shapeText(o.shape)} has too many axes`);
  let k = 0;
  forEachIndex(o.shape, [keptStrides], (off) => {
    o.data[k++] = x.data[base + off[0]!]!;
  });
  return [o];
};

const concat: Kernel = (inputs, attrs, outTypes) => {
  const first = input(inputs, 0);
  const rank = first.shape.length;
  const axis = axisAttr(attrs, rank);
  let total = 0;
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== first.dtype) throw new Error(`operand ${i} is ${t.dtype}, not ${first.dtype}`);
    if (t.shape.length !== rank || t.shape.some((d, k) => k !== axis && d !== first.shape[k])) {
      throw new Error(
        `operand ${i} ${shapeText(t.shape)} does not match operand 0 ${shapeText(first.shape)} off axis ${axis}`,
      );
    }
    total += t.shape[axis]!;
  }
  const o = alloc(outType(outTypes), first.dtype);
  expectShape(
    "the concatenation",
    first.shape.map((d, k) => (k === axis ? total : d)),
    o.shape,
  );
  const { outer, inner } = aroundAxis(o.shape, axis);
  let at = 0;
  for (const t of inputs) {
    const n = t.shape[axis]!;
    for (let p = 0; p < outer; p++) {
      const src = t.data.subarray(p * n * inner, (p + 1) * n * inner);
      o.data.set(src, (p * total + at) * inner);
    }
    at += n;
  }
  return [o];
};

const split: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const axis = axisAttr(attrs, x.shape.length);
  const { outer, n, inner } = aroundAxis(x.shape, axis);
  const outs = outTypes.map((t) => alloc(t, x.dtype));
  let at = 0;
  for (const o of outs) {
    const m = o.shape[axis];
    expectShape(
      "a piece",
      x.shape.map((d, k) => (k === axis ? (m ?? -1) : d)),
      o.shape,
    );
    for (let p = 0; p < outer; p++) {
      o.data.set(x.data.subarray((p * n + at) * inner, (p * n + at + m!) * inner), p * m! * inner);
    }
    at += m!;
  }
  if (at !== n) throw new Error(`the pieces add up to ${at} but axis ${axis} has size ${n}`);
  return outs;
};

// ------------------------------------------------------------------------------------ index

/** `out[..., j…, ...] = table[..., ids[j…], ...]`; an id outside `[0, n)` is an error. */
const take: Kernel = (inputs, attrs, outTypes) => {
  const [table, ids] = args(inputs, 2) as [Tensor, Tensor];
  needDtype(ids, "ids", "i32");
  const axis = axisAttr(attrs, table.shape.length);
  const { outer, n, inner } = aroundAxis(table.shape, axis);
  const o = alloc(outType(outTypes), table.dtype);
  expectShape(
    "the gathered shape",
    [...table.shape.slice(0, axis), ...ids.shape, ...table.shape.slice(axis + 1)],
    o.shape,
  );
  const m = ids.data.length;
  for (let j = 0; j < m; j++) {
    const id = ids.data[j]!;
    if (id < 0 || id >= n) {
      const at = ids.shape.length > 0 ? `ids[${unravel(j, ids.shape).join(", ")}]` : "ids";
      throw new Error(
        `${at} = ${id} is out of range for axis ${axis} of the table ${shapeText(table.shape)} (size ${n}; ids must be in [0, ${n}))`,
      );
    }
    for (let p = 0; p < outer; p++) {
      o.data.set(
        table.data.subarray((p * n + id) * inner, (p * n + id + 1) * inner),
        (p * m + j) * inner,
      );
    }
  }
  return [o];
};

/**
 * `out[i] = x[i with axis ← ids[i]]` (torch.gather): the result has ids' shape; ids may be
 * smaller than x on the other axes (as torch), never larger; an id outside the axis is an error.
 */
const takeAlong: Kernel = (inputs, attrs, outTypes) => {
  const [x, ids] = args(inputs, 2) as [Tensor, Tensor];
  needDtype(ids, "ids", "i32");
  const rank = x.shape.length;
  const axis = axisAttr(attrs, rank);
  if (ids.shape.length !== rank || ids.shape.some((d, k) => k !== axis && d > x.shape[k]!)) {
    throw new Error(
      `ids ${shapeText(ids.shape)} does not fit x ${shapeText(x.shape)} off axis ${axis}`,
    );
  }
  const o = alloc(outType(outTypes), x.dtype);
  expectShape("ids", ids.shape, o.shape);
  const xs = strides(x.shape);
  const n = x.shape[axis]!;
  const gather = xs.map((s, k) => (k === axis ? 0 : s));
  let k = 0;
  forEachIndex(ids.shape, [gather], (off) => {
    const id = ids.data[k]!;
    if (id < 0 || id >= n) {
      throw new Error(
        `ids[${unravel(k, ids.shape).join(", ")}] = ${id} is out of range for axis ${axis} of x ${shapeText(x.shape)} (size ${n})`,
      );
    }
    o.data[k++] = x.data[off[0]! + id * xs[axis]!]!;
  });
  return [o];
};

const cumsum: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  needDtype(x, "x", "f32", "i32");
  const axis = axisAttr(attrs, x.shape.length);
  const o = alloc(outType(outTypes), x.dtype);
  expectShape("x", x.shape, o.shape);
  const { outer, n, inner } = aroundAxis(x.shape, axis);
  const int = x.dtype === "i32";
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < inner; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const at = (p * n + i) * inner + j;
        acc = int ? (acc + x.data[at]!) | 0 : acc + x.data[at]!;
        o.data[at] = acc;
      }
    }
  }
  return [o];
};

/** Descending order for topk: larger first, NaN largest (as torch.topk), then lower index. */
function descending(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return a > b ? -1 : a < b ? 1 : 0;
}

const topk: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  needDtype(x, "x", "f32", "i32");
  const axis = axisAttr(attrs, x.shape.length);
  const values = alloc(outType(outTypes, 0), x.dtype);
  const indices = alloc(outType(outTypes, 1), "i32");
  const k = values.shape[axis] ?? -1;
  const { outer, n, inner } = aroundAxis(x.shape, axis);
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  expectShape("the values", shape, values.shape);
  expectShape("the indices", shape, indices.shape);
  if (k > n) throw new Error(`k = ${k} exceeds the size ${n} of axis ${axis}`);
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < inner; j++) {
      const at = (i: number) => (p * n + i) * inner + j;
      const order = Array.from({ length: n }, (_, i) => i);
      order.sort((a, b) => descending(x.data[at(a)]!, x.data[at(b)]!) || a - b);
      for (let i = 0; i < k; i++) {
        values.data[(p * k + i) * inner + j] = x.data[at(order[i]!)]!;
        indices.data[(p * k + i) * inner + j] = order[i]!;
      }
    }
  }
  return [values, indices];
};

// ------------------------------------------------------------------------------------ creation

const arange: Kernel = (inputs, attrs, outTypes) => {
  args(inputs, 0);
  const start = intAttr(attrs, "start");
  const o = alloc(outType(outTypes), "i32");
  if (o.shape.length !== 1) throw new Error(`the output must be rank 1, got ${shapeText(o.shape)}`);
  for (let i = 0; i < o.data.length; i++) o.data[i] = start + i;
  return [o];
};

const full: Kernel = (inputs, attrs, outTypes) => {
  args(inputs, 0);
  const o = alloc(outType(outTypes));
  o.data.fill(valueAttr(attrs, "value"));
  return [o];
};

const eye: Kernel = (inputs, _attrs, outTypes) => {
  args(inputs, 0);
  const o = alloc(outType(outTypes));
  if (o.shape.length !== 2) throw new Error(`the output must be rank 2, got ${shapeText(o.shape)}`);
  const [r, c] = o.shape as [number, number];
  for (let i = 0; i < Math.min(r, c); i++) o.data[i * c + i] = 1;
  return [o];
};

const roll: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const axis = axisAttr(attrs, x.shape.length);
  const shift = intAttr(attrs, "shift");
  const o = alloc(outType(outTypes), x.dtype);
  expectShape("x", x.shape, o.shape);
  const { outer, n, inner } = aroundAxis(x.shape, axis);
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < n; i++) {
      const to = (((i + shift) % n) + n) % n;
      o.data.set(
        x.data.subarray((p * n + i) * inner, (p * n + i + 1) * inner),
        (p * n + to) * inner,
      );
    }
  }
  return [o];
};

/** `before` copies of `value`, then x, then `value` up to the output's size along the axis. */
const pad: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  const axis = axisAttr(attrs, x.shape.length);
  const before = intAttr(attrs, "before");
  const value = valueAttr(attrs, "value");
  const o = alloc(outType(outTypes), x.dtype);
  const { outer, n, inner } = aroundAxis(x.shape, axis);
  const total = o.shape[axis] ?? -1;
  expectShape(
    "x padded",
    x.shape.map((d, k) => (k === axis ? total : d)),
    o.shape,
  );
  if (before < 0 || before + n > total) {
    throw new Error(`cannot pad axis ${axis} of size ${n} with ${before} before to ${total}`);
  }
  o.data.fill(value);
  for (let p = 0; p < outer; p++) {
    o.data.set(x.data.subarray(p * n * inner, (p + 1) * n * inner), (p * total + before) * inner);
  }
  return [o];
};

// ------------------------------------------------------------------------------------ windows

function nhwc(x: Tensor): [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`x must be [B, H, W, C], got ${shapeText(x.shape)}`);
  return x.shape as [number, number, number, number];
}

/**
 * Average pooling of channels-last x, PyTorch's `avg_pool2d` (floor mode): window (oh, ow)
 * covers rows `oh·stride − pad …` + k. The divisor is the number of in-bounds positions of the
 * window, or with `countIncludePad` the window clipped to the padded input (PyTorch's rule; k²
 * in floor mode).
 */
const avgPool2d: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  needDtype(x, "x", "f32");
  const [B, H, W, C] = nhwc(x);
  const k = intAttr(attrs, "k");
  const stride = intAttr(attrs, "stride");
  const p = intAttr(attrs, "pad");
  const includePad = boolAttr(attrs, "countIncludePad");
  if (k < 1 || stride < 1 || p < 0) throw new Error(`invalid k ${k}, stride ${stride}, pad ${p}`);
  const OH = Math.floor((H + 2 * p - k) / stride) + 1;
  const OW = Math.floor((W + 2 * p - k) / stride) + 1;
  const o = alloc(outType(outTypes), "f32");
  expectShape("the pooled shape", [B, OH, OW, C], o.shape);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * stride - p;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * stride - p;
        const clipped = (Math.min(h0 + k, H + p) - h0) * (Math.min(w0 + k, W + p) - w0);
        for (let c = 0; c < C; c++) {
          let acc = 0;
          let count = 0;
          for (let h = Math.max(h0, 0); h < Math.min(h0 + k, H); h++) {
            for (let w = Math.max(w0, 0); w < Math.min(w0 + k, W); w++) {
              acc += x.data[((b * H + h) * W + w) * C + c]!;
              count++;
            }
          }
          o.data[((b * OH + oh) * OW + ow) * C + c] = acc / (includePad ? clipped : count);
        }
      }
    }
  }
  return [o];
};

/**
 * Depthwise 2-d cross-correlation of channels-last x with w `[C, kh, kw]`, stride 1, zero
 * padding `pad` on each side: `out[b, i, j, c] = Σ_{u,v} x[b, i+u−pad, j+v−pad, c]·w[c, u, v]`.
 */
const conv2dDepthwise: Kernel = (inputs, attrs, outTypes) => {
  const [x, w] = args(inputs, 2) as [Tensor, Tensor];
  needDtype(x, "x", "f32");
  needDtype(w, "w", "f32");
  const [B, H, W, C] = nhwc(x);
  if (w.shape.length !== 3 || w.shape[0] !== C) {
    throw new Error(`w must be [${C}, kh, kw], got ${shapeText(w.shape)}`);
  }
  const [, kh, kw] = w.shape as [number, number, number];
  const p = intAttr(attrs, "pad");
  const OH = H + 2 * p - kh + 1;
  const OW = W + 2 * p - kw + 1;
  const o = alloc(outType(outTypes), "f32");
  expectShape("the convolved shape", [B, OH, OW, C], o.shape);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let u = 0; u < kh; u++) {
            const h = i + u - p;
            if (h < 0 || h >= H) continue;
            for (let v = 0; v < kw; v++) {
              const ww = j + v - p;
              if (ww < 0 || ww >= W) continue;
              acc += x.data[((b * H + h) * W + ww) * C + c]! * w.data[(c * kh + u) * kw + v]!;
            }
          }
          o.data[((b * OH + i) * OW + j) * C + c] = acc;
        }
      }
    }
  }
  return [o];
};

// ------------------------------------------------------------------------------------ transforms

const dctMatrix: Kernel = (inputs, _attrs, outTypes) => {
  args(inputs, 0);
  const o = alloc(outType(outTypes), "f32");
  const N = o.shape[0] ?? 0;
  expectShape("an N×N matrix", [N, N], o.shape);
  for (let k = 0; k < N; k++) {
    const s = Math.sqrt((k === 0 ? 1 : 2) / N);
    for (let n = 0; n < N; n++) {
      o.data[k * N + n] = s * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N));
    }
  }
  return [o];
};

/** cos and sin of 2πr/N for r = 0…N−1, exact at multiples of a quarter turn. */
function unitCircle(N: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(N);
  const sin = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    if ((4 * r) % N === 0) {
      const q = (4 * r) / N;
      cos[r] = [1, 0, -1, 0][q]!;
      sin[r] = [0, 1, 0, -1][q]!;
    } else {
      cos[r] = Math.cos((2 * Math.PI * r) / N);
      sin[r] = Math.sin((2 * Math.PI * r) / N);
    }
  }
  return { cos, sin };
}

/** `X_k = Σ_n x_n e^{−2πikn/N} / √N` for k = 0…⌊N/2⌋: a direct DFT in double. */
const rfft: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  needDtype(x, "x", "f32");
  const axis = axisAttr(attrs, x.shape.length);
  const { outer, n: N, inner } = aroundAxis(x.shape, axis);
  if (N === 0) throw new Error(`axis ${axis} is empty`);
  const M = Math.floor(N / 2) + 1;
  const re = alloc(outType(outTypes, 0), "f32");
  const im = alloc(outType(outTypes, 1), "f32");
  const shape = x.shape.map((d, i) => (i === axis ? M : d));
  expectShape("the spectrum (re)", shape, re.shape);
  expectShape("the spectrum (im)", shape, im.shape);
  const { cos, sin } = unitCircle(N);
  const scale = 1 / Math.sqrt(N);
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < inner; j++) {
      for (let k = 0; k < M; k++) {
        let sr = 0;
        let si = 0;
        for (let n = 0; n < N; n++) {
          const v = x.data[(p * N + n) * inner + j]!;
          const r = (k * n) % N;
          sr += v * cos[r]!;
          si -= v * sin[r]!;
        }
        re.data[(p * M + k) * inner + j] = sr * scale;
        im.data[(p * M + k) * inner + j] = si * scale;
      }
    }
  }
  return [re, im];
};

/**
 * The inverse of `rfft` (norm "ortho") to the output's size N along the axis, as
 * numpy.fft.irfft: the spectrum is completed Hermitian-symmetrically, so
 * `x_n = (Re X_0 + 2 Σ_{0<k<N/2} Re(X_k e^{2πikn/N}) + [N even] Re X_{N/2} (−1)^n) / √N`; the
 * imaginary parts of bin 0 and (N even) bin N/2 are ignored.
 */
const irfft: Kernel = (inputs, attrs, outTypes) => {
  const [re, im] = args(inputs, 2) as [Tensor, Tensor];
  needDtype(re, "re", "f32");
  needDtype(im, "im", "f32");
  if (!sameShape(re.shape, im.shape)) {
    throw new Error(`re ${shapeText(re.shape)} and im ${shapeText(im.shape)} differ`);
  }
  const axis = axisAttr(attrs, re.shape.length);
  const o = alloc(outType(outTypes), "f32");
  const N = o.shape[axis] ?? 0;
  const M = Math.floor(N / 2) + 1;
  if (N < 1) throw new Error(`the output size along axis ${axis} must be at least 1`);
  expectShape(
    "the signal",
    re.shape.map((d, i) => (i === axis ? N : d)),
    o.shape,
  );
  const { outer, n: m, inner } = aroundAxis(re.shape, axis);
  if (m !== M) throw new Error(`axis ${axis} of re has ${m} bins but N = ${N} needs ${M}`);
  const { cos, sin } = unitCircle(N);
  const scale = 1 / Math.sqrt(N);
  const last = Math.floor((N - 1) / 2); // the bins that appear twice: 1…last
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < inner; j++) {
      const bin = (k: number) => (p * M + k) * inner + j;
      for (let n = 0; n < N; n++) {
        let s = re.data[bin(0)]!;
        for (let k = 1; k <= last; k++) {
          const r = (k * n) % N;
          s += 2 * (re.data[bin(k)]! * cos[r]! - im.data[bin(k)]! * sin[r]!);
        }
        if (N % 2 === 0) s += re.data[bin(N / 2)]! * (n % 2 === 0 ? 1 : -1);
        o.data[(p * N + n) * inner + j] = s * scale;
      }
    }
  }
  return [o];
};

/**
 * B-spline bases as efficient-kan's `b_splines`: knots `t_j = lo + (j − order)·h`, `h = (hi −
 * lo)/grid`, j = 0…grid + 2·order; order 0 is the indicator of `[t_j, t_{j+1})`, then Cox–de
 * Boor: `B^k_j = (x − t_j)/(t_{j+k} − t_j)·B^{k−1}_j + (t_{j+k+1} − x)/(t_{j+k+1} − t_{j+1})·
 * B^{k−1}_{j+1}`. A new last axis of the grid + order bases. Computed in double.
 */
const bsplineBasis: Kernel = (inputs, attrs, outTypes) => {
  const [x] = args(inputs, 1) as [Tensor];
  needDtype(x, "x", "f32");
  const grid = intAttr(attrs, "grid");
  const order = intAttr(attrs, "order");
  const lo = numAttr(attrs, "lo");
  const hi = numAttr(attrs, "hi");
  if (grid < 1 || order < 0 || !(lo < hi)) {
    throw new Error(`invalid grid ${grid}, order ${order}, lo ${lo}, hi ${hi}`);
  }
  const nb = grid + order;
  const o = alloc(outType(outTypes), "f32");
  expectShape("x with the bases axis", [...x.shape, nb], o.shape);
  const h = (hi - lo) / grid;
  const t = Array.from({ length: grid + 2 * order + 1 }, (_, j) => lo + (j - order) * h);
  const B = new Float64Array(grid + 2 * order);
  for (let e = 0; e < x.data.length; e++) {
    const v = x.data[e]!;
    for (let j = 0; j < grid + 2 * order; j++) B[j] = v >= t[j]! && v < t[j + 1]! ? 1 : 0;
    for (let k = 1; k <= order; k++) {
      for (let j = 0; j < grid + 2 * order - k; j++) {
        B[j] =
          ((v - t[j]!) / (t[j + k]! - t[j]!)) * B[j]! +
          ((t[j + k + 1]! - v) / (t[j + k + 1]! - t[j + 1]!)) * B[j + 1]!;
      }
    }
    for (let j = 0; j < nb; j++) o.data[e * nb + j] = B[j]!;
  }
  return [o];
};

// ------------------------------------------------------------------------------------ the table

/** One kernel per op of spec/ir.md's table. */
export const KERNELS: Record<string, Kernel> = {
  const: constKernel,

  neg: unary({ f32: (x) => -x, i32: (x) => -x | 0 }),
  abs: unary({ f32: Math.abs, i32: (x) => Math.abs(x) | 0 }),
  sign: unary({
    f32: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
    i32: (x) => Math.sign(x),
  }),
  floor: unary({ f32: Math.floor, i32: (x) => x }),
  ceil: unary({ f32: Math.ceil, i32: (x) => x }),
  exp: unary(float(Math.exp)),
  log: unary(float(Math.log)),
  sqrt: unary(float(Math.sqrt)),
  rsqrt: unary(float((x) => 1 / Math.sqrt(x))),
  sin: unary(float(Math.sin)),
  cos: unary(float(Math.cos)),
  tanh: unary(float(Math.tanh)),
  erf: unary(float(erf)),
  not: unary({ bool: (x) => (x ? 0 : 1) }),

  add: binary(
    numeric(
      (a, b) => a + b,
      (a, b) => (a + b) | 0,
    ),
  ),
  sub: binary(
    numeric(
      (a, b) => a - b,
      (a, b) => (a - b) | 0,
    ),
  ),
  mul: binary(numeric((a, b) => a * b, Math.imul)),
  div: binary(numeric((a, b) => a / b, floorDivI)),
  mod: binary(numeric(modF, modI)),
  pow: binary(numeric(powF, powI)),
  maximum: binary(numbers(Math.max)),
  minimum: binary(numbers(Math.min)),

  eq: binary(
    anyDtype((a, b) => (a === b ? 1 : 0)),
    "bool",
  ),
  ne: binary(
    anyDtype((a, b) => (a !== b ? 1 : 0)),
    "bool",
  ),
  lt: binary(
    numbers((a, b) => (a < b ? 1 : 0)),
    "bool",
  ),
  le: binary(
    numbers((a, b) => (a <= b ? 1 : 0)),
    "bool",
  ),
  gt: binary(
    numbers((a, b) => (a > b ? 1 : 0)),
    "bool",
  ),
  ge: binary(
    numbers((a, b) => (a >= b ? 1 : 0)),
    "bool",
  ),
  and: binary({ bool: (a, b) => (a && b ? 1 : 0) }),
  or: binary({ bool: (a, b) => (a || b ? 1 : 0) }),

  where,
  cast,

  sum,
  mean,
  max,
  min,
  prod,
  argmax,

  matmul,
  einsum,

  reshape,
  permute,
  expand,
  slice,
  concat,
  split,
  take,
  take_along: takeAlong,
  cumsum,
  topk,
  arange,
  full,
  eye,
  roll,
  pad,

  avg_pool2d: avgPool2d,
  conv2d_depthwise: conv2dDepthwise,

  dct_matrix: dctMatrix,
  rfft,
  irfft,
  bspline_basis: bsplineBasis,
};
