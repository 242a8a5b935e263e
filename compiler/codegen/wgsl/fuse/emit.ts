/**
 * WGSL for a fusion group (plan.ts): a map kernel (one invocation per element), a row kernel
 * (one invocation per row: a loop per reduction, then a loop writing the row), or the epilogue
 * function a matmul kernel calls where it stores each element.
 *
 * Values computed in the kernel are `let`s named after the graph value (`v42`); operands read
 * from memory are loaded once per scope (`x17`); a rank-0 constant is a literal. Inside a row
 * loop the elementwise chain a reduction reads is recomputed from its loads: ALU is cheap here,
 * memory is not (DESIGN.md §6).
 */
import type { DimExpr, DType, GraphNode } from "../../../../runtime/graph.js";
import type { EmitContext, KernelBinding } from "../context.js";
import { CodegenError } from "../context.js";
import { constValue, elementwiseExpr, ELEMENTWISE_OPS } from "../ops/elementwise.js";
import { emitMatmul } from "../ops/linalg.js";
import { valueFold } from "../ops/reduce.js";
import {
  broadcastOffset,
  constDim,
  dimU32,
  literal,
  load,
  product,
  sameShape,
  shapeTag,
  store,
  unravel,
} from "../wgsl.js";
import { isScalarConst, type Group } from "./plan.js";

const MAP_WORKGROUP = 256;
/** Rows per workgroup: small, so that few rows still spread over llvmpipe's threads. */
const ROW_WORKGROUP = 64;

/** Where expressions are being emitted: the lets so far, and how to index the domain. */
interface Scope {
  suffix: string;
  lines: string[];
  names: Map<number, string>;
  /** The linear index of the current element in the group's domain (outer ++ row). */
  linear: string;
  /** The linear index of the current row (row kernels). */
  rowIndex?: string;
}

class FusedKernel {
  readonly bindings: KernelBinding[] = [];
  readonly values: number[] = [];
  private readonly inputName = new Map<number, string>();
  private readonly byValue = new Map<number, GraphNode>();
  readonly domain: DimExpr[];

  constructor(
    readonly ctx: EmitContext,
    readonly group: Group,
    /** Values computed by the caller (the matmul's product: `mm`). */
    private readonly given: ReadonlyMap<number, string> = new Map(),
  ) {
    this.domain = [...group.outer, ...group.row];
    for (const n of group.nodes) for (const v of n.outputs) this.byValue.set(v, n);
  }

  /** The binding of a value read from memory (added on first use). */
  private input(v: number): string {
    let name = this.inputName.get(v);
    if (!name) {
      name = `in${this.inputName.size}`;
      this.inputName.set(v, name);
      this.bindings.push({ name, kind: "read", dtype: this.ctx.type(v).dtype });
      this.values.push(v);
    }
    return name;
  }

  /** A binding for a value the kernel writes. */
  output(v: number, index: number): string {
    const name = `out${index}`;
    this.bindings.push({ name, kind: "write", dtype: this.ctx.type(v).dtype });
    this.values.push(v);
    return name;
  }

  /** True when the node is computed once per row (its shape has no row extent). */
  perRow(n: GraphNode): boolean {
    return this.group.kind === "row" && !sameShape(n.types[0]!.shape, this.domain);
  }

  /**
   * The expression of value `v` in `scope`, emitting the lets it needs. An operand read from
   * memory is broadcast against its reader's shape, of rank `rank`.
   */
  value(v: number, scope: Scope, top?: Scope, rank = this.domain.length): string {
    const t = this.ctx.type(v);
    const p = this.ctx.producer(v);
    if (isScalarConst(p)) return literal(t.dtype, p!.attrs.value as number | boolean);
    const n = this.byValue.get(v);
    const key = n ? v : -1 - v * 64 - rank;
    const known = scope.names.get(key) ?? top?.names.get(key) ?? this.given.get(v);
    if (known) return known;
    let expr: string;
    let name: string;
    if (!n) {
      expr = load(t.dtype, `${this.input(v)}[${this.offset(t.shape, scope, rank)}]`);
      name = `x${v}${rank === this.domain.length ? "" : `_r${rank}`}${scope.suffix}`;
    } else if (ELEMENTWISE_OPS.has(n.op)) {
      const r = n.types[0]!.shape.length;
      const args = n.inputs.map((u) => this.value(u, scope, top, r));
      const dtypes = n.inputs.map((u) => this.ctx.type(u).dtype);
      expr = elementwiseExpr(n.op, args, dtypes, t.dtype, (i) =>
        constValue(this.ctx, n.inputs[i]!),
      );
      name = `v${v}${scope.suffix}`;
    } else {
      throw new CodegenError(`fused ${n.op} read before it is computed (a fusion bug)`);
    }
    scope.lines.push(`let ${name} = ${expr};`);
    scope.names.set(key, name);
    return name;
  }

