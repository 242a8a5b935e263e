/**
 * Builds the executable graph (runtime/graph.ts, spec/ir.md) of a model: an Emitter that records
 * every primitive elaboration applies, with its inputs, static attributes and provenance, and
 * lowers the language's conveniences (`transpose`, `rearrange`, `zeros`/`ones`, number literals)
 * into the IR's op set.
 */
import type * as A from "../../grammar/ast.js";
import type {
  Attr,
  DimExpr,
  Graph,
  GraphCheck,
  GraphNode,
  Provenance,
  TensorSpec,
} from "../../runtime/graph.js";
import type { Location } from "../diagnostics/diagnostic.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Program } from "../modules/program.js";
import {
  lookupOp,
  type ArgValue,
  type Bound,
  type BoundValue,
  type InferOk,
} from "../ops/index.js";
import type { TensorType } from "../ops/types.js";
import { Dim } from "../shapes/dim.js";
import { loadModel, type CheckOptions } from "../check/index.js";
import type { Emitter, PrimitiveApplied, RuntimeCheck } from "../check/elaborate.js";
import type { Instance, ParamInfo } from "../check/instance.js";
import type { PrimitiveArg } from "../check/primitives.js";
import type { Value } from "../check/values.js";

/** The name a runtime dim symbol has in the graph: `T`; a variadic run's dims `S` or `S1`, `S2`. */
function symbolName(id: string, name: string): string {
  if (!id.startsWith("...")) return id;
  const hash = id.indexOf("#");
  const run = hash < 0 ? id.slice(3) : id.slice(3, hash);
  return hash < 0 ? run || "S" : `${run || "_"}${id.slice(hash + 1)}`;
}

/** A dim as a graph dim expression: a sum of products. */
export function dimExpr(d: Dim): DimExpr {
  const v = d.value;
  if (v !== undefined) return v;
  let sum: DimExpr | undefined;
  for (const t of d.structure()) {
    let prod: DimExpr | undefined = t.coeff === 1 ? undefined : t.coeff;
    for (const f of t.factors) {
      const x: DimExpr =
        f.kind === "sym"
          ? symbolName(f.id, f.name)
          : { op: f.op, args: [dimExpr(f.args[0]), dimExpr(f.args[1])] };
      prod = prod === undefined ? x : { op: "mul", args: [prod, x] };
    }
    const term = prod ?? t.coeff;
    sum = sum === undefined ? term : { op: "add", args: [sum, term] };
  }
  return sum ?? 0;
}

export class GraphBuilder implements Emitter {
  private next = 0;
  /** The type of every value, by id (the lowering of rearrange skips identity reshapes). */
  private readonly types = new Map<number, TensorType>();
  readonly graph: Graph;
  /** Problems that make a graph impossible (a dtype the runtime lacks). */
  readonly problems: { message: string; location: Location }[] = [];

  constructor(
    private readonly program: Program,
    model: string,
  ) {
    this.graph = {
      version: 1,
      model,
      dims: [],
      inputs: [],
      params: [],
      nodes: [],
      outputs: [],
      checks: [],
    };
  }

  private value(): number {
    return this.next++;
  }

  private spec(t: TensorType, where?: Location): TensorSpec {
    if (t.dtype === "f16") {
      this.problems.push({
        message: "f16 tensors are reserved and cannot run yet",
        location: where ?? { file: "", span: { start: 0, end: 0 } },
      });
    }
    for (const d of t.shape)
      for (const s of d.symbols()) {
        const n = symbolName(s.id, s.name);
        if (!this.graph.dims.includes(n)) this.graph.dims.push(n);
      }
    return { dtype: t.dtype === "f16" ? "f32" : t.dtype, shape: t.shape.map(dimExpr) };
  }

  private provenance(loc: Location, instance: Instance | undefined): Provenance {
    const m = this.program.all().find((x) => x.displayPath === loc.file);
    const p = m ? m.file.source.position(loc.span.start) : { line: 1, col: 1 };
    return { file: loc.file, line: p.line, col: p.col, path: instance?.path ?? "" };
  }

  input(name: string, type: TensorType): number {
    const id = this.value();
    this.types.set(id, type);
    this.graph.inputs.push({ name, value: id, type: this.spec(type) });
    return id;
  }

