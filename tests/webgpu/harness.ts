/**
 * Runs one IR op (or a small graph) on the WebGPU runtime and on the reference interpreter, on
 * seeded random inputs, and compares them with a stated tolerance. The device is the adapter
 * `acquireDevice` picks (llvmpipe on CI); if there is none the test fails, loudly.
 */
import { afterAll, expect } from "vitest";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { targetFor } from "../../runtime/webgpu/target.js";
import { acquireDevice, type GpuDevice } from "../../runtime/device/acquire.js";
import type { Attr, DimExpr, DType, Graph, TensorSpec } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import type { Schedule } from "../../runtime/schedule.js";

let device: Promise<GpuDevice> | undefined;

/** The test file's device (one per forked test process), released after its tests. */
export function gpu(): Promise<GpuDevice> {
  if (!device) {
    device = acquireDevice();
    afterAll(async () => (await device!).dispose());
  }
  return device;
}

/** A deterministic stream of numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomOptions {
  /** f32 values uniform in [lo, hi) (default [-2, 2)); i32 in [lo, hi) as integers. */
  lo?: number;
  hi?: number;
}

/** A random tensor of a concrete shape. */
export function random(
  dtype: DType,
  shape: number[],
  seed: number,
  opts: RandomOptions = {},
): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const lo = opts.lo ?? (dtype === "i32" ? -20 : -2);
  const hi = opts.hi ?? (dtype === "i32" ? 20 : 2);
  const values = Array.from({ length: n }, () =>
    dtype === "bool"
      ? r() < 0.5
        ? 1
        : 0
      : dtype === "i32"
        ? Math.floor(lo + r() * (hi - lo))
        : lo + r() * (hi - lo),
  );
  return tensor(dtype, shape, values);
}

/** Tolerance: |gpu − ref| ≤ atol + rtol·|ref|, elementwise; NaN must match NaN, ±inf exactly. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

export const EXACT: Tolerance = { atol: 0, rtol: 0 };

export interface OpCase {
  op: string;
  inputs: Tensor[];
  /** Input types as the graph declares them; default: the concrete shapes. Names make runtime dims. */
  inputTypes?: TensorSpec[];
  attrs?: Record<string, Attr>;
  /** Output types (dim names allowed when they are input dims). */
  outputs: TensorSpec[];
}

/** A graph of one node whose inputs are graph inputs `x0`, `x1`, ... */
export function opGraph(c: OpCase): Graph {
  const types = c.inputTypes ?? c.inputs.map((t) => ({ dtype: t.dtype, shape: [...t.shape] }));
  const dims = new Set<string>();
  for (const t of types) for (const d of t.shape) if (typeof d === "string") dims.add(d);
  const n = types.length;
  return {
    version: 1,
    model: c.op,
    dims: [...dims],
    inputs: types.map((type, i) => ({ name: `x${i}`, value: i, type })),
    params: [],
    nodes: [
      {
        op: c.op,
        inputs: types.map((_, i) => i),
        outputs: c.outputs.map((_, i) => n + i),
        types: c.outputs,
        attrs: c.attrs ?? {},
      },
    ],
    outputs: c.outputs.map((_, i) => ({ name: `y${i}`, value: n + i })),
    checks: [],
  };
}

/** Runs a graph on the GPU with the given inputs and parameters; returns outputs and schedule. */
export async function runGpu(
  graph: Graph,
  inputs: Map<string, Tensor>,
  params: Map<string, Tensor> = new Map(),
): Promise<{ outputs: Map<string, Tensor>; schedule: Schedule }> {
  const g = await gpu();
  const schedule = compileSchedule(graph, targetFor(g));
  const ex = new WebGPUExecutor(g, schedule);
  try {
    await ex.setParams(params);
    return { outputs: await ex.run(inputs), schedule };
  } finally {
    ex.dispose();
  }
}

/** Runs an op on both backends and expects agreement within `tol`. Returns the GPU outputs. */
export async function expectOpMatches(c: OpCase, tol: Tolerance): Promise<Tensor[]> {
  const graph = opGraph(c);
  const inputs = new Map(c.inputs.map((t, i) => [`x${i}`, t]));
  const want = execute(graph, new Map(), inputs);
  const { outputs } = await runGpu(graph, inputs);
  const got: Tensor[] = [];
  c.outputs.forEach((_, i) => {
    const g = outputs.get(`y${i}`)!;
    const w = want.get(`y${i}`)!;
    expectClose(g, w, tol, `${c.op} output ${i}`);
    got.push(g);
  });
  return got;
}

/** Elementwise agreement of two tensors within `tol`, with the worst element in the message. */
export function expectClose(got: Tensor, want: Tensor, tol: Tolerance, what: string): void {
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i]!;
    const w = want.data[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w && worst < 0) worst = i;
      if (g !== w) worstExcess = Infinity;
      continue;
    }
    const excess = Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0)
    expect.fail(
      `${what}: element ${worst} is ${got.data[worst]}, the reference ${want.data[worst]} ` +
        `(atol ${tol.atol}, rtol ${tol.rtol}); shape [${want.shape.join(", ")}]`,
    );
}

/** Input types with the given axes renamed to runtime dims (to test the dims uniform). */
export function symbolic(t: Tensor, names: (string | undefined)[]): TensorSpec {
  return {
    dtype: t.dtype,
    shape: t.shape.map((d, i): DimExpr => names[i] ?? d),
  };
}
