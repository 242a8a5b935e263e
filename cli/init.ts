/**
 * `archc init FILE -m MODEL [--seed S] -o W.safetensors [--example-inputs IN.safetensors --set B=2,T=16]`
 */
import { initParams, exampleInputs } from "../runtime/init.js";
import { parseSizes } from "./info.js";
import { CliError, loadGraph, runtimeSizes, writeTensorsFile } from "./model-files.js";
import { progress } from "./progress.js";

export interface InitOptions {
  model: string;
  seed: string;
  output: string;
  exampleInputs?: string;
  set: string[];
}

export function initCommand(file: string, opts: InitOptions): number {
  const set = parseSizes(opts.set);
  if (!set) return 2;
  const seed = Number(opts.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    process.stderr.write(`archc init: --seed must be a non-negative integer, got '${opts.seed}'\n`);
    return 2;
  }
  try {
    const loaded = loadGraph(file, opts.model, set);
    if (!loaded) return 1;
    const { graph } = loaded;
    // Every size problem is found before anything is drawn or written.
    const unknown = Object.keys(set).filter((k) => !graph.dims.includes(k));
    if (unknown.length > 0) {
      throw new CliError(
        `--set ${unknown.join(", ")}: the model has no such runtime size (it has ${graph.dims.join(", ") || "none"})`,
      );
    }
    const dims = runtimeSizes(graph, loaded.sizes, set);
    const missing = graph.dims.filter((d) => !dims.has(d));
    if (opts.exampleInputs && missing.length > 0) {
      throw new CliError(
        `example inputs need the runtime sizes ${missing.join(", ")}: give them with --set ${missing.map((d) => `${d}=...`).join(",")}` +
          loaded.variadic
            .filter((v) => missing.includes(v))
            .map((v) => ` (or, for the run ...${v} at rank 2, --set ${v}1=...,${v}2=...)`)
            .join(""),
      );
    }
    const total = graph.params.reduce((n, p) => n + p.type.shape.reduce((a, b) => a * b, 1), 0);
    const bar = progress("initializing", total, 5_000_000);
    const weights = initParams(graph, seed, (done) => bar.update(done, total));
    bar.stop();
    writeTensorsFile(opts.output, weights, {
      model: graph.model,
      seed: String(seed),
      generator: "archc init",
    });
    process.stdout.write(
      `wrote ${opts.output}: ${weights.size} tensors, ${total.toLocaleString("en-US")} parameters (seed ${seed})\n`,
    );
    if (opts.exampleInputs) {
      const inputs = exampleInputs(graph, dims, seed);
      writeTensorsFile(opts.exampleInputs, inputs, { model: graph.model, seed: String(seed) });
      const shapes = [...inputs]
        .map(([k, t]) => `${k} ${t.dtype}[${t.shape.join(", ")}]`)
        .join(", ");
      process.stdout.write(`wrote ${opts.exampleInputs}: ${shapes}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`archc init: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