  param(info: ParamInfo, type: TensorType): number | void {
    if (info.tiedTo) return;
    const shape = type.shape.map((d) => d.value);
    if (shape.some((n) => n === undefined)) return; // a block checked on its own: no graph
    const id = this.value();
    this.types.set(id, type);
    const dtype = type.dtype === "f16" ? "f32" : type.dtype;
    this.graph.params.push({
      path: info.path,
      value: id,
      type: { dtype, shape: shape as number[] },
      init: info.initSpec ?? { kind: "constant", value: 0 },
    });
    return id;
  }

  check(checks: RuntimeCheck[], message: string): void {
    for (const c of checks) {
      const g: GraphCheck = { lhs: dimExpr(c.lhs), op: c.op, rhs: dimExpr(c.rhs), message };
      this.graph.checks.push(g);
    }
  }

  private node(
    op: string,
    inputs: number[],
    types: TensorType[],
    attrs: Record<string, Attr>,
    source: Provenance,
    where: Location,
  ): number[] {
    const outputs = types.map(() => this.value());
    outputs.forEach((o, i) => this.types.set(o, types[i]!));
    const n: GraphNode = {
      op,
      inputs,
      outputs,
      types: types.map((t) => this.spec(t, where)),
      attrs,
      source,
    };
    this.graph.nodes.push(n);
    return outputs;
  }

  /**
   * A dim known only at run time (`T - 1`) used as a number: `arange` of one element starting at
   * the dim (its start is a dim expression the runtime evaluates), viewed as rank 0, cast.
   */
  private runtimeScalar(
    d: Dim,
    dtype: TensorType["dtype"],
    source: Provenance,
    where: Location,
  ): number {
    const one = Dim.const(1);
    const [ids] = this.node(
      "arange",
      [],
      [{ dtype: "i32", shape: [one] }],
      { start: dimExpr(d) },
      source,
      where,
    );
    const [scalar] = this.node("reshape", [ids!], [{ dtype: "i32", shape: [] }], {}, source, where);
    if (dtype === "i32") return scalar!;
    return this.node("cast", [scalar!], [{ dtype, shape: [] }], { dtype }, source, where)[0]!;
  }

  /** A number literal as a rank-0 constant of the dtype its operation gave it. */
  private constant(
    value: number | boolean,
    dtype: TensorType["dtype"],
    source: Provenance,
    where: Location,
  ): number {
    return this.node("const", [], [{ dtype, shape: [] }], { value }, source, where)[0]!;
  }

  primitive(
    name: string,
    args: PrimitiveArg[],
    r: PrimitiveApplied,
    instance: Instance | undefined,
    where: Location,
  ): number[] | void {
    const op = lookupOp(name);
    if (!op) return;
    const source = this.provenance(where, instance);
    // The tensor inputs, in the signature's order; literals become constants.
    const inputs: number[] = [];
    for (const p of op.params) {
      if (p.kind !== "tensor" && p.kind !== "tensors") continue;
      const b = r.bound[p.name];
      if (b === undefined) continue;
      const at = r.sources[p.name];
      const original = at === undefined ? undefined : args[at];
      const values = p.variadic
        ? args.slice(at ?? args.length).map((a) => ("value" in a ? a.value : undefined))
        : original && "value" in original
          ? [original.value]
          : [];
      const bound = b.kind === "tuple" && (p.kind === "tensors" || p.variadic) ? b.items : [b];
      const items =
        p.kind === "tensors" &&
        values[0] &&
        (values[0].kind === "tuple" || values[0].kind === "list")
          ? values[0].items
          : values;
      bound.forEach((bv, i) => {
        if (bv.kind === "keywords") return;
        const id = this.tensorInput(bv, items[i], r.plan.scalarDtypes?.[p.name], source, where);
        if (id !== undefined) inputs.push(id);
      });
    }
    if (inputs.length !== countTensorInputs(op.params, r.bound)) return; // an input outside the graph
    return this.lower(name, inputs, r, source, where);
  }

  private tensorInput(
    b: ArgValue,
    v: Value | undefined,
    scalarDtype: TensorType["dtype"] | undefined,
    source: Provenance,
    where: Location,
  ): number | undefined {
    if (b.kind === "tensor" && b.weak) {
      const w = b.weak;
      const dtype = scalarDtype ?? b.type.dtype;
      if (w.kind === "int" && w.value.value === undefined)
        return this.runtimeScalar(w.value, dtype, source, where);
      const value = w.kind === "int" ? w.value.value! : w.value;
      return this.constant(value, dtype, source, where);
    }
    if (v?.kind === "tensor") return v.id;
    return undefined;
  }

