/**
 * `archc check`: parses the given files and what they import, resolves names, then elaborates
 * every block on its own (hyperparameters without a value are symbolic) and every model with its
 * concrete hyperparameters, checking every shape. Also the entry point for instantiating one model
 * (or a block expression such as `HourglassFFN(d = 768, narrow = 640)`) for `archc info`/`run`.
 */
import type * as A from "../../grammar/ast.js";
import { parseExpression } from "../../grammar/parse.js";
import { diagnostic, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { Program, type ModuleInfo } from "../modules/program.js";
import { Dim } from "../shapes/dim.js";
import { Checker, DEFAULT_LIMITS, type CheckLimits } from "./checker.js";
import { Elaborator, NO_EMITTER, type Emitter } from "./elaborate.js";
import type { Env } from "./env.js";
import type { Instance } from "./instance.js";
import { buildScopes } from "./scope.js";
import { describe, UNKNOWN, type BlockValue, type Value } from "./values.js";

export { Program } from "../modules/program.js";
export type { Instance, ParamInfo } from "./instance.js";

export interface CheckOptions {
  limits?: CheckLimits;
  /** Ranks of the model inputs' variadic runs (`...S` -> 2); found by trial when absent. */
  ranks?: Map<string, number>;
}

export interface CheckResult {
  program: Program;
  diagnostics: Diagnostic[];
}

/** Loads the files into `program` (reusing unchanged modules) and checks them. */
export function checkFiles(
  program: Program,
  paths: string[],
  opts: CheckOptions = {},
  emitter: Emitter = NO_EMITTER,
): CheckResult {
  const roots = paths.map((p) => program.load(p));
  const { checker, elaborator } = prepare(program, opts, emitter);
  for (const m of roots) checkModule(m, checker, elaborator);
  return { program, diagnostics: collect(program, checker, roots) };
}

function prepare(
  program: Program,
  opts: CheckOptions,
  emitter: Emitter = NO_EMITTER,
): { checker: Checker; elaborator: Elaborator; scopeDiags: Diagnostic[] } {
  const modules = program.all();
  const { scopes, diagnostics } = buildScopes(program, modules);
  const checker = new Checker(program, scopes, opts.limits ?? DEFAULT_LIMITS);
  checker.diagnostics.push(...diagnostics);
  return { checker, elaborator: new Elaborator(checker, emitter), scopeDiags: diagnostics };
}

/** Diagnostics of the checked files and of every module they pulled in, in reading order. */
function collect(program: Program, checker: Checker, roots: ModuleInfo[]): Diagnostic[] {
  const files = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const m = pending.pop()!;
    if (files.has(m.path)) continue;
    files.add(m.path);
    for (const imp of m.imports) {
      const t = imp.target ? program.get(imp.target) : undefined;
      if (t) pending.push(t);
    }
  }
  const parse = program
    .all()
    .filter((m) => files.has(m.path))
    .flatMap((m) => m.file.diagnostics);
  return sortDiagnostics([...parse, ...checker.diagnostics]);
}

function checkModule(m: ModuleInfo, checker: Checker, el: Elaborator): void {
  const env = (): Env => ({ module: m, statics: new Map(), chain: [], depth: 0 });
  for (const item of m.file.module.items) {
    if (checker.isBroken(m, item.span)) continue;
    switch (item.kind) {
      case "Block":
        checkBlock(item, m, el);
        break;
      case "Model": {
        const model = instantiateModel(el, item.value, env(), item.name.name, item.value.span);
        if (model) checkSizes(item, model.instance, m, el);
        break;
      }
      case "Let":
        el.evaluate(item.value, env(), false);
        break;
      case "Interface":
        for (const p of item.params) if (p.type) el.resolveType(p.type, env());
        break;
      case "Fn":
      case "Import":
        break;
    }
  }
}

/** A block on its own: hyperparameters without a default are symbolic; its forward runs on symbolic inputs. */
function checkBlock(decl: A.BlockDecl, m: ModuleInfo, el: Elaborator): void {
  const bv: BlockValue = { kind: "block", block: { decl, module: m }, bound: new Map() };
  const site = { file: m.displayPath, span: decl.name.span };
  const inst = el.instantiate(bv, "", site, [], true);
  if (inst) runForward(el, inst, "");
}

