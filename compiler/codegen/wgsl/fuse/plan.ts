/**
 * Which nodes share a kernel. A few small rules, as in tinygrad and TVM, not a search:
 *
 * - **map**: elementwise nodes of one output shape, each reading the others' results in
 *   registers; one invocation per element.
 * - **row**: a map group that a reduction over its trailing axes reads, together with the nodes
 *   computed from the reduced values: per-row values (shape `outer ++ 1s`) and full rows (shape
 *   `outer ++ row`). One invocation per row runs a loop per reduction (recomputing the
 *   elementwise chain it reads, which costs ALU, not memory) and a last loop that writes the
 *   row: softmax, LayerNorm, RMSNorm become one kernel each.
 * - **matmul epilogue**: a map group over a matmul's output that reads the product is computed
 *   where the matmul stores it (bias, activation, residual, scaling).
 * - everything else is one kernel per node (`op`).
 *
 * A node joins a group only if that keeps the group graph acyclic and the kernel within the
 * adapter's storage-buffer limit. Rank-0 constants read by fused kernels are inlined as
 * literals. Groups come out in an order that runs.
 */
import type { DimExpr, Graph, GraphNode } from "../../../../runtime/graph.js";
import type { WgslTarget } from "../../../../runtime/schedule.js";
import { sameShape, constDim, product } from "../wgsl.js";
import { ELEMENTWISE_OPS } from "../ops/elementwise.js";
import { consumersOf, producersOf } from "../../../opt/graph-edit.js";
import { matchSoftmax, type SoftmaxForm } from "./softmax.js";

export type FusedKind = "map" | "row";

export interface Group {
  kind: "op" | FusedKind;
  /** Member nodes in graph order. */
  nodes: GraphNode[];
  /** map: the shape every member has. row: outer ++ row is the reduced input's shape. */
  outer: DimExpr[];
  row: DimExpr[];
  /** The values the kernel stores: read by other kernels, or outputs of the graph. */
  writes: number[];
  /** A matmul whose output this (map) group reads, computed in the same kernel. */
  matmul?: GraphNode;
  /**
   * Attention: this (row) group is a softmax of `scores`' rows whose result only `values`
   * reads; the three run as one kernel with an online softmax (no T×S buffer).
   */
  attention?: {
    scores: GraphNode;
    values: GraphNode;
    softmax: SoftmaxForm;
    /** kᵀ's transpose, when only the scores read it: the kernel reads k itself, by rows. */
    transpose?: GraphNode;
  };
}

export const REDUCTIONS: ReadonlySet<string> = new Set(["sum", "mean", "max", "min", "prod"]);

/** Largest number of reduced elements per row a row kernel loops over sequentially. */
const MAX_ROW = 1 << 16;

interface Work extends Omit<Group, "writes"> {
  id: number;
  /** Groups this one reads from (direct). */
  deps: Set<Work>;
}

/** True for a rank-0 `const`: inlined into fused kernels as a literal. */
export function isScalarConst(n: GraphNode | undefined): boolean {
  return n?.op === "const" && n.types[0]!.shape.length === 0;
}

/** The trailing-axes reduction a node is (how many axes), or undefined. */
function trailingReduction(n: GraphNode, inputShape: readonly DimExpr[]): number | undefined {
  if (!REDUCTIONS.has(n.op)) return undefined;
  const axes = [...(n.attrs.axes as number[])].sort((a, b) => a - b);
  const r = inputShape.length;
  if (axes.length === 0 || !axes.every((a, i) => a === r - axes.length + i)) return undefined;
  return axes.length;
}

