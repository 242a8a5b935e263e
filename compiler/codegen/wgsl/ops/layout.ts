/**
 * Layout, index and creation ops as index arithmetic: permute, expand, slice, concat, split,
 * take, take_along, arange, eye, roll, pad. Every kernel runs one invocation per element it
 * writes, computes that element's coordinates, and copies (or fills) it: no arithmetic on the
 * data, so every op is exact. Elements are copied as stored (bool stays u32 0/1).
 *
 * Dim-valued attributes (`slice` index/start/step, `arange.start`, `roll.shift`, `pad.before`)
 * may be negative or reference runtime dims, so they are rendered as i32 expressions
 * (`dimI32`), unlike shapes, which are non-negative and use `dimU32`.
 */
import type { Attr, DimExpr, DType, TensorSpec } from "../../../../runtime/graph.js";
import { CodegenError, type EmitContext, type KernelBinding, type OpEmitter } from "../context.js";
import {
  constDim,
  dimI32,
  dimU32,
  literal,
  product,
  shapeTag,
  stridesOf,
  unravel,
} from "../wgsl.js";
import { WORKGROUP } from "./elementwise.js";

// ------------------------------------------------------------------------------------ helpers

/** `a + b` as a dim expression, folded where constant. */
function addDims(a: DimExpr, b: DimExpr): DimExpr {
  const ca = constDim(a);
  const cb = constDim(b);
  if (ca !== undefined && cb !== undefined) return ca + cb;
  if (ca === 0) return b;
  if (cb === 0) return a;
  return { op: "add", args: [a, b] };
}

/**
 * The linear (row-major) offset of coordinates `coords` (u32 WGSL expressions, one per axis) in
 * `shape`. Axes of constant size 1 contribute nothing (their coordinate is 0).
 */
function linear(shape: readonly DimExpr[], coords: readonly string[]): string {
  const strides = stridesOf(shape);
  const terms: string[] = [];
  shape.forEach((d, i) => {
    if (constDim(d) === 1) return;
    const s = strides[i]!;
    const c = coords[i]!;
    terms.push(constDim(s) === 1 ? c : `${c} * ${dimU32(s)}`);
  });
  return terms.length === 0 ? "0u" : terms.join(" + ");
}

/** Coordinate names `${prefix}0..${prefix}{rank-1}` (as `unravel` declares them). */
function coordNames(prefix: string, rank: number): string[] {
  return Array.from({ length: rank }, (_, i) => `${prefix}${i}`);
}

/** A value as a stored element literal of `dtype` (bool as u32 0/1). */
function storedLiteral(dtype: DType, v: number | boolean): string {
  if (dtype === "bool") return Number(v) !== 0 ? "1u" : "0u";
  return literal(dtype, v);
}

/** A shape attribute of the node as a list of integers. */
function intList(ctx: EmitContext, name: string): number[] {
  const v = ctx.node.attrs[name];
  if (!Array.isArray(v) || !v.every((p) => typeof p === "number"))
    throw new CodegenError(`${ctx.node.op}: attribute '${name}' must be a list of integers`);
  return v as number[];
}

/** An integer attribute of the node. */
function intAttr(ctx: EmitContext, name: string): number {
  const v = ctx.node.attrs[name];
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new CodegenError(`${ctx.node.op}: attribute '${name}' must be an integer`);
  return v;
}

/** A dim-valued attribute of the node. */
function dimAttr(ctx: EmitContext, name: string, attr: Attr | undefined): DimExpr {
  if (typeof attr === "number" || typeof attr === "string") return attr;
  if (attr && typeof attr === "object" && !Array.isArray(attr) && "op" in attr)
    return attr as DimExpr;
  throw new CodegenError(`${ctx.node.op}: attribute '${name}' must be a dim`);
}

interface Buffer {
  name: string;
  value: number;
  dtype: DType;
}

/**
 * Dispatches a kernel of one invocation per element of a `count`-element iteration space:
 * `body` runs with `gid < count` (the excess invocations of the last workgroup return first).
 */
