/**
 * Where the fused tiny GPT's forward goes (`npm run bench:fusion-profile`): the fused schedule's
 * median forward, then, for each kind of kernel (by name prefix), the median of a run with only
 * that kind's dispatches, less the median of a run with none (uploads and readback). Outputs are
 * garbage once dispatches are left out: only the times matter, and they are rough.
 *
 *   npm run build && npm run bench:fusion-profile [-- --runs 9]
 */
import { loadGraph, runtimeSizes } from "../cli/model-files.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../compiler/opt/optimize.js";
import { acquireDevice, type GpuDevice } from "../runtime/device/acquire.js";
import type { Tensor } from "../runtime/reference/tensor.js";
import { exampleInputs, initParams } from "../runtime/init.js";
import type { Schedule } from "../runtime/schedule.js";
import { WebGPUExecutor } from "../runtime/webgpu/executor.js";
import { measureTarget } from "../runtime/webgpu/target.js";

const KINDS = ["matmul", "attention", "rowfused", "fused", "permute", "split", "take", "arange"];
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;

async function median(
  gpu: GpuDevice,
  schedule: Schedule,
  params: Map<string, Tensor>,
  inputs: Map<string, Tensor>,
): Promise<number> {
  const ex = new WebGPUExecutor(gpu, schedule);
  try {
    await ex.setParams(params);
    for (let i = 0; i < 2; i++) await ex.run(inputs);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await ex.run(inputs);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  } finally {
    ex.dispose();
  }
}

async function main(): Promise<void> {
  const loaded = loadGraph("bench/fusion.arch", "BenchGPT", {});
  if (!loaded) throw new Error("bench/fusion.arch does not build");
  const dims = runtimeSizes(loaded.graph, loaded.sizes, {});
  const gpu = await acquireDevice();
  const schedule = compileSchedule(optimizeGraph(loaded.graph), await measureTarget(gpu), {
    fuse: true,
  });
  const params = initParams(loaded.graph, 1);
  const inputs = exampleInputs(loaded.graph, dims, 1);
  const all = await median(gpu, schedule, params, inputs);
  process.stdout.write(
    `adapter: ${gpu.description}\nBenchGPT fused forward: ${all.toFixed(1)} ms (median of ${RUNS})\n`,
  );
  const kindOf = (k: number) => schedule.kernels[k]!.name.split("_")[0]!.replace(/\d+$/, "");
  const none = await median(gpu, { ...schedule, dispatches: [] }, params, inputs);
  process.stdout.write(`  no dispatches (upload, readback): ${none.toFixed(1)} ms\n`);
  for (const kind of KINDS) {
    const only = schedule.dispatches.filter((d) => kindOf(d.kernel) === kind);
    if (only.length === 0) continue;
    const t = await median(gpu, { ...schedule, dispatches: only }, params, inputs);
    process.stdout.write(
      `  ${kind.padEnd(10)} ${String(only.length).padStart(3)} dispatches  ≈ ${(t - none).toFixed(1)} ms\n`,
    );
  }
  gpu.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:fusion-profile: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
