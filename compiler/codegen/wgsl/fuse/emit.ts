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
  dimI32,
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
  /** Kernel-local numbers of graph values, so that equal layers give equal WGSL (one compile). */
  private readonly locals = new Map<number, number>();
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
  input(v: number): string {
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

  /** The kernel-local number of a graph value. */
  local(v: number): number {
    let n = this.locals.get(v);
    if (n === undefined) {
      n = this.locals.size;
      this.locals.set(v, n);
    }
    return n;
  }

  /** True when the node is computed once per row (its shape has no row extent). */
  perRow(n: GraphNode): boolean {
    if (this.group.kind !== "row") return false;
    const shape = n.types[0]!.shape;
    const { outer, row } = this.group;
    return sameShape(shape, outer) || sameShape(shape, [...outer, ...row.map(() => 1)]);
  }

  /**
   * The rank a node's operands are broadcast against: the domain's (shapes right-aligned to it,
   * including a smaller broadcast operand inlined into the row, like an attention mask), or,
   * for a per-row value without row axes, the outer rank.
   */
  private readerRank(n: GraphNode): number {
    const rank = n.types[0]!.shape.length;
    return this.perRow(n) && rank === this.group.outer.length ? rank : this.domain.length;
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
    const index = n ? undefined : this.arangeIndex(v, rank);
    if (index !== undefined) {
      // Positions are computed, not loaded (the causal mask's aranges).
      expr = index;
      name = `x${this.local(v)}${rank === this.domain.length ? "" : `_r${rank}`}${scope.suffix}`;
    } else if (!n) {
      expr = load(t.dtype, `${this.input(v)}[${this.offset(t.shape, scope, rank)}]`);
      name = `x${this.local(v)}${rank === this.domain.length ? "" : `_r${rank}`}${scope.suffix}`;
    } else if (ELEMENTWISE_OPS.has(n.op)) {
      const r = this.readerRank(n);
      const args = n.inputs.map((u) => this.value(u, scope, top, r));
      const dtypes = n.inputs.map((u) => this.ctx.type(u).dtype);
      expr = elementwiseExpr(n.op, args, dtypes, t.dtype, (i) =>
        constValue(this.ctx, n.inputs[i]!),
      );
      name = `v${this.local(v)}${scope.suffix}`;
    } else {
      throw new CodegenError(`fused ${n.op} read before it is computed (a fusion bug)`);
    }
    scope.lines.push(`let ${name} = ${expr};`);
    scope.names.set(key, name);
    return name;
  }

  /**
   * An `arange` (or a reshape of one that keeps one non-1 axis) read at the current element is
   * its start plus the element's coordinate on that axis: no load. Undefined otherwise.
   */
  private arangeIndex(v: number, rank: number): string | undefined {
    let p = this.ctx.producer(v);
    if (p?.op === "reshape") p = this.ctx.producer(p.inputs[0]!);
    if (p?.op !== "arange") return undefined;
    const shape = this.ctx.type(v).shape;
    const axes = shape.map((d, i) => (constDim(d) === 1 ? -1 : i)).filter((i) => i >= 0);
    if (axes.length > 1) return undefined;
    const start = dimI32(p.attrs.start as DimExpr);
    if (axes.length === 0) return start;
    return `(${start} + i32(c${rank - shape.length + axes[0]!}))`;
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

function kernelName(group: Group, dtype: DType): string {
  const ops = [...new Set(group.nodes.map((n) => n.op))];
  const head = group.matmul ? "epilogue" : group.kind === "row" ? "rowfused" : "fused";
  const shape = shapeTag(dtype, [...group.outer, ...group.row]);
  return `${head}_${ops.slice(0, 6).join("_")}${ops.length > 6 ? "_etc" : ""}_${shape}`;
}

/** Emits the dispatch(es) of a fused group. */
export function emitGroup(ctx: EmitContext, group: Group): void {
  if (group.attention) return emitAttention(ctx, group);
  const outs = group.writes;
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
  const exprs = outs.map((v) => k.value(v, scope));
  const stores = outs.map(
    (v, i) => `${k.output(v, i)}[gid] = ${store(ctx.type(v).dtype, exprs[i]!)};`,
  );
  const n = product(k.domain);
  const body = [
    `if (gid >= ${dimU32(n)}) { return; }`,
    ...coords("gid", k.domain, 0),
    ...scope.lines,
    ...stores,
  ];
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
    const acc = `acc${k.local(n.outputs[0]!)}`;
    top.lines.push(
      `var ${acc} = ${fold.init};`,
      `for (var r = 0u; r < ${rowN}; r = r + 1u) {`,
      ...s.lines.map((l) => `  ${l}`),
      `  ${acc} = ${fold.combine(acc, fold.leaf(v, "r"))};`,
      `}`,
      `let v${k.local(n.outputs[0]!)} = ${fold.finish(acc)};`,
    );
    top.names.set(n.outputs[0]!, `v${k.local(n.outputs[0]!)}`);
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
  const exprs = outs.map((v) => k.value(v, scope));
  const stores = outs.map(
    (v, i) => `${k.output(v, i)}[gid] = ${store(ctx.type(v).dtype, exprs[i]!)};`,
  );
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

/**
 * Attention as one kernel (flash-style): each invocation takes QUERIES consecutive query rows of
 * one head and makes one pass over the keys s. Per key it computes the scores q·k[s] (each key
 * row loaded once for all its queries), the group's elementwise chain (scale, mask), and an
 * online softmax: the running maximum m, the sum l of exp(x − B(m)) and the weighted sum of v's
 * rows are rescaled by exp(B(m_old) − B(m_new)) whenever m grows. The T×S scores never exist in
 * memory. Fully masked rows give zeros, as the stdlib's softmax does.
 */
function emitAttention(ctx: EmitContext, group: Group): void {
  const { scores, values, softmax: f, transpose } = group.attention!;
  const q = scores.inputs[0]!;
  // k by rows ([.., S, K], contiguous per key) when kᵀ was only its transpose; else kᵀ itself.
  const kSource = transpose ? transpose.inputs[0]! : scores.inputs[1]!;
  const v = values.inputs[1]!;
  const out = values.outputs[0]!;
  const qs = ctx.type(q).shape;
  const ks = ctx.type(kSource).shape;
  const vs = ctx.type(v).shape;
  const K = qs[qs.length - 1]!;
  const S = group.row[0]!;
  const T = group.outer[group.outer.length - 1]!;
  const hd = constDim(vs[vs.length - 1]!)!;
  const Kc = constDim(K);
  const batch = group.outer.slice(0, -1);
  const nb = batch.length;
  const k = new FusedKernel(ctx, group, new Map([[scores.outputs[0]!, "score"]]));
  const base = (shape: readonly DimExpr[], matrix: DimExpr) => {
    const b = broadcastOffset(shape.slice(0, -2), nb, "c");
    return b === "0u" ? "0u" : `(${b}) * ${dimU32(matrix)}`;
  };
  // Four elements per load where the rows allow it (llvmpipe pays per load, not per byte).
  const vecK = !!transpose && Kc !== undefined && Kc % 4 === 0 && Kc <= MAX_Q_REGS;
  const vecV = hd % 4 === 0;
  const qRegs = Kc !== undefined && Kc <= MAX_Q_REGS;
  const W = vecK ? Kc! / 4 : (Kc ?? 0); // q registers per query
  const H = vecV ? hd / 4 : hd;
  const S_ = dimU32(S);
  const T_ = dimU32(T);
  const K_ = dimU32(K);
  const qis = Array.from({ length: QUERIES }, (_, i) => i);
  const top: Scope = { suffix: "", lines: [], names: new Map(), linear: "row", rowIndex: "row" };

  /** The per-key work of query qi, in its own block (t and row are the query's). */
  const perQuery = (qi: number): string[] => {
    const loop: Scope = {
      suffix: "_s",
      lines: [],
      names: new Map(),
      linear: `row * ${S_} + s`,
      rowIndex: "row",
    };
    const x = k.value(f.x, loop, top);
    const at = (m: string, suffix: string): Scope => ({
      suffix,
      lines: [],
      names: new Map([[f.max.outputs[0]!, m]]),
      linear: loop.linear,
      rowIndex: "row",
    });
    const old = at(`m_run[${qi}]`, "_old");
    const next = at("m_new", "_new");
    const bOld = k.value(f.shift, old, top);
    const bNew = k.value(f.shift, next, top);
    return [
      `  {`,
      `    let c${nb} = tq[${qi}];`,
      `    let c${nb + 1} = s;`,
      `    let row = bl * ${T_} + tq[${qi}];`,
      `    let score = sc[${qi}];`,
      ...[
        ...loop.lines,
        `let m_new = maximum_f32(m_run[${qi}], ${x});`,
        ...old.lines,
        ...next.lines,
      ].map((l) => `    ${l}`),
      `    // Nothing accumulated yet: no rescaling (exp of a huge shift would be inf · 0).`,
      `    let alpha = select(exp(${bOld} - ${bNew}), 0.0f, l[${qi}] == 0.0f);`,
      `    let e = exp(${x} - ${bNew});`,
      `    l[${qi}] = l[${qi}] * alpha + e;`,
      `    al[${qi}] = alpha;`,
      `    ee[${qi}] = e;`,
      `    m_run[${qi}] = m_new;`,
      `  }`,
    ];
  };
  /** The normalized output rows of query qi (skipped past the last query). */
  const storeRows = (qi: number): string[] => {
    const fin: Scope = {
      suffix: "_end",
      lines: [],
      names: new Map([[f.sum.outputs[0]!, `l[${qi}]`]]),
      linear: "row",
      rowIndex: "row",
    };
    const d = k.value(f.divisor, fin, top);
    const o = `(bl * ${T_} + t0 + ${qi}u) * ${hd}u`;
    return [
      `if (t0 + ${qi}u < ${T_}) {`,
      ...fin.lines.map((l) => `  ${l}`),
      `  for (var j = 0u; j < ${H}u; j = j + 1u) {`,
      ...(vecV
        ? [
            `    let o = acc[${qi * H}u + j] / ${d};`,
            `    out[${o} + 4u * j] = o.x;`,
            `    out[${o} + 4u * j + 1u] = o.y;`,
            `    out[${o} + 4u * j + 2u] = o.z;`,
            `    out[${o} + 4u * j + 3u] = o.w;`,
          ]
        : [`    out[${o} + j] = acc[${qi * H}u + j] / ${d};`]),
      `  }`,
      `}`,
    ];
  };
  const qLoad = (qi: number): string[] =>
    vecK
      ? [
          `for (var i = 0u; i < ${W}u; i = i + 1u) {`,
          `  let a = q0 + tq[${qi}] * ${K_} + 4u * i;`,
          `  qr[${qi * W}u + i] = vec4<f32>(q[a], q[a + 1u], q[a + 2u], q[a + 3u]);`,
          `}`,
        ]
      : qRegs
        ? [
            `for (var i = 0u; i < ${W}u; i = i + 1u) { qr[${qi * W}u + i] = q[q0 + tq[${qi}] * ${K_} + i]; }`,
          ]
        : [];
  const kRead = vecK
    ? `kk[k0 / 4u + s * ${W}u + i]`
    : transpose
      ? `kk[k0 + s * ${K_} + i]`
      : `kk[k0 + i * ${S_} + s]`;
  const qRead = (qi: number) => (qRegs ? `qr[${qi * W}u + i]` : `q[q0 + tq[${qi}] * ${K_} + i]`);
  const blocks = dimU32(product([...batch, { op: "ceil_div", args: [T, QUERIES] }]));
  const body = [
    `if (gid >= ${blocks}) { return; }`,
    `// Queries t0 .. t0 + ${QUERIES - 1} of batch (and head) bl.`,
    `let tb = gid % ${dimU32({ op: "ceil_div", args: [T, QUERIES] })};`,
    `let bl = gid / ${dimU32({ op: "ceil_div", args: [T, QUERIES] })};`,
    ...coords("bl", batch, 0),
    `let t0 = tb * ${QUERIES}u;`,
    `// Past the last query a slot repeats it: computed, never stored.`,
    `var tq: array<u32, ${QUERIES}>;`,
    ...qis.map((qi) => `tq[${qi}] = min(t0 + ${qi}u, ${T_} - 1u);`),
    `let q0 = ${base(qs, product(qs.slice(-2)))};`,
    `let k0 = ${base(ks, product(ks.slice(-2)))};`,
    `let v0 = ${base(vs, product(vs.slice(-2)))};`,
    ...(qRegs ? [`var qr: array<${vecK ? "vec4<f32>" : "f32"}, ${QUERIES * W}>;`] : []),
    ...qis.flatMap(qLoad),
    `var acc: array<${vecV ? "vec4<f32>" : "f32"}, ${QUERIES * H}>;`,
    `var m_run: array<f32, ${QUERIES}>;`,
    `var l: array<f32, ${QUERIES}>;`,
    ...qis.map((qi) => `m_run[${qi}] = -inf_f32();`),
    `for (var s = 0u; s < ${S_}; s = s + 1u) {`,
    // Zeroed explicitly: SwiftShader (Dawn's Vulkan path, Chromium's software WebGPU) does not
    // re-zero a declared-only var inside a loop body on each iteration.
    `  var sc = array<f32, ${QUERIES}>(${Array.from({ length: QUERIES }, () => "0.0f").join(", ")});`,
    `  for (var i = 0u; i < ${vecK ? `${W}u` : K_}; i = i + 1u) {`,
    `    let kv = ${kRead};`,
    ...qis.map((qi) =>
      vecK
        ? `    sc[${qi}] = sc[${qi}] + dot(${qRead(qi)}, kv);`
        : `    sc[${qi}] = sc[${qi}] + ${qRead(qi)} * kv;`,
    ),
    `  }`,
    `  var al: array<f32, ${QUERIES}>;`,
    `  var ee: array<f32, ${QUERIES}>;`,
    ...qis.flatMap(perQuery),
    `  for (var j = 0u; j < ${H}u; j = j + 1u) {`,
    `    let vj = vv[${vecV ? "v0 / 4u" : "v0"} + s * ${H}u + j];`,
    ...qis.map(
      (qi) => `    acc[${qi * H}u + j] = acc[${qi * H}u + j] * al[${qi}] + ee[${qi}] * vj;`,
    ),
    `  }`,
    `}`,
    ...top.lines,
    ...qis.flatMap(storeRows),
  ];
  ctx.dispatch(
    {
      name: `attention_${shapeTag("f32", [...group.outer, hd])}`,
      bindings: [
        { name: "q", kind: "read", dtype: "f32" },
        { name: "kk", kind: "read", dtype: "f32", ...(vecK ? { vec4: true } : {}) },
        { name: "vv", kind: "read", dtype: "f32", ...(vecV ? { vec4: true } : {}) },
        ...k.bindings,
        { name: "out", kind: "write", dtype: "f32" },
      ],
      workgroupSize: ROW_WORKGROUP,
      body: body.join("\n"),
    },
    [q, kSource, v, ...k.values, out],
    {
      op: "ceil_div",
      args: [product([...batch, { op: "ceil_div", args: [T, QUERIES] }]), ROW_WORKGROUP],
    },
  );
}

/**
 * Query rows per invocation: each key and value row loaded serves all of them (on llvmpipe
 * the loads are the cost; 4 cut them 4×). The accumulators are QUERIES × head size floats.
 */
const QUERIES = 4;

/** Longest query row the attention kernel loads into registers once (else it reads memory). */
const MAX_Q_REGS = 256;
