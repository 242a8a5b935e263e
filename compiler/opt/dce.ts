/** Dead-code elimination: nodes none of whose outputs reach a graph output are dropped. */
import type { Graph } from "../../runtime/graph.js";

export function dce(graph: Graph): Graph {
  const live = new Set(graph.outputs.map((o) => o.value));
  const keep: boolean[] = new Array<boolean>(graph.nodes.length).fill(false);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (!n.outputs.some((v) => live.has(v))) continue;
    keep[i] = true;
    for (const v of n.inputs) live.add(v);
  }
  return { ...graph, nodes: graph.nodes.filter((_, i) => keep[i]) };
}
