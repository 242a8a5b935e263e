/**
 * What `archc init` and `archc run` share: building the graph of a model with the ranks its
 * inputs need, reading and writing safetensors files with clear errors, writing atomically.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import type { CheckLimits } from "../compiler/check/checker.js";
import { Program } from "../compiler/check/index.js";
import { buildGraph, modelSignature } from "../compiler/ir/build.js";
import type { Graph } from "../runtime/graph.js";
import type { Tensor } from "../runtime/reference/tensor.js";
import { readSafetensors, writeSafetensors } from "../runtime/weights/safetensors.js";
import { printDiagnostics } from "./output.js";

export class CliError extends Error {}

export interface ModelGraph {
  graph: Graph;
  /** The model's `with` sizes. */
  sizes: Record<string, number | number[]>;
  /** The names of the inputs' variadic runs (`S` of `...S`). */
  variadic: string[];
}

/**
 * The graph of a model. A variadic input run (`...S`) gets its rank from `inputRanks` (the rank
 * of the actual input tensors), else from the sizes (`S = (2, 16)`: 2; `S1, S2` given: 2), else 1.
 * `limits` replaces the checker's (a target's own size limits). Diagnostics are printed;
 * undefined when there are errors.
 */
export function loadGraph(
  file: string,
  model: string,
  set: Record<string, number>,
  inputRanks?: Map<string, number>,
  limits?: CheckLimits,
): ModelGraph | undefined {
  const program = new Program();
  const sig = modelSignature(program, file, model, limits ? { limits } : {});
  if (sig.diagnostics.some((d) => d.severity === "error")) {
    printDiagnostics(sig.diagnostics, program.sources());
    return undefined;
  }
  const ranks = new Map<string, number>();
  for (const input of sig.inputs) {
    if (input.variadic === undefined) continue;
    const v = input.variadic;
    const actual = inputRanks?.get(input.name);
    const given = sig.sizes[v];
    let rank = 1;
    if (actual !== undefined) rank = Math.max(0, actual - input.fixedDims);
    else if (Array.isArray(given)) rank = given.length;
    else if (set[`${v}1`] !== undefined)
      rank = Object.keys(set).filter((k) => new RegExp(`^${v}\\d+$`).test(k)).length;
    ranks.set(v, rank);
  }
  const built = buildGraph(program, file, model, limits ? { ranks, limits } : { ranks });
  printDiagnostics(built.diagnostics, program.sources());
  if (!built.graph) return undefined;
  return { graph: built.graph, sizes: sig.sizes, variadic: [...ranks.keys()] };
}

/** The runtime sizes: the model's `with` defaults (a tuple for `...S` becomes S1, S2), then --set. */
export function runtimeSizes(
  graph: Graph,
  withSizes: Record<string, number | number[]>,
  set: Record<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(withSizes)) {
    if (Array.isArray(v)) {
      if (v.length === 1 && graph.dims.includes(k)) out.set(k, v[0]!);
      v.forEach((n, i) => out.set(`${k}${i + 1}`, n));
    } else out.set(k, v);
  }
  for (const [k, v] of Object.entries(set)) out.set(k, v);
  return out;
}

export function readTensorsFile(path: string, what: string): Map<string, Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${what} '${path}': ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
    );
  }
  try {
    return readSafetensors(bytes, path).tensors as Map<string, Tensor>;
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** Writes next to the target, then renames: a failure never leaves a partial file behind. */
export function writeTensorsFile(
  path: string,
  tensors: Map<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  const bytes = writeSafetensors(tensors, metadata);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
