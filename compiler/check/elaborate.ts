/**
 * Elaboration: evaluates .arch code under concrete (or symbolic) hyperparameters. It binds block
 * values, instantiates blocks into instance trees (parameters with shapes and checkpoint paths),
 * and runs forwards over tensor types, checking every shape on the way. The same pass serves
 * `archc check` (diagnostics), `archc info` (parameters, FLOPs) and graph building (an Emitter
 * records each primitive it applies).
 */
import { parseExpression } from "../../grammar/parse.js";
import type * as A from "../../grammar/ast.js";
import type { Location } from "../diagnostics/diagnostic.js";
import { Dim, DimOverflowError } from "../shapes/dim.js";
import { formatShape, formatType, numel, type DType, type TensorType } from "../ops/types.js";
import { BINARY_OPERATORS, type Bound, type IndexElem, type InferOk } from "../ops/index.js";
import { escapeMessage } from "../../runtime/bind.js";
import type { InitSpec } from "../../runtime/random.js";
import { staticBinary, staticCall, staticUnary } from "./arith.js";
import {
  CONSTANTS,
  COMPILE_TIME_FUNCTIONS,
  DTYPE_NAMES,
  INITIALIZERS,
  PRIMITIVE_NAMES,
} from "./builtins.js";
import type { Checker } from "./checker.js";
import { at, staticEnv, type Env } from "./env.js";
import type { Frame, Instance, ParamInfo } from "./instance.js";
import { applyPrimitive, type PrimitiveArg } from "./primitives.js";
import { suggest, type TopDecl } from "./scope.js";
import {
  blockValueString,
  describe,
  shortValue,
  typeString,
  UNKNOWN,
  type BlockValue,
  type HyperType,
  type InterfaceRef,
  type Value,
} from "./values.js";

/** What elaboration does with each primitive it applies (count FLOPs, build a graph). */
/**
 * What elaboration does with what it finds (count FLOPs, build a graph). Tensor values carry the
 * ids an emitter gives them, so a graph builder can connect the primitives it sees.
 */
export interface Emitter {
  /** A primitive applied; returns ids for its outputs (or nothing). */
  primitive(
    name: string,
    args: PrimitiveArg[],
    result: PrimitiveApplied,
    instance: Instance | undefined,
    span: Location,
  ): number[] | void;
  /** A parameter declared; returns its id. */
  param?(info: ParamInfo, type: TensorType): number | void;
  /** A model input; returns its id. */
  input?(name: string, type: TensorType): number | void;
  /** A runtime requirement (comparisons of runtime dims, all must hold), checked when it runs. */
  check?(checks: RuntimeCheck[], message: string, span: Location): void;
  /**
   * Query hook for tools (the language server's hover): every expression evaluated, with its
   * value and environment. Observing only; it must not change what elaboration does.
   */
  observeValue?(e: A.Expr, v: Value, env: Env): void;
  /** Query hook for tools: every block instance created (a layer, a model, a block on its own). */
  observeInstance?(inst: Instance): void;
}

export interface RuntimeCheck {
  lhs: Dim;
  op: "==" | "!=" | "<" | "<=" | ">" | ">=";
  rhs: Dim;
}

/** The outcome of a primitive the elaborator applied. */
export interface PrimitiveApplied {
  out: TensorType[];
  flops: Dim;
  bytes: Dim;
  plan: InferOk;
  bound: Bound;
  sources: Record<string, number>;
}

export const NO_EMITTER: Emitter = { primitive: () => {} };

const PRIMITIVES = new Set<string>(PRIMITIVE_NAMES);
const COMPILE_TIME = new Set<string>(COMPILE_TIME_FUNCTIONS);
const INITS = new Set<string>(INITIALIZERS);
const DTYPES = new Set<string>(DTYPE_NAMES);

/** A block value that came through an interface-typed hyperparameter remembers the interface. */
interface Conformance {
  iface: InterfaceRef;
  args: Map<string, Value>;
  span: Location;
}
const conformance = new WeakMap<BlockValue, Conformance>();

export class Elaborator {
  private instanceCount = 0;
  /** Expressions evaluated so far: a function that calls itself twice per level is exponential. */
  steps = 0;
  private exhausted = false;

  constructor(
    readonly checker: Checker,
    public emitter: Emitter = NO_EMITTER,
  ) {}

  private report(
    code: string,
    message: string,
    env: Env,
    span: A.Span,
    init: Parameters<Checker["report"]>[4] = {},
  ): void {
    this.checker.report(code, message, at(env.module, span), env.chain, init);
  }

  // ================================================================== names

  /** A module-level declaration as a value. */
  private declValue(d: TopDecl, env: Env, span: A.Span): Value {
    switch (d.kind) {
      case "block":
        return { kind: "block", block: { decl: d.decl, module: d.module }, bound: new Map() };
      case "fn":
        return { kind: "fn", fn: { decl: d.decl, module: d.module } };
      case "module":
        return { kind: "module", module: d.target, spec: d.decl.path.value };
      case "poison":
        return UNKNOWN;
      case "let":
        return this.topLevelLet(d.decl, d.module);
      case "model":
        return this.modelValue(d.decl, d.module);
      case "interface":
        this.report("A0302", `interface '${d.decl.name.name}' is a type, not a value`, env, span, {
          help: `use it as a hyperparameter type: ffn: ${d.decl.name.name}(d)`,
        });
        return UNKNOWN;
    }
  }

  private readonly letCache = new Map<A.LetDecl, Value | "evaluating">();

  private topLevelLet(decl: A.LetDecl, module: Env["module"]): Value {
    const cached = this.letCache.get(decl);
    if (cached === "evaluating") {
      this.checker.report(
        "A0301",
        "this constant is defined in terms of itself",
        at(module, decl.span),
        [],
      );
      return UNKNOWN;
    }
    if (cached) return cached;
    this.letCache.set(decl, "evaluating");
    const env: Env = { module, statics: new Map(), chain: [], depth: 0 };
    const v = this.evaluate(decl.value, env, false);
    this.letCache.set(decl, v);
    return v;
  }

  private modelValue(decl: A.ModelDecl, module: Env["module"]): Value {
    const env: Env = { module, statics: new Map(), chain: [], depth: 0 };
    return this.evaluate(decl.value, env, false);
  }

  /** Finds a name: locals, members, runtime dims, statics, module scope, built-ins. */
  private lookup(name: string, env: Env, tensor: boolean, span: A.Span): Value | undefined {
    if (tensor) {
      const local = env.locals?.get(name) ?? env.members?.get(name);
      if (local) return local;
    }
    const d = env.dims?.get(name);
    if (d) return d;
    const s = env.statics.get(name);
    if (s) return s;
    const scope = this.checker.scope(env.module);
    const amb = scope.ambiguous.get(name);
    if (amb) {
      this.report("A0203", `'${name}' is provided by several imports`, env, span, {
        notes: amb.map(
          (x) => `one is in ${(x.kind === "module" ? x.target : x.module).displayPath}`,
        ),
        help: `import it by name: import { ${name} } from "..."`,
      });
      return UNKNOWN;
    }
    const decl = scope.names.get(name);
    if (decl) return this.declValue(decl, env, span);
    if (name in CONSTANTS) return { kind: "float", value: CONSTANTS[name]! };
    if (DTYPES.has(name)) return { kind: "dtype", dtype: name as DType };
    if (PRIMITIVES.has(name) || COMPILE_TIME.has(name)) return { kind: "primitive", name };
    return undefined;
  }

  private unknownName(name: string, env: Env, span: A.Span, tensor: boolean): Value {
    const candidates = new Set<string>([
      ...(tensor ? [...(env.locals?.keys() ?? []), ...(env.members?.keys() ?? [])] : []),
      ...(env.dims?.keys() ?? []),
      ...env.statics.keys(),
      ...this.checker.scope(env.module).names.keys(),
    ]);
    const tensorValue = tensor ? undefined : (env.locals?.get(name) ?? env.members?.get(name));
    if (tensorValue) {
      const what =
        tensorValue.kind === "layer" || tensorValue.kind === "layers"
          ? "a layer"
          : env.locals?.has(name)
            ? "a tensor computed in forward"
            : "a parameter (a tensor)";
      this.report(
        "A0302",
        `'${name}' is ${what} and cannot be used in a compile-time position`,
        env,
        span,
        {
          help: "shapes, conditions and hyperparameters take compile-time values: hyperparameters, lets, numbers",
        },
      );
      return UNKNOWN;
    }
    const help = /^(f|i|u|bf)\d+$|^(float|int)\d+$/.test(name)
      ? "dtypes are f32, i32 and bool (f16 is reserved)"
      : suggest(name, [...candidates]);
    this.report(
      "A0301",
      `unknown ${help.startsWith("dtypes") ? "dtype" : "name"} '${name}'`,
      env,
      span,
      { help },
    );
    return UNKNOWN;
  }

  // ================================================================== expressions

  /**
   * Evaluates an expression. `tensor` says whether this is a tensor position (inside forward);
   * `expected` lets a bare enum member name resolve.
   */
  evaluate(e: A.Expr, env: Env, tensor: boolean, expected?: HyperType): Value {
    if (++this.steps > this.checker.limits.maxSteps) {
      if (!this.exhausted) {
        this.exhausted = true;
        this.report(
          "A0502",
          `elaboration stopped after ${this.checker.limits.maxSteps.toLocaleString("en-US")} steps: the model is far too large, or functions call each other exponentially often`,
          env,
          e.span,
          { help: "a function that calls another twice per level doubles the work at every level" },
        );
      }
      return UNKNOWN;
    }
    try {
      const v = this.evaluateInner(e, env, tensor, expected);
      this.emitter.observeValue?.(e, v, env);
      return v;
    } catch (err) {
      if (err instanceof DimOverflowError) {
        this.report("A0503", err.message, env, e.span, {
          help: "sizes this large cannot be allocated",
        });
        return UNKNOWN;
      }
      throw err;
    }
  }

  private evaluateInner(e: A.Expr, env: Env, tensor: boolean, expected?: HyperType): Value {
    switch (e.kind) {
      case "Number":
        if (!e.isFloat) {
          if (!Number.isSafeInteger(e.value)) {
            this.report("A0503", `${e.raw} is larger than 2^53`, env, e.span);
            return UNKNOWN;
          }
          return { kind: "int", dim: Dim.const(e.value) };
        }
        return { kind: "float", value: e.value };
      case "String":
        return { kind: "string", value: e.value };
      case "Bool":
        return { kind: "bool", value: e.value };
      case "Error":
        return UNKNOWN;
      case "Name": {
        if (
          expected?.kind === "enum" &&
          expected.members.includes(e.name) &&
          !env.statics.has(e.name)
        ) {
          return { kind: "enum", members: expected.members, member: e.name };
        }
        const v = this.lookup(e.name, env, tensor, e.span);
        if (expected?.kind === "enum" && (!v || (v.kind !== "enum" && v.kind !== "unknown"))) {
          this.report(
            "A0306",
            `'${e.name}' is not a member of enum { ${expected.members.join(", ")} }`,
            env,
            e.span,
            {
              help: suggest(e.name, expected.members),
            },
          );
          return UNKNOWN;
        }
        return v ?? this.unknownName(e.name, env, e.span, tensor);
      }
      case "Tuple":
        return { kind: "tuple", items: e.elems.map((x) => this.evaluate(x, env, tensor)) };
      case "List":
        return { kind: "list", items: e.elems.map((x) => this.evaluate(x, env, tensor)) };
      case "If": {
        const cond = this.evaluate(e.cond, staticEnv(env), false);
        const b = this.condition(cond, env, e.cond.span);
        if (b === undefined) return this.undecided(e, env, tensor, expected);
        return this.evaluate(b ? e.then : e.else, env, tensor, expected);
      }
      case "Unary": {
        const v = this.evaluate(e.operand, env, tensor);
        if (v.kind === "tensor")
          return this.primitive(
            e.op === "-" ? "neg" : "not",
            [{ value: v, span: e.operand.span }],
            env,
            e.span,
          );
        const r = staticUnary(e.op, v);
        if (!r.ok) {
          this.report("A0302", r.message, env, e.span);
          return UNKNOWN;
        }
        return r.value;
      }
      case "Binary":
        return this.binary(e, env, tensor);
      case "Call":
        return this.call(e, env, tensor);
      case "Member":
        return this.member(e, env, tensor);
      case "Index":
        return this.index(e, env, tensor);
    }
  }