  /**
   * Where an operand of shape `shape`, read by a node of rank `rank`, is for the scope's current
   * element: the element's own index when the shapes agree, else the right-aligned broadcast
   * offset over the domain coordinates c0.. (a per-row reader's operands have no row extent,
   * so the row coordinates, which only loops define, are never needed there).
   */
  private offset(shape: readonly DimExpr[], scope: Scope, rank: number): string {
    if (constDim(product(shape)) === 1) return "0u";
    if (sameShape(shape, this.domain)) return scope.linear;
    const perRow = [...this.group.outer, ...this.group.row.map(() => 1)];
    if (scope.rowIndex && (sameShape(shape, perRow) || sameShape(shape, this.group.outer)))
      return scope.rowIndex;
    return broadcastOffset(shape, rank, "c");
  }
}

/** The group's values that are read after the kernel (or are graph outputs). */
function written(group: Group, escapes: (v: number) => boolean): number[] {
  return group.nodes.flatMap((n) => n.outputs).filter(escapes);
}

function kernelName(group: Group, dtype: DType): string {
  const ops = [...new Set(group.nodes.map((n) => n.op))];
  const head = group.matmul ? "epilogue" : group.kind === "row" ? "rowfused" : "fused";
  const shape = shapeTag(dtype, [...group.outer, ...group.row]);
  return `${head}_${ops.slice(0, 6).join("_")}${ops.length > 6 ? "_etc" : ""}_${shape}`;
}

/** Emits the dispatch(es) of a fused group. `escapes(v)`: is v read outside the group? */
export function emitGroup(ctx: EmitContext, group: Group, escapes: (v: number) => boolean): void {
  const outs = written(group, escapes);
  if (outs.length === 0) return;
  if (group.matmul) return emitEpilogue(ctx, group, outs);
  if (group.kind === "map") return emitMap(ctx, group, outs);
  return emitRow(ctx, group, outs);
}

function coords(index: string, shape: readonly DimExpr[], first: number): string[] {
  // `unravel` names coordinates `${prefix}0..`; the domain's are c0.., so a row's start at `first`.
  if (shape.length === 0) return [];
  const text = unravel(index, shape, "t");
  const renamed = text.replace(/\bt(\d+)\b/g, (_, i: string) => `c${Number(i) + first}`);
  return renamed.replace(/\btrest\b/g, `rest${first}`).split("\n");
}

function emitMap(ctx: EmitContext, group: Group, outs: number[]): void {
  const k = new FusedKernel(ctx, group);
  const scope: Scope = { suffix: "", lines: [], names: new Map(), linear: "gid" };
  const stores = outs.map((v, i) => {
    const name = k.output(v, i);
    return `${name}[gid] = ${store(ctx.type(v).dtype, k.value(v, scope))};`;
  });
  const n = product(k.domain);
  const body = [
    `if (gid >= ${dimU32(n)}) { return; }`,
    ...coords("gid", k.domain, 0),
    ...scope.lines,
    ...stores,
  ];
  // Inputs were bound while the expressions were built; outputs first in the list: reorder so
  // reads come before writes (any order is valid; this one reads naturally).
  dispatch(
    ctx,
    k,
    kernelName(group, ctx.type(outs[0]!).dtype),
    body,
    { op: "ceil_div", args: [n, MAP_WORKGROUP] },
    MAP_WORKGROUP,
  );
}

