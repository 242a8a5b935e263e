/**
 * `rearrange(tensor, pattern, **sizes)` with einops semantics: parsing the pattern, solving the
 * axis sizes, and the lowering plan (reshape → permute → reshape).
 *
 * Pattern: `LEFT -> RIGHT`; each side is a space-separated list of elements:
 * - a name (`b`, `heads`): an axis;
 * - a group `(h e)`: one dim that is the product of its axes (split on the left, merged on the
 *   right); `()` is a unit axis;
 * - `1`: a unit axis (on the left the input's dim must be 1; on the right a new dim of size 1);
 *   other numbers are refused, as in einops' rearrange;
 * - `...`: the dims not named (at most one per side, on both sides or neither; inside a group
 *   only on the right: `"b ... -> b (...)"`).
 *
 * Every axis name must appear exactly once on each side (rearrange neither drops nor creates
 * axes: use a reduction or `expand`). Keyword sizes must name axes of the pattern.
 *
 * Sizes: an axis alone on the left takes the input's dim (a keyword for it must agree); in a
 * group, the axes given as keywords are known, and at most one may be unknown: it is the group's
 * dim divided exactly (`Dim.div`) by the product of the others, so `(h e)` of `768` with
 * `h = heads` gives `e = 768/heads`. A division known to be inexact is an error naming both
 * numbers; a symbolic one stays a quotient (exact by definition, as `d / heads`).
 *
 * Lowering plan: `reshape(x, split)`, `permute(_, perm)`, `reshape(_, out)`. `split` lists the
 * elementary axes of the left side in order (groups split, unit axes dropped, `...` expanded to
 * its dims), `perm` orders them as on the right, `out` is the output shape (groups merged, unit
 * axes inserted). Any step may be the identity (the IR skips those), and `expand` is never
 * needed: einops' rearrange cannot create axes of size > 1.
 */
import { Dim } from "../shapes/dim.js";
import { fail, formatValue, type ArgValue, type TensorArg } from "./signature.js";
import { divideShapes, isOne, product } from "./rules.js";
import { formatShape, type DimEquality, type TensorType } from "./types.js";

type Atom = { kind: "axis"; name: string } | { kind: "unit" } | { kind: "ellipsis" };
type Elem = Atom | { kind: "group"; items: Atom[] };

export interface RearrangePlan {
  /** Sizes of the elementary axes, in left-side order: the first reshape. */
  split: Dim[];
  /** Names of the elementary axes, in left-side order (`...0`, `...1` for the ellipsis' dims). */
  axes: string[];
  /** `perm[i]` is the elementary axis (index into `split`) at position i after permuting. */
  perm: number[];
  /** The output shape: the last reshape. */
  out: Dim[];
}

const OP = "rearrange";

function parseSide(text: string, side: "left" | "right"): Elem[] {
  const where = `the ${side} side ${JSON.stringify(text.trim())}`;
  const tokens = text.match(/\.\.\.|[()]|[A-Za-z_][A-Za-z0-9_]*|\d+|\S/g) ?? [];
  const out: Elem[] = [];
  let group: Atom[] | undefined;
  for (const tok of tokens) {
    let atom: Atom;
    if (tok === "(") {
      if (group) fail(`${OP}: nested parentheses in ${where}`, "pattern");
      group = [];
      continue;
    }
    if (tok === ")") {
      if (!group) fail(`${OP}: unmatched ")" in ${where}`, "pattern");
      out.push({ kind: "group", items: group });
      group = undefined;
      continue;
    }
    if (tok === "...") {
      if (group && side === "left") {
        fail(`${OP}: "..." cannot be inside a group on the left side`, "pattern");
      }
      atom = { kind: "ellipsis" };
    } else if (/^\d+$/.test(tok)) {
      if (tok !== "1") {
        fail(
          `${OP}: the number ${tok} in ${where} is not an axis: only 1 (a unit axis) may be written; name the axis and give its size as a keyword`,
          "pattern",
        );
      }
      atom = { kind: "unit" };
    } else if (/^[A-Za-z_]/.test(tok)) {
      atom = { kind: "axis", name: tok };
    } else {
      return fail(`${OP}: unexpected ${JSON.stringify(tok)} in ${where}`, "pattern");
    }
    if (group) group.push(atom);
    else out.push(atom);
  }
  if (group) fail(`${OP}: unclosed "(" in ${where}`, "pattern");
  return out;
}