  /**
   * An `if` whose condition depends on a symbolic hyperparameter (a block checked on its own):
   * both branches are checked; when they agree on a tensor type, that is the result.
   */
  private undecided(e: A.IfExpr, env: Env, tensor: boolean, expected?: HyperType): Value {
    if (!env.instance?.generic) return UNKNOWN;
    const a = this.evaluate(e.then, env, tensor, expected);
    const b = this.evaluate(e.else, env, tensor, expected);
    if (a.kind === "tensor" && b.kind === "tensor" && a.type.dtype === b.type.dtype) {
      const eq = this.checker.equalities;
      if (
        a.type.shape.length === b.type.shape.length &&
        a.type.shape.every((d, i) => eq.equal(d, b.type.shape[i]!))
      )
        return a;
    }
    if (a.kind === "float" && b.kind === "float") return { kind: "float", value: NaN };
    return UNKNOWN;
  }

  /** A compile-time condition: its bool, or undefined (reported unless unknown already). */
  condition(v: Value, env: Env, span: A.Span): boolean | undefined {
    if (v.kind === "bool") return v.value;
    if (v.kind !== "unknown") {
      this.report(
        "A0302",
        `a condition must be a compile-time bool, got ${describe(v)}`,
        env,
        span,
      );
    } else if (env.instance?.generic !== true && this.dependsOnRuntime(v)) {
      // unknown for other reasons is silent: an error was reported where it came from
    }
    return undefined;
  }

  private dependsOnRuntime(_v: Value): boolean {
    return false;
  }

  private binary(e: A.Binary, env: Env, tensor: boolean): Value {
    let left = this.evaluate(e.left, env, tensor);
    let right: Value;
    // `layout == half`: a bare enum member on one side takes the other side's enum.
    if ((e.op === "==" || e.op === "!=") && left.kind === "enum" && e.right.kind === "Name") {
      right = this.evaluate(e.right, env, tensor, { kind: "enum", members: left.members });
    } else {
      right = this.evaluate(e.right, env, tensor);
    }
    if (
      (e.op === "==" || e.op === "!=") &&
      right.kind === "enum" &&
      left.kind === "unknown" &&
      e.left.kind === "Name"
    ) {
      left = this.evaluate(e.left, env, tensor, { kind: "enum", members: right.members });
    }
    if (left.kind === "tensor" || right.kind === "tensor") {
      if (!tensor) {
        this.report("A0302", "a tensor cannot be used in a compile-time position", env, e.span);
        return UNKNOWN;
      }
      return this.primitive(
        BINARY_OPERATORS[e.op]!,
        [
          { value: left, span: e.left.span },
          { value: right, span: e.right.span },
        ],
        env,
        e.span,
      );
    }
    const r = staticBinary(e.op, left, right, (a, b) => this.checker.equalities.equal(a, b));
    if (!r.ok) {
      const code = e.op === "/" || e.op === "%" ? "A0307" : "A0302";
      this.report(code, r.message, env, e.span, r.help ? { help: r.help } : {});
      return UNKNOWN;
    }
    return r.value;
  }

  private member(e: A.Member_, env: Env, tensor: boolean): Value {
    const obj = this.evaluate(e.object, env, tensor);
    const name = e.name.name;
    switch (obj.kind) {
      case "unknown":
        return UNKNOWN;
      case "module": {
        const d = this.checker.scope(obj.module).own.get(name);
        if (!d) {
          this.report(
            "A0301",
            `module "${obj.spec}" has no declaration '${name}'`,
            env,
            e.name.span,
            {
              help: suggest(name, [...this.checker.scope(obj.module).own.keys()]),
            },
          );
          return UNKNOWN;
        }
        return this.declValue(d, env, e.name.span);
      }
      case "layer": {
        const m = obj.instance.members.get(name);
        if (!m) {
          this.report(
            "A0301",
            `layer '${obj.instance.path}' (${obj.instance.block.decl.name.name}) has no parameter or layer '${name}'`,
            env,
            e.name.span,
            {
              help: suggest(name, [...obj.instance.members.keys()]),
            },
          );
          return UNKNOWN;
        }
        return m;
      }
      default:
        this.report("A0302", `${describe(obj)} has no member '${name}'`, env, e.name.span);
        return UNKNOWN;
    }
  }

  private index(e: A.Index, env: Env, tensor: boolean): Value {
    const obj = this.evaluate(e.object, env, tensor);
    if (obj.kind === "unknown") return UNKNOWN;
    if (obj.kind === "tensor") {
      const elems = e.indices.map((i) => this.indexElem(i, env));
      if (elems.some((x) => x === undefined)) return UNKNOWN;
      return this.primitive(
        "slice",
        [
          { value: obj, span: e.object.span },
          { index: elems as IndexArg[], span: e.span },
        ],
        env,
        e.span,
      );
    }
    if (obj.kind === "layers" || obj.kind === "tuple" || obj.kind === "list") {
      const items = obj.kind === "layers" ? obj.instances : obj.items;
      const first = e.indices[0];
      if (
        e.indices.length !== 1 ||
        !first ||
        first.kind === "Slice" ||
        first.kind === "EllipsisIndex"
      ) {
        this.report("A0302", `${describe(obj)} takes one index`, env, e.span);
        return UNKNOWN;
      }
      const iv = this.evaluate(first, staticEnv(env), false);
      const i = iv.kind === "int" ? iv.dim.value : undefined;
      if (i === undefined) {
        if (iv.kind !== "unknown")
          this.report(
            "A0302",
            `an index must be a compile-time int, got ${describe(iv)}`,
            env,
            first.span,
          );
        return UNKNOWN;
      }
      const k = i < 0 ? items.length + i : i;
      const item = items[k];
      if (item === undefined) {
        this.report(
          "A0302",
          `index ${i} is out of range: ${obj.kind === "layers" ? "the stack has" : `the ${obj.kind} has`} ${items.length} ${obj.kind === "layers" ? "layers" : "items"}`,
          env,
          first.span,
        );
        return UNKNOWN;
      }
      return obj.kind === "layers"
        ? { kind: "layer", instance: item as Instance }
        : (item as Value);
    }
    this.report("A0302", `${describe(obj)} cannot be indexed`, env, e.span);
    return UNKNOWN;
  }

  private indexElem(i: A.IndexElem, env: Env): IndexArg | undefined {
    if (i.kind === "EllipsisIndex") return { kind: "ellipsis" };
    const dim = (x: A.Expr | undefined): Dim | undefined | null => {
      if (!x) return undefined;
      const v = this.evaluate(x, staticEnv(env), false);
      if (v.kind === "int") return v.dim;
      if (v.kind !== "unknown")
        this.report("A0302", `a slice bound must be an int, got ${describe(v)}`, env, x.span);
      return null;
    };
    if (i.kind === "Slice") {
      const start = dim(i.start);
      const stop = dim(i.stop);
      const step = dim(i.step);
      if (start === null || stop === null || step === null) return undefined;
      const out: IndexArg = { kind: "slice" };
      if (start) out.start = start;
      if (stop) out.stop = stop;
      if (step) {
        if (step.value === undefined || step.value <= 0) {
          this.report(
            "A0302",
            `a slice step must be a positive compile-time int, got ${step}`,
            env,
            i.step!.span,
          );
          return undefined;
        }
        out.step = step.value;
      }
      return out;
    }
    const d = dim(i);
    return d ? { kind: "int", value: d } : undefined;
  }

  // ================================================================== calls

  private call(e: A.Call, env: Env, tensor: boolean): Value {
    const callee = this.evaluate(e.callee, env, tensor);
    const name = e.callee.kind === "Name" ? e.callee.name : undefined;
    switch (callee.kind) {
      case "unknown":
        for (const a of e.args) this.evaluate(a.value, env, tensor);
        return UNKNOWN;
      case "block":
        return this.applyBlock(callee, e.args, env, e.span);
      case "abstractBlock":
        this.report(
          "A0302",
          `${describe(callee)} cannot be given more hyperparameters here`,
          env,
          e.span,
        );
        return UNKNOWN;
      case "layer":
      case "layers":
        if (!tensor) {
          this.report("A0302", `layer '${name ?? "?"}' can only be called in forward`, env, e.span);
          return UNKNOWN;
        }
        return this.callLayer(callee, e, env);
      case "fn":
        return this.callFn(callee.fn, e, env, tensor);
      case "primitive": {
        const args = e.args.map((a) => ({
          name: a.name,
          value: this.evaluate(a.value, env, tensor),
          span: a.value.span,
        }));
        if (COMPILE_TIME.has(callee.name) && args.every((a) => !a.name)) {
          const r = staticCall(
            callee.name,
            args.map((a) => a.value),
          );
          if (r) {
            if (!r.ok) {
              this.report("A0302", r.message, env, e.span);
              return UNKNOWN;
            }
            return r.value;
          }
        }
        if (!PRIMITIVES.has(callee.name)) {
          this.report(
            "A0302",
            `${callee.name} is a compile-time function of numbers, got ${args.map((a) => describe(a.value)).join(", ")}`,
            env,
            e.span,
          );
          return UNKNOWN;
        }
        if (!tensor && args.some((a) => a.value.kind === "tensor")) {
          this.report("A0302", "a tensor cannot be used in a compile-time position", env, e.span);
          return UNKNOWN;
        }
        return this.primitive(
          callee.name,
          args.map((a) =>
            a.name
              ? { name: a.name.name, value: a.value, span: a.span }
              : { value: a.value, span: a.span },
          ),
          env,
          e.span,
        );
      }
      default:
        for (const a of e.args) this.evaluate(a.value, env, tensor);
        this.report("A0302", `${describe(callee)} cannot be called`, env, e.callee.span);
        return UNKNOWN;
    }
  }

  /** Applies a primitive; its type errors are reported at the argument at fault. */
  primitive(name: string, args: PrimitiveArg[], env: Env, span: A.Span): Value {
    if (args.some((a) => "value" in a && containsUnknown(a.value))) return UNKNOWN;
    const r = applyPrimitive(name, args, this.checker.equalities);
    if (!r.ok) {
      const argSpan = typeof r.error.arg === "number" ? args[r.error.arg]?.span : undefined;
      const init: Parameters<Checker["report"]>[4] = {};
      if (r.error.help) init.help = r.error.help;
      if (r.error.notes) init.notes = r.error.notes;
      this.report(r.error.code ?? "A0401", r.error.message, env, argSpan ?? span, init);
      return UNKNOWN;
    }
    const outs = Array.isArray(r.out) ? r.out : [r.out];
    const ids = this.emitter.primitive(
      name,
      args,
      {
        out: outs,
        flops: r.flops,
        bytes: r.bytes,
        plan: r.plan,
        bound: r.bound,
        sources: r.sources,
      },
      env.instance,
      at(env.module, span),
    );
    const tensor = (t: TensorType, i: number): Value =>
      ids?.[i] !== undefined
        ? { kind: "tensor", type: t, id: ids[i] }
        : { kind: "tensor", type: t };
    if (Array.isArray(r.out)) return { kind: "tuple", items: r.out.map(tensor) };
    return tensor(r.out, 0);
  }

