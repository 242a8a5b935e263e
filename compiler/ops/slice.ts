/**
 * Indexing and slicing, `x[i]`, `x[a:b:s]`, `x[..., 0:hd / 2]` (spec §6), as the op `slice(x,
 * index)`.
 *
 * Decisions:
 * - Fewer index elements than axes: the remaining trailing axes are kept whole; at most one
 *   `...`, which stands for as many whole axes as needed (possibly none).
 * - A negative *constant* index or bound counts from the end (`-1` is the last element). A
 *   symbolic bound counts from the start (`T - 1` is the last element of an axis of size T):
 *   dims carry no sign, so `x[-T:]` cannot be recognized; write `x[n - T:]`.
 * - Bounds are checked when known: an int index must be in `[0, n)`, slice bounds in `[0, n]`
 *   (out-of-range slice bounds are errors, not clamped as in Python), and `stop ≥ start`.
 * - The step must be a positive constant (no reversed slices); the size of `a:b:s` is
 *   `ceil_div(b - a, s)`, exact when the division is (`(2*T)::2` has size T).
 */
import type { Dim } from "../shapes/dim.js";
import { fail, type IndexElem, type TensorArg } from "./signature.js";
import { ZERO, ceilDivExact, subSize } from "./rules.js";
import { formatShape, type DimEquality, type TensorType } from "./types.js";

/** What happens to each input axis, in order. */
export type SliceAxis =
  { kind: "index"; index: Dim } | { kind: "range"; start: Dim; stop: Dim; step: number; size: Dim };

export interface SlicePlan {
  axes: SliceAxis[];
}

const OP = "slice";

function elemText(e: IndexElem): string {
  if (e.kind === "ellipsis") return "...";
  if (e.kind === "int") return e.value.toString();
  const s = `${e.start ?? ""}:${e.stop ?? ""}`;
  return e.step === undefined ? s : `${s}:${e.step}`;
}

export function formatIndex(elems: readonly IndexElem[]): string {
  return `[${elems.map(elemText).join(", ")}]`;
}

export function inferSlice(
  x: TensorArg,
  elems: readonly IndexElem[],
  _eq: DimEquality,
): { out: TensorType; plan: SlicePlan } {
  const shape = x.type.shape;
  const where = `${formatShape(shape)}${formatIndex(elems)}`;
  const ellipses = elems.filter((e) => e.kind === "ellipsis").length;
  if (ellipses > 1) fail(`${OP}: more than one ... in the index ${where}`, "index");
  const explicit = elems.length - ellipses;
  if (explicit > shape.length) {
    fail(
      `${OP}: too many indices for ${formatShape(shape)}: the index ${formatIndex(elems)} has ${explicit} but the tensor has rank ${shape.length}`,
      "index",
    );
  }
  const full: (IndexElem | undefined)[] = [];
  for (const e of elems) {
    if (e.kind === "ellipsis") {
      for (let k = 0; k < shape.length - explicit; k++) full.push(undefined);
    } else full.push(e);
  }
  while (full.length < shape.length) full.push(undefined);

  const axes: SliceAxis[] = [];
  const out: Dim[] = [];
  full.forEach((e, axis) => {
    const n = shape[axis]!;
    const at = `axis ${axis} of ${formatShape(shape)}`;
    if (!e || e.kind === "ellipsis") {
      axes.push({ kind: "range", start: ZERO, stop: n, step: 1, size: n });
      out.push(n);
      return;
    }
    const resolve = (d: Dim, what: string, inclusive: boolean): Dim => {
      const v = d.value;
      const nv = n.value;
      let r = d;
      if (v !== undefined && v < 0) {
        r = n.add(d);
        if (nv !== undefined && nv + v < 0) {
          fail(`${OP}: ${what} ${v} is out of range for ${at} (size ${nv})`, "index");
        }
      }
      const rv = r.value;
      if (rv !== undefined && nv !== undefined && (inclusive ? rv > nv : rv >= nv)) {
        fail(`${OP}: ${what} ${v} is out of range for ${at} (size ${nv})`, "index");
      }
      return r;
    };
    if (e.kind === "int") {
      axes.push({ kind: "index", index: resolve(e.value, "index", false) });
      return;
    }
    const step = e.step ?? 1;
    if (!Number.isSafeInteger(step) || step < 1) {
      fail(`${OP}: the step ${step} in ${elemText(e)} must be a positive integer`, "index");
    }
    const start = e.start ? resolve(e.start, "start", true) : ZERO;
    const stop = e.stop ? resolve(e.stop, "stop", true) : n;
    const sv = start.value;
    const ev = stop.value;
    if (sv !== undefined && ev !== undefined && ev < sv) {
      fail(
        `${OP}: the slice ${elemText(e)} of ${at} ends before it starts (${ev} < ${sv})`,
        "index",
      );
    }
    const size = ceilDivExact(subSize(stop, start), step);
    axes.push({ kind: "range", start, stop, step, size });
    out.push(size);
  });
  return { out: { dtype: x.type.dtype, shape: out }, plan: { axes } };
}
