/**
 * `archc run FILE -m MODEL --weights W --inputs IN -o OUT [--set T=16] [--backend reference]`:
 * inputs and outputs are safetensors files whose tensor names are the model's declared inputs
 * and outputs. Every problem with the weights or inputs is listed at once; nothing is written
 * unless the run succeeds.
 */
import { bindDims, execute, RunError } from "../runtime/reference/execute.js";
import type { Tensor } from "../runtime/reference/tensor.js";
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
  backend: string;
}

export function runCommand(file: string, opts: RunOptions): number {
  const set = parseSizes(opts.set);
  if (!set) return 2;
  if (opts.backend !== "reference") {
    process.stderr.write(`archc run: unknown backend '${opts.backend}'; available: reference\n`);
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
    const bar = progress("running", graph.nodes.length, 1);
    const outputs = execute(graph, weights, inputs, {
      onNode: (done, total) => bar.update(done, total),
    });
    bar.stop();
    writeTensorsFile(opts.output, outputs, { model: graph.model, backend: opts.backend });
    const shapes = [...outputs]
      .map(([k, t]) => `${k} ${t.dtype}[${t.shape.join(", ")}]`)
      .join(", ");
    process.stdout.write(`wrote ${opts.output}: ${shapes}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CliError || e instanceof RunError) {
      process.stderr.write(`archc run: ${e.message.split("\n").join("\n  ")}\n`);
      return 1;
    }
    throw e;
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
