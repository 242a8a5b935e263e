/**
 * `archc build FILE [-m MODEL] --target ts -o DIR [--capture PATH,...]`: TypeScript classes
 * running models on WebGPU (spec/codegen-ts.md): DIR/Name.ts per model and DIR/index.ts
 * exporting them. Without `-m`, every model the file declares. All or nothing: when a model does
 * not build, its diagnostics are printed and no file is written.
 */
import { relative } from "node:path";
import { Program } from "../compiler/check/index.js";
import type * as A from "../grammar/ast.js";
import {
  captureOutput,
  capturePoints,
  captureSpecs,
  selectCaptures,
  withCaptures,
} from "../compiler/codegen/ts/captures.js";
import { CodegenError, DEFAULT_TARGET } from "../compiler/codegen/wgsl/context.js";
import { compileSchedule } from "../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../compiler/opt/optimize.js";
import { writeGenerated } from "./generated-files.js";
import { loadGraph } from "./model-files.js";
import { archcVersion } from "./version.js";
import { printDiagnostics } from "./output.js";

export interface BuildTsOptions {
  file: string;
  /** One model (or block instantiation); every model of the file when absent. */
  model?: string;
  set: Record<string, number>;
  dir: string;
  /** `--capture` values: instance paths, `*` patterns, `all`. */
  capture: string[];
}

export async function buildTs(opts: BuildTsOptions): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`archc build: ${message}\n`);
    return 1;
  };
  const models = opts.model !== undefined ? [opts.model] : declaredModels(opts.file);
  if (models === undefined) return 1;
  if (models.length === 0)
    return fail(
      `${opts.file} declares no model: declare one (\`model Name = Block(...)\`) or give ` +
        `-m 'Block(d = 64)'`,
    );
  // Loaded here, not at startup: ts-morph brings the TypeScript compiler (about a second).
  const { generateModelFile, generateIndex } = await import("../compiler/codegen/ts/generate.js");
  const { modelConfig } = await import("../compiler/codegen/ts/config.js");
  const source = relative(process.cwd(), opts.file) || opts.file;
  const specs = captureSpecs(opts.capture);
  const command =
    `archc build ${source}${opts.model !== undefined ? ` -m ${opts.model}` : ""} --target ts` +
    (specs.length > 0 ? ` --capture ${specs.join(",")}` : "");

  // Every model first, in memory: nothing is written unless all build.
  const built: { model: string; graph: ReturnType<typeof loadGraph> & object; paths: string[] }[] =
    [];
  const unmatched = new Map<string, string[]>();
  let failed = 0;
  for (const model of models) {
    const loaded = loadGraph(opts.file, model, opts.set);
    if (!loaded) {
      failed++;
      if (models.length > 1) fail(`model ${model} does not build (diagnostics above)`);
      continue;
    }
    const config = modelConfig(opts.file, model);
    const points = capturePoints(loaded.graph, config.instances);
    const chosen = selectCaptures(specs, [...points.keys()]);
    for (const u of chosen.unmatched)
      unmatched.set(u, [
        ...(unmatched.get(u) ?? []),
        `${model}: ${[...points.keys()].join(", ") || "none"}`,
      ]);
    built.push({
      model,
      graph: { ...loaded, graph: withCaptures(loaded.graph, points, chosen.paths) },
      paths: chosen.paths,
    });
  }
  if (failed > 0)
    return fail(
      `${failed} of ${models.length} model${models.length === 1 ? "" : "s"} did not build; nothing was written`,
    );
  // A --capture that names nothing (in any of the models, when building several) is a mistake.
  const missing = [...unmatched].filter(([, where]) => where.length === models.length);
  if (missing.length > 0)
    return fail(
      `--capture ${missing.map(([u]) => `'${u}'`).join(", ")}: no such block instance. ` +
        `Capture points (or 'all'; '*' matches one path segment):\n` +
        missing[0]![1].map((w) => `  ${w}`).join("\n"),
    );

  const files: { path: string; text: string }[] = [];
  const names = [];
  try {
    for (const b of built) {
      const schedule = compileSchedule(optimizeGraph(b.graph.graph), DEFAULT_TARGET, {
        fuse: true,
      });
      for (const p of b.paths)
        if (!schedule.outputs.some((o) => o.name === captureOutput(p)))
          throw new CodegenError(`capture point ${p} of ${b.model} was lost by the optimizer`);
      const model = await generateModelFile({
        schedule,
        config: modelConfig(opts.file, b.model),
        source,
        version: archcVersion(),
        captures: b.paths,
        command,
        taken: names,
      });
      files.push(model.file);
      names.push(model.names);
    }
  } catch (e) {
    if (!(e instanceof CodegenError)) throw e;
    return fail(`${e.message}; nothing was written`);
  }
  files.push(await generateIndex(names));
  return writeGenerated(opts.dir, files) ? 0 : 1;
}

/** The models `file` declares, in order; undefined (diagnostics printed) when it does not parse. */
function declaredModels(file: string): string[] | undefined {
  const program = new Program();
  const m = program.load(file);
  const errors = m.file.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    printDiagnostics(errors, program.sources());
    return undefined;
  }
  return m.file.module.items
    .filter((i): i is A.ModelDecl => i.kind === "Model")
    .map((i) => i.name.name);
}
