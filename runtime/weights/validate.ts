/**
 * Checking the tensors read from a file against what a model declares: every problem at once,
 * one line each, `LABEL: NAME: problem`, in the order of the declaration, then the names the
 * model does not have:
 *
 *   w.safetensors: layers.0.attn.qkv.weight: expected [2304, 768], got [768, 2304] (transposed?)
 *   w.safetensors: ln_f.bias: expected dtype f32, got i32
 *   w.safetensors: head.weight: missing weight (did you mean 'lm_head.weight'?)
 *   w.safetensors: lm_head.weight: unexpected weight f32 [50257, 768] (the model has no weight of that name)
 */
import type { Tensor } from "../reference/tensor.js";

export interface ExpectedTensor {
  name: string;
  dtype: Tensor["dtype"];
  shape: number[];
}

/** Missing names get a suggestion while at most this many have been looked for. */
const SUGGESTION_LIMIT = 100;
/** And while at most this many edit-distance cells have been computed (a few tens of ms). */
const SUGGESTION_BUDGET = 20_000_000;

/**
 * Every problem with `actual` (read from the file `label`) against the declared tensors: missing
 * ones (with the closest unexpected name as a suggestion), wrong shapes or dtypes, and names
 * the model does not declare. Empty when all is well.
 */
export function checkTensors(
  actual: ReadonlyMap<string, Tensor>,
  expected: readonly ExpectedTensor[],
  what: "weights" | "inputs",
  label: string,
): string[] {
  const noun = what === "weights" ? "weight" : "input";
  const problems: string[] = [];
  const declared = new Set(expected.map((e) => e.name));
  const unexpected = [...actual.keys()].filter((k) => !declared.has(k));
  const suggest = suggester(unexpected);
  let looked = 0;
  for (const e of expected) {
    const t = actual.get(e.name);
    if (!t) {
      const near = looked++ < SUGGESTION_LIMIT ? suggest(e.name) : undefined;
      problems.push(
        `${label}: ${e.name}: missing ${noun}${near === undefined ? "" : ` (did you mean '${near}'?)`}`,
      );
      continue;
    }
    const shapeOk = sameShape(t.shape, e.shape);
    if (shapeOk && t.dtype === e.dtype) continue;
    let message: string;
    if (!shapeOk && t.dtype !== e.dtype) {
      message = `expected ${e.dtype} ${shapeText(e.shape)}, got ${t.dtype} ${shapeText(t.shape)}`;
    } else if (!shapeOk) {
      message = `expected ${shapeText(e.shape)}, got ${shapeText(t.shape)}`;
    } else {
      message = `expected dtype ${e.dtype}, got ${t.dtype}`;
    }
    if (!shapeOk && isTranspose(t.shape, e.shape)) message += " (transposed?)";
    problems.push(`${label}: ${e.name}: ${message}`);
  }
  for (const name of unexpected) {
    const t = actual.get(name)!;
    problems.push(
      `${label}: ${name}: unexpected ${noun} ${t.dtype} ${shapeText(t.shape)} ` +
        `(the model has no ${noun} of that name)`,
    );
  }
  return problems;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A matrix stored the other way round (e.g. [in, out] for [out, in]). */
function isTranspose(got: readonly number[], want: readonly number[]): boolean {
  return got.length === 2 && want.length === 2 && got[0] === want[1] && got[1] === want[0];
}

/**
 * The closest of the candidates to a missing name: first one that differs only by leading
 * dotted segments ('model.h.0.w' for 'h.0.w', or the other way round), shortest first; else the
 * nearest by edit distance, when it is near enough to be a plausible misspelling (at most a third
 * of the name's length). The edit-distance search stops for good once SUGGESTION_BUDGET is
 * spent, so a file whose names all differ from the model's costs little.
 */
function suggester(candidates: readonly string[]): (name: string) => string | undefined {
  // Each candidate under each of its dotted suffixes ('a.b.c' under 'a.b.c', 'b.c', 'c').
  const bySuffix = new Map<string, string>();
  const byLength = [...candidates].sort(
    (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const c of byLength) {
    for (let s = c; ;) {
      if (!bySuffix.has(s)) bySuffix.set(s, c);
      const dot = s.indexOf(".");
      if (dot < 0) break;
      s = s.slice(dot + 1);
    }
  }
  const present = new Set(candidates);
  const histograms = byLength.map(histogram);
  let budget = SUGGESTION_BUDGET;
  return (name) => {
    const longer = bySuffix.get(name);
    if (longer !== undefined) return longer;
    for (let i = name.indexOf("."); i >= 0; i = name.indexOf(".", i + 1)) {
      const shorter = name.slice(i + 1);
      if (present.has(shorter)) return shorter;
    }
    const h = histogram(name);
    let best: string | undefined;
    let bestDistance = Math.max(2, Math.floor(name.length / 3));
    for (let k = 0; k < byLength.length && budget > 0; k++) {
      const c = byLength[k]!;
      if (Math.abs(c.length - name.length) > bestDistance) continue;
      if (histogramBound(h, histograms[k]!) > bestDistance) continue;
      budget -= name.length * c.length;
      const d = editDistance(name, c, bestDistance);
      if (d < bestDistance || (d === bestDistance && best === undefined)) {
        best = c;
        bestDistance = d;
        if (d <= 1) break; // nothing nearer can come (the name itself is not a candidate)
      }
    }
    return best;
  };
}

/** Character counts, folded into 64 buckets. */
function histogram(s: string): Int32Array {
  const h = new Int32Array(64);
  for (let i = 0; i < s.length; i++) h[s.charCodeAt(i) & 63]!++;
  return h;
}

/**
 * A lower bound of the edit distance from the histograms: one edit adds at most one character
 * and removes at most one, so it lowers each of the surplus and the deficit by at most one.
 */
function histogramBound(a: Int32Array, b: Int32Array): number {
  let surplus = 0;
  let deficit = 0;
  for (let i = 0; i < 64; i++) {
    const d = a[i]! - b[i]!;
    if (d > 0) surplus += d;
    else deficit -= d;
  }
  return Math.max(surplus, deficit);
}

/** Levenshtein distance, or any number above `limit` once it is sure to exceed it. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}