function perElement(
  ctx: EmitContext,
  name: string,
  reads: Buffer[],
  writes: Buffer[],
  count: DimExpr,
  body: string[],
): void {
  const text = [`if (gid >= ${dimU32(count)}) { return; }`, ...body].join("\n");
  const bindings: KernelBinding[] = [
    ...reads.map((b) => ({ name: b.name, kind: "read" as const, dtype: b.dtype })),
    ...writes.map((b) => ({ name: b.name, kind: "write" as const, dtype: b.dtype })),
  ];
  ctx.dispatch(
    { name, bindings, workgroupSize: WORKGROUP, body: text },
    [...reads, ...writes].map((b) => b.value),
    { op: "ceil_div", args: [count, WORKGROUP] },
  );
}

/** `op_<out type>__<in type>...`, the kernel name. */
function kernelName(op: string, ...types: TensorSpec[]): string {
  return [op, ...types.map((t) => shapeTag(t.dtype, t.shape))].join("_");
}

function io(ctx: EmitContext): { x: number; out: number; xt: TensorSpec; ot: TensorSpec } {
  const x = ctx.node.inputs[0]!;
  const out = ctx.node.outputs[0]!;
  return { x, out, xt: ctx.type(x), ot: ctx.type(out) };
}

// ------------------------------------------------------------------------------------ layout

/** Output axis k is input axis perm[k]: a gather at the permuted strides. */
const permute: OpEmitter = (ctx) => {
  const { x, out, xt, ot } = io(ctx);
  const perm = intList(ctx, "perm");
  const i = coordNames("i", ot.shape.length);
  const src: string[] = [];
  perm.forEach((p, k) => (src[p] = i[k]!));
  perElement(
    ctx,
    `permute_${perm.join("")}_${shapeTag(xt.dtype, xt.shape)}`,
    [{ name: "x", value: x, dtype: xt.dtype }],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [unravel("gid", ot.shape, "i"), `out[gid] = x[${linear(xt.shape, src)}];`],
  );
};

/**
 * A broadcast copy (NumPy rules, right-aligned): the input's size-1 axes read coordinate 0.
 * Written here rather than with elementwise.ts's `mapKernel` so that shapes such as `[T - 1]`
 * go through the local `dimU32`.
 */
const expand: OpEmitter = (ctx) => {
  const { x, out, xt, ot } = io(ctx);
  const lead = ot.shape.length - xt.shape.length;
  const src = xt.shape.map((_, k) => `i${k + lead}`);
  perElement(
    ctx,
    kernelName("expand", ot, xt),
    [{ name: "x", value: x, dtype: xt.dtype }],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [unravel("gid", ot.shape, "i"), `out[gid] = x[${linear(xt.shape, src)}];`],
  );
};

/**
 * Each input axis is either fixed (`{index}`) or walked from `start` by `step` (possibly
 * negative) with the next output coordinate. Indices are computed in i32 (a negative step
 * subtracts) and are in range for every output element (the reference checks it).
 */
const slice: OpEmitter = (ctx) => {
  const { x, out, xt, ot } = io(ctx);
  const axes = ctx.node.attrs.axes;
  if (!Array.isArray(axes) || axes.length !== xt.shape.length)
    throw new CodegenError(`slice: 'axes' must have one entry per input axis`);
  let kept = 0;
  const src = axes.map((a, ax): string => {
    const e = (typeof a === "object" && !Array.isArray(a) ? a : {}) as Record<string, Attr>;
    if (e.index !== undefined) return `u32(${dimI32(dimAttr(ctx, `axes[${ax}].index`, e.index))})`;
    const start = dimI32(dimAttr(ctx, `axes[${ax}].start`, e.start));
    const step = dimI32(dimAttr(ctx, `axes[${ax}].step`, e.step));
    const o = `i${kept++}`;
    if (step === "1i") return start === "0i" ? o : `u32(${start} + i32(${o}))`;
    return `u32(${start} + i32(${o}) * ${step})`;
  });
  if (kept !== ot.shape.length)
    throw new CodegenError(`slice: the output has ${ot.shape.length} axes, 'axes' keeps ${kept}`);
  perElement(
    ctx,
    kernelName("slice", ot, xt),
    [{ name: "x", value: x, dtype: xt.dtype }],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [unravel("gid", ot.shape, "i"), `out[gid] = x[${linear(xt.shape, src)}];`],
  );
};

