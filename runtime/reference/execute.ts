/**
 * The reference interpreter: runs a graph (spec/ir.md) on the CPU, node by node, with the
 * kernels of kernels.ts. Simple and deterministic: the oracle every other backend is tested
 * against. Runtime dims are bound from the input shapes; runtime checks are evaluated first;
 * values are freed after their last use.
 */
import { evalDim, type Attr, type DimExpr, type Graph, type GraphNode } from "../graph.js";
import { KERNELS } from "./kernels.js";
import type { Tensor } from "./tensor.js";

export class RunError extends Error {}

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

/** Binds the runtime dims from the inputs' shapes; every problem is reported at once. */
export function bindDims(graph: Graph, inputs: ReadonlyMap<string, Tensor>): Map<string, number> {
  const dims = new Map<string, number>();
  const problems: string[] = [];
  const where = new Map<string, string>();
  for (const input of graph.inputs) {
    const t = inputs.get(input.name);
    if (!t) {
      problems.push(`input '${input.name}' is missing`);
      continue;
    }
    if (t.dtype !== input.type.dtype)
      problems.push(`input '${input.name}' must be ${input.type.dtype}, got ${t.dtype}`);
    if (t.shape.length !== input.type.shape.length) {
      problems.push(
        `input '${input.name}' must have rank ${input.type.shape.length} (${shapeText(input.type.shape)}), got [${t.shape.join(", ")}]`,
      );
      continue;
    }
    input.type.shape.forEach((d, axis) => {
      const got = t.shape[axis]!;
      if (typeof d === "string") {
        const prev = dims.get(d);
        if (prev === undefined) {
          dims.set(d, got);
          where.set(d, `${input.name} axis ${axis}`);
        } else if (prev !== got) {
          problems.push(
            `dim ${d} is ${prev} (from ${where.get(d)}) but ${got} in input '${input.name}' axis ${axis}`,
          );
        }
      }
    });
  }
  // Then the axes that are expressions of the dims (e.g. T + 1) must agree.
  for (const input of graph.inputs) {
    const t = inputs.get(input.name);
    if (!t || t.shape.length !== input.type.shape.length) continue;
    input.type.shape.forEach((d, axis) => {
      if (typeof d === "string") return;
      let want: number;
      try {
        want = evalDim(d, dims);
      } catch {
        return;
      }
      if (want !== t.shape[axis])
        problems.push(`input '${input.name}' axis ${axis} must be ${want}, got ${t.shape[axis]}`);
    });
  }
  if (problems.length > 0) throw new RunError(problems.join("\n"));
  return dims;
}

function shapeText(shape: DimExpr[]): string {
  return `[${shape.map((d) => (typeof d === "object" ? "…" : String(d))).join(", ")}]`;
}

/** Evaluates the graph's runtime requirements; the first that fails is an error with its message. */
export function runChecks(graph: Graph, dims: ReadonlyMap<string, number>): void {
  for (const c of graph.checks) {
    const a = evalDim(c.lhs, dims);
    const b = evalDim(c.rhs, dims);
    const ok =
      c.op === "=="
        ? a === b
        : c.op === "!="
          ? a !== b
          : c.op === "<"
            ? a < b
            : c.op === "<="
              ? a <= b
              : c.op === ">"
                ? a > b
                : a >= b;
    if (!ok)
      throw new RunError(
        c.message.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (w, n: string) =>
          String(dims.get(n) ?? w),
        ),
      );
  }
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

function where(node: GraphNode): string {
  const s = node.source;
  return s ? `${s.file}:${s.line}:${s.col}${s.path ? ` (${s.path})` : ""}` : "(unknown place)";
}

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
