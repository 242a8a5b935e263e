/**
 * `archc build --target ts`: a model as a TypeScript class (spec/codegen-ts.md). The class wraps
 * the model's WebGPU schedule (compiled for WebGPU's default limits, so it runs on any adapter)
 * and the runtime's executor; it imports only `archc/runtime`.
 *
 * The code is built with ts-morph's structures, never by concatenating TypeScript: names from the
 * `.arch` file pass through names.ts (identifiers) or JSON.stringify (string literals), and text
 * from it (doc comments, file names) through `commentText`. Then prettier formats it.
 */
import { format } from "prettier";
import {
  Project,
  Scope,
  VariableDeclarationKind,
  type OptionalKind,
  type SourceFile,
  type PropertySignatureStructure,
  type WriterFunction,
} from "ts-morph";
import { formatDimExpr, type TensorSpec } from "../../../runtime/graph.js";
import type { Schedule, ScheduleKernel } from "../../../runtime/schedule.js";
import { captureOutput } from "./captures.js";
import type { ConfigValue, ModelConfig } from "./config.js";
import { commentText, docText, toTypeName, uniqueIdentifiers } from "./names.js";

export interface GenerateOptions {
  schedule: Schedule;
  config: ModelConfig;
  /** The `.arch` file, as it should be named in the header. */
  source: string;
  /** archc's version, for the header. */
  version: string;
  /**
   * The capture points compiled in (instance paths; the schedule has an output `capture:P` for
   * each, see captures.ts). None when absent.
   */
  captures?: readonly string[];
  /** The command that regenerates the file, for the header (default: `archc build SOURCE -m MODEL --target ts`). */
  command?: string;
  /** Class names already taken by other models of the same index. */
  taken?: readonly ModelNames[];
}

export interface GeneratedFile {
  path: string;
  text: string;
}

/** What the generated module imports from `archc/runtime`. */
const RUNTIME_VALUES = ["acquireDevice", "checkedWeights", "RunError", "WebGPUExecutor"];
const RUNTIME_TYPES = [
  "AdapterChoice",
  "ExpectedTensor",
  "GpuDevice",
  "Schedule",
  "ScheduleKernel",
  "Tensor",
  "WeightsMap",
];
/** Module-level names of the generated file besides the class's own. */
const MODULE_NAMES = ["kernels", "schedule", "parameterSpecs", "capturePoints", "outputOf"];
/** The property of `forward`'s result that holds the captured tensors. */
const CAPTURED = "captured";

/** The names a model's generated module declares. */
export interface ModelNames {
  className: string;
  config: string;
  configConst: string;
  inputs: string;
  outputs: string;
  options: string;
  capture: string;
}

/**
 * The class and type names for a model: distinct from the runtime's and the module's names, and
 * (ignoring case, as file names on some systems do) from those of the models in `others`.
 */
export function modelNames(model: string, others: readonly ModelNames[] = []): ModelNames {
  const taken = new Set(
    [...RUNTIME_VALUES, ...RUNTIME_TYPES, ...MODULE_NAMES, ...others.flatMap(Object.values)].map(
      (n: string) => n.toLowerCase(),
    ),
  );
  let base = toTypeName(model);
  const names = (b: string): ModelNames => ({
    className: b,
    config: `${b}Config`,
    configConst: `${camelCase(b)}Config`,
    inputs: `${b}Inputs`,
    outputs: `${b}Outputs`,
    options: `${b}Options`,
    capture: `${b}Capture`,
  });
  const clashes = (b: string) => Object.values(names(b)).some((n) => taken.has(n.toLowerCase()));
  if (clashes(base)) base = `${base}Model`;
  const stem = base;
  for (let k = 2; clashes(base); k++) base = `${stem}${k}`;
  return names(base);
}

/** `TinyGPT` → `tinyGPT`, `GPT2Small` → `gpt2Small`, `HTMLModel` → `htmlModel`. */
function camelCase(name: string): string {
  const run = /^[A-Z]+/.exec(name)?.[0].length ?? 0;
  const lower = run > 1 && /[a-z]/.test(name[run] ?? "") ? run - 1 : Math.max(run, 1);
  return name.slice(0, lower).toLowerCase() + name.slice(lower);
}