  // ================================================================== block values

  /**
   * `Block(args)`: binds hyperparameters (partially), positionally then by keyword, remembering
   * where each was written (type errors point there). A value whose application was wrong is
   * poisoned: instantiating it reports nothing more.
   */
  applyBlock(bv: BlockValue, args: A.Arg[], env: Env, span: A.Span): Value {
    const decl = bv.block.decl;
    const bound = new Map(bv.bound);
    const spans = new Map(bv.spans ?? []);
    let poisoned = bv.poisoned === true;
    const free = decl.params.filter((p) => !bound.has(p.name.name));
    const declaredAt = [
      {
        location: at(bv.block.module, decl.name.span),
        message: `${decl.name.name} is declared here`,
      },
    ];
    let pos = 0;
    for (const a of args) {
      const sEnv = staticEnv(env);
      let p: A.ParamDecl | undefined;
      if (!a.name) {
        p = free[pos++];
        if (!p) {
          this.report(
            "A0304",
            `${decl.name.name} takes at most ${decl.params.length} hyperparameters; this one has nowhere to go`,
            env,
            a.span,
            {
              help: `its hyperparameters are ${decl.params.map((x) => x.name.name).join(", ") || "none"}`,
              related: declaredAt,
            },
          );
          poisoned = true;
          continue;
        }
      } else {
        p = decl.params.find((x) => x.name.name === a.name!.name);
        if (!p) {
          this.report(
            "A0304",
            `${decl.name.name} has no hyperparameter '${a.name.name}'`,
            env,
            a.name.span,
            {
              help: suggest(
                a.name.name,
                decl.params.map((x) => x.name.name),
              ),
              related: declaredAt,
            },
          );
          poisoned = true;
          continue;
        }
        if (bound.has(p.name.name)) {
          const earlier = bv.bound.has(p.name.name);
          this.report(
            "A0305",
            earlier
              ? `hyperparameter '${p.name.name}' of ${decl.name.name} is already bound`
              : `hyperparameter '${p.name.name}' is given twice`,
            env,
            a.name.span,
            spans.has(p.name.name)
              ? { related: [{ location: spans.get(p.name.name)!, message: "first given here" }] }
              : {},
          );
          poisoned = true;
          continue;
        }
      }
      bound.set(p.name.name, this.evaluateHyper(a.value, sEnv, p, bv, env));
      spans.set(p.name.name, at(env.module, a.value.span));
    }
    const out: BlockValue = { kind: "block", block: bv.block, bound, spans };
    if (poisoned) out.poisoned = true;
    const c = conformance.get(bv);
    if (c) conformance.set(out, c);
    return out;
  }

  /** Evaluates an argument for hyperparameter `p` (enum members resolve against its type). */
  private evaluateHyper(e: A.Expr, env: Env, p: A.ParamDecl, bv: BlockValue, callEnv: Env): Value {
    let expected: HyperType | undefined;
    if (p.type?.kind === "EnumType")
      expected = { kind: "enum", members: p.type.members.map((m) => m.name) };
    const v = this.evaluate(e, env, false, expected);
    if (v.kind === "tensor") {
      this.report(
        "A0302",
        `hyperparameter '${p.name.name}' of ${bv.block.decl.name.name} must be a compile-time value, not a tensor`,
        callEnv,
        e.span,
      );
      return UNKNOWN;
    }
    return v;
  }

  // ================================================================== hyperparameter types

  resolveType(t: A.TypeExpr, env: Env): HyperType | undefined {
    switch (t.kind) {
      case "EnumType":
        return { kind: "enum", members: t.members.map((m) => m.name) };
      case "TupleType": {
        const elems = t.elems.map((x) => this.resolveType(x, env));
        return elems.every((x) => x) ? { kind: "tuple", elems: elems as HyperType[] } : undefined;
      }
      case "TensorType":
        this.report("A0306", "a hyperparameter cannot be a tensor", env, t.span, {
          help: "tensors are forward inputs or parameters",
        });
        return undefined;
      case "NamedType": {
        const n = t.name.name;
        if (!t.args) {
          if (
            n === "int" ||
            n === "dim" ||
            n === "float" ||
            n === "bool" ||
            n === "string" ||
            n === "fn" ||
            n === "block"
          ) {
            return { kind: n };
          }
        }
        const d = this.checker.scope(env.module).names.get(n);
        if (d?.kind === "interface") {
          const iface = { decl: d.decl, module: d.module };
          const args = this.interfaceArgs(iface, t.args ?? [], env, t.span);
          return args ? { kind: "interface", iface, args } : undefined;
        }
        this.report("A0306", `unknown type '${n}'`, env, t.name.span, {
          help: suggest(n, [
            "int",
            "dim",
            "float",
            "bool",
            "string",
            "fn",
            "block",
            ...[...this.checker.scope(env.module).names.entries()]
              .filter(([, x]) => x.kind === "interface")
              .map(([k]: [string, TopDecl]) => k),
          ]),
        });
        return undefined;
      }
    }
  }

  private interfaceArgs(
    iface: InterfaceRef,
    args: A.Arg[],
    env: Env,
    span: A.Span,
  ): Map<string, Value> | undefined {
    const out = new Map<string, Value>();
    const params = iface.decl.params;
    let pos = 0;
    for (const a of args) {
      const p = a.name ? params.find((x) => x.name.name === a.name!.name) : params[pos++];
      if (!p) {
        this.report(
          "A0304",
          `interface ${iface.decl.name.name} has no hyperparameter ${a.name ? `'${a.name.name}'` : `at position ${pos}`}`,
          env,
          a.span,
        );
        return undefined;
      }
      out.set(p.name.name, this.evaluate(a.value, staticEnv(env), false));
    }
    for (const p of params) {
      if (!out.has(p.name.name)) {
        if (p.default)
          out.set(
            p.name.name,
            this.evaluate(
              p.default,
              { module: iface.module, statics: out, chain: env.chain, depth: env.depth },
              false,
            ),
          );
        else {
          this.report(
            "A0303",
            `interface ${iface.decl.name.name} needs '${p.name.name}'`,
            env,
            span,
          );
          return undefined;
        }
      }
    }
    return out;
  }

  /** Checks and converts a value for a hyperparameter type; undefined (reported) if it does not fit. */
  /**
   * Checks a value against a hyperparameter type. Errors go to `where` (the argument as the user
   * wrote it) when given, else to `span` in `env`'s module; `declared` is the hyperparameter.
   */
  coerce(
    v: Value,
    t: HyperType,
    what: string,
    env: Env,
    span: A.Span,
    where?: Location,
    declared?: Location,
  ): Value {
    if (v.kind === "unknown" || t.kind === "any") return v;
    const loc = where ?? at(env.module, span);
    const related = declared ? [{ location: declared, message: "declared here" }] : [];
    const report = (code: string, message: string) =>
      this.checker.report(code, message, loc, env.chain, { related });
    const bad = (detail = "") => {
      report("A0306", `${what} must be ${article(typeString(t))}, got ${describe(v)}${detail}`);
      return UNKNOWN;
    };
    switch (t.kind) {
      case "int":
        return v.kind === "int" ? v : bad();
      case "dim": {
        if (v.kind !== "int") return bad();
        const n = v.dim.value;
        if (n !== undefined && n <= 0) {
          report("A0313", `${what} must be a positive size, got ${n}`);
          return UNKNOWN;
        }
        return v;
      }
      case "float":
        if (v.kind === "float") return v;
        if (v.kind === "int") return { kind: "float", value: v.dim.value ?? NaN };
        return bad();
      case "bool":
      case "string":
        return v.kind === t.kind ? v : bad();
      case "enum":
        if (v.kind === "enum" && t.members.includes(v.member))
          return { kind: "enum", members: t.members, member: v.member };
        return bad();
      case "tuple": {
        if ((v.kind !== "tuple" && v.kind !== "list") || v.items.length !== t.elems.length)
          return bad();
        return {
          kind: "tuple",
          items: v.items.map((x, i) =>
            this.coerce(x, t.elems[i]!, `${what}[${i}]`, env, span, where, declared),
          ),
        };
      }
      case "fn":
        return v.kind === "fn" || v.kind === "primitive" ? v : bad();
      case "block":
        return v.kind === "block" || v.kind === "abstractBlock" ? v : bad();
      case "interface": {
        if (v.kind === "abstractBlock") return v;
        if (v.kind !== "block") return bad();
        const out: BlockValue = { ...v };
        conformance.set(out, { iface: t.iface, args: t.args, span: loc });
        return out;
      }
    }
  }

  // ================================================================== instantiation