function atoms(side: Elem[]): Atom[] {
  return side.flatMap((e) => (e.kind === "group" ? e.items : [e]));
}

function names(side: Elem[]): string[] {
  return atoms(side).flatMap((a) => (a.kind === "axis" ? [a.name] : []));
}

function elemText(e: Elem): string {
  if (e.kind === "group") return `(${e.items.map(elemText).join(" ")})`;
  return e.kind === "axis" ? e.name : e.kind === "unit" ? "1" : "...";
}

/** Parsed patterns by text: a model repeats the same few patterns in every layer. */
const parsedPatterns = new Map<string, { left: Elem[]; right: Elem[] }>();

export function parseRearrange(pattern: string): { left: Elem[]; right: Elem[] } {
  const cached = parsedPatterns.get(pattern);
  if (cached) return cached;
  const parsed = parseRearrangeUncached(pattern);
  if (parsedPatterns.size > 1000) parsedPatterns.clear();
  parsedPatterns.set(pattern, parsed);
  return parsed;
}

function parseRearrangeUncached(pattern: string): { left: Elem[]; right: Elem[] } {
  const sides = pattern.split("->");
  if (sides.length !== 2) {
    fail(
      `${OP}: the pattern ${JSON.stringify(pattern)} must have exactly one "->" (input -> output)`,
      "pattern",
    );
  }
  const left = parseSide(sides[0]!, "left");
  const right = parseSide(sides[1]!, "right");
  for (const [side, elems] of [
    ["left", left],
    ["right", right],
  ] as const) {
    const seen = new Set<string>();
    for (const n of names(elems)) {
      if (seen.has(n)) fail(`${OP}: axis ${n} appears twice on the ${side} side`, "pattern");
      seen.add(n);
    }
    if (atoms(elems).filter((a) => a.kind === "ellipsis").length > 1) {
      fail(`${OP}: "..." appears more than once on the ${side} side`, "pattern");
    }
  }
  const l = new Set(names(left));
  const r = new Set(names(right));
  const onlyLeft = [...l].filter((n) => !r.has(n));
  const onlyRight = [...r].filter((n) => !l.has(n));
  // One axis renamed (`b t d -> b c t`): say so, naming both.
  if (onlyLeft.length === 1 && onlyRight.length === 1) {
    fail(
      `${OP}: axis ${onlyRight[0]} on the right side is not on the left, and ${onlyLeft[0]} on the left is not on the right; did you mean ${onlyLeft[0]}?`,
      "pattern",
    );
  }
  for (const n of onlyRight) {
    fail(
      `${OP}: axis ${n} is on the right side but not on the left (rearrange cannot create an axis; use expand)`,
      "pattern",
    );
  }
  for (const n of onlyLeft) {
    fail(
      `${OP}: axis ${n} is on the left side but not on the right (rearrange cannot drop an axis; use a reduction)`,
      "pattern",
    );
  }
  const le = atoms(left).some((a) => a.kind === "ellipsis");
  const re = atoms(right).some((a) => a.kind === "ellipsis");
  if (le !== re) {
    fail(`${OP}: "..." must appear on both sides or on neither`, "pattern");
  }
  return { left, right };
}

function sizeOf(v: ArgValue): Dim {
  if (v.kind === "dim") return v.value;
  if (v.kind === "int") return Dim.const(v.value);
  throw new Error(`internal: rearrange size bound to ${v.kind}`);
}