/** `Name.ts` (the class) and `index.ts` for one model. */
export async function generateModelTs(opts: GenerateOptions): Promise<GeneratedFile[]> {
  const model = await generateModelFile(opts);
  return [model.file, await generateIndex([model.names])];
}

/** `Name.ts`: one model's class, with the names it declares. */
export async function generateModelFile(
  opts: GenerateOptions,
): Promise<{ file: GeneratedFile; names: ModelNames }> {
  const names = modelNames(opts.schedule.model, opts.taken);
  const text = await formatTs(modelModule(opts, names));
  return { file: { path: `${names.className}.ts`, text }, names };
}

/** `index.ts`: re-exports every model's class and types. */
export async function generateIndex(models: readonly ModelNames[]): Promise<GeneratedFile> {
  return { path: "index.ts", text: await formatTs(indexModule(models)) };
}

async function formatTs(text: string): Promise<string> {
  return format(text, { parser: "typescript", printWidth: 100 });
}

function newFile() {
  const project = new Project({ useInMemoryFileSystem: true });
  return project.createSourceFile("out.ts", "", { overwrite: true });
}

/** The file's text with `header` as `//` lines above everything (imports included). */
function withHeader(file: SourceFile, header: string[]): string {
  file.insertStatements(0, (w) => {
    for (const line of header) w.writeLine(`// ${commentText(line).replace(/\n/g, " ")}`);
    w.blankLine();
  });
  return file.getFullText();
}

function indexModule(models: readonly ModelNames[]): string {
  const file = newFile();
  for (const names of models)
    file.addExportDeclaration({
      moduleSpecifier: `./${names.className}.js`,
      namedExports: [
        names.className,
        names.configConst,
        { name: names.config, isTypeOnly: true },
        { name: names.inputs, isTypeOnly: true },
        { name: names.outputs, isTypeOnly: true },
        { name: names.options, isTypeOnly: true },
        { name: names.capture, isTypeOnly: true },
      ],
    });
  const list = models.map((m) => m.className).join(", ");
  return withHeader(file, [
    `Generated by archc: the ${list} model${models.length === 1 ? "" : "s"}.`,
  ]);
}

/**
 * A string as a template literal, so that WGSL keeps its lines: `\`, `` ` `` and `${` escaped,
 * and carriage returns written `\r` (a template literal would turn them into line feeds).
 */