export function planFusion(graph: Graph, target: WgslTarget): Group[] {
  const producer = producersOf(graph);
  const consumers = consumersOf(graph);
  const graphOutputs = new Set(graph.outputs.map((o) => o.value));
  const typeOf = (v: number) => {
    const p = producer.get(v);
    if (p) return p.types[p.outputs.indexOf(v)]!;
    return (graph.inputs.find((i) => i.value === v) ?? graph.params.find((p) => p.value === v))!
      .type;
  };

  const groups: Work[] = [];
  const groupOf = new Map<GraphNode, Work>();
  const newGroup = (kind: Group["kind"], n: GraphNode, outer: DimExpr[], row: DimExpr[]) => {
    const g: Work = { id: groups.length, kind, nodes: [n], outer, row, deps: new Set() };
    groups.push(g);
    groupOf.set(n, g);
    for (const v of n.inputs) {
      const h = groupOf.get(producer.get(v)!);
      if (h) g.deps.add(h);
    }
    return g;
  };
  const dependsOn = (from: Work, target: Work): boolean => {
    const seen = new Set<Work>();
    const stack = [from];
    while (stack.length) {
      const g = stack.pop()!;
      if (g === target) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...g.deps);
    }
    return false;
  };
  /** Storage bindings a fused kernel of `members` needs: external inputs and escaping values. */
  const bindings = (members: Set<GraphNode>): number => {
    const ext = new Set<number>();
    let out = 0;
    for (const n of members) {
      for (const v of n.inputs) {
        const p = producer.get(v);
        if ((!p || !members.has(p)) && !isScalarConst(p)) ext.add(v);
      }
      for (const v of n.outputs)
        if (graphOutputs.has(v) || (consumers.get(v) ?? []).some((c) => !members.has(c))) out++;
    }
    return ext.size + out;
  };

  /** A scratch group, only for asking `fits` about a shape. */
  const newWork = (): Work => ({
    id: -1,
    kind: "map",
    nodes: [],
    outer: [],
    row: [],
    deps: new Set(),
  });

  /**
   * Moves group `h`'s nodes into `g` when each fits, no path between them runs through a
   * third group, and the bindings stay within the limit.
   */
  const absorb = (g: Work, h: Work): void => {
    if (h.kind !== "map" || h.matmul) return;
    if (!h.nodes.every((n) => fits(g, n))) return;
    const via = (a: Work, b: Work) => [...a.deps].some((d) => d !== b && dependsOn(d, b));
    if (via(g, h) || via(h, g)) return;
    if (bindings(new Set([...g.nodes, ...h.nodes])) > target.maxStorageBuffers) return;
    const order = new Map(graph.nodes.map((n, i) => [n, i]));
    g.nodes = [...g.nodes, ...h.nodes].sort((a, b) => order.get(a)! - order.get(b)!);
    for (const n of h.nodes) groupOf.set(n, g);
    for (const d of h.deps) if (d !== g) g.deps.add(d);
    g.deps.delete(h);
    for (const other of groups) if (other.deps.delete(h) && other !== g) other.deps.add(g);
    h.nodes = [];
  };

  /** Whether `n` can join `g`, and the group's new shape when it does. */
  const fits = (g: Work, n: GraphNode): { outer: DimExpr[]; row: DimExpr[] } | undefined => {
    const shape = n.types[0]!.shape;
    if (ELEMENTWISE_OPS.has(n.op)) {
      if (g.kind === "map") return sameShape(shape, g.outer) ? g : undefined;
      const full = [...g.outer, ...g.row];
      const perRow = [...g.outer, ...g.row.map(() => 1)];
      return sameShape(shape, full) || sameShape(shape, perRow) || sameShape(shape, g.outer)
        ? g
        : undefined;
    }
    const inShape = typeOf(n.inputs[0]!).shape;
    const k = trailingReduction(n, inShape);
    if (k === undefined || n.types[0]!.dtype === "bool") return undefined;
    const outer = inShape.slice(0, inShape.length - k);
    const row = inShape.slice(inShape.length - k);
    const size = constDim(product(row));
    if (size === 0 || (size !== undefined && size > MAX_ROW)) return undefined;
    if (g.kind === "map") return sameShape(inShape, g.outer) ? { outer, row } : undefined;
    return sameShape(outer, g.outer) && sameShape(row, g.row) ? g : undefined;
  };

  for (const n of graph.nodes) {
    const fusable = ELEMENTWISE_OPS.has(n.op) || REDUCTIONS.has(n.op);
    if (fusable) {
      const candidates = [
        ...new Set(
          n.inputs
            .map((v) => groupOf.get(producer.get(v)!))
            .filter((g): g is Work => !!g && g.kind !== "op"),
        ),
      ];
      let joined: Work | undefined;
      for (const g of candidates) {
        const shape = fits(g, n);
        if (!shape) continue;
        const others = n.inputs
          .map((v) => groupOf.get(producer.get(v)!))
          .filter((h): h is Work => !!h && h !== g);
        if (others.some((h) => dependsOn(h, g))) continue;
        const members = new Set([...g.nodes, n]);
        if (bindings(members) > target.maxStorageBuffers) continue;
        g.nodes.push(n);
        g.outer = shape.outer;
        g.row = shape.row;
        if (g.kind === "map" && shape.row.length > 0) g.kind = "row";
        groupOf.set(n, g);
        for (const h of others) g.deps.add(h);
        joined = g;
        break;
      }
      if (joined) {
        // The other fused groups n read (two chains meeting) join too, when that keeps the
        // group graph acyclic: `tanh(x * y) * exp(-x)` is one kernel, not two.
        for (const h of candidates) if (h !== joined) absorb(joined, h);
        continue;
      }
      if (ELEMENTWISE_OPS.has(n.op)) {
        newGroup("map", n, [...n.types[0]!.shape], []);
        continue;
      }
      // A reduction of a value computed elsewhere starts a row group (its consumers may join).
      const inShape = typeOf(n.inputs[0]!).shape;
      const k = trailingReduction(n, inShape);
      if (k !== undefined && fits({ ...newWork(), outer: [...inShape], row: [] }, n)) {
        newGroup("row", n, inShape.slice(0, inShape.length - k), inShape.slice(inShape.length - k));
        continue;
      }
    }
    newGroup("op", n, [], []);
  }

  mergeEpilogues(groups, groupOf, producer, consumers, graphOutputs, target, bindings);
  inlineBroadcasts(groups, groupOf, consumers, graphOutputs, target, bindings);
  /**
   * What a group stores: values read by a node of another group, unless that group computes
   * the value itself (an inlined broadcast), and the graph's outputs.
   */
  const writesOf = (g: Work): number[] => {
    const members = new Set(g.nodes);
    return g.nodes
      .flatMap((n) => n.outputs)
      .filter(
        (v) =>
          graphOutputs.has(v) ||
          (consumers.get(v) ?? []).some(
            (c) => !members.has(c) && !(groupOf.get(c)?.nodes ?? []).includes(producer.get(v)!),
          ),
      );
  };
  mergeAttention(groups, groupOf, producer, consumers, graphOutputs, target, typeOf, writesOf);

  // A lone reduction keeps its own kernel (the reduce family's tree for long rows).
  for (const g of groups)
    if (
      g.kind !== "op" &&
      g.nodes.length === 1 &&
      !g.matmul &&
      !ELEMENTWISE_OPS.has(g.nodes[0]!.op)
    )
      g.kind = "op";
  const live = groups.filter((g) => g.nodes.length > 0);
  // Constants only fused kernels read need no kernel of their own.
  const inlined = (g: Work) =>
    g.kind === "op" &&
    isScalarConst(g.nodes[0]) &&
    !graphOutputs.has(g.nodes[0]!.outputs[0]!) &&
    (consumers.get(g.nodes[0]!.outputs[0]!) ?? []).every((c) => groupOf.get(c)!.kind !== "op");
  return order(live.filter((g) => !inlined(g))).map((g) => ({ ...g, writes: writesOf(g) }));
}

