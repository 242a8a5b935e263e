/**
 * Reductions and scans: sum, mean, max, min, prod, argmax, cumsum, topk.
 *
 * A reduction splits the input's axes into kept and reduced ones; runs of adjacent axes of the
 * same kind are merged (size-1 axes dropped), so an output element's input offset is
 * `keptOffset(o) + reducedOffset(r)` for the output's linear index `o` and the linear index `r`
 * over the reduced elements (row-major, as the reference folds them). Any subset of axes works,
 * contiguous or not, with runtime dims anywhere.
 *
 * Two schedules, chosen by one rule (`treeGate`): with many reduced elements per output and few
 * outputs, one workgroup per output element runs a strided loop into per-invocation partials,
 * then a log-step tree in workgroup memory; otherwise one invocation per output element folds
 * its elements in order. With runtime sizes both kernels are dispatched, their workgroup counts
 * gated so that exactly one runs. f32 accumulates in f32 (the reference in double); i32 wraps
 * as the reference does. argmax is the same reduction over (value, index) pairs.
 *
 * cumsum scans each row sequentially in one invocation; topk selects k times per row.
 */
import type { DimExpr, DType, TensorSpec } from "../../../../runtime/graph.js";
import { CodegenError, type EmitContext, type KernelDef, type OpEmitter } from "../context.js";
import { constDim, dimU32, foldDim, literal, product, shapeTag, storageType } from "../wgsl.js";
import { WORKGROUP } from "./elementwise.js";

// ------------------------------------------------------------------------------ index helpers

/** A run of adjacent input axes that are all kept or all reduced, merged into one dim. */
interface Group {
  size: DimExpr;
  stride: DimExpr;
}

/** The kept and reduced axis groups of `shape` (size-1 axes dropped; adjacent runs merged). */
function splitAxes(
  shape: readonly DimExpr[],
  reduced: (axis: number) => boolean,
): { kept: Group[]; red: Group[] } {
  const runs: { dims: DimExpr[]; reduced: boolean }[] = [];
  shape.forEach((d, a) => {
    if (constDim(d) === 1) return;
    const last = runs[runs.length - 1];
    if (last && last.reduced === reduced(a)) last.dims.push(d);
    else runs.push({ dims: [d], reduced: reduced(a) });
  });
  const kept: Group[] = [];
  const red: Group[] = [];
  runs.forEach((run, i) => {
    const stride = product(runs.slice(i + 1).flatMap((r) => r.dims));
    (run.reduced ? red : kept).push({ size: product(run.dims), stride });
  });
  return { kept, red };
}

