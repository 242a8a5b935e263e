/**
 * `einsum(spec, ...operands)`: parsing the spec and the shape rule.
 *
 * Two spellings of a spec:
 * - **letters**, as NumPy: `"btd,dv->btv"`; each letter is an index, `...` an ellipsis;
 *   whitespace around `,` and `->` is ignored (`"ij, jk -> ik"`).
 * - **names**, space-separated: `"b t d, d v -> b t v"`; each name is an identifier, `...` an
 *   ellipsis written as its own word.
 * A spec uses names when some term (an operand's or the output's subscripts) has whitespace
 * inside it; otherwise letters. (So a name spec whose every term is a single name, such as
 * `"batch, batch -> batch"`, reads as letters: write at least one term with two names, or use
 * letters.)
 *
 * Decisions:
 * - The output (`-> ...`) is required: NumPy's implicit output (sorted indices that appear once)
 *   is not supported.
 * - An index repeated within one operand reads its diagonal (`"ii->i"`, `"ii->"` the trace), as
 *   NumPy and the IR (spec/ir.md) do; its sizes must agree. An index repeated in the output is
 *   refused.
 * - Sizes of one index must agree exactly (by the checker's dim equality); a size-1 dim does not
 *   broadcast against an index of another size. Only the dims under `...` broadcast (NumPy
 *   rules), and when any operand's `...` covers at least one dim the output must have `...`.
 * - FLOPs: with k ≥ 2 operands, k per point of the joint index space (k − 1 multiplications and
 *   one addition), so 2·M·N·K·batch for two operands like matmul; with one operand, the number
 *   of input elements when an index is summed, else 0 (a permutation).
 */
import { Dim } from "../shapes/dim.js";
import { fail, type TensorArg } from "./signature.js";
import { broadcastOrFail, inClass, product } from "./rules.js";
import { formatShape, formatType, numel, type DimEquality, type TensorType } from "./types.js";

const ELLIPSIS = "...";

interface Term {
  /** The term as written, trimmed (for messages). */
  text: string;
  /** Index names; `...` for the ellipsis. */
  names: string[];
}

export interface EinsumPlan {
  /** Each operand's index names in order; `...` marks the ellipsis. */
  inputs: string[][];
  output: string[];
  /** The spec in letters (`"abc,cd->abd"`), for backends that only take letters. */
  letters: string;
  /** The size of each index (not the ellipsis). */
  sizes: Map<string, Dim>;
  /** The broadcast dims under `...` (empty when no operand has one). */
  ellipsis: Dim[];
}

function parseTerm(text: string, names: boolean, op: string, arg: string): Term {
  const t = text.trim();
  if (names) {
    const words = t === "" ? [] : t.split(/\s+/);
    for (const w of words) {
      if (w !== ELLIPSIS && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(w)) {
        fail(
          `${op}: ${JSON.stringify(w)} is not an index name (in the term ${JSON.stringify(t)})`,
          arg,
        );
      }
    }
    return { text: t, names: words };
  }
  const out: string[] = [];
  for (let i = 0; i < t.length;) {
    if (t.startsWith(ELLIPSIS, i)) {
      out.push(ELLIPSIS);
      i += 3;
      continue;
    }
    const ch = t[i]!;
    if (!/[A-Za-z]/.test(ch)) {
      fail(
        `${op}: unexpected ${JSON.stringify(ch)} in the term ${JSON.stringify(t)} (indices are letters, or space-separated names)`,
        arg,
      );
    }
    out.push(ch);
    i++;
  }
  return { text: t, names: out };
}