  /** One IR node per primitive, except the conveniences lowered here. */
  private lower(
    name: string,
    inputs: number[],
    r: PrimitiveApplied,
    source: Provenance,
    where: Location,
  ): number[] {
    const b = r.bound;
    const plan = r.plan;
    const out = r.out;
    const node = (op: string, attrs: Record<string, Attr> = {}) =>
      this.node(op, inputs, out, attrs, source, where);
    const axis = () => plan.axes?.[0] ?? 0;
    switch (name) {
      case "transpose": {
        const [a, c] = plan.axes ?? [0, 1];
        const rank = out[0]!.shape.length;
        const perm = Array.from({ length: rank }, (_, i) => (i === a ? c! : i === c ? a! : i));
        return node("permute", { perm });
      }
      case "rearrange":
        return this.rearrange(inputs[0]!, plan, out[0]!, source, where);
      case "zeros":
      case "ones":
        return node("full", { value: name === "ones" ? 1 : 0 });
      case "full":
        return node("full", { value: scalar(b.value) });
      case "cast":
        return node("cast", { dtype: str(b.dtype) });
      case "sum":
      case "mean":
      case "max":
      case "min":
      case "prod":
        return node(name, { axes: plan.axes ?? [], keepdim: bool(b.keepdim) });
      case "argmax":
      case "concat":
      case "split":
      case "take":
      case "take_along":
      case "cumsum":
      case "topk":
      case "rfft":
      case "irfft":
        return node(name, { axis: axis() });
      case "permute":
        return node("permute", { perm: plan.axes ?? [] });
      case "einsum":
        return node("einsum", { spec: plan.einsum?.letters ?? "" });
      case "slice":
        return node("slice", {
          axes: (plan.slice?.axes ?? []).map((a): Attr =>
            a.kind === "index"
              ? { index: dimExpr(a.index) }
              : { start: dimExpr(a.start), step: a.step },
          ),
        });
      case "arange":
        return node("arange", { start: b.b !== undefined ? dimExpr(dimOf(b.a)) : 0 });
      case "roll":
        return node("roll", { axis: axis(), shift: dimExpr(dimOf(b.shift)) });
      case "pad":
        return node("pad", {
          axis: axis(),
          before: dimExpr(dimOf(b.before)),
          value: scalar(b.value),
        });
      case "avg_pool2d":
        return node("avg_pool2d", {
          k: dimExpr(dimOf(b.k)),
          stride: dimExpr(dimOf(b.stride)),
          pad: dimExpr(dimOf(b.pad)),
          countIncludePad: bool(b.count_include_pad),
        });
      case "conv2d_depthwise":
        return node("conv2d_depthwise", { pad: dimExpr(dimOf(b.pad)) });
      case "bspline_basis":
        return node("bspline_basis", {
          grid: dimExpr(dimOf(b.grid)),
          order: num(b.order),
          lo: num(b.lo),
          hi: num(b.hi),
        });
      default:
        return node(name);
    }
  }

  /** rearrange = reshape to the elementary axes, permute, reshape to the output (identities skipped). */
  private rearrange(
    x: number,
    plan: InferOk,
    outType: TensorType,
    source: Provenance,
    where: Location,
  ): number[] {
    const p = plan.rearrange;
    if (!p) return this.node("reshape", [x], [outType], {}, source, where);
    const same = (a: readonly Dim[], b: readonly Dim[]) =>
      a.length === b.length && a.every((d, i) => d.equals(b[i]!));
    const dtype = outType.dtype;
    let cur = x;
    let shape = this.types.get(x)?.shape ?? [];
    if (!same(shape, p.split)) {
      shape = p.split;
      cur = this.node("reshape", [cur], [{ dtype, shape }], {}, source, where)[0]!;
    }
    if (p.perm.some((a, i) => a !== i)) {
      shape = p.perm.map((i) => p.split[i]!);
      cur = this.node("permute", [cur], [{ dtype, shape }], { perm: p.perm }, source, where)[0]!;
    }
    if (same(shape, outType.shape)) return [cur];
    return this.node("reshape", [cur], [outType], {}, source, where);
  }
}