/** A matmul whose every consumer is in one map group over its output joins that group. */
function mergeEpilogues(
  groups: Work[],
  groupOf: Map<GraphNode, Work>,
  producer: Map<number, GraphNode>,
  consumers: Map<number, GraphNode[]>,
  graphOutputs: Set<number>,
  target: WgslTarget,
  bindings: (members: Set<GraphNode>) => number,
): void {
  for (const m of groups) {
    const node = m.nodes[0];
    if (m.kind !== "op" || node?.op !== "matmul" || node.types[0]!.dtype !== "f32") continue;
    const out = node.outputs[0]!;
    if (graphOutputs.has(out)) continue;
    const users = consumers.get(out) ?? [];
    const g = users.length ? groupOf.get(users[0]!) : undefined;
    if (!g || g.kind !== "map" || g.matmul || !users.every((u) => groupOf.get(u) === g)) continue;
    if (!sameShape(g.outer, node.types[0]!.shape)) continue;
    // The product's operands are two more bindings, the product itself one fewer.
    const members = new Set(g.nodes);
    const operands = new Set(node.inputs.filter((v) => !isScalarConst(producer.get(v))));
    if (bindings(members) - 1 + operands.size > target.maxStorageBuffers) continue;
    g.matmul = node;
    groupOf.set(node, g);
    for (const d of m.deps) g.deps.add(d);
    g.deps.delete(m);
    for (const h of groups) if (h.deps.delete(m)) h.deps.add(g);
    g.deps.delete(g);
    m.nodes = [];
  }
}

