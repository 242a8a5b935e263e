/**
 * Capture points of a generated class (`archc build --target ts --capture PATH,...`,
 * spec/codegen-ts.md): block instances whose output `forward(inputs, { capture })` can return.
 *
 * The value of an instance path P is the value of the last node, in graph order, whose provenance
 * path is P or lies below it (`P.…`): the last thing the instance computes, which is what its
 * `forward` returns (nodes are emitted as the forward runs). Each chosen point becomes an extra
 * output of the graph, named `capture:P`, before the optimizer and the fusion planner run, so
 * its value is materialized and read back like any output.
 */
import type { Graph } from "../../../runtime/graph.js";

/** The graph output name of capture point `path`. */
export const captureOutput = (path: string): string => `capture:${path}`;

/**
 * The capture points of `graph`: every instance path (the root excluded) that computes a value,
 * in instance order, with the value it captures.
 */
export function capturePoints(graph: Graph, instancePaths: readonly string[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const node of graph.nodes) {
    const out = node.outputs[0];
    if (out === undefined || !node.source) continue;
    // The node's own path and every enclosing one.
    for (let p = node.source.path; p !== ""; p = p.slice(0, Math.max(0, p.lastIndexOf("."))))
      last.set(p, out);
  }
  const points = new Map<string, number>();
  for (const p of instancePaths) {
    const v = last.get(p);
    if (p !== "" && v !== undefined) points.set(p, v);
  }
  return points;
}

/**
 * The paths `specs` name among `available`: `all` (every one), exact paths, and patterns where
 * `*` stands for one path segment (`layers.*.ffn`); in `available`'s order. `unmatched`: the
 * specs that name none of them.
 */
export function selectCaptures(
  specs: readonly string[],
  available: readonly string[],
): { paths: string[]; unmatched: string[] } {
  const chosen = new Set<string>();
  const unmatched: string[] = [];
  for (const spec of captureSpecs(specs)) {
    if (spec === "all") {
      for (const p of available) chosen.add(p);
      continue;
    }
    const segments = spec.split(".");
    const matches = available.filter((p) => {
      const ps = p.split(".");
      return ps.length === segments.length && segments.every((s, i) => s === "*" || s === ps[i]);
    });
    if (matches.length === 0) unmatched.push(spec);
    for (const m of matches) chosen.add(m);
  }
  return { paths: available.filter((p) => chosen.has(p)), unmatched };
}

/** `--capture a,b --capture c` as a list: `a`, `b`, `c`. */
export function captureSpecs(specs: readonly string[]): string[] {
  return specs
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `graph` with an output `capture:P` for each path P (a copy; the graph is not changed). */
export function withCaptures(
  graph: Graph,
  points: ReadonlyMap<string, number>,
  paths: readonly string[],
): Graph {
  return {
    ...graph,
    outputs: [
      ...graph.outputs,
      ...paths.map((p) => ({ name: captureOutput(p), value: points.get(p)! })),
    ],
  };
}