/** A piece of a concat (an input) or a split (an output): its buffer and place on the axis. */
interface Piece {
  value: number;
  type: TensorSpec;
  /** Where the piece starts on the axis of the whole tensor. */
  at: DimExpr;
}

/** Pieces with their offsets along `axis`, dropping those of constant size 0. */
function pieces(ctx: EmitContext, values: readonly number[], axis: number): Piece[] {
  const out: Piece[] = [];
  let at: DimExpr = 0;
  for (const value of values) {
    const type = ctx.type(value);
    const n = type.shape[axis]!;
    if (constDim(n) !== 0) out.push({ value, type, at });
    at = addDims(at, n);
  }
  return out;
}

/** Consecutive groups of at most `size` pieces. */
function groups<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < items.length; k += size) out.push(items.slice(k, k + size));
  return out;
}

/**
 * One dispatch over the part of `whole` (shape) covered by a group of consecutive pieces along
 * `axis`. Each invocation finds its piece by comparing its axis coordinate with the pieces'
 * ends, and runs `copy(pieceIndex, wholeOffset, pieceOffset)`.
 */
function pieceGroupBody(
  whole: readonly DimExpr[],
  axis: number,
  group: Piece[],
  copy: (k: number, wholeOffset: string, pieceOffset: string) => string,
): { count: DimExpr; body: string[] } {
  const first = group[0]!.at;
  // The group's extent along the axis (its pieces' sizes summed).
  let extent: DimExpr = 0;
  for (const p of group) extent = addDims(extent, p.type.shape[axis]!);
  const shape = whole.map((d, k) => (k === axis ? extent : d));
  const i = coordNames("i", whole.length);
  const body = [unravel("gid", shape, "i")];
  // Coordinates of a group's element on the whole tensor's axis: j = first + i_axis.
  const withAxis = (c: string) => i.map((name, k) => (k === axis ? c : name));
  const j = constDim(first) === 0 ? `i${axis}` : `(${dimU32(first)} + i${axis})`;
  body.push(`let j = ${j};`);
  body.push(`let w = ${linear(whole, withAxis("j"))};`);
  group.forEach((p, k) => {
    const pEnd = addDims(p.at, p.type.shape[axis]!);
    const local = constDim(p.at) === 0 ? "j" : `(j - ${dimU32(p.at)})`;
    const stmt = copy(k, "w", linear(p.type.shape, withAxis(local)));
    const cond = k === group.length - 1 ? "" : `if (j < ${dimU32(pEnd)}) `;
    body.push(`${k === 0 ? "" : "else "}${cond}{ ${stmt} }`);
  });
  return { count: product(shape), body };
}

/**
 * Inputs are copied in groups of as many as fit the storage-buffer limit beside the output:
 * one dispatch per group writes the group's slab of the output, so any number of inputs works.
 */
const concat: OpEmitter = (ctx) => {
  const out = ctx.node.outputs[0]!;
  const ot = ctx.type(out);
  const axis = intAttr(ctx, "axis");
  const all = pieces(ctx, ctx.node.inputs, axis);
  for (const group of groups(all, ctx.target.maxStorageBuffers - 1)) {
    const names = group.map((_, k) => `x${k}`);
    const { count, body } = pieceGroupBody(
      ot.shape,
      axis,
      group,
      (k, w, p) => `out[${w}] = ${names[k]}[${p}];`,
    );
    perElement(
      ctx,
      kernelName(`concat${axis}`, ot, ...group.map((p) => p.type)),
      group.map((p, k) => ({ name: names[k]!, value: p.value, dtype: p.type.dtype })),
      [{ name: "out", value: out, dtype: ot.dtype }],
      count,
      body,
    );
  }
};

