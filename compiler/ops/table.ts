/**
 * The table of primitive operations (spec §7): for each, its signature, a fusion category, a
 * one-line doc, the shape rule (`infer`) and a symbolic FLOP count (`flops`). This is the only
 * place that knows what a primitive does to shapes; the checker binds a call's arguments with
 * `bindArgs` (signature.ts), then calls `infer`.
 *
 * Operators are aliases of primitives: `BINARY_OPERATORS['+'] === "add"`, `UNARY_OPERATORS['-']
 * === "neg"`; `lookupOp` resolves either.
 *
 * Every error message starts with the primitive's name (`matmul: ...`, `add: ...` for `+`).
 *
 * FLOP counts (`flops(bound, out)`, a `Dim` polynomial in the runtime dims):
 * - elementwise ops (including `where` and `cast`): one per output element;
 * - reductions, `argmax`, `cumsum`, `topk`: one per input element;
 * - `matmul`: 2·M·N·K·batch; `einsum`: see einsum.ts (2·product of all index sizes for two
 *   operands);
 * - `avg_pool2d`: k² per output element; `conv2d_depthwise`: 2·k_h·k_w per output element;
 * - `rfft`/`irfft`: counted as a dense real DFT, 4·n·(floor(n/2) + 1) per transformed row (the
 *   n·log n of an FFT has no polynomial form, so this is an upper bound);
 * - `bspline_basis`: (6·order + 2) per output element (Cox–de Boor: order levels of two weighted
 *   terms, plus the level-0 indicator);
 * - layout, index and creation ops (reshape, permute, slice, take, concat, pad, arange, full,
 *   dct_matrix, ...): 0.
 *
 * Bytes (`bytes(bound, plan)`): the memory traffic of one call run as its own kernel, which is
 * what fusion saves. By default every tensor argument is read once and every output written once
 * (number literals are baked into the kernel: 0). Views move nothing (`reshape`, `expand`, and a
 * `rearrange` without a permutation); gathers (`slice`, `take`, `take_along`) read only the
 * elements they write, plus the ids. Storage sizes: f32 and i32 4 bytes, f16 2, bool 1.
 */
import { Dim, DimOverflowError } from "../shapes/dim.js";
import { inferEinsum, type EinsumPlan } from "./einsum.js";
import { inferRearrange, type RearrangePlan } from "./rearrange.js";
import {
  ONE,
  ZERO,
  broadcastOrFail,
  checkFill,
  divideShapes,
  exactDiv,
  isOne,
  normAxes,
  normAxis,
  product,
  rankText,
  requireClass,
  sumDims,
  unifyDtypes,
  type DTypeClass,
} from "./rules.js";
import {
  OpFailure,
  bindArgs,
  boolArg,
  dimArg,
  dimsArg,
  dtypeArg,
  fail,
  floatArg,
  has,
  indexArg,
  intArg,
  intsArg,
  keywordsArg,
  scalarArg,
  stringArg,
  tensorArg,
  tensorsArg,
  type Arg,
  type ArgValue,
  type Bound,
  type BoundValue,
  type OpError,
  type OpSignature,
  type ParamSpec,
  type TensorArg,
} from "./signature.js";
import { inferSlice, type SlicePlan } from "./slice.js";
import {
  DTYPE_BYTES,
  formatShape,
  formatType,
  numel,
  type DType,
  type DimEquality,
  type TensorType,
} from "./types.js";

export type OpCategory =
  "elementwise" | "reduce" | "matmul" | "layout" | "index" | "create" | "transform" | "window";

export interface InferOk {
  ok: true;
  /** One tensor, or a tuple of them (`split`, `topk`, `rfft`). */
  out: TensorType | TensorType[];
  /** The dtype each number literal operand took, by parameter name (elementwise ops, `where`). */
  scalarDtypes?: Record<string, DType>;
  /**
   * Axis arguments normalized to non-negative indices of the input: the reduced axes, the
   * permutation of `permute`, the two axes of `transpose`, the one axis of the others.
   */
  axes?: number[];
  /** How `rearrange` lowers to reshape → permute → reshape. */
  rearrange?: RearrangePlan;
  /** What `slice` does to each input axis, with negative bounds resolved. */
  slice?: SlicePlan;
  /** `einsum`'s spec, parsed, with a letters spelling for backends. */
  einsum?: EinsumPlan;
}

export type InferResult = InferOk | { ok: false; error: OpError };

export interface OpDef extends OpSignature {
  category: OpCategory;
  /** One line: what the op computes. */
  doc: string;
  /** The shape rule: output type(s), or an error naming the shapes. */
  infer(bound: Bound, eq: DimEquality): InferResult;
  /**
   * FLOPs of one call, given the bound arguments and the output `infer` returned. Throws
   * `DimOverflowError` when the count exceeds 2^53.
   */
  flops(bound: Bound, out: TensorType | TensorType[]): Dim;
  /** Bytes moved by one call as its own kernel; absent: read every input, write every output. */
  bytes?: Bytes;
}

type Bytes = (bound: Bound, plan: InferOk) => Dim;

type Rule = (bound: Bound, eq: DimEquality) => Omit<InferOk, "ok">;
type Flops = (bound: Bound, out: TensorType | TensorType[]) => Dim;

function guard(rule: Rule): OpDef["infer"] {
  return (bound, eq) => {
    try {
      return { ok: true, ...rule(bound, eq) };
    } catch (e) {
      if (e instanceof OpFailure) return { ok: false, error: e.error };
      throw e;
    }
  };
}

// ------------------------------------------------------------------------------------ params

const tensor = (name: string): ParamSpec => ({ name, kind: "tensor" });
const operand = (name: string): ParamSpec => ({ name, kind: "tensor", scalar: true });
const param = (
  name: string,
  kind: ParamSpec["kind"],
  more: Partial<ParamSpec> = {},
): ParamSpec => ({
  name,
  kind,
  ...more,
});
const intDefault = (value: number): ArgValue => ({ kind: "int", value });
const dimDefault = (value: number): ArgValue => ({ kind: "dim", value: Dim.const(value) });
const F32: ArgValue = { kind: "dtype", value: "f32" };
const FALSE: ArgValue = { kind: "bool", value: false };

function outOne(out: TensorType | TensorType[]): TensorType {
  if (Array.isArray(out)) {
    const [first] = out;
    if (!first) throw new Error("internal: empty output tuple");
    return first;
  }
  return out;
}

const zeroFlops: Flops = () => ZERO;