  /**
   * Instantiates a block value as the instance at `path`. `generic` instances (a block checked on
   * its own) give hyperparameters without a value a symbolic one.
   */
  instantiate(
    bv: BlockValue,
    path: string,
    useSite: Location,
    chain: Frame[],
    generic: boolean,
  ): Instance | undefined {
    const decl = bv.block.decl;
    const module = bv.block.module;
    if (this.checker.isBroken(module, decl.span) || bv.poisoned) return undefined;
    if (++this.instanceCount > this.checker.limits.maxInstances) {
      if (this.instanceCount === this.checker.limits.maxInstances + 1) {
        this.checker.report(
          "A0502",
          `more than ${this.checker.limits.maxInstances.toLocaleString("en-US")} block instances`,
          useSite,
          chain,
          {
            help: "a repeat or stack count is probably far too large",
          },
        );
      }
      return undefined;
    }
    // The same block with the same hyperparameters inside itself never ends; the same block
    // nested again and again (a hyperparameter that grows) is cut at a few levels.
    const label = frameLabel(bv);
    const same = chain.filter((f) => f.label === label).length;
    const nested = chain.filter((f) => f.label.startsWith(decl.name.name + "(")).length;
    if (chain.length >= this.checker.limits.maxDepth || same > 0 || nested >= 8) {
      this.checker.report(
        "A0501",
        `recursive instantiation of ${decl.name.name}: it contains itself${same > 0 ? "" : nested >= 8 ? ` (${nested} levels deep)` : ` more than ${this.checker.limits.maxDepth} levels deep`}`,
        useSite,
        chain,
        {
          help: "a block cannot contain itself, directly or through its hyperparameters",
        },
      );
      return undefined;
    }
    // Hyperparameters an interface supplies (`ffn: FFN(d)` gives HourglassFFN its `d`).
    const conf = conformance.get(bv);
    const bound = new Map(bv.bound);
    if (conf) {
      for (const p of decl.params) {
        const v = conf.args.get(p.name.name);
        if (!bound.has(p.name.name) && v) bound.set(p.name.name, v);
      }
    }
    const frame: Frame = {
      label: frameLabel({ kind: "block", block: bv.block, bound }),
      location: useSite,
    };
    if (generic && chain.length === 0) frame.hidden = true;
    const env: Env = {
      module,
      statics: new Map(),
      chain: [...chain, frame],
      depth: chain.length + 1,
    };
    const inst: Instance = {
      path,
      block: bv.block,
      args: new Map(),
      statics: env.statics,
      params: [],
      layers: new Map(),
      members: new Map(),
      useSite,
      chain: env.chain,
      generic,
      defs: new Map(),
    };
    env.instance = inst;
    // Members are never visible at compile time; attached only so errors can name them.
    env.members = inst.members;

    // Hyperparameters, in order: given, defaulted, or (checked on its own) symbolic.
    for (const p of decl.params) {
      const name = p.name.name;
      const type = p.type ? this.resolveType(p.type, env) : undefined;
      if (!p.type)
        this.report("A0306", `hyperparameter '${name}' needs a type`, env, p.span, {
          help: `write ${name}: int, ${name}: dim, ...`,
        });
      let v = bound.get(name);
      if (v === undefined && p.default) v = this.evaluate(p.default, env, false, type);
      if (v === undefined) {
        // Only the block checked on its own gets symbolic values; its layers must be bound.
        if (generic && chain.length === 0) v = type ? this.symbolic(name, type) : UNKNOWN;
        else {
          this.checker.report(
            "A0303",
            `${decl.name.name} needs a value for '${name}'${type ? ` (${typeString(type)})` : ""}`,
            useSite,
            chain,
            {
              related: [
                {
                  location: at(module, p.span),
                  message: `'${name}' is declared here without a default`,
                },
              ],
              help: `pass it: ${decl.name.name}(${name} = ...)`,
            },
          );
          v = UNKNOWN;
        }
      }
      if (type)
        v = this.coerce(
          v,
          type,
          `hyperparameter '${name}' of ${decl.name.name}`,
          { ...env, chain },
          p.name.span,
          bound.has(name) ? bv.spans?.get(name) : undefined,
          at(module, p.span),
        );
      inst.args.set(name, v);
      env.statics.set(name, v);
      inst.defs.set(name, p.name.span);
    }
    frame.label = frameLabel({ kind: "block", block: bv.block, bound: inst.args });

    // Requirements that mention only hyperparameters come first, so their messages win over
    // errors in what depends on them (spec §3.2).
    const hyper = new Set(decl.params.map((p) => p.name.name));
    const early = new Set<A.RequiresDecl>();
    let met = true;
    for (const m of decl.members) {
      if (
        m.kind === "Requires" &&
        namesIn(m.cond).every(
          (n) => hyper.has(n) || this.lookup(n, env, false, m.span) !== undefined,
        )
      ) {
        early.add(m);
        met = this.requirement(m, env) && met;
      }
    }
    // A failed requirement explains what is wrong; what depends on it would only add noise.
    if (!met) return undefined;
    // A later requirement (on a let) that fails stops the instance the same way.
    if (!this.members(decl.members, inst, env, early)) return undefined;
    this.emitter.observeInstance?.(inst);
    return inst;
  }

  /** A symbolic value for a hyperparameter without one (a block checked on its own). */
  private symbolic(name: string, t: HyperType): Value {
    switch (t.kind) {
      case "int":
      case "dim":
        return { kind: "int", dim: Dim.sym(name) };
      case "interface":
        return { kind: "abstractBlock", iface: t.iface, args: t.args };
      default:
        return UNKNOWN;
    }
  }

  /** Checks a requirement; false when it failed (reported). */
  private requirement(r: A.RequiresDecl, env: Env): boolean {
    // The message's {holes} are checked whether or not the requirement holds.
    if (r.message && !r.message.raw.includes("{}")) this.interpolate(r.message, env);
    const v = this.evaluate(r.cond, staticEnv(env), false);
    if (v.kind === "unknown") return true;
    if (v.kind !== "bool") {
      this.report("A0302", `a requirement must be a bool, got ${describe(v)}`, env, r.cond.span);
      return false;
    }
    if (!v.value) {
      const message = r.message
        ? this.interpolate(r.message, env)
        : `requirement not met: ${sourceText(env, r.cond.span)}`;
      this.report("A0308", message, env, r.cond.span, {
        notes: [bindingsNote(namesIn(r.cond), env)].filter((x) => x !== ""),
      });
      return false;
    }
    return true;
  }