function templateLiteral(text: string): string {
  return "`" + text.replace(/[\\`]|\$\{|\r/g, (m) => (m === "\r" ? "\\r" : `\\${m}`)) + "`";
}

/** The kernels as object literals, their WGSL as multi-line template literals. */
function kernelsLiteral(kernels: readonly ScheduleKernel[]): WriterFunction {
  return (w) => {
    w.write("[");
    for (const k of kernels) {
      w.write("{");
      for (const [key, value] of Object.entries(k))
        if (key !== "wgsl") w.write(`${literal(key)}: ${literal(value)},`);
      w.write(`wgsl: ${templateLiteral(k.wgsl)},`);
      w.write("},");
    }
    w.write("]");
  };
}

const shapeText = (t: TensorSpec) => `${t.dtype} [${t.shape.map(formatDimExpr).join(", ")}]`;
const literal = (v: unknown) => JSON.stringify(v);

function configType(v: ConfigValue): string {
  return Array.isArray(v) ? "readonly number[]" : typeof v;
}

function modelModule(opts: GenerateOptions, names: ModelNames): string {
  const { schedule, config } = opts;
  const file = newFile();
  file.addImportDeclaration({
    moduleSpecifier: "archc/runtime",
    namedImports: [...RUNTIME_VALUES, ...RUNTIME_TYPES.map((name) => ({ name, isTypeOnly: true }))],
  });

  // The config: the hyperparameters as compiled (changing them means recompiling).
  const configKeys = uniqueIdentifiers(config.hyperparameters.map(([k]) => k));
  const sizes = config.sizes.map(([k, v]) => `${k} = ${String(v)}`).join(", ");
  file.addInterface({
    name: names.config,
    isExported: true,
    docs: [docText(`The hyperparameters of ${schedule.model}, as compiled.`)],
    properties: config.hyperparameters.map(([k, v], i) => ({
      name: configKeys[i]!,
      type: configType(v),
      isReadonly: true,
      docs: configKeys[i] === k ? [] : [commentText(`\`${k}\` in the .arch source.`)],
    })),
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    isExported: true,
    docs: [docText(`${schedule.model}'s hyperparameters.`)],
    declarations: [
      {
        name: names.configConst,
        type: names.config,
        initializer: (w) => {
          w.write("{");
          config.hyperparameters.forEach(([, v], i) =>
            w.write(`${configKeys[i]!}: ${literal(v)},`),
          );
          w.write("}");
        },
      },
    ],
  });

  // Inputs and outputs: one property each, its shape in named dims. The schedule's outputs are
  // the model's, then one per capture point.
  const captures = opts.captures ?? [];
  const captureNames = new Set(captures.map(captureOutput));
  const modelOutputs = schedule.outputs.filter((o) => !captureNames.has(o.name));
  const captureValue = new Map(schedule.outputs.map((o) => [o.name, o.value]));
  const inputKeys = uniqueIdentifiers(schedule.inputs.map((i) => i.name));
  const outputKeys = uniqueIdentifiers(
    modelOutputs.map((o) => o.name),
    [CAPTURED],
  );
  const valueType = new Map(schedule.values.map((v) => [v.id, v.type]));
  const tensorProperty = (
    key: string,
    name: string,
    type: TensorSpec | undefined,
  ): OptionalKind<PropertySignatureStructure> => ({
    name: key,
    type: "Tensor",
    docs: [
      commentText(
        (type ? `${shapeText(type)}` : "a tensor") +
          (key === name ? "" : ` (\`${name}\` in the .arch source)`),
      ),
    ],
  });
  file.addInterface({
    name: names.inputs,
    isExported: true,
    docs: [
      docText(
        `The inputs of ${schedule.model}. Runtime dims (${schedule.dims.join(", ") || "none"}) are ` +
          `bound from their shapes and checked when \`forward\` runs.`,
      ),
    ],
    properties: schedule.inputs.map((inp, i) => tensorProperty(inputKeys[i]!, inp.name, inp.type)),
  });
  file.addInterface({
    name: names.outputs,
    isExported: true,
    docs: [docText(`The outputs of ${schedule.model}.`)],
    properties: modelOutputs.map((o, i) =>
      tensorProperty(outputKeys[i]!, o.name, valueType.get(o.value)),
    ),
  });
  const captureDocs = captures.map((p) => {
    const t = valueType.get(captureValue.get(captureOutput(p))!);
    return `- \`${p}\`: ${t ? shapeText(t) : "a tensor"}`;
  });
  file.addTypeAlias({
    name: names.capture,
    isExported: true,
    docs: [
      docText(
        captures.length > 0
          ? `The block instances whose outputs \`forward\` can capture, with their shapes:\n\n` +
              captureDocs.join("\n")
          : `The block instances whose outputs \`forward\` can capture: none (rebuild with ` +
              `\`archc build ... --capture PATH,...\` to compile some in).`,
      ),
    ],
    type: captures.length > 0 ? captures.map(literal).join(" | ") : "never",
  });
  file.addInterface({
    name: names.options,
    isExported: true,
    docs: [`How \`${names.className}.create\` gets a device when it is given none.`],
    properties: [
      {
        name: "adapter",
        type: "AdapterChoice",
        hasQuestionToken: true,
        docs: ["Which adapter (Node only): `auto` (default), `gpu`, `llvmpipe` or `null`."],
      },
    ],
  });

  // The schedule: plain data, compiled for WebGPU's default limits; the kernels first, their
  // WGSL as it will be compiled.
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      docText(
        `${schedule.model}'s WGSL kernels, one per fused group of operations; each starts with ` +
          `a comment naming the .arch operations it computes.`,
      ),
    ],
    declarations: [
      { name: "kernels", type: "ScheduleKernel[]", initializer: kernelsLiteral(schedule.kernels) },
    ],
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      docText(
        `${schedule.model}'s WebGPU schedule: ${schedule.kernels.length} kernels, ` +
          `${schedule.dispatches.length} dispatches, for WebGPU's default limits` +
          (captures.length > 0
            ? `; its last ${captures.length} output${captures.length === 1 ? " is a capture point" : "s are capture points"}.`
            : "."),
      ),
    ],
    declarations: [
      {
        name: "schedule",
        type: "Schedule",
        initializer: (w) => {
          w.write("{");
          for (const [key, value] of Object.entries(schedule))
            w.write(key === "kernels" ? "kernels," : `${literal(key)}: ${literal(value)},`);
          w.write("}");
        },
      },
    ],
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The parameters the weights must hold: names, dtypes and shapes."],
    declarations: [
      {
        name: "parameterSpecs",
        type: "readonly ExpectedTensor[]",
        initializer:
          "schedule.params.map((p) => ({ name: p.path, dtype: p.type.dtype, shape: p.type.shape }))",
      },
    ],
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      docText(
        `The capture points: each block instance's path and the schedule output holding its value.`,
      ),
    ],
    declarations: [
      {
        name: "capturePoints",
        type: "ReadonlyMap<string, string>",
        initializer: (w) => {
          w.write("new Map<string, string>([");
          for (const p of captures) w.write(`[${literal(p)}, ${literal(captureOutput(p))}],`);
          w.write("])");
        },
      },
    ],
  });
  file.addFunction({
    name: "outputOf",
    docs: ["One output of a run, by its .arch name."],
    parameters: [
      { name: "outputs", type: "ReadonlyMap<string, Tensor>" },
      { name: "name", type: "string" },
    ],
    returnType: "Tensor",
    statements: [
      "const t = outputs.get(name);",
      "if (t === undefined) throw new RunError(`the run returned no output '${name}'`);",
      "return t;",
    ],
  });

  const cls = names.className;
  const forwardInputs: WriterFunction = (w) => {
    w.write("new Map<string, Tensor>([");
    schedule.inputs.forEach((inp, i) =>
      w.write(`[${literal(inp.name)}, inputs.${inputKeys[i]!}],`),
    );
    w.write("])");
  };
  const forwardOutputs: WriterFunction = (w) => {
    w.write("{");
    modelOutputs.forEach((o, i) =>
      w.write(`${outputKeys[i]!}: outputOf(outputs, ${literal(o.name)}),`),
    );
    w.write(
      `${CAPTURED}: Object.fromEntries(capture.map((c) => [c, outputOf(outputs, capturePoints.get(c)!)])) as Record<C, Tensor>,`,
    );
    w.write("}");
  };
  const outputDocs = modelOutputs
    .map((o) => {
      const t = valueType.get(o.value);
      return `${o.name}: ${t ? shapeText(t) : "a tensor"}`;
    })
    .join("; ");
  const inputDocs = schedule.inputs.map((i) => `${i.name}: ${shapeText(i.type)}`).join("; ");

  file.addClass({
    name: cls,
    isExported: true,
    docs: [
      docText(
        (config.doc ? `${config.doc.trim()}\n\n` : "") +
          `${schedule.model} from ${opts.source}, on WebGPU.` +
          (sizes ? ` Example sizes: ${sizes}.` : "") +
          `\n\n\`\`\`ts\nconst model = await ${cls}.create();\nawait model.loadWeights(bytes);\n` +
          `const out = await model.forward(inputs);\n\`\`\``,
      ),
    ],
    properties: [
      {
        name: "config",
        isStatic: true,
        isReadonly: true,
        type: names.config,
        initializer: names.configConst,
        docs: ["The hyperparameters it was compiled with."],
      },
    ],
    ctors: [
      {
        scope: Scope.Private,
        parameters: [
          { name: "gpu", type: "GpuDevice", scope: Scope.Private, isReadonly: true },
          { name: "executor", type: "WebGPUExecutor", scope: Scope.Private, isReadonly: true },
          { name: "ownsDevice", type: "boolean", scope: Scope.Private, isReadonly: true },
        ],
      },
    ],
    methods: [
      {
        name: "create",
        isStatic: true,
        isAsync: true,
        docs: [
          docText(
            `A model on \`device\`, its kernels compiled; without one, on a device it acquires ` +
              `(and releases in \`dispose\`). Weights come next: \`loadWeights\`.`,
          ),
        ],
        parameters: [
          { name: "device", type: "GpuDevice", hasQuestionToken: true },
          { name: "opts", type: names.options, initializer: "{}" },
        ],
        returnType: `Promise<${cls}>`,
        statements: [
          "const gpu = device ?? (await acquireDevice(opts.adapter));",
          "const executor = new WebGPUExecutor(gpu, schedule);",
          [
            "try {",
            "  await executor.prepare();",
            "} catch (e) {",
            "  executor.dispose();",
            "  if (device === undefined) gpu.dispose();",
            "  throw e;",
            "}",
          ].join("\n"),
          `return new ${cls}(gpu, executor, device === undefined);`,
        ],
      },
      {
        name: "loadWeights",
        isAsync: true,
        docs: [
          docText(
            "Uploads the weights: safetensors bytes (as written by `archc init`), or a map from " +
              "checkpoint name to a `Tensor` or a plain array (`Float32Array` for f32, " +
              "`Int32Array` for i32, row-major, of the parameter's declared shape: see " +
              "`parameters()`). Every missing, unexpected, misshapen or mistyped weight is " +
              "listed in one `WeightsError`; nothing is uploaded then.",
          ),
        ],
        parameters: [
          { name: "weights", type: "Uint8Array | WeightsMap" },
          { name: "label", type: "string", initializer: literal("weights") },
        ],
        returnType: "Promise<void>",
        statements: [
          "await this.executor.setParams(checkedWeights(weights, parameterSpecs, label));",
        ],
      },
      {
        name: "forward",
        isAsync: true,
        typeParameters: [{ name: "C", constraint: names.capture, default: "never" }],
        docs: [
          docText(
            `Runs the model once. Inputs: ${inputDocs || "none"}. Outputs: ${outputDocs}. ` +
              "Wrong dtypes, ranks or runtime dims, and sizes over the adapter's limits, throw " +
              "a `RunError` naming the input and axis.\n\n" +
              `\`opts.capture\` names block instances (\`${names.capture}\`) whose outputs ` +
              `come back too, in \`${CAPTURED}\`` +
              (captures[0] !== undefined
                ? `:\n\n\`\`\`ts\nconst { ${CAPTURED} } = await model.forward(inputs, { capture: [${literal(captures[0])}] });\n` +
                  `${CAPTURED}[${literal(captures[0])}]; // ${shapeText(valueType.get(captureValue.get(captureOutput(captures[0]))!)!)}\n\`\`\``
                : ` (this build has none).`),
          ),
        ],
        parameters: [
          { name: "inputs", type: names.inputs },
          { name: "opts", type: "{ capture?: readonly C[] }", initializer: "{}" },
        ],
        returnType: `Promise<${names.outputs} & { ${CAPTURED}: Record<C, Tensor> }>`,
        statements: [
          "const capture = opts.capture ?? [];",
          [
            "const unknown = capture.filter((c) => !capturePoints.has(c));",
            "if (unknown.length > 0)",
            "  throw new RunError(",
            "    `cannot capture ${unknown.map((c) => `'${c}'`).join(\", \")}: ` +",
            `      (capturePoints.size > 0 ? \`capture points: \${[...capturePoints.keys()].join(", ")}\` : ${literal(`this build has no capture points (rebuild with \`archc build ... --capture PATH,...\`)`)}),`,
            "  );",
          ].join("\n"),
          (w) => {
            w.write("const tensors = ");
            forwardInputs(w);
            w.write(";");
          },
          `const wanted = [${modelOutputs.map((o) => literal(o.name)).join(", ")}${modelOutputs.length > 0 ? ", " : ""}...capture.map((c) => capturePoints.get(c)!)];`,
          "const outputs = await this.executor.run(tensors, wanted);",
          (w) => {
            w.write("return ");
            forwardOutputs(w);
            w.write(";");
          },
        ],
      },
      {
        name: "parameters",
        docs: ["Every parameter's checkpoint name and shape, in declaration order."],
        returnType: "{ name: string; shape: number[] }[]",
        statements: ["return parameterSpecs.map((p) => ({ name: p.name, shape: [...p.shape] }));"],
      },
      {
        name: "dispose",
        docs: ["Releases the GPU buffers (and the device, when `create` acquired it)."],
        returnType: "void",
        statements: ["this.executor.dispose();", "if (this.ownsDevice) this.gpu.dispose();"],
      },
    ],
  });
  const command = opts.command ?? `archc build ${opts.source} -m ${schedule.model} --target ts`;
  return withHeader(file, [
    `Generated by archc ${opts.version} from ${opts.source}, model ${schedule.model}.`,
    `Do not edit: rerun \`${command}\`.`,
  ]);
}