/** The mirror of concat: outputs in groups, one dispatch per group reading its slab of x. */
const split: OpEmitter = (ctx) => {
  const { x, xt } = io(ctx);
  const axis = intAttr(ctx, "axis");
  const all = pieces(ctx, ctx.node.outputs, axis);
  for (const group of groups(all, ctx.target.maxStorageBuffers - 1)) {
    const names = group.map((_, k) => `y${k}`);
    const { count, body } = pieceGroupBody(
      xt.shape,
      axis,
      group,
      (k, w, p) => `${names[k]}[${p}] = x[${w}];`,
    );
    perElement(
      ctx,
      kernelName(`split${axis}`, xt, ...group.map((p) => p.type)),
      [{ name: "x", value: x, dtype: xt.dtype }],
      group.map((p, k) => ({ name: names[k]!, value: p.value, dtype: p.type.dtype })),
      count,
      body,
    );
  }
};

// ------------------------------------------------------------------------------------ index

/**
 * `out[..., j…, ...] = table[..., ids[j…], ...]`. The reference throws on an id outside
 * `[0, n)`; a kernel cannot, so such an element is written as 0 (false for bool) and the table
 * is never read outside its axis.
 */
const take: OpEmitter = (ctx) => {
  const [table, ids] = ctx.node.inputs as [number, number];
  const out = ctx.node.outputs[0]!;
  const [tt, it, ot] = [ctx.type(table), ctx.type(ids), ctx.type(out)];
  const axis = intAttr(ctx, "axis");
  const r = it.shape.length;
  const i = coordNames("i", ot.shape.length);
  const src = [...i.slice(0, axis), "u32(id)", ...i.slice(axis + r)];
  perElement(
    ctx,
    kernelName(`take${axis}`, tt, it),
    [
      { name: "table", value: table, dtype: tt.dtype },
      { name: "ids", value: ids, dtype: "i32" },
    ],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [
      unravel("gid", ot.shape, "i"),
      `let id = ids[${linear(it.shape, i.slice(axis, axis + r))}];`,
      `// Out of range (an error in the reference; a negative id is >= 2^31 as u32): 0, no read.`,
      `if (u32(id) >= ${dimU32(tt.shape[axis]!)}) { out[gid] = ${storedLiteral(ot.dtype, 0)}; return; }`,
      `out[gid] = table[${linear(tt.shape, src)}];`,
    ],
  );
};

/**
 * `out[i] = x[i with axis ← ids[i]]` (torch.gather); ids may be smaller than x off the axis, so
 * coordinates run over ids' shape and are placed in x's. An out-of-range id gives 0 (false), as
 * in `take`.
 */
const takeAlong: OpEmitter = (ctx) => {
  const [x, ids] = ctx.node.inputs as [number, number];
  const out = ctx.node.outputs[0]!;
  const [xt, it, ot] = [ctx.type(x), ctx.type(ids), ctx.type(out)];
  const axis = intAttr(ctx, "axis");
  const i = coordNames("i", it.shape.length);
  const src = i.map((c, k) => (k === axis ? "u32(id)" : c));
  perElement(
    ctx,
    kernelName(`take_along${axis}`, xt, it),
    [
      { name: "x", value: x, dtype: xt.dtype },
      { name: "ids", value: ids, dtype: "i32" },
    ],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [
      unravel("gid", it.shape, "i"),
      `let id = ids[gid];`,
      `// Out of range (an error in the reference; a negative id is >= 2^31 as u32): 0, no read.`,
      `if (u32(id) >= ${dimU32(xt.shape[axis]!)}) { out[gid] = ${storedLiteral(ot.dtype, 0)}; return; }`,
      `out[gid] = x[${linear(xt.shape, src)}];`,
    ],
  );
};

// ------------------------------------------------------------------------------------ creation

