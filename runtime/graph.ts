/**
 * The executable graph: what the compiler produces from a model and every backend runs. Plain
 * JSON-serializable data, so the runtime never imports the compiler (spec/ir.md documents it).
 *
 * SSA: every value is produced once (a graph input, a parameter, or one output of a node) and
 * named by a number. Shapes are dim expressions over the model's runtime dims (B, T), bound when
 * the graph runs from the shapes of its inputs.
 */
import type { InitSpec } from "./random.js";

export type DType = "f32" | "i32" | "bool";

/** The operations of dim expressions. */
export type DimOp =
  "add" | "mul" | "div" | "floor_div" | "ceil_div" | "mod" | "maximum" | "minimum";

/** A dim: a constant, a runtime dim's name, or an operation on dims. */
export type DimExpr = number | string | { op: DimOp; args: [DimExpr, DimExpr] };

export interface TensorSpec {
  dtype: DType;
  shape: DimExpr[];
}

/** Where a node came from: the .arch span and the block instance. */
export interface Provenance {
  file: string;
  line: number;
  col: number;
  /** Instance path (`layers.3.attn`), empty for the model itself. */
  path: string;
}

export interface GraphInput {
  name: string;
  value: number;
  type: TensorSpec;
}

export interface GraphParam {
  /** Checkpoint path (`layers.3.attn.qkv.weight`). */
  path: string;
  value: number;
  /** Parameters have static shapes (numbers only). */
  type: { dtype: DType; shape: number[] };
  /** How `archc init` draws its values (from the `.arch` initializer). */
  init: InitSpec;
}

export type Attr = number | boolean | string | DimExpr | Attr[] | { [key: string]: Attr };

export interface GraphNode {
  op: string;
  inputs: number[];
  outputs: number[];
  /** One type per output. */
  types: TensorSpec[];
  /** Static arguments; their meaning per op is in spec/ir.md. */
  attrs: Record<string, Attr>;
  source?: Provenance;
}

export interface GraphOutput {
  name: string;
  value: number;
}

/** A runtime requirement (`requires T <= ctx`), checked when the graph runs. */
export interface GraphCheck {
  /** dims compared: `lhs op rhs`. */
  lhs: DimExpr;
  op: "==" | "!=" | "<" | "<=" | ">" | ">=";
  rhs: DimExpr;
  message: string;
}

export interface Graph {
  version: 1;
  /** The model (or block expression) it was built from. */
  model: string;
  /** Runtime dims, bound from the input shapes. */
  dims: string[];
  inputs: GraphInput[];
  params: GraphParam[];
  nodes: GraphNode[];
  outputs: GraphOutput[];
  checks: GraphCheck[];
}

/** Evaluates a dim expression with the runtime dims bound. */
export function evalDim(d: DimExpr, dims: ReadonlyMap<string, number>): number {
  if (typeof d === "number") return d;
  if (typeof d === "string") {
    const v = dims.get(d);
    if (v === undefined) throw new Error(`runtime dim ${d} is not bound`);
    return v;
  }
  const a = evalDim(d.args[0], dims);
  const b = evalDim(d.args[1], dims);
  if (d.op === "div" && (b === 0 || a % b !== 0)) throw new Error(`${a} is not divisible by ${b}`);
  return applyDimOp(d.op, a, b);
}

/** One dim operation on numbers (`div` floors: callers that need exactness check it first). */
export function applyDimOp(op: DimOp, a: number, b: number): number {
  switch (op) {
    case "add":
      return a + b;
    case "mul":
      return a * b;
    case "div":
    case "floor_div":
      return Math.floor(a / b);
    case "ceil_div":
      return Math.ceil(a / b);
    case "mod":
      return ((a % b) + b) % b;
    case "maximum":
      return Math.max(a, b);
    case "minimum":
      return Math.min(a, b);
  }
}

/** `T*2 + 1` */
/** Where a node came from, for messages: `file:line:col (instance.path)`. */
export function formatProvenance(s: Provenance | undefined, unknown = "(generated)"): string {
  return s ? `${s.file}:${s.line}:${s.col}${s.path ? ` (${s.path})` : ""}` : unknown;
}

export function formatDimExpr(d: DimExpr): string {
  if (typeof d === "number" || typeof d === "string") return String(d);
  const a = formatDimExpr(d.args[0]);
  const b = formatDimExpr(d.args[1]);
  switch (d.op) {
    case "add":
      return `${a} + ${b}`;
    case "mul":
      return `${wrap(d.args[0], a)}*${wrap(d.args[1], b)}`;
    case "div":
      return `${wrap(d.args[0], a)}/${wrap(d.args[1], b)}`;
    default:
      return `${d.op}(${a}, ${b})`;
  }
}

function wrap(d: DimExpr, s: string): string {
  return typeof d === "object" && d.op === "add" ? `(${s})` : s;
}

/**
 * The graph as JSON text. JSON has no infinities or NaN (a mask's `-inf` constant would become
 * null), so those numbers are written as `{"$float": "-inf"}` and read back by `parseGraph`.
 */
export function serializeGraph(graph: Graph, indent?: number): string {
  return JSON.stringify(
    graph,
    (_k, v: unknown) =>
      typeof v === "number" && !Number.isFinite(v)
        ? { $float: Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf" }
        : v,
    indent,
  );
}

export function parseGraph(text: string): Graph {
  return JSON.parse(text, (_k, v: unknown) => {
    if (typeof v === "object" && v !== null && "$float" in v) {
      const f = (v as { $float: string }).$float;
      return f === "inf" ? Infinity : f === "-inf" ? -Infinity : NaN;
    }
    return v;
  }) as Graph;
}
