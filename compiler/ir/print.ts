/**
 * The text form of a graph (spec/ir.md), for `archc build --emit ir` and golden tests: one line
 * per parameter and node, stable for a given source.
 */
import { formatDimExpr, type Attr, type Graph, type TensorSpec } from "../../runtime/graph.js";

function type(t: TensorSpec | { dtype: string; shape: (number | string)[] }): string {
  return `${t.dtype}[${t.shape.map((d) => (typeof d === "number" || typeof d === "string" ? String(d) : formatDimExpr(d))).join(", ")}]`;
}

function attr(a: Attr): string {
  if (Array.isArray(a)) return `[${a.map(attr).join(", ")}]`;
  if (typeof a === "object" && a !== null) {
    if ("op" in a && "args" in a && Array.isArray(a.args))
      return formatDimExpr(a as Parameters<typeof formatDimExpr>[0]);
    return `{${Object.entries(a)
      .map(([k, v]) => `${k}: ${attr(v)}`)
      .join(", ")}}`;
  }
  if (typeof a === "number" && !Number.isFinite(a))
    return Number.isNaN(a) ? "nan" : a > 0 ? "inf" : "-inf";
  return typeof a === "string" ? JSON.stringify(a) : String(a);
}

export function printGraph(g: Graph): string {
  const lines: string[] = [];
  const ins = g.inputs.map((i) => `${i.name}: ${type(i.type)}`).join(", ");
  lines.push(`graph ${g.model}(${ins})`);
  if (g.dims.length > 0) lines.push(`  dims ${g.dims.join(", ")}`);
  for (const c of g.checks)
    lines.push(`  check ${formatDimExpr(c.lhs)} ${c.op} ${formatDimExpr(c.rhs)}  # ${c.message}`);
  for (const i of g.inputs) lines.push(`  input %${i.value} ${i.name}: ${type(i.type)}`);
  for (const p of g.params) lines.push(`  param %${p.value} ${p.path}: ${type(p.type)}`);
  for (const n of g.nodes) {
    const outs = n.outputs.map((o, i) => `%${o}: ${type(n.types[i]!)}`).join(", ");
    const attrs = Object.entries(n.attrs);
    const attrText =
      attrs.length > 0 ? ` {${attrs.map(([k, v]) => `${k}: ${attr(v)}`).join(", ")}}` : "";
    const src = n.source
      ? `  # ${n.source.file}:${n.source.line}:${n.source.col}${n.source.path ? ` (${n.source.path})` : ""}`
      : "";
    lines.push(`  ${outs} = ${n.op}(${n.inputs.map((x) => `%${x}`).join(", ")})${attrText}${src}`);
  }
  lines.push(`  return ${g.outputs.map((o) => `${o.name} = %${o.value}`).join(", ")}`);
  return lines.join("\n") + "\n";
}