/** `start, start + 1, ...` (i32, wrapping as the reference's i32 store does). */
const arange: OpEmitter = (ctx) => {
  const out = ctx.node.outputs[0]!;
  const ot = ctx.type(out);
  const start = dimI32(dimAttr(ctx, "start", ctx.node.attrs.start));
  perElement(
    ctx,
    kernelName("arange", ot),
    [],
    [{ name: "out", value: out, dtype: "i32" }],
    product(ot.shape),
    [`out[gid] = ${start} + i32(gid);`],
  );
};

/** Ones on the diagonal (any dtype, any rectangle). */
const eye: OpEmitter = (ctx) => {
  const out = ctx.node.outputs[0]!;
  const ot = ctx.type(out);
  if (ot.shape.length !== 2) throw new CodegenError(`eye: the output must be rank 2`);
  const [zero, one] = [storedLiteral(ot.dtype, 0), storedLiteral(ot.dtype, 1)];
  perElement(
    ctx,
    kernelName("eye", ot),
    [],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [unravel("gid", ot.shape, "i"), `out[gid] = select(${zero}, ${one}, i0 == i1);`],
  );
};

/**
 * `out[(i + shift) mod n] = x[i]`, as a gather: `out[o] = x[(o − s) mod n]` with
 * `s = shift mod n` in [0, n) (floor modulo: a negative or oversized shift wraps).
 */
const roll: OpEmitter = (ctx) => {
  const { x, out, xt, ot } = io(ctx);
  const axis = intAttr(ctx, "axis");
  const shift = dimAttr(ctx, "shift", ctx.node.attrs.shift);
  const n = xt.shape[axis]!;
  const [cs, cn] = [constDim(shift), constDim(n)];
  // The shift reduced to [0, n), folded when both are constant.
  const s =
    cs !== undefined && cn !== undefined && cn > 0
      ? `${((cs % cn) + cn) % cn}u`
      : `u32(dim_mod(${dimI32(shift)}, i32(${dimU32(n)})))`;
  const i = coordNames("i", ot.shape.length);
  const src = i.map((c, k) => (k === axis ? `((${c} + ${dimU32(n)} - s) % ${dimU32(n)})` : c));
  perElement(
    ctx,
    kernelName(`roll${axis}`, xt),
    [{ name: "x", value: x, dtype: xt.dtype }],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [unravel("gid", ot.shape, "i"), `let s = ${s};`, `out[gid] = x[${linear(xt.shape, src)}];`],
  );
};

/** `before` elements of `value`, then x, then `value` to the output's size along the axis. */
const pad: OpEmitter = (ctx) => {
  const { x, out, xt, ot } = io(ctx);
  const axis = intAttr(ctx, "axis");
  const before = dimI32(dimAttr(ctx, "before", ctx.node.attrs.before));
  const value = ctx.node.attrs.value;
  if (typeof value !== "number" && typeof value !== "boolean")
    throw new CodegenError(`pad: 'value' must be a number or bool`);
  const i = coordNames("i", ot.shape.length);
  const src = i.map((c, k) => (k === axis ? "u32(k)" : c));
  perElement(
    ctx,
    kernelName(`pad${axis}`, ot, xt),
    [{ name: "x", value: x, dtype: xt.dtype }],
    [{ name: "out", value: out, dtype: ot.dtype }],
    product(ot.shape),
    [
      unravel("gid", ot.shape, "i"),
      // k: the coordinate in x along the axis; outside [0, n) is padding.
      `let k = i32(i${axis}) - ${before};`,
      `if (k < 0i || k >= i32(${dimU32(xt.shape[axis]!)})) { out[gid] = ${storedLiteral(ot.dtype, value)}; return; }`,
      `out[gid] = x[${linear(xt.shape, src)}];`,
    ],
  );
};

export const LAYOUT: Record<string, OpEmitter> = {
  permute,
  expand,
  slice,
  concat,
  split,
  take,
  take_along: takeAlong,
  arange,
  eye,
  roll,
  pad,
};
