/**
 * Common-subexpression elimination: a node with the same op, inputs, attributes and output
 * types as an earlier one is replaced by it (every op is pure). Catches the per-layer constants
 * and the `arange` of each attention block.
 */
import type { Graph } from "../../runtime/graph.js";
import { substitute } from "./graph-edit.js";

export function cse(graph: Graph): Graph {
  const seen = new Map<string, number[]>();
  const subst = new Map<number, number>();
  const final = (v: number) => subst.get(v) ?? v;
  for (const n of graph.nodes) {
    const key = JSON.stringify([n.op, n.inputs.map(final), n.attrs, n.types]);
    const earlier = seen.get(key);
    if (earlier) n.outputs.forEach((v, i) => subst.set(v, earlier[i]!));
    else seen.set(key, n.outputs);
  }
  return substitute(graph, subst);
}