const tensorBytes = (t: TensorType): Dim => numel(t.shape).mul(Dim.const(DTYPE_BYTES[t.dtype]));
const outputs = (plan: InferOk): TensorType[] => (Array.isArray(plan.out) ? plan.out : [plan.out]);
const sumDimsOf = (ds: Dim[]): Dim => ds.reduce((a, d) => a.add(d), ZERO);

/** Every tensor argument (those inside tuples too), except number literals. */
function tensorArgs(bound: Bound): TensorType[] {
  const out: TensorType[] = [];
  const visit = (v: BoundValue): void => {
    if (v.kind === "tensor" && !v.weak) out.push(v.type);
    else if (v.kind === "tuple") v.items.forEach(visit);
  };
  Object.values(bound).forEach(visit);
  return out;
}

/** The default traffic: read every tensor argument once, write every output once. */
const streamBytes: Bytes = (bound, plan) =>
  sumDimsOf([...tensorArgs(bound), ...outputs(plan)].map(tensorBytes));
/** A view: no data moves. */
const viewBytes: Bytes = () => ZERO;
/** A gather: read what is written (twice the output) plus the ids. */
const gatherBytes =
  (ids?: string): Bytes =>
  (bound, plan) => {
    const idArg = ids ? bound[ids] : undefined;
    const idBytes = idArg?.kind === "tensor" ? tensorBytes(idArg.type) : ZERO;
    return sumDimsOf(outputs(plan).map(tensorBytes)).mul(Dim.const(2)).add(idBytes);
  };

/** Bytes one call moves as its own kernel (see the header). */
export function opBytes(def: OpDef, bound: Bound, plan: InferOk): Dim {
  return (def.bytes ?? streamBytes)(bound, plan);
}
const outFlops: Flops = (_b, out) => numel(outOne(out).shape);
const inputFlops =
  (name: string): Flops =>
  (b) =>
    numel(tensorArg(b, name).type.shape);

/** Fails when a known size is below `min`. */
function atLeast(op: string, name: string, d: Dim, min: number): void {
  const v = d.value;
  if (v !== undefined && v < min) fail(`${op}: ${name} must be at least ${min}, got ${v}`, name);
}

// ------------------------------------------------------------------------------------ elementwise

function unary(name: string, cls: DTypeClass, doc: string): OpDef {
  return {
    name,
    params: [operand("x")],
    category: "elementwise",
    doc,
    infer: guard((b) => {
      const x = tensorArg(b, "x");
      const { dtype, scalars } = unifyDtypes(name, [{ name: "x", t: x }]);
      requireClass(name, { ...x, type: { ...x.type, dtype } }, cls, "x");
      const r: Omit<InferOk, "ok"> = { out: { dtype, shape: x.type.shape } };
      if (x.weak) r.scalarDtypes = scalars;
      return r;
    }),
    flops: outFlops,
  };
}

/**
 * A binary elementwise op: operands of `cls` (after typing literals, see `unifyDtypes`),
 * broadcast; the result has the operands' dtype, or bool for comparisons and logic.
 */
function binary(name: string, cls: DTypeClass, result: "same" | "bool", doc: string): OpDef {
  return {
    name,
    params: [operand("a"), operand("b")],
    category: "elementwise",
    doc,
    infer: guard((bound, eq) => {
      const a = tensorArg(bound, "a");
      const b = tensorArg(bound, "b");
      for (const [n, t] of [
        ["a", a],
        ["b", b],
      ] as const) {
        if (!t.weak) requireClass(name, t, cls, n);
      }
      const { dtype, scalars } = unifyDtypes(name, [
        { name: "a", t: a },
        { name: "b", t: b },
      ]);
      if (a.weak && b.weak) requireClass(name, { ...a, type: { ...a.type, dtype } }, cls, "a");
      const shape = broadcastOrFail(
        name,
        [
          { label: "a", shape: a.type.shape },
          { label: "b", shape: b.type.shape },
        ],
        eq,
      );
      const r: Omit<InferOk, "ok"> = {
        out: { dtype: result === "bool" ? "bool" : dtype, shape },
      };
      if (a.weak || b.weak) r.scalarDtypes = scalars;
      return r;
    }),
    flops: outFlops,
  };
}

/**
 * `where(c, a, b)`: `c` bool (a `true`/`false` literal is allowed), `a` and `b` of one dtype
 * (literals take the other's: `where(m, s, -inf)`), the three broadcast together.
 */
const where: OpDef = {
  name: "where",
  params: [operand("c"), operand("a"), operand("b")],
  category: "elementwise",
  doc: "Selects a where c is true, else b, elementwise with broadcasting.",
  infer: guard((bound, eq) => {
    const c = tensorArg(bound, "c");
    const a = tensorArg(bound, "a");
    const b = tensorArg(bound, "b");
    requireClass("where", c, "bool", "c", "the condition c");
    const { dtype, scalars } = unifyDtypes("where", [
      { name: "a", t: a },
      { name: "b", t: b },
    ]);
    const shape = broadcastOrFail(
      "where",
      [
        { label: "c", shape: c.type.shape },
        { label: "a", shape: a.type.shape },
        { label: "b", shape: b.type.shape },
      ],
      eq,
    );
    const r: Omit<InferOk, "ok"> = { out: { dtype, shape } };
    if (c.weak) scalars.c = "bool";
    if (a.weak || b.weak || c.weak) r.scalarDtypes = scalars;
    return r;
  }),
  flops: outFlops,
};

/** `cast(x, dtype)`: any dtype to any (float → i32 truncates; nonzero → true). */
const cast: OpDef = {
  name: "cast",
  params: [tensor("x"), param("dtype", "dtype")],
  category: "elementwise",
  doc: "Converts x to dtype, elementwise.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    return { out: { dtype: dtypeArg(b, "dtype"), shape: x.type.shape } };
  }),
  flops: outFlops,
};

// ------------------------------------------------------------------------------------ reductions

/**
 * `sum mean max min prod(x, axis, keepdim = false)`. `axis` is required (there is no "reduce
 * everything" default); an empty tuple is an error; a repeated axis is an error. `mean` needs a
 * float tensor, the others a numeric one (bool is refused: `sum(cast(m, i32), axis)` counts).
 */
function reduction(name: string, cls: DTypeClass, doc: string): OpDef {
  return {
    name,
    params: [tensor("x"), param("axis", "ints"), param("keepdim", "bool", { default: FALSE })],
    category: "reduce",
    doc,
    infer: guard((b) => {
      const x = tensorArg(b, "x");
      requireClass(name, x, cls, "x");
      const raw = intsArg(b, "axis");
      if (raw.length === 0) fail(`${name}: axis is an empty tuple: name at least one axis`, "axis");
      const axes = normAxes(name, raw, x.type.shape, "axis");
      const keep = boolArg(b, "keepdim");
      const shape = x.type.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [ONE] : []) : [d]));
      return { out: { dtype: x.type.dtype, shape }, axes: [...axes].sort((p, q) => p - q) };
    }),
    flops: inputFlops("x"),
  };
}

