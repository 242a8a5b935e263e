/**
 * The reference interpreter: runs a graph (spec/ir.md) on the CPU, node by node, with the
 * kernels of kernels.ts. Simple and deterministic: the oracle every other backend is tested
 * against. Runtime dims are bound from the input shapes; runtime checks are evaluated first;
 * values are freed after their last use.
 */
import {
  evalDim,
  formatProvenance,
  type Attr,
  type DimExpr,
  type Graph,
  type GraphNode,
} from "../graph.js";
import { bindDims, RunError, runChecks } from "../bind.js";
import { KERNELS } from "./kernels.js";
import type { Tensor } from "./tensor.js";

/** Attributes that are dims (evaluated before a kernel sees them), per op. */
const DIM_ATTRS: Record<string, string[]> = {
  arange: ["start"],
  roll: ["shift"],
  pad: ["before"],
  avg_pool2d: ["k", "stride", "pad"],
  conv2d_depthwise: ["pad"],
  bspline_basis: ["grid"],
};

export interface RunOptions {
  /** Called after each node (progress display). */
  onNode?: (done: number, total: number) => void;
}

function evalAttrs(node: GraphNode, dims: ReadonlyMap<string, number>): GraphNode["attrs"] {
  const attrs = { ...node.attrs };
  for (const k of DIM_ATTRS[node.op] ?? []) {
    const v = attrs[k];
    if (v !== undefined) attrs[k] = evalDim(v as DimExpr, dims);
  }
  if (node.op === "slice" && Array.isArray(attrs.axes)) {
    attrs.axes = attrs.axes.map((a): Attr => {
      const o = a as Record<string, DimExpr | number>;
      return o.index !== undefined
        ? { index: evalDim(o.index as DimExpr, dims) }
        : { start: evalDim(o.start as DimExpr, dims), step: o.step as number };
    });
  }
  return attrs;
}

const where = (node: GraphNode) => formatProvenance(node.source, "(unknown place)");

/**
 * Runs the graph. Parameters and inputs are checked by the caller (names, dtypes, shapes: see
 * runtime/weights/validate.ts); dims are bound here from the inputs.
 */
export function execute(
  graph: Graph,
  params: ReadonlyMap<string, Tensor>,
  inputs: ReadonlyMap<string, Tensor>,
  opts: RunOptions = {},
): Map<string, Tensor> {
  const dims = bindDims(graph, inputs);
  runChecks(graph, dims);
  const values = new Map<number, Tensor>();
  for (const i of graph.inputs) values.set(i.value, inputs.get(i.name)!);
  for (const p of graph.params) {
    const t = params.get(p.path);
    if (!t) throw new RunError(`parameter '${p.path}' is missing`);
    values.set(p.value, t);
  }
  // Free each value after the last node that reads it (outputs are kept).
  const lastUse = new Map<number, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((v) => lastUse.set(v, i)));
  const keep = new Set(graph.outputs.map((o) => o.value));
  const total = graph.nodes.length;
  graph.nodes.forEach((node, index) => {
    const kernel = KERNELS[node.op];
    if (!kernel)
      throw new RunError(
        `${where(node)}: the reference backend has no kernel for '${node.op}' (a compiler bug)`,
      );
    const ins = node.inputs.map((v) => {
      const t = values.get(v);
      if (!t) throw new RunError(`${where(node)}: value %${v} is not defined (a compiler bug)`);
      return t;
    });
    const outTypes = node.types.map((t) => ({
      dtype: t.dtype,
      shape: t.shape.map((d) => evalDim(d, dims)),
    }));
    let outs: Tensor[];
    try {
      outs = kernel(ins, evalAttrs(node, dims), outTypes);
    } catch (e) {
      throw new RunError(`${where(node)}: ${node.op}: ${(e as Error).message}`);
    }
    outs.forEach((t, i) => {
      const want = outTypes[i]!;
      if (
        t.dtype !== want.dtype ||
        t.shape.length !== want.shape.length ||
        t.shape.some((d, k) => d !== want.shape[k])
      ) {
        throw new RunError(
          `${where(node)}: ${node.op} produced ${t.dtype}[${t.shape.join(", ")}], expected ${want.dtype}[${want.shape.join(", ")}] (a compiler bug)`,
        );
      }
      values.set(node.outputs[i]!, t);
    });
    for (const v of node.inputs) if (lastUse.get(v) === index && !keep.has(v)) values.delete(v);
    opts.onNode?.(index + 1, total);
  });
  const out = new Map<string, Tensor>();
  for (const o of graph.outputs) out.set(o.name, values.get(o.value)!);
  return out;
}

export { bindDims, RunError, runChecks };