  /** A `requires` message with its `{expr}` holes filled. */
  interpolate(s: A.StringLit, env: Env): string {
    const raw = s.raw.slice(1, -1);
    let out = "";
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === "\\" && i + 1 < raw.length) {
        const n = raw[i + 1]!;
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
        i++;
        continue;
      }
      if (c !== "{") {
        out += c;
        continue;
      }
      const close = raw.indexOf("}", i);
      if (close < 0) {
        this.report("A0315", "unclosed '{' in a requires message", env, s.span, {
          help: "write \\{ for a literal brace",
        });
        return out + raw.slice(i);
      }
      const hole = raw.slice(i + 1, close).trim();
      const v = env.statics.get(hole) ?? env.dims?.get(hole) ?? this.holeValue(hole, env);
      if (v) out += shortValue(v);
      else {
        this.report(
          "A0315",
          `'{${hole}}' in a requires message must be a compile-time expression of the hyperparameters and lets`,
          env,
          s.span,
        );
        out += `{${hole}}`;
      }
      i = close;
    }
    return out;
  }

  /**
   * A `{hole}` that is an expression (`{range[0]}`, `{d / heads}`): parsed on its own and
   * evaluated at compile time. Undefined, with nothing reported, when it does not parse or is not
   * a compile-time value (the caller reports A0315 at the message). Tool hooks do not see it: its
   * spans are offsets in the hole, not in the file.
   */
  private holeValue(hole: string, env: Env): Value | undefined {
    const parsed = parseExpression(hole, "requires message");
    if (!parsed.expr) return undefined;
    const mark = this.checker.mark();
    const emitter = this.emitter;
    this.emitter = NO_EMITTER;
    try {
      const v = this.evaluate(parsed.expr, env, false);
      const ok =
        this.checker.errorsSince(mark) === 0 && v.kind !== "unknown" && v.kind !== "tensor";
      return ok ? v : undefined;
    } finally {
      this.checker.rollback(mark);
      this.emitter = emitter;
    }
  }

  /** The members in order; false, and the rest skipped, once a requirement fails. */
  private members(list: A.Member[], inst: Instance, env: Env, early: Set<A.RequiresDecl>): boolean {
    for (const m of list) {
      try {
        if (!this.oneMember(m, inst, env, early)) return false;
      } catch (err) {
        if (!(err instanceof DimOverflowError)) throw err;
        this.report("A0503", err.message, env, m.span, {
          help: "sizes this large cannot be allocated",
        });
      }
    }
    return true;
  }

  /** One member; false when it is a requirement that does not hold. */
  private oneMember(m: A.Member, inst: Instance, env: Env, early: Set<A.RequiresDecl>): boolean {
    {
      switch (m.kind) {
        case "Requires":
          if (!early.has(m)) return this.requirement(m, env);
          break;
        case "Let":
          this.blockLet(m, inst, env);
          break;
        case "Param":
          this.param(m, inst, env);
          break;
        case "Layer":
          this.layer(m, inst, env);
          break;
        case "IfMember": {
          const c = this.evaluate(m.cond, staticEnv(env), false);
          const b = this.condition(c, env, m.cond.span);
          if (b === undefined) {
            // Unknown (a block checked on its own): declare both branches' members.
            if (inst.generic) {
              const a = this.members(m.then, inst, env, early);
              const c = m.else ? this.members(m.else, inst, env, early) : true;
              return a && c;
            }
          } else if (b) return this.members(m.then, inst, env, early);
          else if (m.else) return this.members(m.else, inst, env, early);
          break;
        }
        case "Tie":
          this.tie(m, inst, env);
          break;
        case "Forward":
          if (inst.forward && inst.forward !== m) {
            this.report("A0310", `${inst.block.decl.name.name} has two forwards`, env, m.span, {
              related: [
                { location: at(env.module, inst.forward.span), message: "the first is here" },
              ],
            });
          } else inst.forward = m;
          break;
      }
    }
    return true;
  }

  private declareMember(name: A.Ident, v: Value, inst: Instance, env: Env): boolean {
    const prev = inst.members.has(name.name);
    if (prev) {
      this.report(
        "A0310",
        `'${name.name}' is declared twice in ${inst.block.decl.name.name}`,
        env,
        name.span,
        {
          related: this.definedAt(inst, name.name, env),
        },
      );
      return false;
    }
    inst.members.set(name.name, v);
    if (!inst.defs.has(name.name)) inst.defs.set(name.name, name.span);
    return true;
  }

  /** "first declared here", for a name of the block being elaborated. */
  private definedAt(
    inst: Instance,
    name: string,
    env: Env,
  ): { location: Location; message: string }[] {
    const span = inst.defs.get(name);
    return span
      ? [{ location: at(inst.block.module, span), message: `'${name}' is declared here` }]
      : [];
  }

  /**
   * A forward's input or let may not reuse the name of a parameter, layer or hyperparameter of
   * its block (or an earlier local): the same name would mean two things in one body.
   */
  private checkLocalName(name: A.Ident, env: Env, locals: Map<string, A.Span>): boolean {
    const n = name.name;
    const inst = env.instance;
    const local = locals.get(n);
    if (local || env.dims?.has(n)) {
      this.report("A0311", `'${n}' is already defined in this forward`, env, name.span, {
        help: "values are assigned once: give the new value another name",
        related: local ? [{ location: at(env.module, local), message: "first defined here" }] : [],
      });
      return false;
    }
    if (inst && (env.members?.has(n) || (env.statics.has(n) && inst.args.has(n)))) {
      const what = env.members?.has(n) ? "a parameter or layer" : "a hyperparameter";
      this.report(
        "A0311",
        `'${n}' shadows ${what} of ${inst.block.decl.name.name}`,
        env,
        name.span,
        {
          help: "give it another name",
          related: this.definedAt(inst, n, env),
        },
      );
      return false;
    }
    locals.set(n, name.span);
    return true;
  }

  private blockLet(m: A.LetDecl, inst: Instance, env: Env): void {
    if (m.pattern.kind !== "Ident") {
      const v = this.evaluate(m.value, env, false);
      const names = m.pattern.names;
      if (v.kind !== "tuple" || v.items.length !== names.length) {
        if (v.kind !== "unknown")
          this.report(
            "A0302",
            `cannot unpack ${describe(v)} into ${names.length} names`,
            env,
            m.span,
          );
        for (const n of names) env.statics.set(n.name, UNKNOWN);
        return;
      }
      names.forEach((n, i) => this.bindStatic(n, v.items[i]!, env, inst));
      return;
    }
    let v = this.evaluate(m.value, env, false);
    if (v.kind === "tensor") {
      this.report(
        "A0302",
        "a block-level let is a compile-time value; tensors are computed in forward",
        env,
        m.value.span,
      );
      v = UNKNOWN;
    }
    if (m.type) {
      const t = this.resolveType(m.type, env);
      if (t) v = this.coerce(v, t, `'${m.pattern.name}'`, env, m.value.span);
    }
    this.bindStatic(m.pattern, v, env, inst);
  }

  private bindStatic(name: A.Ident, v: Value, env: Env, inst: Instance): void {
    if (name.name === "_") return;
    if (env.statics.has(name.name)) {
      const isHyper = inst.block.decl.params.some((p) => p.name.name === name.name);
      this.report(
        "A0311",
        `'${name.name}' is already ${isHyper ? "a hyperparameter of" : "declared in"} ${inst.block.decl.name.name}`,
        env,
        name.span,
        {
          help: "names are bound once: choose another name",
          related: this.definedAt(inst, name.name, env),
        },
      );
      return;
    }
    env.statics.set(name.name, v);
    inst.defs.set(name.name, name.span);
  }

  /** The shape of a tensor type in a compile-time position (parameters, `let` annotations). */
  staticShape(t: A.TensorType, env: Env): TensorType | undefined {
    const dtype = this.dtype(t, env);
    const shape: Dim[] = [];
    for (const d of t.dims) {
      if (d.kind === "VariadicDim") {
        this.report("A0302", "a parameter's shape cannot have a variadic dim", env, d.span);
        return undefined;
      }
      const v = this.evaluate(d, staticEnv(env), false);
      if (v.kind === "unknown") return undefined;
      if (v.kind !== "int") {
        this.report("A0302", `a dim must be an int, got ${describe(v)}`, env, d.span);
        return undefined;
      }
      const n = v.dim.value;
      if (n !== undefined && n < 0) {
        this.report("A0313", `a dim must not be negative, got ${n}`, env, d.span);
        return undefined;
      }
      shape.push(v.dim);
    }
    return dtype ? { dtype, shape } : undefined;
  }

  private dtype(t: A.TensorType, env: Env): DType | undefined {
    if (!t.dtype) return "f32";
    const n = t.dtype.name;
    if (DTYPES.has(n)) return n as DType;
    this.report("A0306", `unknown dtype '${n}'`, env, t.dtype.span, {
      help: "dtypes are f32, i32, bool (f16 is reserved)",
    });
    return undefined;
  }

  private param(m: A.ParamMember, inst: Instance, env: Env): void {
    const type = this.staticShape(m.type, env);
    const path = joinPath(inst.path, m.name.name);
    if (!type) {
      this.declareMember(m.name, UNKNOWN, inst, env);
      return;
    }
    const n = numel(type.shape).value;
    if (n !== undefined && n * 4 > this.checker.limits.maxParamBytes) {
      this.report(
        "A0504",
        `parameter '${path}' ${formatShape(type.shape)} needs ${(n * 4).toLocaleString("en-US")} bytes, more than the ${this.checker.limits.maxParamBytes.toLocaleString("en-US")} ${this.checker.limits.maxParamReason}`,
        env,
        m.type.span,
      );
    }
    const spec = m.init
      ? this.checkInit(m.init, type, env)
      : { kind: "constant" as const, value: 0 };
    const info: ParamInfo = { name: m.name.name, path, type, decl: m };
    if (m.init) info.init = m.init;
    if (spec) info.initSpec = spec;
    const id = this.emitter.param?.(info, type);
    const value: Value = id === undefined ? { kind: "tensor", type } : { kind: "tensor", type, id };
    if (this.declareMember(m.name, value, inst, env)) inst.params.push(info);
  }

  /**
   * An initializer: normal(mean, std), trunc_normal(...), uniform(low, high), zeros, ones, a
   * number, a list. Returns what `archc init` draws from (undefined when reported or unknown).
   */
  private checkInit(e: A.Expr, type: TensorType, env: Env): InitSpec | undefined {
    const sEnv = staticEnv(env);
    if (
      e.kind === "Name" &&
      (e.name === "zeros" || e.name === "ones") &&
      !env.statics.has(e.name)
    ) {
      return { kind: "constant", value: e.name === "ones" ? 1 : 0 };
    }
    if (
      e.kind === "Call" &&
      e.callee.kind === "Name" &&
      INITS.has(e.callee.name) &&
      !env.statics.has(e.callee.name)
    ) {
      const name = e.callee.name;
      const params: Record<string, string[]> = {
        normal: ["mean", "std"],
        trunc_normal: ["mean", "std", "a", "b"],
        uniform: ["low", "high"],
      };
      const allowed = params[name];
      if (!allowed) {
        this.report("A0312", `${name} takes no arguments: write '= ${name}'`, env, e.span);
        return undefined;
      }
      // Defaults as torch.nn.init: normal(0, 1), trunc_normal(0, 1, -2, 2).
      const given: Record<string, number> = { mean: 0, std: 1, a: -2, b: 2 };
      let ok = true;
      let pos = 0;
      for (const a of e.args) {
        const key = a.name?.name ?? allowed[pos++];
        if (!key || !allowed.includes(key)) {
          this.report(
            "A0312",
            a.name
              ? `${name} has no argument '${a.name.name}'; it takes ${allowed.join(", ")}`
              : `${name} takes at most ${allowed.length} arguments: ${allowed.join(", ")}`,
            env,
            a.name ? a.name.span : a.span,
            a.name ? { help: suggest(a.name.name, allowed) } : {},
          );
          ok = false;
          continue;
        }
        const v = this.evaluate(a.value, sEnv, false);
        const x = v.kind === "int" ? v.dim.value : v.kind === "float" ? v.value : undefined;
        if (v.kind !== "int" && v.kind !== "float" && v.kind !== "unknown") {
          this.report(
            "A0312",
            `${name}'s ${key} must be a number, got ${describe(v)}`,
            env,
            a.value.span,
          );
        }
        if (x === undefined || Number.isNaN(x)) ok = false;
        else given[key] = x;
      }
      if (name === "uniform" && e.args.length < 2) {
        this.report("A0312", "uniform needs low and high", env, e.span);
        return undefined;
      }
      if (!ok) return undefined;
      if (name === "uniform") return { kind: "uniform", low: given.low!, high: given.high! };
      if (name === "normal") return { kind: "normal", mean: given.mean!, std: given.std! };
      return { kind: "trunc_normal", mean: given.mean!, std: given.std!, a: given.a!, b: given.b! };
    }
    // An unknown function called as an initializer (gaussian(0.1)): name the initializers.
    if (
      e.kind === "Call" &&
      e.callee.kind === "Name" &&
      this.lookup(e.callee.name, sEnv, false, e.callee.span) === undefined
    ) {
      this.report("A0312", `unknown initializer '${e.callee.name}'`, env, e.callee.span, {
        help: `${suggest(e.callee.name, [...INITIALIZERS])}; initializers are normal(mean, std), trunc_normal(mean, std, a, b), uniform(low, high), zeros, ones, a number, a list`,
      });
      return undefined;
    }
    const v = this.evaluate(e, sEnv, false);
    if (v.kind === "unknown") return undefined;
    if (v.kind === "int")
      return v.dim.value === undefined ? undefined : { kind: "constant", value: v.dim.value };
    if (v.kind === "float")
      return Number.isNaN(v.value) ? undefined : { kind: "constant", value: v.value };
    if (v.kind === "list" || v.kind === "tuple") {
      const shape = listShape(v);
      const want = type.shape.map((d) => d.value);
      // The values fill the parameter, or its trailing dims and repeat over the leading ones
      // (one row of coefficients for every group).
      const lead = shape ? want.length - shape.length : -1;
      if (!shape || lead < 0 || shape.some((n, i) => n !== want[lead + i])) {
        this.report(
          "A0312",
          `the initializer's values have shape ${shape ? `[${shape.join(", ")}]` : "that is ragged"}, the parameter ${formatShape(type.shape)}`,
          env,
          e.span,
          { help: "give values of the parameter's shape, or of its trailing dims to repeat them" },
        );
        return undefined;
      }
      const values = flattenNumbers(v);
      const copies = want.slice(0, lead).reduce<number>((a, b) => a * (b ?? 0), 1);
      return values
        ? { kind: "values", values: Array.from({ length: copies }, () => values).flat() }
        : undefined;
    }
    this.report("A0312", `not an initializer: ${describe(v)}`, env, e.span, {
      help: "use normal(mean, std), trunc_normal(mean, std, a, b), uniform(low, high), zeros, ones, a number or a list",
    });
    return undefined;
  }

  private layer(m: A.LayerMember, inst: Instance, env: Env): void {
    const path = joinPath(inst.path, m.name.name);
    // The use site of the children: the block value as written.
    const site = at(
      env.module,
      m.value.kind === "Repeat" || m.value.kind === "Stack" ? m.value.body.span : m.value.span,
    );
    const v = m.value;
    const one = (valueExpr: A.Expr, childPath: string, childEnv: Env): Instance | undefined => {
      const bv = this.evaluate(valueExpr, childEnv, false);
      return this.instantiateValue(bv, childPath, site, env, valueExpr.span);
    };
    if (v.kind === "Repeat" || v.kind === "Stack") {
      const count = v.kind === "Stack" ? this.count(v.count, env) : this.range(v.from, v.to, env);
      if (count === undefined) {
        this.declareMember(m.name, UNKNOWN, inst, env);
        return;
      }
      const [from, n] = count;
      if (n > this.checker.limits.maxInstances) {
        this.report(
          "A0502",
          `${n.toLocaleString("en-US")} layers is more than the limit of ${this.checker.limits.maxInstances.toLocaleString("en-US")}`,
          env,
          v.span,
        );
        this.declareMember(m.name, UNKNOWN, inst, env);
        return;
      }
      const list: Instance[] = [];
      const stackValue = v.kind === "Stack" ? this.evaluate(v.body, env, false) : undefined;
      for (let i = 0; i < n; i++) {
        let child: Instance | undefined;
        if (v.kind === "Stack") {
          child = this.instantiateValue(stackValue!, `${path}.${i}`, site, env, v.body.span);
        } else {
          const statics = new Map(env.statics);
          statics.set(v.index.name, { kind: "int", dim: Dim.const(from + i) });
          child = one(v.body, `${path}.${i}`, { ...env, statics });
        }
        if (!child) {
          this.declareMember(m.name, UNKNOWN, inst, env);
          return;
        }
        list.push(child);
        // The first layer tells how big each one is: refuse a stack that would be too large
        // before building it (a stack of 1,000 blocks that each hold 1,000).
        if (i === 0 && n > 1) {
          const each = countInstances(child);
          if (each * n > this.checker.limits.maxInstances) {
            this.report(
              "A0502",
              `${n.toLocaleString("en-US")} layers of ${each.toLocaleString("en-US")} block instances each is more than the limit of ${this.checker.limits.maxInstances.toLocaleString("en-US")}`,
              env,
              v.span,
            );
            this.declareMember(m.name, UNKNOWN, inst, env);
            return;
          }
        }
      }
      if (this.declareMember(m.name, { kind: "layers", instances: list }, inst, env))
        inst.layers.set(m.name.name, list);
      return;
    }
    const child = one(v, path, env);
    if (!child) {
      this.declareMember(m.name, UNKNOWN, inst, env);
      return;
    }
    if (this.declareMember(m.name, { kind: "layer", instance: child }, inst, env))
      inst.layers.set(m.name.name, child);
  }

  /** Instantiates a layer's value; abstract (interface-typed, checked on its own) values give a stand-in. */
  private instantiateValue(
    v: Value,
    path: string,
    site: Location,
    env: Env,
    span: A.Span,
  ): Instance | undefined {
    if (v.kind === "unknown") return undefined;
    if (v.kind === "abstractBlock") return this.abstractInstance(v.iface, v.args, path, site, env);
    if (v.kind !== "block") {
      this.report("A0302", `a layer must be a block value, got ${describe(v)}`, env, span, {
        help: "write layer name = Block(...)",
      });
      return undefined;
    }
    const child = this.instantiate(v, path, site, env.chain, env.instance?.generic ?? false);
    const conf = conformance.get(v);
    // A value that does not conform is reported once; calling it would only add noise.
    if (child && conf && !this.checkConformance(child, conf, env, span)) return undefined;
    return child;
  }

  /** A stand-in for an interface-typed layer of a block checked on its own: its forward is the interface's. */
  private abstractInstance(
    iface: InterfaceRef,
    args: Map<string, Value>,
    path: string,
    site: Location,
    env: Env,
  ): Instance {
    const inst: Instance = {
      path,
      block: {
        decl: {
          kind: "Block",
          name: iface.decl.name,
          params: [],
          members: [],
          span: iface.decl.span,
        },
        module: iface.module,
      },
      args,
      statics: new Map(args),
      params: [],
      layers: new Map(),
      members: new Map(),
      useSite: site,
      chain: env.chain,
      generic: true,
      defs: new Map(),
    };
    if (iface.decl.forward) inst.forward = iface.decl.forward;
    return inst;
  }

  /**
   * A block value given for an interface-typed hyperparameter must have the interface's forward:
   * the same number of inputs and outputs, each pair of shapes unifiable (a variadic run matches
   * any dims, runtime dims match anything, compile-time dims must be equal). Whether the shapes
   * really fit is then checked where the layer is called, with the actual tensors.
   */
  private checkConformance(child: Instance, conf: Conformance, env: Env, _span: A.Span): boolean {
    const want = conf.iface.decl.forward;
    const have = child.forward;
    const ifaceName = `${conf.iface.decl.name.name}(${[...conf.args.values()].map(shortValue).join(", ")})`;
    if (!want || !have) return true;
    let conforms = true;
    const fail = (why: string) => {
      conforms = false;
      this.checker.report(
        "A0309",
        `${child.block.decl.name.name} does not conform to ${ifaceName}: ${why}`,
        conf.span,
        env.chain,
        {
          related: [
            {
              location: at(conf.iface.module, want.span),
              message: `${conf.iface.decl.name.name}'s forward`,
            },
            {
              location: at(child.block.module, have.span),
              message: `${child.block.decl.name.name}'s forward`,
            },
          ],
        },
      );
    };
    const wantOut = want.outputs?.items ?? [];
    const haveOut = have.outputs?.items ?? [];
    if (want.inputs.length !== have.inputs.length) {
      fail(
        `its forward takes ${have.inputs.length} input${have.inputs.length === 1 ? "" : "s"}, the interface ${want.inputs.length}`,
      );
      return false;
    }
    if (wantOut.length !== haveOut.length) {
      fail(
        `its forward returns ${haveOut.length} output${haveOut.length === 1 ? "" : "s"}, the interface ${wantOut.length}`,
      );
      return false;
    }
    const ifaceEnv: Env = {
      module: conf.iface.module,
      statics: new Map(conf.args),
      chain: env.chain,
      depth: env.depth,
    };
    const childEnv: Env = {
      module: child.block.module,
      statics: child.statics,
      chain: child.chain,
      depth: env.depth,
      instance: child,
    };
    const pairs: [string, A.TypeExpr | undefined, A.TypeExpr | undefined][] = [
      ...want.inputs.map(
        (p, i) =>
          [`input '${have.inputs[i]!.name.name}'`, p.type, have.inputs[i]!.type] as [
            string,
            A.TypeExpr | undefined,
            A.TypeExpr | undefined,
          ],
      ),
      ...wantOut.map(
        (o, i) =>
          [`output '${haveOut[i]!.name?.name ?? "y"}'`, o.type, haveOut[i]!.type] as [
            string,
            A.TypeExpr | undefined,
            A.TypeExpr | undefined,
          ],
      ),
    ];
    for (const [what, w, h] of pairs) {
      if (w?.kind !== "TensorType" || h?.kind !== "TensorType") continue;
      const a = this.pattern(w, ifaceEnv);
      const b = this.pattern(h, childEnv);
      if (!a || !b) continue;
      if (!unifiable(a, b, this.checker.equalities)) {
        fail(`its ${what} is ${patternString(b)}, the interface's is ${patternString(a)}`);
        return false;
      }
    }
    return conforms;
  }

  /** A declared tensor type as a pattern: compile-time dims evaluated, runtime dims and runs as variables. */
  private pattern(t: A.TensorType, env: Env): PatternDim[] | undefined {
    const out: PatternDim[] = [];
    for (const d of t.dims) {
      if (d.kind === "VariadicDim") {
        out.push({ kind: "run", name: d.name?.name ?? "" });
        continue;
      }
      if (
        d.kind === "Name" &&
        !env.statics.has(d.name) &&
        this.lookup(d.name, env, false, d.span) === undefined
      ) {
        out.push({ kind: "var", name: d.name });
        continue;
      }
      const v = this.evaluate(d, staticEnv(env), false);
      if (v.kind !== "int") return undefined;
      out.push({ kind: "dim", dim: v.dim });
    }
    return out;
  }

  private count(e: A.Expr, env: Env): [number, number] | undefined {
    const v = this.evaluate(e, staticEnv(env), false);
    if (v.kind === "unknown") return undefined;
    const n = v.kind === "int" ? v.dim.value : undefined;
    if (n === undefined || n < 0) {
      if (v.kind === "int" && n === undefined && env.instance?.generic) return [0, 1];
      this.report(
        "A0302",
        `a layer count must be a non-negative compile-time int, got ${describe(v)}`,
        env,
        e.span,
      );
      return undefined;
    }
    return [0, n];
  }

  private range(from: A.Expr, to: A.Expr, env: Env): [number, number] | undefined {
    const a = this.count(from, env);
    const b = this.count(to, env);
    if (!a || !b) return undefined;
    return [a[1], Math.max(0, b[1] - a[1])];
  }

  private tie(m: A.TieDecl, inst: Instance, env: Env): void {
    // Resolved after the block's members exist: the paths are member chains.
    const target = this.paramAt(m.target, inst, env);
    const source = this.paramAt(m.source, inst, env);
    if (!target || !source) return;
    if (
      !sameShape(target.type.shape, source.type.shape, this.checker.equalities) ||
      target.type.dtype !== source.type.dtype
    ) {
      this.report(
        "A0316",
        `cannot tie ${target.path} ${formatType(target.type)} to ${source.path} ${formatType(source.type)}: the types differ`,
        env,
        m.span,
      );
      return;
    }
    target.tiedTo = source.path;
  }

  private paramAt(e: A.Expr, inst: Instance, env: Env): ParamInfo | undefined {
    const parts: (string | number)[] = [];
    let x: A.Expr = e;
    while (true) {
      if (x.kind === "Member") {
        parts.unshift(x.name.name);
        x = x.object;
      } else if (x.kind === "Index" && x.indices.length === 1 && x.indices[0]!.kind === "Number") {
        parts.unshift((x.indices[0] as A.NumberLit).value);
        x = x.object;
      } else break;
    }
    if (x.kind !== "Name") {
      this.report("A0316", "tie takes parameter paths such as head.weight", env, e.span);
      return undefined;
    }
    parts.unshift(x.name);
    let cur: Instance = inst;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const last = i === parts.length - 1;
      if (typeof p === "number") {
        this.report("A0316", "tie takes parameter paths such as head.weight", env, e.span);
        return undefined;
      }
      if (last) {
        const param = cur.params.find((q) => q.name === p);
        if (!param) {
          this.report("A0316", `'${parts.join(".")}' is not a parameter`, env, e.span, {
            help: suggest(
              p,
              cur.params.map((q) => q.name),
            ),
          });
        }
        return param;
      }
      const child = cur.layers.get(p);
      const next = Array.isArray(child)
        ? typeof parts[i + 1] === "number"
          ? child[parts[++i] as number]
          : undefined
        : child;
      if (!next) {
        this.report("A0316", `'${parts.slice(0, i + 1).join(".")}' is not a layer`, env, e.span);
        return undefined;
      }
      cur = next;
    }
    return undefined;
  }

  // ================================================================== forward

  /** Calls a layer (or, threading the first argument, a stack of layers) in a forward. */
  private callLayer(callee: Value, e: A.Call, env: Env): Value {
    const args = e.args.map((a) => {
      if (a.name) {
        this.report(
          "A0318",
          `layer inputs are positional: remove '${a.name.name} ='`,
          env,
          a.name.span,
        );
      }
      return { value: this.evaluate(a.value, env, true), span: a.value.span };
    });
    if (callee.kind === "layer")
      return this.callForwardWith(callee.instance, args, env, e.span, false);
    if (callee.kind !== "layers") return UNKNOWN;
    let x = args[0];
    if (!x) {
      this.report("A0318", "a stack of layers is called with at least one input", env, e.span);
      return UNKNOWN;
    }
    for (const child of callee.instances) {
      const out = this.callForwardWith(child, [x, ...args.slice(1)], env, e.span, false);
      if (out.kind === "unknown") return UNKNOWN;
      if (out.kind !== "tensor") {
        this.report(
          "A0318",
          `each layer of a stack must return one tensor; ${child.path} returns ${describe(out)}`,
          env,
          e.span,
        );
        return UNKNOWN;
      }
      const xin = x.value;
      if (xin.kind === "tensor" && !sameType(xin.type, out.type, this.checker.equalities)) {
        this.report(
          "A0318",
          `layer ${child.path} of the stack turns ${formatType(xin.type)} into ${formatType(out.type)}; every layer of a stack must keep its input's type`,
          env,
          e.span,
          {
            help: "a stack threads its input through each layer, so each must return what it takes",
          },
        );
        return UNKNOWN;
      }
      x = { value: out, span: x.span };
    }
    return x.value;
  }

  /**
   * Runs an instance's forward on arguments: binds the inputs' dims (runtime dims bind per call),
   * evaluates the body, checks the result against the declared outputs.
   */
  callForwardWith(
    inst: Instance,
    args: { value: Value; span: A.Span }[],
    callerEnv: Env,
    callSpan: A.Span,
    quiet: boolean,
  ): Value {
    const f = inst.forward;
    const blockName = inst.block.decl.name.name;
    if (!f) {
      if (!quiet)
        this.report(
          "A0310",
          `${blockName} has no forward, so it cannot be called`,
          callerEnv,
          callSpan,
        );
      return UNKNOWN;
    }
    const env: Env = {
      module: inst.block.module,
      statics: inst.statics,
      locals: new Map(),
      members: inst.members,
      dims: new Map(),
      instance: inst,
      chain: inst.chain,
      depth: callerEnv.depth + 1,
    };
    if (!this.bindInputs(f.inputs, args, env, callerEnv, callSpan, `${blockName}`)) return UNKNOWN;
    if (!f.body) {
      // An interface stand-in: the result is the declared outputs.
      return this.declaredOutputs(f.outputs, env);
    }
    return this.runBody(f.body, f.outputs, env, f.span, blockName);
  }

  /** Where each local of a forward or fn body is defined (kept beside its locals map). */
  private readonly localSpans = new WeakMap<Map<string, Value>, Map<string, A.Span>>();

  private localDefs(env: Env): Map<string, A.Span> {
    let m = this.localSpans.get(env.locals!);
    if (!m) {
      m = new Map();
      this.localSpans.set(env.locals!, m);
    }
    return m;
  }

  /** Binds call arguments to declared inputs; false when they cannot be bound (reported). */
  private bindInputs(
    inputs: A.ParamDecl[],
    args: { value: Value; span: A.Span }[],
    env: Env,
    callerEnv: Env,
    callSpan: A.Span,
    what: string,
  ): boolean {
    if (args.length !== inputs.length) {
      this.report(
        "A0318",
        `${what} takes ${inputs.length} input${inputs.length === 1 ? "" : "s"}, got ${args.length}`,
        callerEnv,
        callSpan,
      );
      return false;
    }
    let ok = true;
    inputs.forEach((p, i) => {
      const a = args[i]!;
      const name = p.name.name;
      if (a.value.kind === "unknown") {
        env.locals!.set(name, UNKNOWN);
        ok = false;
        return;
      }
      if (p.type?.kind === "TensorType") {
        const t = a.value.kind === "tensor" ? a.value.type : undefined;
        if (!t) {
          this.report(
            "A0402",
            `input '${name}' of ${what} is a tensor, got ${describe(a.value)}`,
            callerEnv,
            a.span,
          );
          ok = false;
          return;
        }
        const problem = this.matchShape(
          p.type,
          t,
          env,
          env.dims!,
          `input '${name}' of ${what}`,
          a.span,
          false,
        );
        if (problem) {
          this.report(
            "A0402",
            `input '${name}' of ${what} expects ${problem.expected}, got ${formatType(t)}${problem.why}`,
            callerEnv,
            a.span,
            {
              related: [{ location: at(env.module, p.type.span), message: "declared here" }],
            },
          );
          ok = false;
        }
      }
      this.checkLocalName(p.name, env, this.localDefs(env));
      env.locals!.set(name, a.value);
    });
    return ok;
  }

  /** The outputs a body-less forward (an interface) declares. */
  private declaredOutputs(outputs: A.Outputs | undefined, env: Env): Value {
    const items = (outputs?.items ?? []).map((o) => this.declaredTensor(o.type, env));
    if (items.length === 1 && !outputs?.parenthesized) return items[0]!;
    return { kind: "tuple", items };
  }

  private declaredTensor(t: A.TensorType, env: Env): Value {
    const dtype = this.dtype(t, env);
    const shape: Dim[] = [];
    for (const d of t.dims) {
      if (d.kind === "VariadicDim") {
        const run = d.name ? env.dims?.get("..." + d.name.name) : undefined;
        if (run?.kind !== "tuple") return UNKNOWN;
        for (const x of run.items) if (x.kind === "int") shape.push(x.dim);
        continue;
      }
      const v = this.evaluate(d, staticEnv(env), false);
      if (v.kind !== "int") return UNKNOWN;
      shape.push(v.dim);
    }
    return dtype ? { kind: "tensor", type: { dtype, shape } } : UNKNOWN;
  }

  /** Evaluates statements, checks the single final return against the declared outputs. */
  private runBody(
    body: A.Stmt[],
    outputs: A.Outputs | undefined,
    env: Env,
    span: A.Span,
    what: string,
  ): Value {
    let result: Value | undefined;
    body.forEach((s, i) => {
      switch (s.kind) {
        case "Let":
          this.forwardLet(s, env);
          break;
        case "Requires":
          this.forwardRequirement(s, env);
          break;
        case "Return":
          if (i !== body.length - 1) {
            this.report("A0317", "statements after return are never run", env, body[i + 1]!.span, {
              help: "return must be the last statement",
            });
          }
          result = this.evaluate(s.value, env, true);
          break;
      }
    });
    if (result === undefined) {
      this.report("A0317", `${what}'s body has no return`, env, span, {
        help: "end it with return ...",
      });
      return UNKNOWN;
    }
    if (outputs) return this.checkOutputs(result, outputs, env, what);
    return result;
  }

  private forwardLet(s: A.LetDecl, env: Env): void {
    const v = this.evaluate(s.value, env, true);
    const bind = (name: A.Ident, x: Value) => {
      if (name.name === "_") return;
      if (!this.checkLocalName(name, env, this.localDefs(env))) return;
      env.locals!.set(name.name, x);
    };
    if (s.pattern.kind === "TuplePattern") {
      const names = s.pattern.names;
      if (v.kind === "unknown") {
        for (const n of names) bind(n, UNKNOWN);
        return;
      }
      if (v.kind !== "tuple" || v.items.length !== names.length) {
        this.report(
          "A0302",
          `cannot unpack ${describe(v)} into ${names.length} names`,
          env,
          s.pattern.span,
        );
        for (const n of names) bind(n, UNKNOWN);
        return;
      }
      names.forEach((n, i) => bind(n, v.items[i]!));
      return;
    }
    if (s.type?.kind === "TensorType" && v.kind === "tensor") {
      // An annotation may only name dims already known (A0301 for others, reported by the match).
      const problem = this.matchShape(
        s.type,
        v.type,
        env,
        env.dims!,
        "",
        s.value.span,
        false,
        true,
      );
      if (problem && !problem.why.startsWith(" (unknown dim")) {
        this.report(
          "A0405",
          `'${s.pattern.name}' is ${formatType(v.type)}, but its annotation says ${problem.expected}${problem.why}`,
          env,
          s.value.span,
          {
            related: [{ location: at(env.module, s.type.span), message: "the annotation" }],
          },
        );
      }
    }
    bind(s.pattern, v);
  }

  private forwardRequirement(s: A.RequiresDecl, env: Env): void {
    const cond = s.cond;
    // `requires S == T` on runtime dims establishes their equality for the checker.
    if (cond.kind === "Binary" && cond.op === "==") {
      const l = this.evaluate(cond.left, staticEnv(env), false);
      const r = this.evaluate(cond.right, staticEnv(env), false);
      if (l.kind === "int" && r.kind === "int" && !l.dim.isConst() && !r.dim.isConst()) {
        this.checker.equalities.union(l.dim, r.dim);
        this.emitter.check?.(
          [{ lhs: l.dim, op: "==", rhs: r.dim }],
          this.requirementMessage(s, env),
          at(env.module, cond.span),
        );
        return;
      }
    }
    const v = this.evaluate(cond, staticEnv(env), false);
    if (v.kind === "unknown" && this.emitter.check) {
      // It depends on runtime dims: the running model checks it.
      const checks = this.runtimeChecks(cond, env);
      if (checks && checks.length > 0)
        this.emitter.check(checks, this.requirementMessage(s, env), at(env.module, cond.span));
    }
    if (v.kind === "bool" && !v.value) {
      this.report(
        "A0308",
        s.message
          ? this.interpolate(s.message, env)
          : `requirement not met: ${sourceText(env, cond.span)}`,
        env,
        cond.span,
      );
    }
    // Unknown (it depends on runtime dims): checked when the model is called.
  }

  /**
   * The message of a runtime requirement in the graph's form (spec/ir.md): compile-time holes
   * filled now, runtime dims' holes (`{T}`) left for the running model to fill, and literal
   * braces and backslashes escaped (`\{`, `\}`, `\\`) so that they stay literal when it does.
   */
  private requirementMessage(s: A.RequiresDecl, env: Env): string {
    if (!s.message) return escapeMessage(`requirement not met: ${sourceText(env, s.cond.span)}`);
    const raw = s.message.raw.slice(1, -1);
    let out = "";
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === "\\" && i + 1 < raw.length) {
        const n = raw[++i]!;
        out += n === "n" ? "\n" : n === "t" ? "\t" : escapeMessage(n);
        continue;
      }
      const close = c === "{" ? raw.indexOf("}", i) : -1;
      if (close < 0) {
        out += escapeMessage(c);
        continue;
      }
      const hole = raw.slice(i + 1, close).trim();
      const v = env.statics.get(hole) ?? this.holeValue(hole, env);
      // A runtime dim (`{T}`) is filled by the running model.
      const runtime = !v || (v.kind === "int" && !v.dim.isConst());
      out += runtime ? `{${hole}}` : escapeMessage(shortValue(v));
      i = close;
    }
    return out;
  }

  /**
   * A runtime requirement as comparisons of dims that must all hold: `a && b` is both, `a || b`
   * with one side decided is the other; undefined when it cannot be put that way.
   */
  private runtimeChecks(e: A.Expr, env: Env): RuntimeCheck[] | undefined {
    const sEnv = staticEnv(env);
    if (e.kind === "Binary" && e.op === "&&") {
      const a = this.runtimeChecks(e.left, env);
      const b = this.runtimeChecks(e.right, env);
      return a && b ? [...a, ...b] : undefined;
    }
    if (e.kind === "Binary" && e.op === "||") {
      for (const [x, y] of [
        [e.left, e.right],
        [e.right, e.left],
      ] as const) {
        const v = this.evaluate(x, sEnv, false);
        if (v.kind === "bool") return v.value ? [] : this.runtimeChecks(y, env);
      }
      return undefined;
    }
    if (e.kind === "Binary" && ["==", "!=", "<", "<=", ">", ">="].includes(e.op)) {
      const l = this.evaluate(e.left, sEnv, false);
      const r = this.evaluate(e.right, sEnv, false);
      if (l.kind === "int" && r.kind === "int")
        return [{ lhs: l.dim, op: e.op as RuntimeCheck["op"], rhs: r.dim }];
      return undefined;
    }
    const v = this.evaluate(e, sEnv, false);
    return v.kind === "bool" ? (v.value ? [] : undefined) : undefined;
  }

  private checkOutputs(result: Value, outputs: A.Outputs, env: Env, what: string): Value {
    const items = outputs.items;
    const got =
      items.length === 1 && !outputs.parenthesized
        ? [result]
        : result.kind === "tuple"
          ? result.items
          : [result];
    if (result.kind === "unknown") return this.declaredOutputs(outputs, env);
    if (got.length !== items.length) {
      this.report(
        "A0403",
        `${what} declares ${items.length} output${items.length === 1 ? "" : "s"} but returns ${describe(result)}`,
        env,
        outputs.span,
      );
      return UNKNOWN;
    }
    items.forEach((o, i) => {
      const g = got[i]!;
      if (g.kind === "unknown") return;
      const label = o.name?.name ?? "y";
      if (g.kind !== "tensor") {
        this.report(
          "A0403",
          `output '${label}' of ${what} must be a tensor, got ${describe(g)}`,
          env,
          o.span,
        );
        return;
      }
      const problem = this.matchShape(o.type, g.type, env, env.dims!, "", o.span, true, true);
      if (problem) {
        this.report(
          "A0403",
          `output '${label}' of ${what} is declared ${problem.expected} but the forward returns ${formatType(g.type)}${problem.why}`,
          env,
          o.type.span,
        );
      }
    });
    return result;
  }

  /**
   * Matches an actual tensor type against a declared one. Runtime dims (names without a compile-time
   * value) bind on first use; `bindOnly` forbids new bindings (outputs, annotations: every dim
   * must be known). Returns undefined on success, else the expected type and why.
   */
  matchShape(
    declared: A.TensorType,
    actual: TensorType,
    env: Env,
    dims: Map<string, Value>,
    _what: string,
    _span: A.Span,
    quiet: boolean,
    noNewDims = false,
  ): { expected: string; why: string } | undefined {
    const dtype = this.dtype(declared, env) ?? actual.dtype;
    const expectedParts: string[] = [];
    let why = "";
    const fail = (w: string) => {
      if (!why) why = w;
    };
    const variadicAt = declared.dims.findIndex((d) => d.kind === "VariadicDim");
    const fixed = declared.dims.length - (variadicAt >= 0 ? 1 : 0);
    const rank = actual.shape.length;
    if (variadicAt < 0 ? rank !== fixed : rank < fixed) {
      fail(` (rank ${rank}, expected ${variadicAt < 0 ? fixed : `at least ${fixed}`})`);
    }
    let ai = 0;
    for (let di = 0; di < declared.dims.length; di++) {
      const d = declared.dims[di]!;
      if (d.kind === "VariadicDim") {
        const n = Math.max(0, rank - fixed);
        const run = actual.shape.slice(ai, ai + n);
        ai += n;
        const key = "..." + (d.name?.name ?? "");
        const prev = d.name ? dims.get(key) : undefined;
        if (prev?.kind === "tuple") {
          const same =
            prev.items.length === run.length &&
            prev.items.every(
              (x, i) => x.kind === "int" && this.checker.equalities.equal(x.dim, run[i]!),
            );
          if (!same)
            fail(
              ` (...${d.name!.name} is ${formatShape(prev.items.map((x) => (x.kind === "int" ? x.dim : Dim.const(0))))} elsewhere)`,
            );
        } else if (d.name && !noNewDims)
          dims.set(key, { kind: "tuple", items: run.map((x) => ({ kind: "int", dim: x })) });
        expectedParts.push(`...${d.name?.name ?? ""}`);
        continue;
      }
      const got = actual.shape[ai++];
      // A bare name that is not a compile-time value is a runtime dim.
      if (
        d.kind === "Name" &&
        !env.statics.has(d.name) &&
        !dims.has(d.name) &&
        this.lookup(d.name, { ...env, dims: new Map() }, false, d.span) === undefined
      ) {
        if (noNewDims) {
          if (!quiet)
            this.report("A0301", `unknown dim '${d.name}'`, env, d.span, {
              help: "runtime dims are introduced by forward inputs",
            });
          expectedParts.push(d.name);
          fail(` (unknown dim ${d.name})`);
          continue;
        }
        if (got) dims.set(d.name, { kind: "int", dim: got });
        expectedParts.push(d.name);
        continue;
      }
      const v = this.evaluate(d, { ...staticEnv(env), dims }, false);
      if (v.kind !== "int") {
        expectedParts.push("?");
        continue;
      }
      expectedParts.push(v.dim.toString());
      if (got && !this.checker.equalities.equal(v.dim, got)) {
        const label = sourceText(env, d.span);
        fail(
          `: axis ${ai - 1} is ${got}, expected ${label === v.dim.toString() ? label : `${label} = ${v.dim}`}`,
        );
      }
    }
    if (dtype !== actual.dtype) fail(` (dtype ${actual.dtype}, expected ${dtype})`);
    if (!why) return undefined;
    return { expected: `${dtype}[${expectedParts.join(", ")}]`, why };
  }

  /** True when `name` in a shape is a runtime dim: not a compile-time value in scope. */
  isRuntimeDimName(name: string, env: Env): boolean {
    return (
      !env.statics.has(name) &&
      this.lookup(name, { ...env, dims: new Map() }, false, { start: 0, end: 0 }) === undefined
    );
  }

  /** A tensor of a declared type with fresh symbols for its runtime dims (a forward checked on its own). */
  symbolicTensor(t: A.TensorType, env: Env, prefix: string, variadicRank = 1): Value {
    const dtype = this.dtype(t, env);
    if (!dtype) return UNKNOWN;
    const shape: Dim[] = [];
    for (const d of t.dims) {
      if (d.kind === "VariadicDim") {
        const name = d.name?.name ?? "";
        // One dim stands for the run by default (`...S`, sized by --set S=N); a run of other
        // ranks gets one symbol per dim (S1, S2).
        if (variadicRank === 1) shape.push(Dim.sym(`...${name}`, `${prefix}...${name}`));
        else
          for (let i = 1; i <= variadicRank; i++)
            shape.push(Dim.sym(`${name || "_"}${i}`, `${prefix}...${name}#${i}`));
        continue;
      }
      if (
        d.kind === "Name" &&
        !env.statics.has(d.name) &&
        this.lookup(d.name, env, false, d.span) === undefined
      ) {
        shape.push(Dim.sym(d.name, `${prefix}${d.name}`));
        continue;
      }
      const v = this.evaluate(d, staticEnv(env), false);
      if (v.kind !== "int") return UNKNOWN;
      shape.push(v.dim);
    }
    return { kind: "tensor", type: { dtype, shape } };
  }

  /** Inlines a function call: binds its parameters (tensor shapes bind dims per call) and runs it. */
  private callFn(
    fn: { decl: A.FnDecl; module: Env["module"] },
    e: A.Call,
    env: Env,
    tensor: boolean,
  ): Value {
    const decl = fn.decl;
    if (this.checker.isBroken(fn.module, decl.span)) return UNKNOWN;
    if (env.depth > this.checker.limits.maxDepth) {
      this.report(
        "A0501",
        `function ${decl.name.name} calls itself more than ${this.checker.limits.maxDepth} levels deep`,
        env,
        e.span,
      );
      return UNKNOWN;
    }
    const fEnv: Env = {
      module: fn.module,
      statics: new Map(),
      locals: new Map(),
      members: new Map(),
      dims: new Map(),
      chain: env.chain,
      depth: env.depth + 1,
    };
    if (env.instance) fEnv.instance = env.instance;
    const given = new Map<string, { value: Value; span: A.Span }>();
    let pos = 0;
    for (const a of e.args) {
      const p = a.name ? decl.params.find((x) => x.name.name === a.name!.name) : decl.params[pos++];
      if (!p) {
        this.report(
          "A0304",
          a.name
            ? `${decl.name.name} has no parameter '${a.name.name}'`
            : `${decl.name.name} takes ${decl.params.length} argument${decl.params.length === 1 ? "" : "s"}`,
          env,
          a.span,
          {
            help: `${decl.name.name}(${decl.params.map((x) => x.name.name).join(", ")})`,
          },
        );
        continue;
      }
      if (given.has(p.name.name)) {
        this.report("A0305", `argument '${p.name.name}' is given twice`, env, a.span);
        continue;
      }
      let expected: HyperType | undefined;
      if (p.type?.kind === "EnumType")
        expected = { kind: "enum", members: p.type.members.map((m) => m.name) };
      given.set(p.name.name, {
        value: this.evaluate(a.value, env, tensor, expected),
        span: a.value.span,
      });
    }
    for (const p of decl.params) {
      const name = p.name.name;
      let arg = given.get(name);
      if (!arg) {
        if (!p.default) {
          this.report("A0303", `${decl.name.name} needs '${name}'`, env, e.span);
          return UNKNOWN;
        }
        arg = {
          value: this.evaluate(
            p.default,
            fEnv,
            false,
            p.type?.kind === "EnumType"
              ? { kind: "enum", members: p.type.members.map((m) => m.name) }
              : undefined,
          ),
          span: p.span,
        };
      }
      if (arg.value.kind === "unknown") return UNKNOWN;
      if (p.type?.kind === "TensorType") {
        if (arg.value.kind !== "tensor") {
          // A number where a tensor is expected: a rank-0 scalar.
          if (arg.value.kind === "int" || arg.value.kind === "float") {
            fEnv.locals!.set(name, arg.value);
            continue;
          }
          this.report(
            "A0402",
            `argument '${name}' of ${decl.name.name} must be a tensor, got ${describe(arg.value)}`,
            env,
            arg.span,
          );
          return UNKNOWN;
        }
        const problem = this.matchShape(
          p.type,
          arg.value.type,
          fEnv,
          fEnv.dims!,
          "",
          arg.span,
          false,
        );
        if (problem) {
          this.report(
            "A0402",
            `argument '${name}' of ${decl.name.name} expects ${problem.expected}, got ${formatType(arg.value.type)}${problem.why}`,
            env,
            arg.span,
            {
              related: [{ location: at(fn.module, p.type.span), message: "declared here" }],
            },
          );
          return UNKNOWN;
        }
        fEnv.locals!.set(name, arg.value);
      } else if (p.type) {
        const t = this.resolveType(p.type, fEnv);
        const v = t
          ? this.coerce(arg.value, t, `argument '${name}' of ${decl.name.name}`, env, arg.span)
          : UNKNOWN;
        fEnv.statics.set(name, v);
      } else {
        // Untyped: a tensor, or a static value usable in both kinds of positions.
        if (arg.value.kind === "tensor") fEnv.locals!.set(name, arg.value);
        else fEnv.statics.set(name, arg.value);
      }
    }
    return this.runBody(decl.body, decl.outputs, fEnv, decl.span, decl.name.name);
  }
}