const argmax: OpDef = {
  name: "argmax",
  params: [tensor("x"), param("axis", "int")],
  category: "reduce",
  doc: "Index (i32) of the largest element along axis; the first one on ties.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    requireClass("argmax", x, "numeric", "x");
    const axis = normAxis("argmax", intArg(b, "axis"), x.type.shape, "axis");
    return {
      out: { dtype: "i32", shape: x.type.shape.filter((_, i) => i !== axis) },
      axes: [axis],
    };
  }),
  flops: inputFlops("x"),
};

// ------------------------------------------------------------------------------------ matmul

function matmulParts(bound: Bound): { a: TensorArg; b: TensorArg } {
  return { a: tensorArg(bound, "a"), b: tensorArg(bound, "b") };
}

/**
 * `matmul(a, b)`, `a @ b`, with NumPy semantics: `[...A, m, k] @ [...B, k, n] -> [broadcast(A,
 * B), m, n]`; a rank-1 `a` is a row `[k]` (its m axis is dropped from the result), a rank-1 `b`
 * a column (its n axis is dropped); rank 0 is an error (use `*`).
 */
const matmul: OpDef = {
  name: "matmul",
  params: [tensor("a"), tensor("b")],
  category: "matmul",
  doc: "Matrix product with NumPy semantics (batch dims broadcast; rank-1 operands are vectors).",
  infer: guard((bound, eq) => {
    const { a, b } = matmulParts(bound);
    for (const [n, t] of [
      ["a", a],
      ["b", b],
    ] as const) {
      if (t.type.shape.length === 0) {
        fail(
          `matmul: ${n} is a scalar ${formatType(t.type)}; @ needs rank 1 or more (use * to scale)`,
          n,
        );
      }
      requireClass("matmul", t, "numeric", n);
    }
    if (a.type.dtype !== b.type.dtype) {
      fail(
        `matmul: the operands' dtypes differ: ${formatType(a.type)} @ ${formatType(b.type)}`,
        "b",
        { help: `cast one of them, e.g. cast(b, ${a.type.dtype})` },
      );
    }
    const as = a.type.shape;
    const bs = b.type.shape;
    const ka = as[as.length - 1]!;
    const kb = bs.length === 1 ? bs[0]! : bs[bs.length - 2]!;
    if (!eq.equal(ka, kb)) {
      fail(
        `matmul: the contracted dims differ: ${formatShape(as)} @ ${formatShape(bs)} (${ka} ≠ ${kb})`,
        "b",
        {
          notes: [
            `the last dim of a must equal the ${bs.length === 1 ? "only" : "second-to-last"} dim of b`,
          ],
        },
      );
    }
    const batchA = as.slice(0, -2);
    const batchB = bs.slice(0, -2);
    const batch = broadcastOrFail(
      "matmul",
      [
        { label: "a", shape: batchA },
        { label: "b", shape: batchB },
      ],
      eq,
    );
    const shape = [
      ...batch,
      ...(as.length >= 2 ? [as[as.length - 2]!] : []),
      ...(bs.length >= 2 ? [bs[bs.length - 1]!] : []),
    ];
    return { out: { dtype: a.type.dtype, shape } };
  }),
  flops: (bound, out) => {
    const { a, b } = matmulParts(bound);
    const as = a.type.shape;
    const bs = b.type.shape;
    const k = as[as.length - 1] ?? ONE;
    const m = as.length >= 2 ? as[as.length - 2]! : ONE;
    const n = bs.length >= 2 ? bs[bs.length - 1]! : ONE;
    const o = outOne(out).shape;
    const batch = o.slice(0, o.length - (as.length >= 2 ? 1 : 0) - (bs.length >= 2 ? 1 : 0));
    return Dim.const(2).mul(product(batch)).mul(m).mul(n).mul(k);
  },
};

const einsum: OpDef = {
  name: "einsum",
  params: [param("spec", "string"), param("operands", "tensor", { variadic: true })],
  category: "matmul",
  doc: 'Einstein summation: einsum("b t d, d v -> b t v", a, b) (letters or space-separated names).',
  infer: guard((b, eq) => {
    const r = inferEinsum(stringArg(b, "spec"), tensorsArg(b, "operands"), eq);
    return { out: r.out, einsum: r.plan };
  }),
  flops: (b) =>
    inferEinsum(stringArg(b, "spec"), tensorsArg(b, "operands"), { equal: () => true }).flops,
};

// ------------------------------------------------------------------------------------ layout

/**
 * `reshape(x, dims)`: the element counts must be equal (compared as polynomials, by `eq`). One
 * dim may be `-1`: it is the input's count divided exactly (`Dim.div`) by the others' product; a
 * division known to be inexact is an error, a symbolic one stays a quotient.
 */
const reshape: OpDef = {
  name: "reshape",
  params: [tensor("x"), param("dims", "dims", { signed: true })],
  category: "layout",
  doc: "Same elements in a new shape (row-major); one dim may be -1 (inferred).",
  infer: guard((b, eq) => {
    const x = tensorArg(b, "x");
    const dims = dimsArg(b, "dims");
    const from = x.type.shape;
    const total = numel(from);
    const to = formatShape(dims);
    const infer = dims.flatMap((d, i) => (d.value === -1 ? [i] : []));
    dims.forEach((d) => {
      const v = d.value;
      if (v !== undefined && v < -1) {
        fail(`reshape: the dim ${v} in ${to} is negative (only -1, inferred, is allowed)`, "dims");
      }
    });
    if (infer.length > 1) fail(`reshape: at most one dim may be -1, got ${to}`, "dims");
    const [at] = infer;
    if (at !== undefined) {
      const rest = product(dims.filter((_, i) => i !== at));
      const q = divideShapes(
        from,
        dims.filter((_, i) => i !== at),
      );
      if (!q) {
        fail(
          `reshape: cannot reshape ${formatShape(from)} (${total} elements) to ${to}: ${total} is not divisible by ${rest}`,
          "dims",
        );
      }
      const shape = dims.map((d, i) => (i === at ? q : d));
      return { out: { dtype: x.type.dtype, shape } };
    }
    const count = numel(dims);
    if (!eq.equal(total, count)) {
      fail(
        `reshape: cannot reshape ${formatShape(from)} (${total} elements) to ${to} (${count} elements)`,
        "dims",
      );
    }
    return { out: { dtype: x.type.dtype, shape: dims } };
  }),
  flops: zeroFlops,
  bytes: viewBytes,
};