function countTensorInputs(
  params: readonly { name: string; kind: string; variadic?: boolean }[],
  bound: Bound,
): number {
  let n = 0;
  for (const p of params) {
    if (p.kind !== "tensor" && p.kind !== "tensors") continue;
    const b = bound[p.name];
    if (b === undefined) continue;
    n += b.kind === "tuple" && (p.kind === "tensors" || p.variadic) ? b.items.length : 1;
  }
  return n;
}

function dimOf(b: BoundValue | undefined): Dim {
  if (b?.kind === "dim") return b.value;
  if (b?.kind === "int") return Dim.const(b.value);
  return Dim.const(0);
}

function scalar(b: BoundValue | undefined): number | boolean {
  if (b?.kind === "int" || b?.kind === "float" || b?.kind === "bool") return b.value;
  if (b?.kind === "dim") return b.value.value ?? 0;
  return 0;
}

function num(b: BoundValue | undefined): number {
  const v = scalar(b);
  return typeof v === "number" ? v : v ? 1 : 0;
}

function bool(b: BoundValue | undefined): boolean {
  return b?.kind === "bool" ? b.value : false;
}

function str(b: BoundValue | undefined): string {
  return b?.kind === "dtype" || b?.kind === "string" ? b.value : "";
}

export interface BuildResult {
  graph?: Graph;
  diagnostics: Diagnostic[];
}

/** A model's inputs as declared: the variadic run each has (if any) and its other dims. */
export interface ModelSignature {
  inputs: { name: string; variadic?: string; fixedDims: number }[];
  /** The model's `with` sizes: a number, or a tuple for a variadic run. */
  sizes: Record<string, number | number[]>;
  diagnostics: Diagnostic[];
}

/** What `init` and `run` need before building a graph: the inputs' runs and the `with` sizes. */
export function modelSignature(
  program: Program,
  file: string,
  model: string,
  opts: CheckOptions = {},
): ModelSignature {
  const loaded = loadModel(program, file, model, opts);
  const sizes: Record<string, number | number[]> = {};
  for (const [k, v] of loaded.sizes) {
    if (v.kind === "int" && v.dim.value !== undefined) sizes[k] = v.dim.value;
    if (v.kind === "tuple" || v.kind === "list")
      sizes[k] = v.items.map((x) => (x.kind === "int" ? (x.dim.value ?? 0) : 0));
  }
  const inputs: ModelSignature["inputs"] = [];
  for (const p of loaded.instance?.forward?.inputs ?? []) {
    if (p.type?.kind !== "TensorType") continue;
    const run = p.type.dims.find((d): d is A.VariadicDim => d.kind === "VariadicDim");
    const entry: ModelSignature["inputs"][number] = {
      name: p.name.name,
      fixedDims: p.type.dims.length - (run ? 1 : 0),
    };
    if (run) entry.variadic = run.name?.name ?? "";
    inputs.push(entry);
  }
  return { inputs, sizes, diagnostics: loaded.diagnostics };
}

/**
 * The graph of `model` in `file` (a declared model or a block expression). `ranks` gives the
 * rank of each variadic input run (`...S` -> 2), when the inputs are known.
 */
export function buildGraph(
  program: Program,
  file: string,
  model: string,
  opts: CheckOptions = {},
): BuildResult {
  const builder = new GraphBuilder(program, model);
  const loaded = loadModel(program, file, model, opts, builder);
  const diagnostics = [...loaded.diagnostics];
  for (const p of builder.problems) diagnostics.push(diagnostic("A0601", p.message, p.location));
  if (diagnostics.some((d) => d.severity === "error") || !loaded.instance || !loaded.output)
    return { diagnostics };
  const f = loaded.instance.forward;
  const declared = f?.outputs?.items ?? [];
  const values =
    declared.length === 1 && !f?.outputs?.parenthesized
      ? [loaded.output]
      : loaded.output.kind === "tuple"
        ? loaded.output.items
        : [loaded.output];
  const outputs: Graph["outputs"] = [];
  values.forEach((v, i) => {
    if (v.kind === "tensor" && v.id !== undefined)
      outputs.push({ name: declared[i]?.name?.name ?? "y", value: v.id });
  });
  if (outputs.length !== values.length) {
    diagnostics.push(
      diagnostic(
        "A0601",
        `model ${model}: an output does not depend on the model's computation (internal)`,
        {
          file: loaded.module.displayPath,
          span: f?.span ?? { start: 0, end: 0 },
        },
      ),
    );
    return { diagnostics };
  }
  builder.graph.outputs = outputs;
  return { graph: builder.graph, diagnostics };
}

export type { A };