function emitRow(ctx: EmitContext, group: Group, outs: number[]): void {
  const k = new FusedKernel(ctx, group);
  const outerN = product(group.outer);
  const rowN = dimU32(product(group.row));
  const first = group.outer.length;
  const top: Scope = { suffix: "", lines: [], names: new Map(), linear: "row", rowIndex: "row" };
  const loopScope = (j: number): Scope => ({
    suffix: `_${j}`,
    lines: coords("r", group.row, first),
    names: new Map(),
    linear: `row * ${rowN} + r`,
    rowIndex: "row",
  });
  let loops = 0;
  for (const n of group.nodes) {
    if (!k.perRow(n)) continue;
    if (ELEMENTWISE_OPS.has(n.op)) {
      k.value(n.outputs[0]!, top);
      continue;
    }
    const x = n.inputs[0]!;
    const dtype = ctx.type(x).dtype;
    const fold = valueFold(n.op, dtype, product(group.row));
    const s = loopScope(loops++);
    const v = k.value(x, s, top);
    const acc = `acc${n.outputs[0]}`;
    top.lines.push(
      `var ${acc} = ${fold.init};`,
      `for (var r = 0u; r < ${rowN}; r = r + 1u) {`,
      ...s.lines.map((l) => `  ${l}`),
      `  ${acc} = ${fold.combine(acc, fold.leaf(v, "r"))};`,
      `}`,
      `let v${n.outputs[0]} = ${fold.finish(acc)};`,
    );
    top.names.set(n.outputs[0]!, `v${n.outputs[0]}`);
  }
  const perRowOuts = outs.filter((v) => k.perRow(ctx.producer(v)!));
  const rowOuts = outs.filter((v) => !k.perRow(ctx.producer(v)!));
  const stores: string[] = [];
  outs.forEach((v, i) => {
    const name = k.output(v, i);
    const dtype = ctx.type(v).dtype;
    if (perRowOuts.includes(v)) stores.push(`${name}[row] = ${store(dtype, top.names.get(v)!)};`);
  });
  if (rowOuts.length) {
    const s = loopScope(loops++);
    const writes = rowOuts.map((v) => {
      const name = `out${outs.indexOf(v)}`;
      return `${name}[row * ${rowN} + r] = ${store(ctx.type(v).dtype, k.value(v, s, top))};`;
    });
    stores.push(
      `for (var r = 0u; r < ${rowN}; r = r + 1u) {`,
      ...[...s.lines, ...writes].map((l) => `  ${l}`),
      `}`,
    );
  }
  const body = [
    `let row = gid;`,
    `if (row >= ${dimU32(outerN)}) { return; }`,
    ...coords("row", group.outer, 0),
    ...top.lines,
    ...stores,
  ];
  const dtype = ctx.type(group.nodes[0]!.inputs[0]!).dtype;
  dispatch(
    ctx,
    k,
    kernelName(group, dtype),
    body,
    { op: "ceil_div", args: [outerN, ROW_WORKGROUP] },
    ROW_WORKGROUP,
  );
}

function emitEpilogue(ctx: EmitContext, group: Group, outs: number[]): void {
  const product_ = group.matmul!.outputs[0]!;
  const k = new FusedKernel(ctx, group, new Map([[product_, "mm"]]));
  const scope: Scope = { suffix: "", lines: [], names: new Map(), linear: "gid" };
  const stores = outs.map((v, i) => {
    const name = k.output(v, i);
    return `${name}[gid] = ${store(ctx.type(v).dtype, k.value(v, scope))};`;
  });
  const fn = [
    `fn epilogue(mm: f32, gid: u32) {`,
    ...[...coords("gid", k.domain, 0), ...scope.lines, ...stores].map((l) => `  ${l}`),
    `}`,
  ].join("\n");
  emitMatmul(ctx, {
    name: `${[...new Set(group.nodes.map((n) => n.op))].join("_")}`,
    bindings: k.bindings.map((b) => ({ ...b, name: `e_${b.name}` })),
    values: k.values,
    module: fn.replace(/\b(in|out)(\d+)\[/g, "e_$1$2["),
  });
}

function dispatch(
  ctx: EmitContext,
  k: FusedKernel,
  name: string,
  body: string[],
  workgroups: DimExpr,
  size: number,
): void {
  ctx.dispatch(
    { name, bindings: k.bindings, workgroupSize: size, body: body.join("\n") },
    k.values,
    workgroups,
  );
}
