/**
 * Small tools the optimizer's passes share: who uses a value, and a graph with some values
 * replaced by others (every use rewritten, the replaced values' producers left for DCE).
 */
import type { DimExpr, Graph, GraphNode, TensorSpec } from "../../runtime/graph.js";

/** For each value, the nodes that read it (by index), in order. */
export function usesOf(graph: Graph): Map<number, number[]> {
  const uses = new Map<number, number[]>();
  graph.nodes.forEach((n, i) => {
    for (const v of n.inputs) uses.set(v, [...(uses.get(v) ?? []), i]);
  });
  return uses;
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

export function sameDim(a: DimExpr, b: DimExpr): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function sameType(a: TensorSpec, b: TensorSpec): boolean {
  return (
    a.dtype === b.dtype &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => sameDim(d, b.shape[i]!))
  );
}
