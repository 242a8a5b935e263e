/**
 * `archc build FILE -m MODEL --emit WHAT [--set S=1]`: the model's graph in the text form of
 * spec/ir.md (`ir`) or as JSON (`ir-json`); its WebGPU schedule (`schedule`: one line per
 * dispatch) or kernels (`wgsl`), compiled for WebGPU's default limits (spec/runtime.md).
 */
import { CodegenError, DEFAULT_TARGET } from "../compiler/codegen/wgsl/context.js";
import { printKernels, printSchedule } from "../compiler/codegen/wgsl/print.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { printGraph } from "../compiler/ir/print.js";
import { optimizeGraph } from "../compiler/opt/optimize.js";
import { serializeGraph, type Graph } from "../runtime/graph.js";
import { parseSizes } from "./info.js";
import { loadGraph } from "./model-files.js";

export function buildCommand(
  file: string,
  opts: { model: string; emit: string; set: string[]; fuse?: boolean },
): number {
  const set = parseSizes(opts.set);
  if (!set) return 2;
  const emit = EMITS[opts.emit];
  if (!emit) {
    process.stderr.write(
      `archc build: --emit ${opts.emit} is not available; available: ${Object.keys(EMITS).join(", ")}\n`,
    );
    return 2;
  }
  const loaded = loadGraph(file, opts.model, set);
  if (!loaded) return 1;
  try {
    process.stdout.write(emit(loaded.graph, opts.fuse !== false));
  } catch (e) {
    if (!(e instanceof CodegenError)) throw e;
    process.stderr.write(`archc build: ${e.message}\n`);
    return 1;
  }
  return 0;
}

/** The WebGPU schedule for WebGPU's default limits: optimized and fused unless `--no-fuse`. */
const schedule = (g: Graph, fuse: boolean) =>
  compileSchedule(fuse ? optimizeGraph(g) : g, DEFAULT_TARGET, { fuse });

const EMITS: Record<string, (g: Graph, fuse: boolean) => string> = {
  ir: printGraph,
  "ir-json": (g) => serializeGraph(g, 1) + "\n",
  schedule: (g, fuse) => printSchedule(schedule(g, fuse)),
  wgsl: (g, fuse) => printKernels(schedule(g, fuse)),
};
