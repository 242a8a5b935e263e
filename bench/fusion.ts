/**
 * Fused against unfused, in one run on one adapter (`npm run bench:fusion`): per model, the
 * dispatches per forward, the bytes its dispatches bind, the peak activation memory and the
 * forward latency (median of several runs after warm-up), for the unoptimized per-primitive
 * schedule (`--no-fuse`) and the optimized, fused one, their runs interleaved. Models: the tiny GPT and one
 * tiny model of each stdlib family from examples/ (those present).
 *
 *   npm run build && npm run bench:fusion [-- --runs 7]
 */
import { existsSync } from "node:fs";
import { loadGraph, runtimeSizes } from "../cli/model-files.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../compiler/opt/optimize.js";
import { acquireDevice, type GpuDevice } from "../runtime/device/acquire.js";
import type { Graph } from "../runtime/graph.js";
import type { Tensor } from "../runtime/reference/tensor.js";
import { exampleInputs, initParams } from "../runtime/init.js";
import { WebGPUExecutor } from "../runtime/webgpu/executor.js";
import { measureTarget } from "../runtime/webgpu/target.js";

const MODELS: { file: string; model: string; family: string }[] = [
  { file: "bench/fusion.arch", model: "BenchGPT", family: "GPT (d 256, 4 layers, T 128)" },
  { file: "examples/hourglass_gpt.arch", model: "HourglassGPTTiny", family: "hourglass FFN" },
  { file: "examples/kat_vit.arch", model: "KATViTTiny", family: "KAN (GR-KAN)" },
  { file: "examples/dsm.arch", model: "DSMTiny", family: "spectrum mixer (DSM)" },
  { file: "examples/gmt.arch", model: "GMTTiny", family: "graph memory (GMT)" },
];

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

interface Measure {
  dispatches: number;
  kernels: number;
  bytes: number;
  peak: number;
  ms: number;
}

interface Build {
  ex: WebGPUExecutor;
  times: number[];
}

/** Compiles and prepares one build (weights uploaded, warm-up runs done). */
async function prepare(
  gpu: GpuDevice,
  graph: Graph,
  inputs: Map<string, Tensor>,
  fuse: boolean,
): Promise<Build> {
  const target = await measureTarget(gpu);
  const schedule = compileSchedule(fuse ? optimizeGraph(graph) : graph, target, { fuse });
  const ex = new WebGPUExecutor(gpu, schedule);
  await ex.setParams(initParams(graph, 1));
  for (let i = 0; i < 2; i++) await ex.run(inputs);
  return { ex, times: [] };
}

/**
 * Both builds, their runs interleaved (unfused, fused, unfused, ...) so that a change in the
 * machine's load affects both alike; medians of RUNS each.
 */
async function measure(
  gpu: GpuDevice,
  graph: Graph,
  dims: Map<string, number>,
): Promise<[Measure, Measure]> {
  const inputs = exampleInputs(graph, dims, 1);
  const builds = [
    await prepare(gpu, graph, inputs, false),
    await prepare(gpu, graph, inputs, true),
  ];
  try {
    for (let i = 0; i < RUNS; i++)
      for (const b of builds) {
        const t = performance.now();
        await b.ex.run(inputs);
        b.times.push(performance.now() - t);
      }
    return builds.map(({ ex, times }) => {
      times.sort((a, b) => a - b);
      return {
        dispatches: ex.lastRun!.dispatches,
        kernels: new Set(ex.perRun.map((d) => d.kernel)).size,
        bytes: ex.bytesBound(dims),
        peak: ex.lastRun!.peakActivationBytes,
        ms: times[Math.floor(times.length / 2)]!,
      };
    }) as [Measure, Measure];
  } finally {
    for (const b of builds) b.ex.dispose();
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(2);

async function main(): Promise<void> {
  const gpu = await acquireDevice();
  process.stdout.write(
    `adapter: ${gpu.description}\nruns: median of ${RUNS} per build after 2 warm-up runs, the two builds' runs interleaved\n\n`,
  );
  const header =
    "| model | family | dispatches (unfused → fused) | ratio | MiB bound per forward | peak activations MiB | forward ms | speedup |";
  const rows: string[] = [header, "| --- | --- | --- | --- | --- | --- | --- | --- |"];
  for (const m of MODELS) {
    if (!existsSync(m.file)) {
      process.stderr.write(`skipping ${m.file}: not present\n`);
      continue;
    }
    const loaded = loadGraph(m.file, m.model, {});
    if (!loaded) {
      process.stderr.write(`skipping ${m.file} ${m.model}: does not build\n`);
      continue;
    }
    const dims = runtimeSizes(loaded.graph, loaded.sizes, {});
    process.stderr.write(`${m.model}...\n`);
    const [u, f] = await measure(gpu, loaded.graph, dims);
    rows.push(
      `| ${m.model} | ${m.family} | ${u.dispatches} → ${f.dispatches} | ${(u.dispatches / f.dispatches).toFixed(1)}× | ` +
        `${mib(u.bytes)} → ${mib(f.bytes)} | ${mib(u.peak)} → ${mib(f.peak)} | ` +
        `${u.ms.toFixed(1)} → ${f.ms.toFixed(1)} | ${(u.ms / f.ms).toFixed(2)}× |`,
    );
  }
  process.stdout.write(rows.join("\n") + "\n");
  gpu.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:fusion: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
