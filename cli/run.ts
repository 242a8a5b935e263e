/**
 * `archc run FILE -m MODEL --weights W --inputs IN -o OUT [--set T=16] [--backend B]`: inputs
 * and outputs are safetensors files whose tensor names are the model's declared inputs and
 * outputs. Every problem with the weights or inputs is listed at once; nothing is written unless
 * the run succeeds. Backends: `reference` (the CPU interpreter) and `webgpu` (WGSL kernels on
 * the adapter `--adapter` picks).
 */
import { CodegenError } from "../compiler/codegen/wgsl/context.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../compiler/opt/optimize.js";
import {
  acquireDevice,
  ADAPTER_CHOICES,
  adapterFromEnv,
  DeviceError,
  type AdapterChoice,
} from "../runtime/device/acquire.js";
import type { Graph } from "../runtime/graph.js";
import { bindDims, execute, RunError } from "../runtime/reference/execute.js";
import type { Tensor } from "../runtime/reference/tensor.js";
import { WebGPUExecutor } from "../runtime/webgpu/executor.js";
import { measureTarget } from "../runtime/webgpu/target.js";
import { checkTensors } from "../runtime/weights/validate.js";
import { parseSizes } from "./info.js";
import { CliError, loadGraph, readTensorsFile, writeTensorsFile } from "./model-files.js";
import { progress } from "./progress.js";

export interface RunOptions {
  model: string;
  weights: string;
  inputs: string;
  output: string;
  set: string[];
  /** `reference` or `webgpu`; default: `ARCHC_BACKEND`, else `reference`. */
  backend?: string;
  /** Which WebGPU adapter; default: `ARCHC_ADAPTER`, else `auto`. */
  adapter?: string;
  /** The optimizer's passes and kernel fusion (default); `false` runs one kernel per primitive. */
  fuse?: boolean;
  /** Print the adapter, kernel and dispatch counts and timings on stderr. */
  verbose?: boolean;
}

export const BACKENDS = ["reference", "webgpu"] as const;
type Backend = (typeof BACKENDS)[number];