export function parseEinsum(
  spec: string,
  op = "einsum",
  arg = "spec",
): { inputs: Term[]; output: Term } {
  const sides = spec.split("->");
  if (sides.length !== 2) {
    fail(
      sides.length === 1
        ? `${op}: the spec ${JSON.stringify(spec)} has no output: write "inputs -> output"`
        : `${op}: the spec ${JSON.stringify(spec)} has more than one "->"`,
      arg,
    );
  }
  const rawInputs = sides[0]!.split(",");
  const rawOutput = sides[1]!;
  const names = [...rawInputs, rawOutput].some((t) => /\S\s+\S/.test(t.trim()));
  const inputs = rawInputs.map((t) => parseTerm(t, names, op, arg));
  const output = parseTerm(rawOutput, names, op, arg);
  /** One "..." per term; in the output (not in an operand: a diagonal) each index once. */
  const check = (t: Term, where: string, output: boolean) => {
    const seen = new Set<string>();
    for (const n of t.names) {
      if (seen.has(n) && (n === ELLIPSIS || output)) {
        fail(
          n === ELLIPSIS
            ? `${op}: ${where} ${JSON.stringify(t.text)} has more than one "..."`
            : `${op}: index ${n} appears twice in ${where} ${JSON.stringify(t.text)}`,
          arg,
        );
      }
      seen.add(n);
    }
  };
  inputs.forEach((t, i) => check(t, `operand ${i}'s subscripts`, false));
  check(output, "the output", true);
  const known = new Set(inputs.flatMap((t) => t.names));
  for (const n of output.names) {
    if (n !== ELLIPSIS && !known.has(n)) {
      fail(`${op}: the output index ${n} does not appear in any operand`, arg);
    }
  }
  return { inputs, output };
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function inferEinsum(
  spec: string,
  operands: readonly TensorArg[],
  eq: DimEquality,
  op = "einsum",
): { out: TensorType; plan: EinsumPlan; flops: Dim } {
  const { inputs, output } = parseEinsum(spec, op);
  if (operands.length === 0) fail(`${op}: needs at least one operand`);
  if (inputs.length !== operands.length) {
    fail(
      `${op}: the spec ${JSON.stringify(spec)} has ${inputs.length} ${inputs.length === 1 ? "operand" : "operands"} but ${operands.length} ${operands.length === 1 ? "was" : "were"} given`,
      "spec",
    );
  }
  const where = (i: number) => 1 + i; // operand i is the call's argument 1 + i
  const dtype = operands[0]!.type.dtype;
  operands.forEach((t, i) => {
    if (!inClass(t.type.dtype, "numeric")) {
      fail(`${op}: operand ${i} must be a numeric tensor, got ${formatType(t.type)}`, where(i));
    }
    if (t.type.dtype !== dtype) {
      fail(
        `${op}: the operands' dtypes differ: operand 0 is ${formatType(operands[0]!.type)}, operand ${i} is ${formatType(t.type)}`,
        where(i),
      );
    }
  });

  const sizes = new Map<string, { d: Dim; i: number }>();
  const ellipses: { label: string; shape: Dim[] }[] = [];
  inputs.forEach((term, i) => {
    const shape = operands[i]!.type.shape;
    const named = term.names.filter((n) => n !== ELLIPSIS);
    const e = term.names.indexOf(ELLIPSIS);
    const rankOk = e < 0 ? shape.length === named.length : shape.length >= named.length;
    if (!rankOk) {
      fail(
        `${op}: operand ${i} is ${formatShape(shape)} (rank ${shape.length}) but its subscripts ${JSON.stringify(term.text)} name ${e < 0 ? "" : "at least "}${named.length} ${named.length === 1 ? "axis" : "axes"}`,
        where(i),
      );
    }
    const ell = e < 0 ? 0 : shape.length - named.length;
    if (e >= 0) ellipses.push({ label: `operand ${i}`, shape: shape.slice(e, e + ell) });
    term.names.forEach((n, k) => {
      if (n === ELLIPSIS) return;
      const d = shape[e >= 0 && k > e ? k - 1 + ell : k]!;
      const prev = sizes.get(n);
      if (!prev) sizes.set(n, { d, i });
      else if (!eq.equal(prev.d, d)) {
        fail(
          `${op}: index ${n} has size ${prev.d} in operand ${prev.i} ${formatShape(operands[prev.i]!.type.shape)} but ${d} in operand ${i} ${formatShape(shape)}`,
          where(i),
        );
      }
    });
  });
  const ellipsis = broadcastOrFail(`${op}: the dims under ...`, ellipses, eq, (c) =>
    where(Number(c.b.label.slice("operand ".length))),
  );
  const outHasEllipsis = output.names.includes(ELLIPSIS);
  if (!outHasEllipsis && ellipsis.length > 0) {
    fail(
      `${op}: the operands' "..." covers ${formatShape(ellipsis)} but the output ${JSON.stringify(output.text)} has no "..."`,
      "spec",
    );
  }
  const shape = output.names.flatMap((n) => (n === ELLIPSIS ? ellipsis : [sizes.get(n)!.d]));

  // Letters for backends.
  const all = [...new Set([...inputs.flatMap((t) => t.names), ...output.names])].filter(
    (n) => n !== ELLIPSIS,
  );
  if (all.length > LETTERS.length) {
    fail(
      `${op}: the spec uses ${all.length} indices; at most ${LETTERS.length} are supported`,
      "spec",
    );
  }
  const letter = new Map(all.map((n, i) => [n, LETTERS[i]!]));
  const termLetters = (t: Term) =>
    t.names.map((n) => (n === ELLIPSIS ? ELLIPSIS : letter.get(n)!)).join("");
  const letters = `${inputs.map(termLetters).join(",")}->${termLetters(output)}`;

  const joint = product([...[...sizes.values()].map((s) => s.d), ...ellipsis]);
  let flops: Dim;
  if (operands.length >= 2) flops = joint.mul(Dim.const(operands.length));
  else {
    const summed = inputs[0]!.names.some((n) => !output.names.includes(n));
    flops = summed ? numel(operands[0]!.type.shape) : Dim.const(0);
  }

  const plan: EinsumPlan = {
    inputs: inputs.map((t) => t.names),
    output: output.names,
    letters,
    sizes: new Map([...sizes].map(([n, s]) => [n, s.d])),
    ellipsis,
  };
  return { out: { dtype, shape }, plan, flops };
}
