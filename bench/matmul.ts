/**
 * Matmul speed of archc's generated WGSL: `x[M, K] @ w[K, N]` with `w` a parameter (as in a
 * Linear), compiled by compileSchedule and run by the WebGPUExecutor, for the storage-buffer and
 * the texture path. Steady state: after two warm-up runs, the median of several runs of `run()`
 * (upload of x, the dispatches, read-back of the product). A naive CPU triple loop of one size
 * gives the scale. Run: `npm run bench:matmul [-- runs]`.
 */
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { acquireDevice, type GpuDevice } from "../runtime/device/acquire.js";
import type { Graph } from "../runtime/graph.js";
import type { Tensor } from "../runtime/reference/tensor.js";
import { WebGPUExecutor } from "../runtime/webgpu/executor.js";
import { measureTarget } from "../runtime/webgpu/target.js";

const RUNS = Number(process.argv[2] ?? 7);
const SHAPES: [number, number, number][] = [
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [64, 3072, 768],
  [1, 768, 3072],
];

function linear(m: number, k: number, n: number): Graph {
  return {
    version: 1,
    model: `matmul_${m}x${k}x${n}`,
    dims: [],
    inputs: [{ name: "x", value: 0, type: { dtype: "f32", shape: [m, k] } }],
    params: [
      {
        path: "w",
        value: 1,
        type: { dtype: "f32", shape: [k, n] },
        init: { kind: "constant", value: 0 },
      },
    ],
    nodes: [
      {
        op: "matmul",
        inputs: [0, 1],
        outputs: [2],
        types: [{ dtype: "f32", shape: [m, n] }],
        attrs: {},
      },
    ],
    outputs: [{ name: "y", value: 2 }],
    checks: [],
  };
}

function filled(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return { dtype: "f32", shape, data };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeMatmul(gpu: GpuDevice, m: number, k: number, n: number, textures: boolean) {
  const target = { ...(await measureTarget(gpu)), textures };
  const schedule = compileSchedule(linear(m, k, n), target);
  const ex = new WebGPUExecutor(gpu, schedule);
  try {
    await ex.setParams(new Map([["w", filled([k, n], 2)]]));
    const inputs = new Map([["x", filled([m, k], 1)]]);
    for (let i = 0; i < 2; i++) await ex.run(inputs);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await ex.run(inputs);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    return { ms, gflops: (2 * m * k * n) / (ms * 1e6), dispatches: ex.lastRun?.dispatches ?? 0 };
  } finally {
    ex.dispose();
  }
}

function cpuNaive(m: number, k: number, n: number): number {
  const a = filled([m, k], 1).data as Float32Array;
  const b = filled([k, n], 2).data as Float32Array;
  const c = new Float32Array(m * n);
  const t0 = performance.now();
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += x * b[p * n + j]!;
    }
  return performance.now() - t0;
}

const gpu = await acquireDevice();
const measured = await measureTarget(gpu);
process.stdout.write(`adapter: ${gpu.description}\n`);
process.stdout.write(
  `probe: textures ${measured.textures ? "on" : "off"} for this adapter` +
    (process.env.ARCHC_TEXTURES ? ` (ARCHC_TEXTURES=${process.env.ARCHC_TEXTURES})` : "") +
    `\nmedian of ${RUNS} runs (upload x, dispatches, read back), GFLOP/s = 2·M·K·N / time\n`,
);
for (const [m, k, n] of SHAPES) {
  for (const textures of [false, true]) {
    const r = await timeMatmul(gpu, m, k, n, textures);
    process.stdout.write(
      `${`${m}×${k}×${n}`.padEnd(14)} ${(textures ? "texture" : "buffer").padEnd(8)} ` +
        `${r.ms.toFixed(2).padStart(8)} ms ${r.gflops.toFixed(2).padStart(7)} GFLOP/s ` +
        `(${r.dispatches} dispatch${r.dispatches === 1 ? "" : "es"} per run)\n`,
    );
  }
}
const cpuMs = cpuNaive(512, 512, 512);
process.stdout.write(
  `CPU, plain JS i-p-j loop, 512³: ${cpuMs.toFixed(0)} ms ${((2 * 512 ** 3) / (cpuMs * 1e6)).toFixed(2)} GFLOP/s\n`,
);
gpu.dispose();