export function inferRearrange(
  x: TensorArg,
  pattern: string,
  keywords: ReadonlyMap<string, ArgValue>,
  eq: DimEquality,
): { out: TensorType; plan: RearrangePlan } {
  const { left, right } = parseRearrange(pattern);
  const shape = x.type.shape;
  const given = new Map<string, Dim>();
  const all = new Set(names(left));
  for (const [name, v] of keywords) {
    if (!all.has(name)) {
      fail(`${OP}: the size ${name} = ${formatValue(v)} names no axis of the pattern`, name, {
        notes: [`the pattern's axes are ${[...all].join(", ") || "(none)"}`],
      });
    }
    given.set(name, sizeOf(v));
  }

  const hasEllipsis = left.some((e) => e.kind === "ellipsis");
  const named = left.filter((e) => e.kind !== "ellipsis").length;
  const leftText = JSON.stringify(left.map(elemText).join(" "));
  if (hasEllipsis ? shape.length < named : shape.length !== named) {
    fail(
      `${OP}: the left side ${leftText} has ${hasEllipsis ? "at least " : ""}${named} ${named === 1 ? "axis" : "axes"} but the input is ${formatShape(shape)} (rank ${shape.length})`,
      "pattern",
    );
  }
  const ellRank = shape.length - named;

  const sizes = new Map<string, Dim>();
  const split: Dim[] = [];
  const axes: string[] = [];
  let ellipsis: Dim[] = [];
  let i = 0;
  for (const e of left) {
    if (e.kind === "ellipsis") {
      ellipsis = shape.slice(i, i + ellRank);
      ellipsis.forEach((d, k) => {
        split.push(d);
        axes.push(`...${k}`);
      });
      i += ellRank;
      continue;
    }
    const d = shape[i]!;
    const at = `axis ${i} of ${formatShape(shape)}`;
    if (e.kind === "unit") {
      if (!isOne(d, eq))
        fail(`${OP}: the unit axis 1 matches ${at}, whose size ${d} is not 1`, "pattern");
    } else if (e.kind === "axis") {
      const k = given.get(e.name);
      if (k && !eq.equal(k, d)) {
        fail(`${OP}: axis ${e.name} is ${d} (${at}) but ${e.name} = ${k} was given`, e.name);
      }
      sizes.set(e.name, d);
      split.push(d);
      axes.push(e.name);
    } else {
      const members = e.items.flatMap((a) => (a.kind === "axis" ? [a.name] : []));
      const unknown = members.filter((n) => !given.has(n));
      const known = product(members.filter((n) => given.has(n)).map((n) => given.get(n)!));
      const text = elemText(e);
      if (unknown.length > 1) {
        fail(
          `${OP}: cannot infer both ${unknown.slice(0, -1).join(", ")} and ${unknown.at(-1)} from the group ${text} of size ${d} (${at})`,
          "pattern",
          { help: `give all but one of them as keywords, e.g. ${unknown[0]} = ...` },
        );
      }
      const [u] = unknown;
      if (u === undefined) {
        if (!eq.equal(known, d)) {
          const terms = members.map((n) => `${n} = ${given.get(n)!}`).join(", ");
          fail(
            `${OP}: the group ${text} is ${d} (${at}) but ${terms} multiply to ${known}`,
            members[0] ?? "pattern",
          );
        }
      } else {
        const q = divideShapes(
          [d],
          members.filter((n) => given.has(n)).map((n) => given.get(n)!),
        );
        if (!q) {
          const terms = members
            .filter((n) => given.has(n))
            .map((n) => `${n} = ${given.get(n)!}`)
            .join(", ");
          fail(
            `${OP}: cannot split ${at}, of size ${d}, into ${text} with ${terms}: ${d} is not divisible by ${known}`,
            members.find((n) => given.has(n)) ?? "pattern",
          );
        }
        given.set(u, q);
      }
      for (const n of members) {
        sizes.set(n, given.get(n)!);
        split.push(given.get(n)!);
        axes.push(n);
      }
    }
    i++;
  }

  const order: string[] = [];
  const out: Dim[] = [];
  const ellNames = ellipsis.map((_, k) => `...${k}`);
  for (const e of right) {
    if (e.kind === "axis") {
      order.push(e.name);
      out.push(sizes.get(e.name)!);
    } else if (e.kind === "unit") {
      out.push(Dim.const(1));
    } else if (e.kind === "ellipsis") {
      order.push(...ellNames);
      out.push(...ellipsis);
    } else {
      let size = Dim.const(1);
      for (const a of e.items) {
        if (a.kind === "axis") {
          order.push(a.name);
          size = size.mul(sizes.get(a.name)!);
        } else if (a.kind === "ellipsis") {
          order.push(...ellNames);
          size = size.mul(product(ellipsis));
        }
      }
      out.push(size);
    }
  }
  const perm = order.map((n) => axes.indexOf(n));
  return { out: { dtype: x.type.dtype, shape: out }, plan: { split, axes, perm, out } };
}