/** True when `shape` broadcasts to `to` (right-aligned, each dim equal or 1). */
function broadcastsTo(shape: readonly DimExpr[], to: readonly DimExpr[]): boolean {
  if (shape.length > to.length) return false;
  const lead = to.length - shape.length;
  return shape.every((d, i) => constDim(d) === 1 || sameShape([d], [to[lead + i]!]));
}

/**
 * A small elementwise computation read only by row kernels, with a shape that broadcasts to
 * their rows (the causal mask `arange(T)[:, None] >= arange(T)[None, :]`, T×T), is recomputed
 * inside each of them instead of being stored: cheaper than the buffer, and it keeps attention
 * free of T×T memory.
 */
function inlineBroadcasts(
  groups: Work[],
  groupOf: Map<GraphNode, Work>,
  consumers: Map<number, GraphNode[]>,
  graphOutputs: Set<number>,
  target: WgslTarget,
  bindings: (members: Set<GraphNode>) => number,
): void {
  // h disappears and each reader computes it itself: a reader gains h's inputs, none of which
  // can depend on the reader (h would), so no cycle can form.
  for (const h of groups) {
    if (h.kind !== "map" || h.matmul || h.nodes.length === 0) continue;
    const values = new Set(h.nodes.flatMap((n) => n.outputs));
    const readers = [...values]
      .flatMap((v) => consumers.get(v) ?? [])
      .filter((c) => !h.nodes.includes(c));
    if ([...values].some((v) => graphOutputs.has(v)) || readers.length === 0) continue;
    const targets = [...new Set(readers.map((c) => groupOf.get(c)!))];
    const ok = targets.every(
      (g) =>
        g.kind === "row" &&
        !g.matmul &&
        h.nodes.every((n) => broadcastsTo(n.types[0]!.shape, [...g.outer, ...g.row])) &&
        bindings(new Set([...g.nodes, ...h.nodes])) <= target.maxStorageBuffers,
    );
    if (!ok) continue;
    for (const g of targets) {
      g.nodes = [...h.nodes, ...g.nodes];
      for (const d of h.deps) g.deps.add(d);
      g.deps.delete(h);
    }
    for (const n of h.nodes) groupOf.set(n, targets[0]!);
    h.nodes = [];
  }
}

/** Largest head size whose accumulator row the attention kernel keeps in registers. */
const MAX_HEAD = 256;

/**
 * scores = matmul(q, kᵀ) → softmax row group → matmul(p, v): one attention group, when the
 * softmax has the stdlib's form, each link has no other reader, and the head size is a constant.
 */
