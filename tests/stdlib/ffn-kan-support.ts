/**
 * What the FFN and KAN stdlib tests share: a block built into a graph in process (as `archc run`
 * builds it), seeded random weights and inputs, the reference interpreter and the WebGPU runtime
 * side by side, parameter listings from `archc info`'s code, and the diagnostics of a small file.
 * The equations the blocks are compared with live in the test files, written from the notes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { checkFiles, Program } from "../../compiler/check/index.js";
import { modelInfo, type InfoReport } from "../../compiler/info.js";
import { buildGraph } from "../../compiler/ir/build.js";
import type { Graph } from "../../runtime/graph.js";
import { initParams } from "../../runtime/init.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";
import { readSafetensors } from "../../runtime/weights/safetensors.js";
import { archc, ROOT } from "../support/archc.js";
import { expectClose, rng, runGpu, type Tolerance } from "../webgpu/harness.js";

export { ROOT };

/** The graph of `model` (a model name or a block expression) of `file`, `...S` at `rank`. */
export function build(file: string, model: string, rank = 2): Graph {
  const built = buildGraph(new Program(), join(ROOT, file), model, {
    ranks: new Map([["S", rank]]),
  });
  const errors = built.diagnostics.filter((d) => d.severity === "error");
  if (!built.graph || errors.length > 0)
    throw new Error(`${model}: ${errors.map((d) => d.message).join("; ") || "no graph"}`);
  return built.graph;
}

/** A tensor of numbers uniform in [lo, hi), from a seeded stream. */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    "f32",
    shape,
    Array.from({ length: n }, () => lo + r() * (hi - lo)),
  );
}

/**
 * Every parameter of the graph: drawn from its initializer (`archc init`'s code), or, when
 * `spread` is given, uniform in ±spread (so that a test sees weights of a useful size).
 */
export function weights(graph: Graph, seed: number, spread?: number): Map<string, Tensor> {
  const drawn = initParams(graph, seed);
  if (spread === undefined) return drawn;
  let s = seed;
  for (const [k, t] of drawn) drawn.set(k, uniform(t.shape, ++s * 7919, -spread, spread));
  return drawn;
}

/** Plain number arrays of a tensor's data, for the transcriptions. */
export const arr = (t: Tensor): number[] => Array.from(t.data);

/** Runs the graph on the reference interpreter. */
export function reference(
  graph: Graph,
  params: Map<string, Tensor>,
  inputs: Map<string, Tensor>,
): Map<string, Tensor> {
  return execute(graph, params, inputs);
}

/** Largest |got − want| / (atol + rtol·|want|) must be ≤ 1; returns the worst absolute error. */
export function expectNear(got: ArrayLike<number>, want: number[], tol: Tolerance, what: string) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    const r = e / (tol.atol + tol.rtol * Math.abs(want[i]!));
    if (!(r <= worst)) {
      worst = r;
      at = i;
    }
    err = Math.max(err, e);
  }
  if (!(worst <= 1))
    expect.fail(
      `${what}: element ${at} is ${got[at]}, the equations give ${want[at]} (atol ${tol.atol}, rtol ${tol.rtol})`,
    );
  return err;
}

/** The same graph on WebGPU, compared with the reference within `tol`. */
export async function expectGpuMatches(
  graph: Graph,
  params: Map<string, Tensor>,
  inputs: Map<string, Tensor>,
  tol: Tolerance,
  what: string,
): Promise<void> {
  const want = reference(graph, params, inputs);
  const { outputs } = await runGpu(graph, inputs, params);
  for (const [name, w] of want) expectClose(outputs.get(name)!, w, tol, `${what}: ${name}`);
}

/** `archc info`'s report of a model of a file. */
export function info(file: string, model: string): InfoReport {
  const r = modelInfo(new Program(), join(ROOT, file), model, {});
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (!r.report || errors.length > 0)
    throw new Error(`${model}: ${errors.map((d) => d.message).join("; ")}`);
  return r.report;
}

/** Every parameter of a report as `path [shape]`, in listing order. */
export function paramList(r: InfoReport): string[] {
  return r.rows.flatMap((row) =>
    row.params.map((p) => `${row.path ? `${row.path}.` : ""}${p.name} ${p.shape}`),
  );
}

const scratch = mkdtempSync(join(tmpdir(), "archc-stdlib-"));
let files = 0;

/** The error messages `archc check` gives for a small source file. */
export function errorsOf(source: string): string[] {
  const path = join(scratch, `case${files++}.arch`);
  writeFileSync(path, source);
  const { diagnostics } = checkFiles(new Program(), [path]);
  return diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
}

/**
 * `archc init` then `archc run --backend reference` on an example's tiny model, from the CLI as
 * users run it; returns the outputs (read back from the safetensors file).
 */
export function runExample(file: string, model: string): Map<string, Tensor> {
  const dir = mkdtempSync(join(tmpdir(), "archc-example-"));
  const [w, inp, out] = ["w", "in", "out"].map((n) => join(dir, `${n}.safetensors`)) as [
    string,
    string,
    string,
  ];
  const init = archc(["init", file, "-m", model, "-o", w, "--example-inputs", inp]);
  if (init.code !== 0) throw new Error(`archc init ${file} -m ${model}: ${init.stderr}`);
  const run = archc(["run", file, "-m", model, "--weights", w, "--inputs", inp, "-o", out]);
  if (run.code !== 0) throw new Error(`archc run ${file} -m ${model}: ${run.stderr}`);
  return readSafetensors(readFileSync(out), out).tensors as Map<string, Tensor>;
}

/** The total parameter count `archc info --json` prints. */
export function cliParams(file: string, model: string): number {
  const r = archc(["info", file, "-m", model, "--json"]);
  if (r.code !== 0) throw new Error(`archc info ${file} -m ${model}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { totalParams: number }).totalParams;
}