// ==================================================================== helpers

type PatternDim =
  { kind: "run"; name: string } | { kind: "var"; name: string } | { kind: "dim"; dim: Dim };

/** Whether two shape patterns can describe the same shape (runs match any dims, variables any dim). */
function unifiable(
  a: PatternDim[],
  b: PatternDim[],
  eq: { equal(a: Dim, b: Dim): boolean },
): boolean {
  const go = (i: number, j: number): boolean => {
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    if (x?.kind === "run") return go(i + 1, j) || (j < b.length && go(i, j + 1));
    if (y?.kind === "run") return go(i, j + 1) || (i < a.length && go(i + 1, j));
    if (!x || !y) return false;
    if (x.kind === "dim" && y.kind === "dim" && !eq.equal(x.dim, y.dim)) return false;
    return go(i + 1, j + 1);
  };
  return go(0, 0);
}

function patternString(p: PatternDim[]): string {
  return `[${p.map((d) => (d.kind === "run" ? `...${d.name}` : d.kind === "var" ? d.name : d.dim.toString())).join(", ")}]`;
}

/** The numbers of a nested list literal, row-major (undefined if one is not a known number). */
function flattenNumbers(v: Value): number[] | undefined {
  if (v.kind === "int") return v.dim.value === undefined ? undefined : [v.dim.value];
  if (v.kind === "float") return [v.value];
  if (v.kind !== "list" && v.kind !== "tuple") return undefined;
  const out: number[] = [];
  for (const x of v.items) {
    const inner = flattenNumbers(x);
    if (!inner) return undefined;
    out.push(...inner);
  }
  return out;
}

