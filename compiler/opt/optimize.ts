/**
 * The graph passes in order, repeated until nothing changes: simplification and constant
 * folding, CSE, DCE. Each is a pure Graph → Graph function with its own tests; the result
 * computes what the input computes, bit for bit, on the reference interpreter.
 */
import type { Graph } from "../../runtime/graph.js";
import { cse } from "./cse.js";
import { dce } from "./dce.js";
import { simplify } from "./simplify.js";

export function optimizeGraph(graph: Graph): Graph {
  let g = graph;
  for (let round = 0; round < 8; round++) {
    const before = g.nodes.length;
    g = dce(cse(simplify(g)));
    if (g.nodes.length === before) break;
  }
  return g;
}
