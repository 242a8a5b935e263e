/**
 * Prepares the CUDA benchmark (issue 10) on any machine, GPU or not: for every example's tiny
 * model (`*Tiny*`/`Tiny*` in examples/*.arch, as tests/run/examples-fused.test.ts finds them)
 * and BenchGPT (bench/fusion.arch: d 256, 4 layers, T 128), writes OUT/<Model>/ with
 *
 *   model.cu, Makefile, runner.cu, archc_*.h   `archc build --target cuda`'s files (fused)
 *   weights.safetensors                         initParams(graph, SEED)
 *   inputs.safetensors                          exampleInputs at the model's `with` sizes
 *   reference.safetensors                       the reference interpreter's outputs on them
 *
 * and at the top of OUT compare.cpp and archc_io.h, which it includes. bench/cuda/run-on-gpu.sh
 * then builds, checks and times every model on a GPU (bench/cuda/README.md).
 *
 *   npm run build && npm run bench:cuda:prepare [-- --out DIR --models TinyGPT,BenchGPT]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadGraph, runtimeSizes, writeTensorsFile } from "../../cli/model-files.js";
import { cudaSchedule, generateCuda } from "../../compiler/codegen/cuda/index.js";
import { exampleInputs, initParams } from "../../runtime/init.js";
import { execute } from "../../runtime/reference/execute.js";

/** The seed of every model's weights and inputs. */
export const SEED = 1;

export interface BenchModel {
  file: string;
  model: string;
}

/** Every example's tiny model, then BenchGPT; `root` is the repository. */
export function benchModels(root: string): BenchModel[] {
  const examples = join(root, "examples");
  const tiny = readdirSync(examples)
    .filter((f) => f.endsWith(".arch"))
    .sort()
    .flatMap((f) =>
      [...readFileSync(join(examples, f), "utf8").matchAll(/^model (\w*Tiny\w*)/gm)].map((m) => ({
        file: `examples/${f}`,
        model: m[1]!,
      })),
    );
  return [...tiny, { file: "bench/fusion.arch", model: "BenchGPT" }];
}

export interface PrepareOptions {
  /** The repository (examples/ and bench/fusion.arch are read from it). */
  root: string;
  out: string;
  /** Only these models (by name); all when undefined. */
  models?: string[];
  /** Progress lines; stderr unless given. */
  log?: (line: string) => void;
}

/** Writes OUT as the header says; returns the models written. Throws on any failure. */
export function prepare(opts: PrepareOptions): string[] {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const all = benchModels(opts.root);
  let chosen = all;
  if (opts.models) {
    const unknown = opts.models.filter((m) => !all.some((b) => b.model === m));
    if (unknown.length > 0)
      throw new Error(
        `unknown model${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${all.map((b) => b.model).join(", ")}`,
      );
    chosen = all.filter((b) => opts.models!.includes(b.model));
  }
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, "compare.cpp"), readFileSync(resource("compare.cpp")));
  writeFileSync(
    join(opts.out, "archc_io.h"),
    readFileSync(new URL("../../compiler/codegen/cuda/support/archc_io.h", import.meta.url)),
  );
  const version = archcVersion();
  const done: string[] = [];
  for (const [i, { file, model }] of chosen.entries()) {
    const start = performance.now();
    const step = (what: string) => log(`[${i + 1}/${chosen.length}] ${model} (${file}): ${what}`);
    step("building the graph");
    const loaded = loadGraph(join(opts.root, file), model, {});
    if (!loaded) throw new Error(`${file} ${model} does not build (diagnostics above)`);
    const { graph, sizes } = loaded;
    const dims = runtimeSizes(graph, sizes, {});
    const dir = join(opts.out, model);
    mkdirSync(dir, { recursive: true });
    step("generating CUDA");
    for (const f of generateCuda(cudaSchedule(graph), { source: file, version }))
      writeFileSync(join(dir, f.path), f.text);
    step(`weights and inputs (seed ${SEED}; ${[...dims].map(([k, v]) => `${k}=${v}`).join(", ")})`);
    const params = initParams(graph, SEED);
    const inputs = exampleInputs(graph, dims, SEED);
    writeTensorsFile(join(dir, "weights.safetensors"), params);
    writeTensorsFile(join(dir, "inputs.safetensors"), inputs);
    step("running the reference interpreter");
    writeTensorsFile(join(dir, "reference.safetensors"), execute(graph, params, inputs));
    step(`written to ${dir} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    done.push(model);
  }
  return done;
}

/** A file of bench/cuda/, from the sources (vitest) or from dist/bench/cuda/ (npm run). */
function resource(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, name), join(here, "../../../bench/cuda", name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(`cannot find bench/cuda/${name} (looked in ${candidates.join(", ")})`);
  return found;
}

/** The repository: the nearest directory above this file with archc's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "archc"
    )
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find archc's package.json above bench/cuda");
    dir = up;
  }
}

function archcVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string })
    .version;
}

const USAGE = "usage: npm run bench:cuda:prepare [-- --out DIR --models A,B]";

function main(argv: string[]): number {
  const root = repoRoot();
  let out = join(root, "bench/cuda/out");
  let models: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = argv[i + 1];
    if ((a === "--out" || a === "--models") && (value === undefined || value.startsWith("--"))) {
      process.stderr.write(`bench:cuda:prepare: ${a} needs a value\n${USAGE}\n`);
      return 2;
    }
    if (a === "--out") out = resolve(argv[++i]!);
    else if (a === "--models")
      models = argv[++i]!.split(",")
        .map((m) => m.trim())
        .filter((m) => m !== "");
    else if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`bench:cuda:prepare: unknown argument '${a}'\n${USAGE}\n`);
      return 2;
    }
  }
  const done = prepare({ root, out, ...(models ? { models } : {}) });
  process.stderr.write(
    `prepared ${done.length} model${done.length === 1 ? "" : "s"} in ${out}\n` +
      `next, on a machine with an NVIDIA GPU: bash bench/cuda/run-on-gpu.sh ${out}\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench:cuda:prepare: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
