/**
 * Which dispatches of a schedule depend on the parameters alone (a weight's transpose, a mask
 * from constants), so that a backend runs them once when the weights are loaded and keeps what
 * they write: the WebGPU executor at `setParams`, a generated CUDA model when it is built.
 */
import type { Dispatch, Schedule } from "./schedule.js";

/** The values a dispatch reads (storage buffers and textures). */
export function dispatchReads(s: Schedule, d: Dispatch): number[] {
  const kinds = s.kernels[d.kernel]!.bindings;
  return d.bindings.filter((_, i) => kinds[i] === "read" || kinds[i] === "texture");
}

/** The values a dispatch writes. */
export function dispatchWrites(s: Schedule, d: Dispatch): number[] {
  const kinds = s.kernels[d.kernel]!.bindings;
  return d.bindings.filter((_, i) => kinds[i] === "write" || kinds[i] === "texture-write");
}

export interface ConstantWork {
  /** Values holding parameters or what is computed from them alone (views included). */
  constant: Set<number>;
  /** Indices of the dispatches that compute those values: run once, before any run. */
  once: Set<number>;
}

export interface ConstantWorkOptions {
  /**
   * Compute the model's outputs on every run even when they depend on the parameters alone
   * (with what depends on them): for a backend that reads outputs back from per-run buffers.
   */
  outputsPerRun?: boolean;
}

/**
 * The greatest set of dispatches closed under "static grid, no runtime dims read, and reads and
 * writes only parameters and values written only by such dispatches" (with static shapes).
 */
export function constantWork(s: Schedule, opts: ConstantWorkOptions = {}): ConstantWork {
  const values = new Map(s.values.map((v) => [v.id, v]));
  const base = (v: number) => values.get(v)?.viewOf ?? v;
  const isStatic = (v: number) => values.get(v)!.type.shape.every((d) => typeof d === "number");
  const params = new Set(s.params.map((p) => p.value));
  const writers = new Map<number, Dispatch[]>();
  for (const d of s.dispatches)
    for (const w of dispatchWrites(s, d))
      writers.set(base(w), [...(writers.get(base(w)) ?? []), d]);
  // A kernel that reads the runtime dims (an arange starting at T - 1) depends on the run.
  const readsDims = (d: Dispatch) => /\bdims\.d_/.test(s.kernels[d.kernel]!.wgsl);
  let candidates = new Set(
    s.dispatches.filter((d) => typeof d.workgroups === "number" && !readsDims(d)),
  );
  const constant = new Set<number>();
  for (;;) {
    const constantValue = (v: number): boolean => {
      const b = base(v);
      if (params.has(b)) return true;
      const ws = writers.get(b);
      return !!ws && ws.every((d) => candidates.has(d)) && isStatic(b);
    };
    const next = new Set(
      [...candidates].filter(
        (d) =>
          dispatchReads(s, d).every(constantValue) && dispatchWrites(s, d).every(constantValue),
      ),
    );
    if (next.size === candidates.size) {
      for (const v of values.keys()) if (constantValue(v)) constant.add(v);
      break;
    }
    candidates = next;
  }
  if (opts.outputsPerRun) {
    // Outputs are computed per run, and with them what is computed from them (run once, it
    // would read them before they exist) and whatever a dispatch writes along with them.
    for (const o of s.outputs) if (!params.has(base(o.value))) constant.delete(o.value);
    const perRun = (v: number) => !params.has(base(v)) && !constant.has(v);
    for (let changed = true; changed;) {
      changed = false;
      for (const d of candidates)
        if (dispatchReads(s, d).some(perRun) || dispatchWrites(s, d).some(perRun))
          for (const w of dispatchWrites(s, d)) changed = constant.delete(w) || changed;
    }
  }
  const once = new Set<number>();
  s.dispatches.forEach((d, i) => {
    if (candidates.has(d) && dispatchWrites(s, d).every((w) => constant.has(w))) once.add(i);
  });
  return { constant, once };
}