export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const set = parseSizes(opts.set);
  if (!set) return 2;
  const backend = opts.backend ?? (process.env.ARCHC_BACKEND || "reference");
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    process.stderr.write(
      `archc run: unknown backend '${backend}'${opts.backend ? "" : " (from ARCHC_BACKEND)"}; ` +
        `available: ${BACKENDS.join(", ")}\n`,
    );
    return 2;
  }
  let adapter: AdapterChoice;
  try {
    adapter = opts.adapter === undefined ? adapterFromEnv() : adapterChoice(opts.adapter);
  } catch (e) {
    process.stderr.write(`archc run: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const inputs = readTensorsFile(opts.inputs, "inputs");
    const ranks = new Map([...inputs].map(([k, t]) => [k, t.shape.length]));
    const loaded = loadGraph(file, opts.model, set, ranks);
    if (!loaded) return 1;
    const { graph } = loaded;
    const weights = readTensorsFile(opts.weights, "weights");

    const problems = [
      ...checkTensors(
        weights,
        graph.params.map((p) => ({ name: p.path, dtype: p.type.dtype, shape: p.type.shape })),
        "weights",
        opts.weights,
      ),
      ...inputProblems(
        graph.inputs.map((i) => ({ name: i.name, dtype: i.type.dtype })),
        inputs,
        opts.inputs,
      ),
    ];
    if (problems.length > 0) throw new CliError(problems.join("\n"));
    const dims = bindDims(graph, inputs);
    for (const [k, v] of Object.entries(set)) {
      const bound = dims.get(k);
      if (bound === undefined)
        throw new CliError(
          `--set ${k}=${v}: the model has no runtime dim ${k} (it has ${graph.dims.join(", ") || "none"})`,
        );
      if (bound !== v) throw new CliError(`--set ${k}=${v}, but the inputs have ${k} = ${bound}`);
    }
    const outputs =
      (backend as Backend) === "webgpu"
        ? await runWebGpu(
            graph,
            weights,
            inputs,
            adapter,
            opts.fuse !== false,
            opts.verbose === true,
          )
        : runReference(graph, weights, inputs);
    writeTensorsFile(opts.output, outputs, { model: graph.model, backend });
    const shapes = [...outputs]
      .map(([k, t]) => `${k} ${t.dtype}[${t.shape.join(", ")}]`)
      .join(", ");
    process.stdout.write(`wrote ${opts.output}: ${shapes}\n`);
    return 0;
  } catch (e) {
    if (
      e instanceof CliError ||
      e instanceof RunError ||
      e instanceof DeviceError ||
      e instanceof CodegenError
    ) {
      process.stderr.write(`archc run: ${e.message.split("\n").join("\n  ")}\n`);
      return 1;
    }
    throw e;
  }
}

function adapterChoice(v: string): AdapterChoice {
  if ((ADAPTER_CHOICES as readonly string[]).includes(v)) return v as AdapterChoice;
  throw new DeviceError(`--adapter '${v}' is not one of ${ADAPTER_CHOICES.join(", ")}`);
}

function runReference(
  graph: Graph,
  weights: Map<string, Tensor>,
  inputs: Map<string, Tensor>,
): Map<string, Tensor> {
  const bar = progress("running", graph.nodes.length, 1);
  try {
    return execute(graph, weights, inputs, { onNode: (done, total) => bar.update(done, total) });
  } finally {
    bar.stop();
  }
}

/** Compiles the graph for the adapter's limits, uploads the weights and runs once. */
async function runWebGpu(
  graph: Graph,
  weights: Map<string, Tensor>,
  inputs: Map<string, Tensor>,
  adapter: AdapterChoice,
  fuse: boolean,
  verbose: boolean,
): Promise<Map<string, Tensor>> {
  const log = (line: string) => verbose && process.stderr.write(`archc run: ${line}\n`);
  const t0 = performance.now();
  const gpu = await acquireDevice(adapter);
  log(`adapter ${gpu.description}`);
  let executor: WebGPUExecutor | undefined;
  try {
    const target = await measureTarget(gpu);
    log(`matmul operands through ${target.textures ? "textures" : "storage buffers"}`);
    const schedule = compileSchedule(fuse ? optimizeGraph(graph) : graph, target, { fuse });
    log(
      `${schedule.dispatches.length} dispatches of ${schedule.kernels.length} distinct kernels ` +
        (fuse ? "(fused)" : "(unfused: one kernel per primitive)"),
    );
    executor = new WebGPUExecutor(gpu, schedule);
    const t1 = performance.now();
    await executor.prepare();
    const t2 = performance.now();
    await executor.setParams(weights);
    const t3 = performance.now();
    const outputs = await executor.run(inputs);
    const t4 = performance.now();
    const ms = (a: number, b: number) => `${(b - a).toFixed(0)} ms`;
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
    log(
      `device ${ms(t0, t1)}, compile ${ms(t1, t2)}, weights ${ms(t2, t3)}, ` +
        `forward ${ms(t3, t4)} (${executor.lastRun?.dispatches ?? 0} dispatches per run, ` +
        `peak activations ${mib(executor.lastRun?.peakActivationBytes ?? 0)})`,
    );
    return outputs;
  } finally {
    executor?.dispose();
    gpu.dispose();
  }
}

/** Names, dtypes and finiteness of the inputs (shapes are checked when the dims are bound). */
function inputProblems(
  expected: { name: string; dtype: string }[],
  inputs: Map<string, Tensor>,
  label: string,
): string[] {
  const problems: string[] = [];
  for (const e of expected) {
    const t = inputs.get(e.name);
    if (!t) {
      problems.push(
        `${label}: input '${e.name}' is missing (the file has ${[...inputs.keys()].join(", ") || "no tensors"})`,
      );
      continue;
    }
    if (t.dtype !== e.dtype)
      problems.push(`${label}: input '${e.name}' must be ${e.dtype}, got ${t.dtype}`);
    if (t.dtype === "f32") {
      const bad = (t.data as Float32Array).findIndex((x) => !Number.isFinite(x));
      if (bad >= 0)
        problems.push(
          `${label}: input '${e.name}' has a non-finite value (${t.data[bad]}) at element ${bad}`,
        );
    }
  }
  for (const k of inputs.keys()) {
    if (!expected.some((e) => e.name === k))
      problems.push(
        `${label}: unexpected input '${k}' (the model takes ${expected.map((e) => e.name).join(", ")})`,
      );
  }
  return problems;
}
