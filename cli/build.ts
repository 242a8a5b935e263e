/**
 * `archc build FILE -m MODEL --emit WHAT [--set S=1]`: the model's graph in the text form of
 * spec/ir.md (`ir`) or as JSON (`ir-json`); its WebGPU schedule (`schedule`: one line per
 * dispatch) or kernels (`wgsl`), compiled for WebGPU's default limits (spec/runtime.md).
 */
import { CodegenError, DEFAULT_TARGET } from "../compiler/codegen/wgsl/context.js";
import { printKernels, printSchedule } from "../compiler/codegen/wgsl/print.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { printGraph } from "../compiler/ir/print.js";
import { serializeGraph, type Graph } from "../runtime/graph.js";
import { parseSizes } from "./info.js";
import { loadGraph } from "./model-files.js";

export function buildCommand(
  file: string,
  opts: { model: string; emit: string; set: string[] },
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
    process.stdout.write(emit(loaded.graph));
  } catch (e) {
    if (!(e instanceof CodegenError)) throw e;
    process.stderr.write(`archc build: ${e.message}\n`);
    return 1;
  }
  return 0;
}

const EMITS: Record<string, (g: Graph) => string> = {
  ir: printGraph,
  "ir-json": (g) => serializeGraph(g, 1) + "\n",
  schedule: (g) => printSchedule(compileSchedule(g, DEFAULT_TARGET)),
  wgsl: (g) => printKernels(compileSchedule(g, DEFAULT_TARGET)),
};
