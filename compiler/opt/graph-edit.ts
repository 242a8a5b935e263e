/**
 * Small tools the optimizer's passes and the fusion planner share: who makes and who reads a
 * value, shape equality, and a graph with some values replaced by others (every use rewritten,
 * the replaced values' producers left for DCE).
 */
import type { DimExpr, Graph, GraphNode, TensorSpec } from "../../runtime/graph.js";

/** For each value, the nodes that read it, in graph order. */
export function consumersOf(graph: Graph): Map<number, GraphNode[]> {
  const consumers = new Map<number, GraphNode[]>();
  for (const n of graph.nodes)
    for (const v of n.inputs) {
      const list = consumers.get(v);
      if (list) list.push(n);
      else consumers.set(v, [n]);
    }
  return consumers;
}

/** The node producing each value. */
export function producersOf(graph: Graph): Map<number, GraphNode> {
  const m = new Map<number, GraphNode>();
  for (const n of graph.nodes) for (const v of n.outputs) m.set(v, n);
  return m;
}

/** `graph` with every use of a key of `subst` reading its value instead (chains followed). */
export function substitute(graph: Graph, subst: ReadonlyMap<number, number>): Graph {
  if (subst.size === 0) return graph;
  const final = (v: number): number => {
    let x = v;
    for (let hops = 0; subst.has(x) && hops < 10_000; hops++) x = subst.get(x)!;
    return x;
  };
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map(final) })),
    outputs: graph.outputs.map((o) => ({ ...o, value: final(o.value) })),
  };
}

/** True when two shapes are the same list of dim expressions. */
export function sameShape(a: readonly DimExpr[], b: readonly DimExpr[]): boolean {
  return a.length === b.length && a.every((d, i) => JSON.stringify(d) === JSON.stringify(b[i]));
}

export function sameType(a: TensorSpec, b: TensorSpec): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape);
}