/** Calls an instance's forward on symbolic tensors of its declared input types. */
export function runForward(
  el: Elaborator,
  inst: Instance,
  prefix: string,
  ranks?: Map<string, number>,
): Value {
  const f = inst.forward;
  if (!f) return UNKNOWN;
  const env: Env = {
    module: inst.block.module,
    statics: inst.statics,
    chain: inst.chain,
    depth: 0,
    instance: inst,
  };
  const run = (rank: number) => {
    const inputs = f.inputs.map((p) => {
      const t = p.type;
      if (t?.kind !== "TensorType") return { value: UNKNOWN, span: p.span };
      const run = t.dims.find((d): d is A.VariadicDim => d.kind === "VariadicDim");
      const k = run ? (ranks?.get(run.name?.name ?? "") ?? rank) : rank;
      const value = el.symbolicTensor(t, env, prefix, k);
      if (value.kind === "tensor" && el.emitter.input) {
        const id = el.emitter.input(p.name.name, value.type);
        if (id !== undefined) value.id = id;
      }
      return { value, span: p.span };
    });
    return el.callForwardWith(inst, inputs, env, f.span, false);
  };
  const variadic = f.inputs.some(
    (p) => p.type?.kind === "TensorType" && p.type.dims.some((d) => d.kind === "VariadicDim"),
  );
  if (!variadic || ranks) return run(1);
  // The rank of a variadic run is not declared: find one the forward accepts (a block on
  // [...S, d] may hold a layer on [B, T, d]). Trials run quietly and leave nothing behind.
  const emitter = el.emitter;
  el.emitter = NO_EMITTER;
  // With errors at every rank, the rank with the fewest explains the real mistake best.
  let rank = 1;
  let fewest = Infinity;
  for (const k of [1, 2, 3, 0]) {
    const mark = el.checker.mark();
    run(k);
    const errors = el.checker.errorsSince(mark);
    el.checker.rollback(mark);
    if (errors < fewest) {
      fewest = errors;
      rank = k;
    }
    if (errors === 0) break;
  }
  el.emitter = emitter;
  return run(rank);
}

/**
 * Instantiates a model: a fully bound block value (a model's value, or an instantiation
 * expression given on the command line) at the root path.
 */
export function instantiateModel(
  el: Elaborator,
  value: A.Expr,
  env: Env,
  label: string,
  span: A.Span,
  ranks?: Map<string, number>,
): { instance: Instance; output: Value } | undefined {
  const v = el.evaluate(value, env, false);
  if (v.kind === "unknown") return undefined;
  if (v.kind !== "block") {
    el.checker.report(
      "A0302",
      `model ${label} must be a block value, got ${describe(v)}`,
      { file: env.module.displayPath, span: value.span },
      [],
    );
    return undefined;
  }
  const instance = el.instantiate(v, "", { file: env.module.displayPath, span }, [], false);
  if (!instance) return undefined;
  return { instance, output: runForward(el, instance, "", ranks) };
}

/** The runtime dims a model's inputs introduce: `B`, `T`, and `S` for a run `...S`. */
export function runtimeDims(
  el: Elaborator,
  inst: Instance,
): { names: Set<string>; variadic: Set<string> } {
  const names = new Set<string>();
  const variadic = new Set<string>();
  const env: Env = {
    module: inst.block.module,
    statics: inst.statics,
    chain: [],
    depth: 0,
    instance: inst,
  };
  for (const p of inst.forward?.inputs ?? []) {
    if (p.type?.kind !== "TensorType") continue;
    for (const d of p.type.dims) {
      if (d.kind === "VariadicDim") {
        if (d.name) variadic.add(d.name.name);
      } else if (
        d.kind === "Name" &&
        !inst.statics.has(d.name) &&
        el.isRuntimeDimName(d.name, env)
      ) {
        names.add(d.name);
      }
    }
  }
  return { names, variadic };
}