/** `fn name(i: u32) -> u32`: the input offset of linear index `i` over `groups` (row-major). */
function offsetFn(name: string, groups: readonly Group[]): string {
  const term = (c: string, g: Group) =>
    constDim(g.stride) === 1 ? c : `${c} * ${dimU32(g.stride)}`;
  const lines = [`fn ${name}(i: u32) -> u32 {`];
  if (groups.length === 0) lines.push("  return 0u;");
  else if (groups.length === 1) lines.push(`  return ${term("i", groups[0]!)};`);
  else {
    lines.push("  var rest = i;", "  var off = 0u;");
    for (let g = groups.length - 1; g > 0; g--) {
      const s = dimU32(groups[g]!.size);
      lines.push(`  off += ${term(`(rest % ${s})`, groups[g]!)};`, `  rest = rest / ${s};`);
    }
    lines.push(`  return off + ${term("rest", groups[0]!)};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/**
 * The schedule rule. The workgroup tree pays when there are many elements to fold per output
 * (n ≥ TREE_MIN_EXTENT) and too few outputs (< TREE_MAX_OUTPUTS) for one invocation each to
 * keep the device busy; otherwise one invocation per output folds sequentially. (On llvmpipe a
 * workgroup's barriers cost ~10 µs, so a tree per row loses to plain loops once rows are many.)
 */
const TREE_MIN_EXTENT = 256;
const TREE_MAX_OUTPUTS = 1024;

/**
 * The rule as a dim expression: 1 where the tree runs, else 0. Runtime sizes leave it symbolic,
 * and both kernels are dispatched with their workgroup counts gated by it, so the choice is
 * made where the sizes are known. `floor_div` and `minimum` spell the comparisons.
 */
function treeGate(n: DimExpr, count: DimExpr): DimExpr {
  // n ≥ MIN ⇔ min(1, ⌊n / MIN⌋) = 1; count < MAX ⇔ ⌊(2·MAX − 1) / (count + MAX)⌋ = 1.
  const large: DimExpr = {
    op: "minimum",
    args: [1, { op: "floor_div", args: [n, TREE_MIN_EXTENT] }],
  };
  const few: DimExpr = {
    op: "floor_div",
    args: [2 * TREE_MAX_OUTPUTS - 1, { op: "add", args: [count, TREE_MAX_OUTPUTS] }],
  };
  return foldDim({ op: "mul", args: [large, few] });
}

/** 1 − gate, for a gate that is 0 or 1. */
function notGate(gate: DimExpr): DimExpr {
  return foldDim({ op: "floor_div", args: [1, { op: "add", args: [1, gate] }] });
}

/** `count` workgroups where `gate` is 1, none where it is 0. */
function gated(count: DimExpr, gate: DimExpr): DimExpr {
  const g = constDim(gate);
  return g === 1 ? count : g === 0 ? 0 : { op: "mul", args: [count, gate] };
}

/**
 * The tree's workgroup size: about 16 elements per invocation before the tree (fewer
 * invocations mean fewer barrier steps and idle lanes), between 32 and the target's limit.
 * A runtime extent gets the largest.
 */
function treeWidth(n: DimExpr, maxWorkgroup: number): number {
  const limit = Math.min(WORKGROUP, maxWorkgroup);
  const c = constDim(n);
  if (c === undefined) return limit;
  let w = 32;
  while (w * 2 <= limit && w * 2 * 16 <= c) w *= 2;
  return Math.min(w, limit);
}

// ------------------------------------------------------------------------------ folds

/**
 * What a reduction computes, as WGSL over an accumulator type `Acc`: `leaf(v, r)` makes an
 * accumulator of element `v` at reduced index `r`, `combine(a, b)` merges two (associative and,
 * for the tree, order-independent up to rounding), `finish(a)` is the stored result.
 */
export interface Fold {
  /** The accumulator's WGSL type (declared in `module` when it is a struct). */
  acc: string;
  init: string;
  leaf: (v: string, r: string) => string;
  combine: (a: string, b: string) => string;
  finish: (a: string) => string;
  module?: string;
}

/** The fold of sum/mean/max/min/prod over `n` elements (max/min propagate NaN as the reference). */
export function valueFold(op: string, dtype: DType, n: DimExpr): Fold {
  const t = storageType(dtype);
  const plain = { acc: t, leaf: (v: string) => v, finish: (a: string) => a };
  const f32 = dtype === "f32";
  switch (op) {
    case "sum":
      return { ...plain, init: literal(dtype, 0), combine: (a, b) => `(${a} + ${b})` };
    case "prod":
      return { ...plain, init: literal(dtype, 1), combine: (a, b) => `(${a} * ${b})` };
    case "mean":
      // Over an empty axis: 0 / 0 = NaN, written out so that no division by zero happens.
      return {
        ...plain,
        init: literal(dtype, 0),
        combine: (a, b) => `(${a} + ${b})`,
        finish: (a) => `select(${a} / f32(${dimU32(n)}), nan_f32(), ${dimU32(n)} == 0u)`,
      };
    case "max":
      return {
        ...plain,
        init: literal(dtype, f32 ? -Infinity : -2147483648),
        combine: (a, b) => (f32 ? `maximum_f32(${a}, ${b})` : `max(${a}, ${b})`),
      };
    case "min":
      return {
        ...plain,
        init: literal(dtype, f32 ? Infinity : 2147483647),
        combine: (a, b) => (f32 ? `minimum_f32(${a}, ${b})` : `min(${a}, ${b})`),
      };
  }
  throw new CodegenError(`no reduction fold for ${op}`);
}

/**
 * argmax: (value, index) pairs under a total order (NaN largest, then larger value, then lower
 * index), so the tree may combine in any order and still pick the first maximum.
 */
function argmaxFold(dtype: DType): Fold {
  const t = storageType(dtype);
  const isNan = (v: string) => (dtype === "f32" ? `${v} != ${v}` : "false");
  return {
    acc: "Arg",
    init: `Arg(${literal(dtype, 0)}, 0xffffffffu)`,
    leaf: (v, r) => `Arg(${v}, ${r})`,
    combine: (a, b) => `arg_best(${a}, ${b})`,
    finish: (a) => `i32(${a}.i)`,
    module: `struct Arg { v: ${t}, i: u32 }

fn arg_best(a: Arg, b: Arg) -> Arg {
  // The initial accumulator has index 0xffffffff: any element beats it.
  if (a.i == 0xffffffffu) { return b; }
  if (b.i == 0xffffffffu) { return a; }
  let an = ${isNan("a.v")};
  let bn = ${isNan("b.v")};
  var a_first: bool;
  if (an || bn) {
    a_first = an && (!bn || a.i < b.i);
  } else if (a.v != b.v) {
    a_first = a.v > b.v;
  } else {
    a_first = a.i < b.i;
  }
  if (a_first) { return a; }
  return b;
}`,
  };
}

// ------------------------------------------------------------------------------ reduction kernels

interface Reduction {
  name: string;
  x: TensorSpec;
  out: TensorSpec;
  kept: Group[];
  red: Group[];
  fold: Fold;
}

/** The module-scope WGSL every reduction kernel shares: offsets and the fold's helpers. */
function reductionModule(r: Reduction): string[] {
  return [offsetFn("kept_offset", r.kept), offsetFn("red_offset", r.red), r.fold.module ?? ""];
}

/** One invocation per output element, folding its reduced elements in order. */
function sequentialKernel(r: Reduction, count: DimExpr, n: DimExpr): KernelDef {
  const { fold } = r;
  return {
    name: `${r.name}_seq`,
    bindings: [
      { name: "x", kind: "read", dtype: r.x.dtype },
      { name: "out", kind: "write", dtype: r.out.dtype },
    ],
    workgroupSize: WORKGROUP,
    module: reductionModule(r).join("\n\n"),
    body: `if (gid >= ${dimU32(count)}) { return; }
let base = kept_offset(gid);
var acc: ${fold.acc} = ${fold.init};
for (var r = 0u; r < ${dimU32(n)}; r++) {
  acc = ${fold.combine("acc", fold.leaf("x[base + red_offset(r)]", "r"))};
}
out[gid] = ${fold.finish("acc")};`,
  };
}

/**
 * One workgroup per output element: each invocation folds elements lid, lid + W, ... into a
 * partial, then a log-step tree halves the partials with a barrier per level. The early return
 * tests `wg` (uniform), so every barrier is reached by the whole workgroup.
 */
function treeKernel(r: Reduction, count: DimExpr, n: DimExpr, W: number): KernelDef {
  const { fold } = r;
  return {
    name: `${r.name}_tree${W}`,
    bindings: [
      { name: "x", kind: "read", dtype: r.x.dtype },
      { name: "out", kind: "write", dtype: r.out.dtype },
    ],
    workgroupSize: W,
    module: [...reductionModule(r), `var<workgroup> partial: array<${fold.acc}, ${W}>;`].join(
      "\n\n",
    ),
    body: `if (wg >= ${dimU32(count)}) { return; }
let base = kept_offset(wg);
var acc: ${fold.acc} = ${fold.init};
for (var r = lid; r < ${dimU32(n)}; r += ${W}u) {
  acc = ${fold.combine("acc", fold.leaf("x[base + red_offset(r)]", "r"))};
}
partial[lid] = acc;
workgroupBarrier();
for (var s = ${W / 2}u; s > 0u; s = s >> 1u) {
  if (lid < s) { partial[lid] = ${fold.combine("partial[lid]", "partial[lid + s]")}; }
  workgroupBarrier();
}
if (lid == 0u) { out[wg] = ${fold.finish("partial[0]")}; }`,
  };
}

/** Dispatches a reduction of `x` over `axes` into `out` with `fold`, by the `treeGate` rule. */
function emitReduction(
  ctx: EmitContext,
  op: string,
  axes: readonly number[],
  fold: (n: DimExpr) => Fold,
): void {
  const xv = ctx.node.inputs[0]!;
  const ov = ctx.node.outputs[0]!;
  const x = ctx.type(xv);
  const out = ctx.type(ov);
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= x.shape.length)
      throw new CodegenError(`${op}: axis ${a} is out of range for rank ${x.shape.length}`);
  const { kept, red } = splitAxes(x.shape, (a) => axes.includes(a));
  const count = product(kept.map((g) => g.size));
  const n = product(red.map((g) => g.size));
  const tag = `${shapeTag(x.dtype, x.shape)}__r${[...axes].sort((a, b) => a - b).join("_") || "none"}`;
  const r: Reduction = { name: `${op}_${tag}`, x, out, kept, red, fold: fold(n) };
  const gate = treeGate(n, count);
  const tree = gated(count, gate);
  const seq = gated({ op: "ceil_div", args: [count, WORKGROUP] }, notGate(gate));
  if (tree !== 0) {
    const w = treeWidth(n, ctx.target.maxWorkgroupSize);
    ctx.dispatch(treeKernel(r, count, n, w), [xv, ov], tree);
  }
  if (seq !== 0) ctx.dispatch(sequentialKernel(r, count, n), [xv, ov], seq);
}

function axesAttr(ctx: EmitContext): number[] {
  const axes = ctx.node.attrs.axes;
  if (!Array.isArray(axes) || !axes.every((a) => typeof a === "number"))
    throw new CodegenError(`${ctx.node.op}: attribute 'axes' must be a list of integers`);
  return axes as number[];
}

function axisAttr(ctx: EmitContext): number {
  const a = ctx.node.attrs.axis;
  const rank = ctx.type(ctx.node.inputs[0]!).shape.length;
  if (typeof a !== "number" || !Number.isInteger(a) || a < 0 || a >= rank)
    throw new CodegenError(`${ctx.node.op}: attribute 'axis' must be an axis of rank ${rank}`);
  return a;
}

function reductionEmitter(op: string): OpEmitter {
  return (ctx) => {
    const dtype = ctx.type(ctx.node.inputs[0]!).dtype;
    emitReduction(ctx, op, axesAttr(ctx), (n) => valueFold(op, dtype, n));
  };
}

const argmax: OpEmitter = (ctx) => {
  const dtype = ctx.type(ctx.node.inputs[0]!).dtype;
  emitReduction(ctx, "argmax", [axisAttr(ctx)], () => argmaxFold(dtype));
};

// ------------------------------------------------------------------------------ scans and selection

/** outer × n × inner around `axis`, as dim expressions. */
function around(shape: readonly DimExpr[], axis: number) {
  return {
    outer: product(shape.slice(0, axis)),
    n: shape[axis]!,
    inner: product(shape.slice(axis + 1)),
  };
}

/** Statements splitting row `gid` into `p` (outer) and `j` (inner) coordinates. */
function rowCoords(count: DimExpr, inner: DimExpr): string {
  const s = dimU32(inner);
  return `if (gid >= ${dimU32(count)}) { return; }
let p = gid / ${s};
let j = gid % ${s};`;
}

/** cumsum: one invocation per row along the axis, a sequential inclusive scan (wrapping for i32). */
const cumsum: OpEmitter = (ctx) => {
  const xv = ctx.node.inputs[0]!;
  const ov = ctx.node.outputs[0]!;
  const x = ctx.type(xv);
  const axis = axisAttr(ctx);
  const { outer, n, inner } = around(x.shape, axis);
  const rows = product([outer, inner]);
  const t = storageType(x.dtype);
  const N = dimU32(n);
  ctx.dispatch(
    {
      name: `cumsum_${shapeTag(x.dtype, x.shape)}__a${axis}`,
      bindings: [
        { name: "x", kind: "read", dtype: x.dtype },
        { name: "out", kind: "write", dtype: x.dtype },
      ],
      workgroupSize: WORKGROUP,
      body: `${rowCoords(rows, inner)}
let start = p * ${N} * ${dimU32(inner)} + j;
var acc: ${t} = ${literal(x.dtype, 0)};
for (var i = 0u; i < ${N}; i++) {
  let at = start + i * ${dimU32(inner)};
  acc = acc + x[at];
  out[at] = acc;
}`,
    },
    [xv, ov],
    { op: "ceil_div", args: [rows, WORKGROUP] },
  );
};

/**
 * topk: one invocation per row makes k selection passes; pass i finds the first element (in the
 * descending order: NaN largest, then larger, then lower index) after the one pass i − 1 found.
 * The order is total, so the result is exactly the reference's stable sort.
 */
const topk: OpEmitter = (ctx) => {
  const xv = ctx.node.inputs[0]!;
  const [vv, iv] = ctx.node.outputs as [number, number];
  const x = ctx.type(xv);
  const axis = axisAttr(ctx);
  const k = ctx.type(vv).shape[axis]!;
  const { outer, n, inner } = around(x.shape, axis);
  const rows = product([outer, inner]);
  const t = storageType(x.dtype);
  const isNan = (v: string) => (x.dtype === "f32" ? `${v} != ${v}` : "false");
  const N = dimU32(n);
  const K = dimU32(k);
  const I = dimU32(inner);
  ctx.dispatch(
    {
      name: `topk_${shapeTag(x.dtype, x.shape)}__a${axis}`,
      bindings: [
        { name: "x", kind: "read", dtype: x.dtype },
        { name: "values", kind: "write", dtype: x.dtype },
        { name: "indices", kind: "write", dtype: "i32" },
      ],
      workgroupSize: WORKGROUP,
      module: `fn before(av: ${t}, ai: u32, bv: ${t}, bi: u32) -> bool {
  // True when (av, ai) comes first in descending order: NaN largest, ties by lower index.
  let an = ${isNan("av")};
  let bn = ${isNan("bv")};
  if (an || bn) { return select(an, ai < bi, an && bn); }
  if (av != bv) { return av > bv; }
  return ai < bi;
}`,
      body: `${rowCoords(rows, inner)}
let src = p * ${N} * ${I} + j;
let dst = p * ${K} * ${I} + j;
var prev_v: ${t} = ${literal(x.dtype, 0)};
var prev_i = 0u;
for (var s = 0u; s < ${K}; s++) {
  var best_v: ${t} = ${literal(x.dtype, 0)};
  var best_i = 0xffffffffu;
  for (var i = 0u; i < ${N}; i++) {
    let v = x[src + i * ${I}];
    if (s > 0u && !before(prev_v, prev_i, v, i)) { continue; }
    if (best_i == 0xffffffffu || before(v, i, best_v, best_i)) {
      best_v = v;
      best_i = i;
    }
  }
  values[dst + s * ${I}] = best_v;
  indices[dst + s * ${I}] = i32(best_i);
  prev_v = best_v;
  prev_i = best_i;
}`,
    },
    [xv, vv, iv],
    { op: "ceil_div", args: [rows, WORKGROUP] },
  );
};

export const REDUCE: Record<string, OpEmitter> = {
  sum: reductionEmitter("sum"),
  mean: reductionEmitter("mean"),
  max: reductionEmitter("max"),
  min: reductionEmitter("min"),
  prod: reductionEmitter("prod"),
  argmax,
  cumsum,
  topk,
};
