/**
 * `archc build FILE -m MODEL --emit WHAT [--set S=1]`: the model's graph in the text form of
 * spec/ir.md (`ir`) or as JSON (`ir-json`); its WebGPU schedule (`schedule`: one line per
 * dispatch) or kernels (`wgsl`), compiled for WebGPU's default limits (spec/runtime.md).
 *
 * `archc build FILE [-m MODEL] --target ts -o DIR [--capture PATHS]`: TypeScript classes running
 * the model (every model of the file without -m) on WebGPU (spec/codegen-ts.md; build-ts.ts).
 */
import { CodegenError, DEFAULT_TARGET } from "../compiler/codegen/wgsl/context.js";
import { printKernels, printSchedule } from "../compiler/codegen/wgsl/print.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { printGraph } from "../compiler/ir/print.js";
import { optimizeGraph } from "../compiler/opt/optimize.js";
import { serializeGraph, type Graph } from "../runtime/graph.js";
import { buildCuda } from "./build-cuda.js";
import { buildTs } from "./build-ts.js";
import { parseSizes } from "./info.js";
import { loadGraph } from "./model-files.js";

export interface BuildOptions {
  /** Required with `emit`; with `target ts`, every model of the file when absent. */
  model?: string;
  /** What to print (`ir`, `ir-json`, `schedule`, `wgsl`); the alternative to `target`. */
  emit?: string;
  /** What to generate into `output` (`ts`); the alternative to `emit`. */
  target?: string;
  output?: string;
  set: string[];
  fuse?: boolean;
  /** `--target ts`: capture points to compile in (instance paths, `*` patterns, `all`). */
  capture?: string[];
}

export const TARGETS = ["ts", "cuda"] as const;

export async function buildCommand(file: string, opts: BuildOptions): Promise<number> {
  const usage = (message: string) => {
    process.stderr.write(`archc build: ${message}\n`);
    return 2;
  };
  if (opts.emit !== undefined && opts.target !== undefined)
    return usage("--emit and --target are alternatives: give one");
  if (opts.emit === undefined && opts.target === undefined)
    return usage(
      `give --emit (${Object.keys(EMITS).join(", ")}) to print, or --target (${TARGETS.join(", ")}) -o DIR to generate code`,
    );
  const set = parseSizes(opts.set);
  if (!set) return 2;
  if (opts.target !== undefined) {
    if (!(TARGETS as readonly string[]).includes(opts.target))
      return usage(`--target ${opts.target} is not available; available: ${TARGETS.join(", ")}`);
    if (opts.output === undefined)
      return usage(`--target ${opts.target} writes files: give the directory with -o DIR`);
    if (opts.target === "cuda") {
      if (opts.model === undefined)
        return usage("--target cuda builds one model: give it with -m MODEL");
      if ((opts.capture ?? []).length > 0) return usage("--capture applies to --target ts");
      return buildCuda({
        file,
        model: opts.model,
        set,
        dir: opts.output,
        fuse: opts.fuse !== false,
      });
    }
    if (opts.fuse === false) return usage("--no-fuse applies to --emit and --target cuda");
    return buildTs({ file, model: opts.model, set, dir: opts.output, capture: opts.capture ?? [] });
  }
  if (opts.output !== undefined) return usage("-o applies to --target; --emit prints to stdout");
  if ((opts.capture ?? []).length > 0) return usage("--capture applies to --target ts");
  if (opts.model === undefined) return usage("--emit prints one model: give it with -m MODEL");
  const emit = EMITS[opts.emit!];
  if (!emit)
    return usage(
      `--emit ${opts.emit} is not available; available: ${Object.keys(EMITS).join(", ")}`,
    );
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