function countInstances(i: Instance): number {
  let n = 1;
  for (const c of i.layers.values())
    for (const x of Array.isArray(c) ? c : [c]) n += countInstances(x);
  return n;
}

function containsUnknown(v: Value): boolean {
  if (v.kind === "unknown") return true;
  if (v.kind === "tuple" || v.kind === "list") return v.items.some(containsUnknown);
  return false;
}

/** One piece of an index expression, as the slice primitive takes it. */
export type IndexArg = IndexElem;

function frameLabel(v: BlockValue): string {
  return blockValueString(v);
}

export function joinPath(base: string, name: string): string {
  return base ? `${base}.${name}` : name;
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** Names an expression mentions (to order requirements and explain them). */
function namesIn(e: A.Expr): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (typeof x !== "object" || x === null) return;
    const n = x as { kind?: string; name?: unknown };
    if (n.kind === "Name" && typeof n.name === "string") out.push(n.name);
    for (const [k, v] of Object.entries(n)) if (k !== "span" && k !== "name") visit(v);
    if (n.kind === "Member") visit((x as A.Member_).object);
  };
  visit(e);
  return [...new Set(out)];
}

function bindingsNote(names: string[], env: Env): string {
  const parts = names.flatMap((n) => {
    const v = env.statics.get(n);
    return v ? [`${n} = ${shortValue(v)}`] : [];
  });
  return parts.length > 0 ? `with ${parts.join(", ")}` : "";
}

function sourceText(env: Env, span: A.Span): string {
  return env.module.file.text.slice(span.start, span.end);
}

function sameType(a: TensorType, b: TensorType, eq: { equal(a: Dim, b: Dim): boolean }): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape, eq);
}

function sameShape(a: Dim[], b: Dim[], eq: { equal(a: Dim, b: Dim): boolean }): boolean {
  return a.length === b.length && a.every((d, i) => eq.equal(d, b[i]!));
}

/** The nested sizes of a list literal, or undefined when ragged. */
function listShape(v: Value): number[] | undefined {
  if (v.kind !== "list" && v.kind !== "tuple") return [];
  const inner = v.items.map(listShape);
  if (inner.some((s) => s === undefined)) return undefined;
  const first = inner[0] ?? [];
  if (inner.some((s) => s!.join(",") !== first.join(","))) return undefined;
  return [v.items.length, ...first];
}
