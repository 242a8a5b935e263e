/**
 * Constant folding and algebraic simplification, each rule exact under the reference's
 * semantics (spec/ir.md), so the optimized graph computes the same bits:
 * - an elementwise op whose operands are all rank-0 constants becomes a constant (evaluated by
 *   the reference kernel itself);
 * - `x * 1`, `x / 1` and `x ** 1` are `x` (exact in f32, NaN included; `x + 0` is not: −0 + 0 = +0);
 * - a `reshape` to the same shape, a `cast` to the same dtype and an identity `permute` are
 *   their input; a `reshape` of a `reshape` reads the first one's input; a `permute` of a
 *   `permute` is one permute.
 * Values replaced are left for DCE.
 */
import type { Attr, DType, Graph, GraphNode } from "../../runtime/graph.js";
import { KERNELS } from "../../runtime/reference/kernels.js";
import { tensor } from "../../runtime/reference/tensor.js";
import { producersOf, sameType, substitute } from "./graph-edit.js";

const FOLDABLE = new Set([
  "neg",
  "abs",
  "sign",
  "floor",
  "ceil",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "sin",
  "cos",
  "tanh",
  "erf",
  "not",
  "add",
  "sub",
  "mul",
  "div",
  "mod",
  "pow",
  "maximum",
  "minimum",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "and",
  "or",
  "where",
  "cast",
]);

export function simplify(graph: Graph): Graph {
  const producer = producersOf(graph);
  const subst = new Map<number, number>();
  const final = (v: number) => subst.get(v) ?? v;
  const constOf = (v: number): number | boolean | undefined => {
    const p = producer.get(final(v));
    return p?.op === "const" && p.types[0]!.shape.length === 0
      ? (p.attrs.value as number | boolean)
      : undefined;
  };
  const typeOf = (v: number) => {
    const p = producer.get(v);
    if (p) return p.types[p.outputs.indexOf(v)]!;
    const i = graph.inputs.find((x) => x.value === v) ?? graph.params.find((x) => x.value === v);
    return i!.type;
  };

  const nodes: GraphNode[] = [];
  for (const node of graph.nodes) {
    const n: GraphNode = { ...node, inputs: node.inputs.map(final) };
    const out = n.outputs[0]!;
    const outType = n.types[0]!;
    const alias = (v: number): boolean => {
      if (!sameType(typeOf(v), outType)) return false;
      subst.set(out, v);
      return true;
    };
    const [a, b] = n.inputs;
    if (n.op === "reshape" || n.op === "cast") {
      if (alias(a!)) continue;
      const p = producer.get(a!);
      if (n.op === "reshape" && p?.op === "reshape") n.inputs = [p.inputs[0]!];
    } else if (n.op === "permute") {
      const perm = n.attrs.perm as number[];
      if (perm.every((p, i) => p === i) && alias(a!)) continue;
      const p = producer.get(a!);
      if (p?.op === "permute") {
        const inner = p.attrs.perm as number[];
        const composed = perm.map((i) => inner[i]!);
        if (composed.every((q, i) => q === i) && alias(p.inputs[0]!)) continue;
        n.inputs = [p.inputs[0]!];
        n.attrs = { ...n.attrs, perm: composed };
      }
    } else if ((n.op === "mul" || n.op === "div" || n.op === "pow") && constOf(b!) === 1) {
      if (alias(a!)) continue;
    } else if (n.op === "mul" && constOf(a!) === 1) {
      if (alias(b!)) continue;
    }
    if (
      FOLDABLE.has(n.op) &&
      outType.shape.length === 0 &&
      n.inputs.every((v) => constOf(v) !== undefined)
    ) {
      const folded = fold(
        n,
        n.inputs.map((v) => constOf(v)!),
        n.inputs.map((v) => typeOf(v).dtype),
      );
      if (folded !== undefined) {
        const c: GraphNode = { ...n, op: "const", inputs: [], attrs: { value: folded } };
        nodes.push(c);
        producer.set(out, c);
        continue;
      }
    }
    nodes.push(n);
    for (const v of n.outputs) producer.set(v, n);
  }
  return substitute({ ...graph, nodes }, subst);
}

/** The op on rank-0 constants, computed by the reference kernel (its numerics exactly). */
function fold(n: GraphNode, values: (number | boolean)[], dtypes: DType[]): Attr | undefined {
  const kernel = KERNELS[n.op];
  if (!kernel) return undefined;
  const inputs = values.map((v, i) => tensor(dtypes[i]!, [], [Number(v)]));
  const [out] = kernel(inputs, n.attrs, [{ dtype: n.types[0]!.dtype, shape: [] }]);
  const x = out!.data[0]!;
  return out!.dtype === "bool" ? x !== 0 : x;
}