function mergeAttention(
  groups: Work[],
  groupOf: Map<GraphNode, Work>,
  producer: Map<number, GraphNode>,
  consumers: Map<number, GraphNode[]>,
  graphOutputs: Set<number>,
  target: WgslTarget,
  typeOf: (v: number) => { dtype: string; shape: DimExpr[] },
  writesOf: (g: Work) => number[],
): void {
  const isConst = (v: number) => isScalarConst(producer.get(v));
  for (const r of groups) {
    if (r.kind !== "row" || r.attention || r.nodes.length === 0) continue;
    const members = new Set(r.nodes);
    const softmax = matchSoftmax(r, writesOf(r), isConst);
    if (!softmax) continue;
    // The scores: a matmul read only by this group.
    const reads = r.nodes.flatMap((n) => n.inputs).filter((v) => !members.has(producer.get(v)!));
    const scores = reads
      .map((v) => producer.get(v))
      .find((n) => n?.op === "matmul" && groupOf.get(n)?.kind === "op");
    if (!scores || scores.types[0]!.dtype !== "f32") continue;
    const s = scores.outputs[0]!;
    if (graphOutputs.has(s) || !(consumers.get(s) ?? []).every((c) => members.has(c))) continue;
    if (!sameShape(scores.types[0]!.shape, [...r.outer, ...r.row])) continue;
    // The values: p's only reader, as its first operand.
    const users = consumers.get(softmax.p) ?? [];
    const values = users[0];
    if (users.length !== 1 || values?.op !== "matmul" || values.inputs[0] !== softmax.p) continue;
    if (graphOutputs.has(softmax.p)) continue;
    const vShape = typeOf(values.inputs[1]!).shape;
    const hd = constDim(vShape[vShape.length - 1]!);
    if (hd === undefined || hd < 1 || hd > MAX_HEAD) continue;
    if (!sameShape(values.types[0]!.shape, [...r.outer, hd])) continue;
    if ([...scores.inputs, values.inputs[1]!].some((v) => typeOf(v).shape.length < 2)) continue;
    // q, kᵀ, v, the output, and the group's other operands.
    const others = new Set(reads.filter((v) => v !== s && !isConst(v)));
    if (others.size + 4 > target.maxStorageBuffers) continue;
    const m1 = groupOf.get(scores)!;
    const m2 = groupOf.get(values)!;
    r.attention = { scores, values, softmax };
    // kᵀ made by swapping k's last two axes for this product only: read k directly.
    const kt = scores.inputs[1]!;
    const t = producer.get(kt);
    const perm = t?.op === "permute" ? (t.attrs.perm as number[]) : undefined;
    const n = perm?.length ?? 0;
    const swap =
      !!perm &&
      n >= 2 &&
      perm.every((p, i) => p === (i === n - 2 ? n - 1 : i === n - 1 ? n - 2 : i));
    const absorbed: Work[] = [];
    if (
      swap &&
      !graphOutputs.has(kt) &&
      (consumers.get(kt) ?? []).length === 1 &&
      groupOf.get(t!)?.kind === "op"
    ) {
      r.attention.transpose = t!;
      absorbed.push(groupOf.get(t!)!);
    }
    for (const g of [m1, m2, ...absorbed]) {
      for (const d of g.deps) r.deps.add(d);
      for (const n of g.nodes) groupOf.set(n, r);
      g.nodes = [];
    }
    r.deps.delete(r);
    for (const g of [m1, m2, ...absorbed]) r.deps.delete(g);
    for (const h of groups) {
      if (h === r) continue;
      const before = h.deps.size;
      for (const g of [m1, m2, ...absorbed]) h.deps.delete(g);
      if (h.deps.size !== before) h.deps.add(r);
    }
  }
}

/** Groups in an order that runs: each after the groups it reads (ties: graph order). */
function order(groups: Work[]): Work[] {
  const pos = new Map<Work, number>();
  const done = new Set<Work>();
  const out: Work[] = [];
  groups.forEach((g, i) => pos.set(g, i));
  const visit = (g: Work) => {
    if (done.has(g)) return;
    done.add(g);
    for (const d of [...g.deps].sort((a, b) => pos.get(a)! - pos.get(b)!)) if (pos.has(d)) visit(d);
    out.push(g);
  };
  for (const g of groups) visit(g);
  return out;
}
