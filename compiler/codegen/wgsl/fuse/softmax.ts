/**
 * Recognizes a row group that computes a softmax, in the form the stdlib writes it
 * (`stdlib/nn.arch`): over each row of x,
 *
 *     m = max(x);  b = B(m);  e = exp(x − b);  l = sum(e);  p = e / D(l)
 *
 * where B and D are per-row expressions of m and l alone (the stdlib's `where(m == -inf, 0, m)`
 * and `where(l == 0, 1, l)`, which make a fully masked row zeros). x itself may be any
 * elementwise chain of the row (scale, mask). This is what the attention kernel needs to run the
 * softmax online, one pass over the keys: it evaluates B at the running maximum and rescales.
 */
import type { GraphNode } from "../../../../runtime/graph.js";
import type { Group } from "./plan.js";

export interface SoftmaxForm {
  max: GraphNode;
  sum: GraphNode;
  /** The max's input: the row's scores after the elementwise chain. */
  x: number;
  /** B(m): the per-row value subtracted in the exp. */
  shift: number;
  /** D(l): the per-row divisor. */
  divisor: number;
  /** The softmax output p (the group's only output). */
  p: number;
}

/** `isConst(v)`: is v a rank-0 constant (inlined as a literal)? */
export function matchSoftmax(
  group: Pick<Group, "kind" | "nodes" | "row">,
  written: readonly number[],
  isConst: (v: number) => boolean,
): SoftmaxForm | undefined {
  if (group.kind !== "row" || group.row.length !== 1 || written.length !== 1) return undefined;
  const byValue = new Map<number, GraphNode>();
  for (const n of group.nodes) for (const v of n.outputs) byValue.set(v, n);
  const reductions = group.nodes.filter((n) => !isElementwiseNode(n));
  const [max, sum] = reductions;
  if (reductions.length !== 2 || max?.op !== "max" || sum?.op !== "sum") return undefined;
  if (max.attrs.keepdim !== true || sum.attrs.keepdim !== true) return undefined;
  const p = written[0]!;
  const div = byValue.get(p);
  if (div?.op !== "div") return undefined;
  const [e, divisor] = div.inputs as [number, number];
  const exp = byValue.get(e);
  if (exp?.op !== "exp" || sum.inputs[0] !== e) return undefined;
  const sub = byValue.get(exp.inputs[0]!);
  if (sub?.op !== "sub") return undefined;
  const [x, shift] = sub.inputs as [number, number];
  if (max.inputs[0] !== x) return undefined;
  // B depends on m only, D on l only (within the group; constants are literals).
  const onlyFrom = (v: number, root: number): boolean => {
    if (v === root) return true;
    const n = byValue.get(v);
    if (!n) return isConst(v);
    return isElementwiseNode(n) && n.inputs.every((u) => onlyFrom(u, root));
  };
  if (!onlyFrom(shift, max.outputs[0]!) || !onlyFrom(divisor, sum.outputs[0]!)) return undefined;
  return { max, sum, x, shift, divisor, p };
}

function isElementwiseNode(n: GraphNode): boolean {
  return !["sum", "max", "min", "mean", "prod"].includes(n.op);
}