/** `permute(x, axes)`: `axes` lists every axis exactly once (negative axes allowed). */
const permute: OpDef = {
  name: "permute",
  params: [tensor("x"), param("axes", "ints")],
  category: "layout",
  doc: "Reorders the axes: output axis i is input axis axes[i].",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    const raw = intsArg(b, "axes");
    const shape = x.type.shape;
    if (raw.length !== shape.length) {
      fail(
        `permute: axes (${raw.join(", ")}) has ${raw.length} ${raw.length === 1 ? "entry" : "entries"} but x is ${rankText(shape)}`,
        "axes",
      );
    }
    const axes = normAxes("permute", raw, shape, "axes");
    return { out: { dtype: x.type.dtype, shape: axes.map((i) => shape[i]!) }, axes };
  }),
  flops: zeroFlops,
};

const transpose: OpDef = {
  name: "transpose",
  params: [tensor("x"), param("a", "int"), param("b", "int")],
  category: "layout",
  doc: "Swaps axes a and b.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    const shape = [...x.type.shape];
    const i = normAxis("transpose", intArg(b, "a"), shape, "a");
    const j = normAxis("transpose", intArg(b, "b"), shape, "b");
    [shape[i], shape[j]] = [shape[j]!, shape[i]!];
    return { out: { dtype: x.type.dtype, shape }, axes: [i, j] };
  }),
  flops: zeroFlops,
};

const rearrange: OpDef = {
  name: "rearrange",
  params: [tensor("tensor"), param("pattern", "string")],
  rest: { name: "sizes", kind: "dim" },
  category: "layout",
  doc: 'einops rearrange: rearrange(x, "b t (h e) -> b h t e", h = heads).',
  infer: guard((b, eq) => {
    const r = inferRearrange(
      tensorArg(b, "tensor"),
      stringArg(b, "pattern"),
      keywordsArg(b, "sizes"),
      eq,
    );
    return { out: r.out, rearrange: r.plan };
  }),
  flops: zeroFlops,
  bytes: (bound, plan) =>
    plan.rearrange?.perm.every((p, i) => p === i) ? ZERO : streamBytes(bound, plan),
};

/**
 * `expand(x, dims)`: broadcasts x to exactly `dims` (right-aligned; x's dims must equal the
 * target's or be 1). `-1` is not accepted: write the size.
 */
const expand: OpDef = {
  name: "expand",
  params: [tensor("x"), param("dims", "dims")],
  category: "layout",
  doc: "Broadcasts x to the shape dims (size-1 dims stretch; new dims are added on the left).",
  infer: guard((b, eq) => {
    const x = tensorArg(b, "x");
    const dims = dimsArg(b, "dims");
    const from = x.type.shape;
    const bad = (why: string): never =>
      fail(`expand: cannot broadcast ${formatShape(from)} to ${formatShape(dims)}: ${why}`, "dims");
    if (from.length > dims.length)
      bad(`the target has fewer dims (${dims.length} < ${from.length})`);
    for (let j = 1; j <= from.length; j++) {
      const d = from[from.length - j]!;
      const t = dims[dims.length - j]!;
      if (!eq.equal(d, t) && !isOne(d, eq)) {
        bad(
          `${from.length === dims.length ? `axis ${dims.length - j}` : `axis -${j}`} has ${d} vs ${t}`,
        );
      }
    }
    return { out: { dtype: x.type.dtype, shape: dims } };
  }),
  flops: zeroFlops,
  bytes: viewBytes,
};

const slice: OpDef = {
  name: "slice",
  params: [tensor("x"), param("index", "index")],
  category: "index",
  doc: "Indexing and slicing x[i, a:b:s, ...]: an int drops its axis, a slice keeps it.",
  infer: guard((b, eq) => {
    const r = inferSlice(tensorArg(b, "x"), indexArg(b, "index"), eq);
    return { out: r.out, slice: r.plan };
  }),
  flops: zeroFlops,
  bytes: gatherBytes(),
};

/**
 * `concat(tensors, axis)`: one or more tensors of one dtype and rank, equal on every axis but
 * `axis` (normalized against the first operand's rank), whose sizes add up.
 */
const concat: OpDef = {
  name: "concat",
  params: [param("tensors", "tensors"), param("axis", "int")],
  category: "layout",
  doc: "Joins tensors along axis.",
  infer: guard((b, eq) => {
    const ts = tensorsArg(b, "tensors");
    const [first] = ts;
    if (!first) return fail("concat: needs at least one tensor, got an empty tuple", "tensors");
    const fs = first.type.shape;
    if (fs.length === 0) fail(`concat: operand 0 is a scalar ${formatType(first.type)}`, "tensors");
    const axis = normAxis("concat", intArg(b, "axis"), fs, "axis");
    const sizes: Dim[] = [];
    ts.forEach((t, i) => {
      const s = t.type.shape;
      if (t.type.dtype !== first.type.dtype) {
        fail(
          `concat: operand ${i} is ${formatType(t.type)} but operand 0 is ${formatType(first.type)} (dtypes differ)`,
          "tensors",
        );
      }
      if (s.length !== fs.length) {
        fail(
          `concat: operand ${i} is ${formatShape(s)} (rank ${s.length}) but operand 0 is ${formatShape(fs)} (rank ${fs.length})`,
          "tensors",
        );
      }
      s.forEach((d, k) => {
        if (k !== axis && !eq.equal(d, fs[k]!)) {
          fail(
            `concat: operand ${i} ${formatShape(s)} does not match operand 0 ${formatShape(fs)} on axis ${k} (${d} vs ${fs[k]}); only axis ${axis} may differ`,
            "tensors",
          );
        }
      });
      sizes.push(s[axis]!);
    });
    const size = sumDims(sizes);
    const shape = fs.map((d, k) => (k === axis ? size : d));
    return { out: { dtype: first.type.dtype, shape }, axes: [axis] };
  }),
  flops: zeroFlops,
};

/**
 * `split(x, n | (s1, s2, ...), axis)`: `n` equal pieces (`n` must divide the axis: an exact
 * `Dim.div`, so `3*d` splits into 3 pieces of `d`; a division known to be inexact is an error)
 * or pieces of the given sizes, which must add up to the axis. Returns a tuple.
 */