/** A model's `with` sizes: each names a runtime dim of its inputs, once, with a positive size. */
function checkSizes(decl: A.ModelDecl, inst: Instance, m: ModuleInfo, el: Elaborator): void {
  const { names, variadic } = runtimeDims(el, inst);
  const seen = new Set<string>();
  const env: Env = { module: m, statics: new Map(), chain: [], depth: 0 };
  const at = (span: A.Span) => ({ file: m.displayPath, span });
  for (const s of decl.sizes) {
    const n = s.name.name;
    if (seen.has(n)) {
      el.checker.report("A0320", `the size of '${n}' is given twice`, at(s.name.span), []);
      continue;
    }
    seen.add(n);
    if (!names.has(n) && !variadic.has(n)) {
      const all = [...names, ...[...variadic].map((v) => `...${v}`)];
      el.checker.report(
        "A0320",
        `model ${decl.name.name} has no runtime dim '${n}'`,
        at(s.name.span),
        [],
        {
          help:
            all.length > 0
              ? `its inputs' runtime dims are ${all.join(", ")}`
              : "its inputs have no runtime dims",
        },
      );
      continue;
    }
    const v = el.evaluate(s.value, env, false);
    const sizes = variadic.has(n) && (v.kind === "tuple" || v.kind === "list") ? v.items : [v];
    for (const x of sizes) {
      if (x.kind === "unknown") continue;
      const k = x.kind === "int" ? x.dim.value : undefined;
      if (k === undefined || k <= 0) {
        el.checker.report(
          "A0320",
          `the size of '${n}' must be a positive int${variadic.has(n) ? " or a tuple of them" : ""}, got ${describe(x)}`,
          at(s.value.span),
          [],
        );
        break;
      }
    }
  }
}

export interface ModelTarget {
  /** A model declared in the file, or an instantiation expression of a block in scope. */
  model: string;
}

export interface LoadedModel {
  program: Program;
  diagnostics: Diagnostic[];
  instance?: Instance;
  /** The value the model's forward returns (tensors carry the emitter's ids). */
  output?: Value;
  module: ModuleInfo;
  /** The `with` sizes of a declared model. */
  sizes: Map<string, Value>;
}

/**
 * Instantiates `target` in `file`: the name of a model declared there, or an expression such as
 * `HourglassFFN(d = 768, narrow = 640)` evaluated in the file's scope.
 */
export function loadModel(
  program: Program,
  file: string,
  target: string,
  opts: CheckOptions = {},
  emitter: Emitter = NO_EMITTER,
): LoadedModel {
  const m = program.load(file);
  const { checker, elaborator } = prepare(program, opts, emitter);
  const env: Env = { module: m, statics: new Map(), chain: [], depth: 0 };
  const sizes = new Map<string, Value>();
  const declared = m.file.module.items.find(
    (i): i is A.ModelDecl => i.kind === "Model" && i.name.name === target,
  );
  let model: { instance: Instance; output: Value } | undefined;
  if (declared) {
    model = instantiateModel(
      elaborator,
      declared.value,
      env,
      target,
      declared.value.span,
      opts.ranks,
    );
    for (const s of declared.sizes)
      sizes.set(s.name.name, elaborator.evaluate(s.value, env, false));
  } else {
    const parsed = parseExpression(target, "--model");
    const cli = program.addVirtual(`${m.path}#--model`, "--model", {
      path: "--model",
      text: target,
      source: parsed.source,
      module: {
        kind: "Module",
        file: "--model",
        items: [],
        comments: [],
        span: { start: 0, end: target.length },
      },
      diagnostics: parsed.diagnostics,
    });
    if (!parsed.expr) {
      const models = m.file.module.items
        .filter((i): i is A.ModelDecl => i.kind === "Model")
        .map((i) => i.name.name);
      checker.diagnostics.push(
        diagnostic(
          "A0319",
          `'${target}' is neither a model of ${m.displayPath} nor a block instantiation`,
          { file: "--model", span: { start: 0, end: target.length } },
          {
            help:
              models.length > 0
                ? `models here: ${models.join(", ")}; or write an expression such as 'Block(d = 64)'`
                : "write an expression such as 'Block(d = 64)'",
          },
        ),
      );
    } else {
      // The expression sees what the file sees; its spans point into the --model text.
      const scope = checker.scope(m);
      checker.scopes.set(cli.path, {
        module: cli,
        own: new Map(),
        names: scope.names,
        ambiguous: scope.ambiguous,
      });
      const cliEnv: Env = { module: cli, statics: new Map(), chain: [], depth: 0 };
      model = instantiateModel(
        elaborator,
        parsed.expr,
        cliEnv,
        target,
        parsed.expr.span,
        opts.ranks,
      );
    }
  }
  const cli = program.get(`${m.path}#--model`);
  const diagnostics = collect(program, checker, cli ? [m, cli] : [m]);
  const result: LoadedModel = { program, diagnostics, module: m, sizes };
  if (model) {
    result.instance = model.instance;
    result.output = model.output;
  }
  return result;
}

export { Dim };
