/** The CUDA tests' common step: a model's generated CUDA files, written into a new directory. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { loadGraph } from "../../cli/model-files.js";
import { cudaSchedule, generateCuda } from "../../compiler/codegen/cuda/index.js";
import type { Graph } from "../../runtime/graph.js";

export interface Generated {
  dir: string;
  graph: Graph;
}

/** Writes `model` of `file` as CUDA (fused unless `fuse` is false) into a new directory of `root`. */
export function generateInto(root: string, file: string, model: string, fuse = true): Generated {
  const loaded = loadGraph(file, model, {});
  expect(loaded, `${file} ${model} builds`).toBeDefined();
  const dir = mkdtempSync(join(root, `${model.replace(/[^A-Za-z0-9_]/g, "_")}-`));
  const schedule = cudaSchedule(loaded!.graph, fuse);
  for (const f of generateCuda(schedule, { source: file, version: "test" }))
    writeFileSync(join(dir, f.path), f.text);
  return { dir, graph: loaded!.graph };
}