const split: OpDef = {
  name: "split",
  params: [tensor("x"), param("sections", "count_or_dims"), param("axis", "int")],
  category: "layout",
  doc: "Splits x along axis into n equal pieces or pieces of the given sizes (a tuple).",
  infer: guard((b, eq) => {
    const x = tensorArg(b, "x");
    const shape = x.type.shape;
    const axis = normAxis("split", intArg(b, "axis"), shape, "axis");
    const n = shape[axis]!;
    const at = `axis ${axis} of ${formatShape(shape)}`;
    const sec = b.sections;
    let sizes: Dim[];
    if (sec?.kind === "int") {
      const k = sec.value;
      if (k < 1) fail(`split: the number of pieces must be at least 1, got ${k}`, "sections");
      const q = exactDiv(n, Dim.const(k));
      if (!q)
        fail(`split: ${at} has size ${n}, which does not split into ${k} equal pieces`, "sections");
      sizes = Array.from({ length: k }, () => q);
    } else {
      sizes = dimsArg(b, "sections");
      if (sizes.length === 0) fail("split: the sizes are an empty tuple", "sections");
      const total = sumDims(sizes);
      if (!eq.equal(total, n)) {
        fail(
          `split: the sizes (${sizes.join(", ")}) add up to ${total} but ${at} has size ${n}`,
          "sections",
        );
      }
    }
    const out = sizes.map((d) => ({
      dtype: x.type.dtype,
      shape: shape.map((s, k) => (k === axis ? d : s)),
    }));
    return { out, axes: [axis] };
  }),
  flops: zeroFlops,
};

// ------------------------------------------------------------------------------------ index

function requireIds(op: string, ids: TensorArg): void {
  if (ids.type.dtype !== "i32") {
    fail(`${op}: ids must be an i32 tensor, got ${formatType(ids.type)}`, "ids", {
      help: "cast(ids, i32)",
    });
  }
}

/** `take(table, ids, axis = 0)`: `table.shape[:axis] + ids.shape + table.shape[axis+1:]`. */
const take: OpDef = {
  name: "take",
  params: [tensor("table"), tensor("ids"), param("axis", "int", { default: intDefault(0) })],
  category: "index",
  doc: "Gathers slices of table along axis at ids (an embedding lookup).",
  infer: guard((b) => {
    const table = tensorArg(b, "table");
    const ids = tensorArg(b, "ids");
    requireIds("take", ids);
    const s = table.type.shape;
    const axis = normAxis("take", intArg(b, "axis"), s, "axis");
    const shape = [...s.slice(0, axis), ...ids.type.shape, ...s.slice(axis + 1)];
    return { out: { dtype: table.type.dtype, shape }, axes: [axis] };
  }),
  flops: zeroFlops,
  bytes: gatherBytes("ids"),
};

/**
 * `take_along(x, ids, axis)`, as `torch.gather`: `ids` has x's rank; the result has `ids`'
 * shape. Decision: ids must equal x on every other axis (torch allows smaller; NumPy broadcasts).
 */
const takeAlong: OpDef = {
  name: "take_along",
  params: [tensor("x"), tensor("ids"), param("axis", "int")],
  category: "index",
  doc: "Gathers x along axis at ids (torch.gather); the result has ids' shape.",
  infer: guard((b, eq) => {
    const x = tensorArg(b, "x");
    const ids = tensorArg(b, "ids");
    requireIds("take_along", ids);
    const xs = x.type.shape;
    const is = ids.type.shape;
    const axis = normAxis("take_along", intArg(b, "axis"), xs, "axis");
    if (is.length !== xs.length) {
      fail(
        `take_along: ids ${formatShape(is)} must have the rank of x ${formatShape(xs)} (${is.length} vs ${xs.length})`,
        "ids",
      );
    }
    is.forEach((d, k) => {
      if (k !== axis && !eq.equal(d, xs[k]!)) {
        fail(
          `take_along: ids ${formatShape(is)} and x ${formatShape(xs)} differ on axis ${k} (${d} vs ${xs[k]}); only axis ${axis} may differ`,
          "ids",
        );
      }
    });
    return { out: { dtype: x.type.dtype, shape: is }, axes: [axis] };
  }),
  flops: zeroFlops,
  bytes: gatherBytes("ids"),
};

// ------------------------------------------------------------------------------------ scans

/** `cumsum(x, axis)`: category `reduce` (a scan reads the whole axis, like a reduction). */
const cumsum: OpDef = {
  name: "cumsum",
  params: [tensor("x"), param("axis", "int")],
  category: "reduce",
  doc: "Inclusive cumulative sum along axis.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    requireClass("cumsum", x, "numeric", "x");
    const axis = normAxis("cumsum", intArg(b, "axis"), x.type.shape, "axis");
    return { out: x.type, axes: [axis] };
  }),
  flops: inputFlops("x"),
};

/**
 * `topk(x, k, axis = -1)` → (values, i32 indices), sorted largest first; the axis becomes `k`,
 * and `k` must not exceed it when both are known. Category `reduce`.
 */
const topk: OpDef = {
  name: "topk",
  params: [tensor("x"), param("k", "dim"), param("axis", "int", { default: intDefault(-1) })],
  category: "reduce",
  doc: "The k largest elements along axis and their indices (i32), largest first.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    requireClass("topk", x, "numeric", "x");
    const s = x.type.shape;
    const axis = normAxis("topk", intArg(b, "axis"), s, "axis");
    const k = dimArg(b, "k");
    const n = s[axis]!;
    const kv = k.value;
    const nv = n.value;
    if (kv !== undefined && nv !== undefined && kv > nv) {
      fail(`topk: k = ${kv} exceeds the size ${nv} of axis ${axis} of ${formatShape(s)}`, "k");
    }
    const shape = s.map((d, i) => (i === axis ? k : d));
    return {
      out: [
        { dtype: x.type.dtype, shape },
        { dtype: "i32", shape },
      ],
      axes: [axis],
    };
  }),
  flops: inputFlops("x"),
};

// ------------------------------------------------------------------------------------ creation

/**
 * `arange(a)` is `0, 1, ..., a-1`; `arange(a, b)` is `a, ..., b-1` (size `b - a`, which must
 * not be negative when known). i32.
 */
const arange: OpDef = {
  name: "arange",
  params: [
    param("a", "dim", { signed: true }),
    param("b", "dim", { signed: true, optional: true }),
  ],
  category: "create",
  doc: "The i32 range [0, a), or [a, b) when b is given.",
  infer: guard((bound) => {
    const a = dimArg(bound, "a");
    if (!has(bound, "b")) {
      const v = a.value;
      if (v !== undefined && v < 0) fail(`arange: the size ${v} is negative`, "a");
      return { out: { dtype: "i32", shape: [a] } };
    }
    const b = dimArg(bound, "b");
    const n = b.sub(a);
    const v = n.value;
    if (v !== undefined && v < 0) fail(`arange: the end ${b} is before the start ${a}`, "b");
    return { out: { dtype: "i32", shape: [n] } };
  }),
  flops: zeroFlops,
};

