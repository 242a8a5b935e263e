/**
 * Per-dispatch overhead of the WebGPU runtime: a schedule of N tiny dispatches (a chain of N
 * `neg` on a 4-element tensor: one shared kernel, N dispatches in one compute pass) against a
 * schedule of one. (time(N) − time(1)) / (N − 1) is what each extra dispatch costs: encoding,
 * bind group, and the adapter's launch. Median of several runs after warm-up.
 * Run: `npm run bench:dispatch [-- runs]`.
 */
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { acquireDevice, type GpuDevice } from "../runtime/device/acquire.js";
import type { Graph } from "../runtime/graph.js";
import { WebGPUExecutor } from "../runtime/webgpu/executor.js";
import { targetFor } from "../runtime/webgpu/target.js";

const RUNS = Number(process.argv[2] ?? 9);
const COUNTS = [1, 16, 64, 256];

/** x → neg → neg → … (n nodes). */
function chain(n: number): Graph {
  const type = { dtype: "f32" as const, shape: [4] };
  return {
    version: 1,
    model: `neg_chain_${n}`,
    dims: [],
    inputs: [{ name: "x", value: 0, type }],
    params: [],
    nodes: Array.from({ length: n }, (_, i) => ({
      op: "neg",
      inputs: [i],
      outputs: [i + 1],
      types: [type],
      attrs: {},
    })),
    outputs: [{ name: "y", value: n }],
    checks: [],
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeChain(gpu: GpuDevice, n: number): Promise<number> {
  const ex = new WebGPUExecutor(gpu, compileSchedule(chain(n), targetFor(gpu)));
  try {
    await ex.setParams(new Map());
    const inputs = new Map([
      ["x", { dtype: "f32" as const, shape: [4], data: new Float32Array([1, 2, 3, 4]) }],
    ]);
    for (let i = 0; i < 3; i++) await ex.run(inputs);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await ex.run(inputs);
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    ex.dispose();
  }
}

const gpu = await acquireDevice();
process.stdout.write(
  `adapter: ${gpu.description}\nLP_NUM_THREADS=${process.env.LP_NUM_THREADS ?? "(default)"}\n` +
    `median of ${RUNS} runs of a chain of N dispatches (upload, dispatches, read back)\n`,
);
const base = await timeChain(gpu, 1);
process.stdout.write(`N = ${String(1).padStart(3)}: ${base.toFixed(2).padStart(8)} ms\n`);
for (const n of COUNTS.slice(1)) {
  const ms = await timeChain(gpu, n);
  const per = ((ms - base) * 1000) / (n - 1);
  process.stdout.write(
    `N = ${String(n).padStart(3)}: ${ms.toFixed(2).padStart(8)} ms, ${per.toFixed(1)} µs per extra dispatch\n`,
  );
}
gpu.dispose();
