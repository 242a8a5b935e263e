/**
 * `archc build FILE -m MODEL --target cuda -o DIR [--no-fuse]`: the model as CUDA C++
 * (spec/codegen-cuda.md): DIR/model.cu with every kernel and the host code, the fixed runner,
 * I/O and helper files, and a Makefile (`make` builds `./runner` with nvcc). Nothing is written
 * unless the whole model prints.
 */
import { relative } from "node:path";
import {
  CUDA_LIMITS,
  cudaSchedule,
  generateCuda,
  type CudaFile,
} from "../compiler/codegen/cuda/index.js";
import { CodegenError } from "../compiler/codegen/wgsl/context.js";
import { writeGenerated } from "./generated-files.js";
import { loadGraph } from "./model-files.js";
import { archcVersion } from "./version.js";

export interface BuildCudaOptions {
  file: string;
  model: string;
  set: Record<string, number>;
  dir: string;
  fuse: boolean;
}

export function buildCuda(opts: BuildCudaOptions): number {
  const fail = (message: string) => {
    process.stderr.write(`archc build: ${message}\n`);
    return 1;
  };
  const loaded = loadGraph(opts.file, opts.model, opts.set, undefined, CUDA_LIMITS);
  if (!loaded) return 1;
  let files: CudaFile[];
  try {
    files = generateCuda(cudaSchedule(loaded.graph, opts.fuse), {
      source: relative(process.cwd(), opts.file) || opts.file,
      version: archcVersion(),
    });
  } catch (e) {
    if (!(e instanceof CodegenError)) throw e;
    return fail(e.message);
  }
  if (!writeGenerated(opts.dir, files)) return 1;
  process.stdout.write(`build the runner with: make -C ${opts.dir}\n`);
  return 0;
}