/**
 * `full(dims, value, dtype = f32)`. The value must fit the dtype exactly: an i32 fill is an
 * integer (`0.0` is accepted), a bool fill is `true`/`false` (or 0/1), a bool value does not
 * fill a number tensor. `inf`/`-inf` fill float tensors.
 */
const full: OpDef = {
  name: "full",
  params: [
    param("dims", "dims"),
    param("value", "scalar"),
    param("dtype", "dtype", { default: F32 }),
  ],
  category: "create",
  doc: "A tensor of shape dims filled with value.",
  infer: guard((b) => {
    const dtype = dtypeArg(b, "dtype");
    checkFill("full", "value", scalarArg(b, "value"), dtype);
    return { out: { dtype, shape: dimsArg(b, "dims") } };
  }),
  flops: zeroFlops,
};

/** `zeros(dims, dtype = f32)`, `ones(dims, dtype = f32)`: the dtype is an extension of §7. */
function constant(name: string, doc: string): OpDef {
  return {
    name,
    params: [param("dims", "dims"), param("dtype", "dtype", { default: F32 })],
    category: "create",
    doc,
    infer: guard((b) => ({ out: { dtype: dtypeArg(b, "dtype"), shape: dimsArg(b, "dims") } })),
    flops: zeroFlops,
  };
}

/** `eye(n, dtype = f32)` (the dtype is an extension of §7). */
const eye: OpDef = {
  name: "eye",
  params: [param("n", "dim"), param("dtype", "dtype", { default: F32 })],
  category: "create",
  doc: "The n×n identity matrix.",
  infer: guard((b) => {
    const n = dimArg(b, "n");
    return { out: { dtype: dtypeArg(b, "dtype"), shape: [n, n] } };
  }),
  flops: zeroFlops,
};

/** `dct_matrix(n)`: a constant, so category `create` and 0 FLOPs; f32. */
const dctMatrix: OpDef = {
  name: "dct_matrix",
  params: [param("n", "dim")],
  category: "create",
  doc: "The orthonormal DCT-II matrix, f32[n, n] (row k is frequency k).",
  infer: guard((b) => {
    const n = dimArg(b, "n");
    atLeast("dct_matrix", "n", n, 1);
    return { out: { dtype: "f32", shape: [n, n] } };
  }),
  flops: zeroFlops,
};

// ------------------------------------------------------------------------------------ roll / pad

/** `roll(x, shift, axis)`: `shift` may be negative or symbolic. */
const roll: OpDef = {
  name: "roll",
  params: [tensor("x"), param("shift", "dim", { signed: true }), param("axis", "int")],
  category: "layout",
  doc: "Rotates x by shift along axis (element i moves to i + shift, wrapping).",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    const axis = normAxis("roll", intArg(b, "axis"), x.type.shape, "axis");
    return { out: x.type, axes: [axis] };
  }),
  flops: zeroFlops,
};

/** `pad(x, axis, before, after, value = 0.0)`: the value must fit x's dtype (as for `full`). */
const pad: OpDef = {
  name: "pad",
  params: [
    tensor("x"),
    param("axis", "int"),
    param("before", "dim"),
    param("after", "dim"),
    param("value", "scalar", { default: { kind: "float", value: 0 } }),
  ],
  category: "layout",
  doc: "Pads axis with before and after copies of value.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    const s = x.type.shape;
    const axis = normAxis("pad", intArg(b, "axis"), s, "axis");
    checkFill("pad", "value", scalarArg(b, "value"), x.type.dtype);
    const grow = [dimArg(b, "before"), dimArg(b, "after")];
    return {
      out: {
        dtype: x.type.dtype,
        shape: s.map((d, i) => (i === axis ? sumDims([d, ...grow]) : d)),
      },
      axes: [axis],
    };
  }),
  flops: zeroFlops,
};

// ------------------------------------------------------------------------------------ windows

function channelsLast(op: string, x: TensorArg): readonly Dim[] {
  const s = x.type.shape;
  if (s.length !== 4) {
    fail(`${op}: x must be [B, H, W, C] (rank 4, channels last), got ${formatShape(s)}`, "x");
  }
  requireClass(op, x, "float", "x");
  return s;
}

/** `size + 2*pad - k`, failing when it is known to be negative (the window does not fit). */
function windowSpan(op: string, what: string, size: Dim, pad: Dim, k: Dim, s: readonly Dim[]): Dim {
  const span = size.add(pad.mul(Dim.const(2))).sub(k);
  const v = span.value;
  if (v !== undefined && v < 0) {
    fail(
      `${op}: the window ${k} does not fit the padded ${what} ${size.add(pad.mul(Dim.const(2)))} of ${formatShape(s)}`,
      "x",
    );
  }
  return span;
}

/**
 * `avg_pool2d(x, k, stride = 1, pad = 0, count_include_pad = false)` on `[B, H, W, C]`: spatial
 * dims become `floor_div(H + 2*pad - k, stride) + 1` (floor, as PyTorch's default). `k` and
 * `stride` at least 1; `2*pad ≤ k` when known (else a window could lie entirely in the padding).
 */
const avgPool2d: OpDef = {
  name: "avg_pool2d",
  params: [
    tensor("x"),
    param("k", "dim"),
    param("stride", "dim", { default: dimDefault(1) }),
    param("pad", "dim", { default: dimDefault(0) }),
    param("count_include_pad", "bool", { default: FALSE }),
  ],
  category: "window",
  doc: "Average pooling with a k×k window over H and W of channels-last x.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    const s = channelsLast("avg_pool2d", x);
    const k = dimArg(b, "k");
    const stride = dimArg(b, "stride");
    const p = dimArg(b, "pad");
    atLeast("avg_pool2d", "k", k, 1);
    atLeast("avg_pool2d", "stride", stride, 1);
    const kv = k.value;
    const pv = p.value;
    if (kv !== undefined && pv !== undefined && 2 * pv > kv) {
      fail(`avg_pool2d: pad = ${pv} is more than half of k = ${kv}`, "pad");
    }
    const spatial = (d: Dim, what: string) => {
      const span = windowSpan("avg_pool2d", what, d, p, k, s);
      return (span.floorDiv(stride) ?? Dim.opaque("floor_div", span, stride)).add(ONE);
    };
    const [B, H, W, C] = s as [Dim, Dim, Dim, Dim];
    return {
      out: { dtype: x.type.dtype, shape: [B, spatial(H, "height"), spatial(W, "width"), C] },
    };
  }),
  flops: (b, out) => {
    const k = dimArg(b, "k");
    return numel(outOne(out).shape).mul(k).mul(k);
  },
};

/**
 * `conv2d_depthwise(x, w, pad = 0)`: x `[B, H, W, C]`, w `[C, kh, kw]` (kh = kw in the spec; a
 * rectangular kernel is accepted), stride 1: spatial dims `H + 2*pad - kh + 1`.
 */
const conv2dDepthwise: OpDef = {
  name: "conv2d_depthwise",
  params: [tensor("x"), tensor("w"), param("pad", "dim", { default: dimDefault(0) })],
  category: "window",
  doc: "Depthwise 2-d convolution (one k×k filter per channel) of channels-last x, stride 1.",
  infer: guard((b, eq) => {
    const x = tensorArg(b, "x");
    const w = tensorArg(b, "w");
    const s = channelsLast("conv2d_depthwise", x);
    const ws = w.type.shape;
    if (ws.length !== 3) {
      fail(`conv2d_depthwise: w must be [C, k, k] (rank 3), got ${formatShape(ws)}`, "w");
    }
    if (w.type.dtype !== x.type.dtype) {
      fail(
        `conv2d_depthwise: the dtypes differ: x is ${formatType(x.type)}, w is ${formatType(w.type)}`,
        "w",
      );
    }
    const [B, H, W, C] = s as [Dim, Dim, Dim, Dim];
    const [wc, kh, kw] = ws as [Dim, Dim, Dim];
    if (!eq.equal(wc, C)) {
      fail(
        `conv2d_depthwise: w ${formatShape(ws)} has ${wc} channels but x ${formatShape(s)} has ${C}`,
        "w",
      );
    }
    const p = dimArg(b, "pad");
    const h = windowSpan("conv2d_depthwise", "height", H, p, kh, s).add(ONE);
    const wd = windowSpan("conv2d_depthwise", "width", W, p, kw, s).add(ONE);
    return { out: { dtype: x.type.dtype, shape: [B, h, wd, C] } };
  }),
  flops: (b, out) => {
    const ws = tensorArg(b, "w").type.shape;
    return Dim.const(2)
      .mul(numel(outOne(out).shape))
      .mul(ws[1] ?? ONE)
      .mul(ws[2] ?? ONE);
  },
};

// ------------------------------------------------------------------------------------ transforms

function halfSpectrum(n: Dim): Dim {
  return (n.floorDiv(Dim.const(2)) ?? Dim.opaque("floor_div", n, Dim.const(2))).add(ONE);
}

/** `rfft(x, axis)` → (re, im), `norm = "ortho"`: the axis n becomes `floor_div(n, 2) + 1`. */
const rfft: OpDef = {
  name: "rfft",
  params: [tensor("x"), param("axis", "int")],
  category: "transform",
  doc: 'Real FFT along axis (norm = "ortho"): (re, im), the axis n becoming floor_div(n, 2) + 1.',
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    requireClass("rfft", x, "float", "x");
    const s = x.type.shape;
    const axis = normAxis("rfft", intArg(b, "axis"), s, "axis");
    const shape = s.map((d, i) => (i === axis ? halfSpectrum(d) : d));
    const t = { dtype: x.type.dtype, shape };
    return { out: [t, { ...t, shape: [...shape] }], axes: [axis] };
  }),
  flops: (b, out) => {
    const x = tensorArg(b, "x");
    const axis = normAxis("rfft", intArg(b, "axis"), x.type.shape);
    return Dim.const(4)
      .mul(numel(outOne(out).shape))
      .mul(x.type.shape[axis]!);
  },
};

/**
 * `irfft(re, im, n, axis)`, `norm = "ortho"`: re and im of one float dtype and shape, whose
 * axis must be `floor_div(n, 2) + 1`; the axis becomes n.
 */
const irfft: OpDef = {
  name: "irfft",
  params: [tensor("re"), tensor("im"), param("n", "dim"), param("axis", "int")],
  category: "transform",
  doc: 'Inverse of rfft (norm = "ortho"): the axis floor_div(n, 2) + 1 becomes n.',
  infer: guard((b, eq) => {
    const re = tensorArg(b, "re");
    const im = tensorArg(b, "im");
    requireClass("irfft", re, "float", "re");
    requireClass("irfft", im, "float", "im");
    const rs = re.type.shape;
    const is = im.type.shape;
    if (
      re.type.dtype !== im.type.dtype ||
      rs.length !== is.length ||
      rs.some((d, i) => !eq.equal(d, is[i]!))
    ) {
      fail(
        `irfft: re and im must have one type, got ${formatType(re.type)} and ${formatType(im.type)}`,
        "im",
      );
    }
    const axis = normAxis("irfft", intArg(b, "axis"), rs, "axis");
    const n = dimArg(b, "n");
    atLeast("irfft", "n", n, 1);
    const m = halfSpectrum(n);
    if (!eq.equal(rs[axis]!, m)) {
      fail(
        `irfft: axis ${axis} of re ${formatShape(rs)} has size ${rs[axis]} but n = ${n} needs floor_div(n, 2) + 1 = ${m}`,
        "n",
      );
    }
    return {
      out: { dtype: re.type.dtype, shape: rs.map((d, i) => (i === axis ? n : d)) },
      axes: [axis],
    };
  }),
  flops: (b, out) => {
    const n = dimArg(b, "n");
    return Dim.const(4)
      .mul(numel(outOne(out).shape))
      .mul(halfSpectrum(n));
  },
};

/**
 * `bspline_basis(x, grid, order, lo = -1.0, hi = 1.0)`: `[...S] -> [...S, grid + order]`. `grid`
 * (intervals) at least 1, `order` at least 0, `lo < hi`. Category `transform` (one element in,
 * a vector out).
 */
const bsplineBasis: OpDef = {
  name: "bspline_basis",
  params: [
    tensor("x"),
    param("grid", "dim"),
    param("order", "int"),
    param("lo", "float", { default: { kind: "float", value: -1 } }),
    param("hi", "float", { default: { kind: "float", value: 1 } }),
  ],
  category: "transform",
  doc: "B-spline basis values of x on a uniform grid over [lo, hi]: a new last axis of grid + order.",
  infer: guard((b) => {
    const x = tensorArg(b, "x");
    requireClass("bspline_basis", x, "float", "x");
    const grid = dimArg(b, "grid");
    atLeast("bspline_basis", "grid", grid, 1);
    const order = intArg(b, "order");
    if (order < 0) fail(`bspline_basis: order must be at least 0, got ${order}`, "order");
    const lo = floatArg(b, "lo");
    const hi = floatArg(b, "hi");
    if (!(lo < hi)) fail(`bspline_basis: lo = ${lo} must be less than hi = ${hi}`, "hi");
    return {
      out: { dtype: x.type.dtype, shape: [...x.type.shape, grid.add(Dim.const(order))] },
    };
  }),
  flops: (b, out) => numel(outOne(out).shape).mul(Dim.const(6 * intArg(b, "order") + 2)),
};

// ------------------------------------------------------------------------------------ the table

const defs: OpDef[] = [
  unary("neg", "numeric", "Negation, -x."),
  unary("not", "bool", "Logical not, !x."),
  unary("abs", "numeric", "Absolute value."),
  unary("exp", "float", "e^x."),
  unary("log", "float", "Natural logarithm."),
  unary("sqrt", "float", "Square root."),
  unary("rsqrt", "float", "1 / sqrt(x)."),
  unary("sin", "float", "Sine."),
  unary("cos", "float", "Cosine."),
  unary("tanh", "float", "Hyperbolic tangent."),
  unary("erf", "float", "Error function."),
  unary("sign", "numeric", "-1, 0 or 1 by the sign of x (same dtype)."),
  unary("floor", "numeric", "Rounds down (identity on i32)."),
  unary("ceil", "numeric", "Rounds up (identity on i32)."),
  binary("add", "numeric", "same", "a + b, broadcasting."),
  binary("sub", "numeric", "same", "a - b, broadcasting."),
  binary("mul", "numeric", "same", "a * b, broadcasting."),
  binary("div", "numeric", "same", "a / b, broadcasting; floor division on i32."),
  binary("mod", "numeric", "same", "a % b with the sign of b (Python), broadcasting."),
  binary("pow", "numeric", "same", "a ** b, broadcasting."),
  binary("maximum", "numeric", "same", "Elementwise maximum, broadcasting."),
  binary("minimum", "numeric", "same", "Elementwise minimum, broadcasting."),
  binary("eq", "any", "bool", "a == b (bool), broadcasting."),
  binary("ne", "any", "bool", "a != b (bool), broadcasting."),
  binary("lt", "numeric", "bool", "a < b (bool), broadcasting."),
  binary("le", "numeric", "bool", "a <= b (bool), broadcasting."),
  binary("gt", "numeric", "bool", "a > b (bool), broadcasting."),
  binary("ge", "numeric", "bool", "a >= b (bool), broadcasting."),
  binary("and", "bool", "bool", "Logical and of bool tensors, broadcasting."),
  binary("or", "bool", "bool", "Logical or of bool tensors, broadcasting."),
  where,
  cast,
  reduction("sum", "numeric", "Sum over axis."),
  reduction("mean", "float", "Mean over axis."),
  reduction("max", "numeric", "Maximum over axis."),
  reduction("min", "numeric", "Minimum over axis."),
  reduction("prod", "numeric", "Product over axis."),
  argmax,
  matmul,
  einsum,
  reshape,
  permute,
  transpose,
  rearrange,
  expand,
  slice,
  concat,
  split,
  take,
  takeAlong,
  cumsum,
  topk,
  arange,
  full,
  constant("zeros", "A tensor of zeros of shape dims."),
  constant("ones", "A tensor of ones of shape dims."),
  eye,
  roll,
  pad,
  avgPool2d,
  conv2dDepthwise,
  dctMatrix,
  rfft,
  irfft,
  bsplineBasis,
];

/** A dim that overflows 2^53 while a rule computes is an error of the op, not a crash. */
function withOverflow(def: OpDef): OpDef {
  const infer = def.infer;
  return {
    ...def,
    infer: (bound, eq) => {
      try {
        return infer(bound, eq);
      } catch (e) {
        if (!(e instanceof DimOverflowError)) throw e;
        return { ok: false, error: { message: `${def.name}: ${e.message}` } };
      }
    },
  };
}

/** Every primitive, by name. */
export const OPS: Readonly<Record<string, OpDef>> = Object.freeze(
  Object.fromEntries(defs.map((d) => [d.name, withOverflow(d)])),
);

/** Binary operators of §6 and the primitives they denote. */
export const BINARY_OPERATORS: Readonly<Record<string, string>> = Object.freeze({
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "%": "mod",
  "**": "pow",
  "@": "matmul",
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
  "&&": "and",
  "||": "or",
});

/** Unary operators of §6 and the primitives they denote. */
export const UNARY_OPERATORS: Readonly<Record<string, string>> = Object.freeze({
  "-": "neg",
  "!": "not",
});

/**
 * The primitive named `name`, or denoted by an operator symbol (`arity` picks between unary
 * and binary `-`; without it, a symbol is looked up as binary first).
 */
export function lookupOp(name: string, arity?: 1 | 2): OpDef | undefined {
  if (Object.hasOwn(OPS, name)) return OPS[name];
  const unary = Object.hasOwn(UNARY_OPERATORS, name) ? UNARY_OPERATORS[name] : undefined;
  const binary = Object.hasOwn(BINARY_OPERATORS, name) ? BINARY_OPERATORS[name] : undefined;
  const prim = arity === 1 ? unary : arity === 2 ? binary : (binary ?? unary);
  return prim === undefined ? undefined : OPS[prim];
}

export type CallResult =
  | (InferOk & {
      bound: Bound;
      sources: Record<string, number>;
      /** Absent when the count overflows 2^53 (a large concrete model can exceed it). */
      flops?: Dim;
      /** Bytes moved as its own kernel; absent on overflow, as `flops`. */
      bytes?: Dim;
    })
  | { ok: false; error: OpError };

/** Binds, infers and counts in one step: `callOp(OPS.add, [{value: a}, {value: b}], eq)`. */
export function callOp(op: OpDef, args: readonly Arg[], eq: DimEquality): CallResult {
  const bind = bindArgs(op, args);
  if (!bind.ok) return bind;
  const r = op.infer(bind.bound, eq);
  if (!r.ok) return r;
  const result: CallResult = { ...r, bound: bind.bound, sources: bind.sources };
  try {
    result.flops = op.flops(bind.bound, r.out);
    result.bytes = opBytes(op, bind.bound, r);
  } catch (e) {
    if (!(e instanceof DimOverflowError)) throw e;
  }
  return result;
}
