/**
 * Elementwise kernels: one invocation per output element, each operand read at its broadcast
 * offset. The semantics are the reference interpreter's (spec/ir.md, "Numerics"): i32 wraps and
 * divides by zero to 0, f32 → i32 saturates, NaN propagates through maximum/minimum, pow follows
 * C on negative bases and the edge cases.
 */
import type { DType, TensorSpec } from "../../../../runtime/graph.js";
import { CodegenError, type EmitContext, type OpEmitter } from "../context.js";
import {
  broadcastOffset,
  constDim,
  dimU32,
  literal,
  load,
  product,
  sameShape,
  shapeTag,
  store,
  unravel,
  valueType,
} from "../wgsl.js";

export const WORKGROUP = 256;

interface Operand {
  value: number;
  type: TensorSpec;
}

/**
 * One kernel computing `expr(v0, v1, ...)` for every element of `output`, where `vK` is operand
 * K read at its broadcast position (as its value type: bool is `bool`). Used by every
 * elementwise op, and by layout ops that are a broadcast copy (`expand`).
 */
export function mapKernel(
  ctx: EmitContext,
  name: string,
  operands: number[],
  output: number,
  expr: (v: string[]) => string,
): void {
  const out = ctx.type(output);
  const ops: Operand[] = operands.map((value) => ({ value, type: ctx.type(value) }));
  const n = product(out.shape);
  const rank = out.shape.length;
  const needsCoords = ops.some(
    (o) => !sameShape(o.type.shape, out.shape) && constDim(product(o.type.shape)) !== 1,
  );
  const names = ops.map((_, i) => String.fromCharCode(97 + i)); // a, b, c
  const lines = [`if (gid >= ${dimU32(n)}) { return; }`];
  if (needsCoords) lines.push(unravel("gid", out.shape, "i"));
  ops.forEach((o, i) => {
    const offset = sameShape(o.type.shape, out.shape)
      ? "gid"
      : constDim(product(o.type.shape)) === 1
        ? "0u"
        : broadcastOffset(o.type.shape, rank, "i");
    lines.push(`let v${i} = ${load(o.type.dtype, `${names[i]}[${offset}]`)};`);
  });
  lines.push(`out[gid] = ${store(out.dtype, expr(ops.map((_, i) => `v${i}`)))};`);
  const tag = [out, ...ops.map((o) => o.type)].map((t) => shapeTag(t.dtype, t.shape)).join("__");
  ctx.dispatch(
    {
      name: `${name}_${tag}`,
      bindings: [
        ...ops.map((o, i) => ({ name: names[i]!, kind: "read" as const, dtype: o.type.dtype })),
        { name: "out", kind: "write", dtype: out.dtype },
      ],
      workgroupSize: WORKGROUP,
      body: lines.join("\n"),
    },
    [...operands, output],
    { op: "ceil_div", args: [n, WORKGROUP] },
  );
}

/** A unary op's WGSL expression of its operand (as a value of `dtype`). */
const UNARY: Record<string, (x: string, dtype: DType) => string> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  sign: (x, t) => (t === "f32" ? `sign_f32(${x})` : `sign(${x})`),
  floor: (x, t) => (t === "f32" ? `floor(${x})` : x),
  ceil: (x, t) => (t === "f32" ? `ceil(${x})` : x),
  exp: (x) => `exp(${x})`,
  log: (x) => `log(${x})`,
  sqrt: (x) => `sqrt(${x})`,
  rsqrt: (x) => `(1.0f / sqrt(${x}))`,
  sin: (x) => `sin(${x})`,
  cos: (x) => `cos(${x})`,
  tanh: (x) => `tanh_f32(${x})`,
  erf: (x) => `erf_f32(${x})`,
  not: (x) => `!${x}`,
};

const infix = (op: string) => (a: string, b: string) => `(${a} ${op} ${b})`;

/** A binary op's WGSL expression of its operands (values of `dtype`). */
const BINARY: Record<string, (a: string, b: string, dtype: DType) => string> = {
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: (a, b, t) => (t === "i32" ? `div_i32(${a}, ${b})` : `(${a} / ${b})`),
  mod: (a, b, t) => (t === "i32" ? `mod_i32(${a}, ${b})` : `(${a} - floor(${a} / ${b}) * ${b})`),
  pow: (a, b, t) => (t === "i32" ? `pow_i32(${a}, ${b})` : `pow_f32(${a}, ${b})`),
  maximum: (a, b, t) => (t === "f32" ? `maximum_f32(${a}, ${b})` : `max(${a}, ${b})`),
  minimum: (a, b, t) => (t === "f32" ? `minimum_f32(${a}, ${b})` : `min(${a}, ${b})`),
  eq: infix("=="),
  ne: infix("!="),
  lt: infix("<"),
  le: infix("<="),
  gt: infix(">"),
  ge: infix(">="),
  and: infix("&&"),
  or: infix("||"),
};

/** The ops whose output element depends only on the operands' elements at the same position. */
export const ELEMENTWISE_OPS: ReadonlySet<string> = new Set([
  ...Object.keys(UNARY),
  ...Object.keys(BINARY),
  "where",
  "cast",
]);

/**
 * The WGSL expression of one elementwise op applied to operand expressions `args` (values, not
 * storage: bool is `bool`). `inputs` are the operands' dtypes, `out` the result's; `constant`
 * gives an operand's value when it is a compile-time constant (for `x ** 2` as a product).
 * Shared by the one-op kernels here and by fused kernels.
 */
export function elementwiseExpr(
  op: string,
  args: readonly string[],
  inputs: readonly DType[],
  out: DType,
  constant: (i: number) => number | undefined = () => undefined,
): string {
  const [a, b, c] = args;
  const unary = UNARY[op];
  if (unary) return unary(a!, inputs[0]!);
  const binary = BINARY[op];
  if (binary) {
    // `x ** 2` and `x ** 3` (GELU's tanh form) as products: exact where pow is not.
    const k = op === "pow" && inputs[0] === "f32" ? constant(1) : undefined;
    if (k === 2) return `(${a} * ${a})`;
    if (k === 3) return `(${a} * ${a} * ${a})`;
    return binary(a!, b!, inputs[0]!);
  }
  if (op === "where") return `select(${c}, ${b}, ${a})`;
  if (op === "cast") return castExpr(a!, inputs[0]!, out);
  throw new CodegenError(`'${op}' is not an elementwise op`);
}

function castExpr(v: string, from: DType, to: DType): string {
  if (from === to) return v;
  if (to === "bool") return from === "f32" ? `(${v} != 0.0f)` : `(${v} != 0i)`;
  if (from === "bool") return `select(${literal(to, 0)}, ${literal(to, 1)}, ${v})`;
  if (to === "i32") return `f32_to_i32(${v})`;
  return `${valueType(to)}(${v})`;
}

/** The number a value holds when a `const` node produced it. */
export function constValue(ctx: EmitContext, value: number): number | undefined {
  const p = ctx.producer(value);
  return p?.op === "const" && typeof p.attrs.value === "number" ? p.attrs.value : undefined;
}

/** One kernel per elementwise node, named after the op (and `pow2`/`pow3`, `cast_<to>`). */
const elementwise: OpEmitter = (ctx) => {
  const { op, inputs } = ctx.node;
  const output = ctx.node.outputs[0]!;
  const dtypes = inputs.map((v) => ctx.type(v).dtype);
  const out = ctx.type(output).dtype;
  const constant = (i: number) => constValue(ctx, inputs[i]!);
  let name = op === "cast" ? `cast_${out}` : op;
  let operands = inputs;
  const k = op === "pow" && dtypes[0] === "f32" ? constant(1) : undefined;
  if (k === 2 || k === 3) {
    name = `pow${k}`;
    operands = [inputs[0]!];
  }
  mapKernel(ctx, name, operands, output, (v) =>
    elementwiseExpr(op, operands === inputs ? v : [v[0]!, "unused"], dtypes, out, constant),
  );
};

/** `const` and `full`: every element the attribute `value`. */
const fill: OpEmitter = (ctx) => {
  const out = ctx.node.outputs[0]!;
  const t = ctx.type(out);
  const v = ctx.node.attrs.value;
  if (typeof v !== "number" && typeof v !== "boolean")
    throw new CodegenError(`${ctx.node.op}: value must be a number or bool`);
  mapKernel(ctx, `${ctx.node.op}_${String(v).replace(/[^A-Za-z0-9]/g, "_")}`, [], out, () =>
    literal(t.dtype, v),
  );
};

export const ELEMENTWISE: Record<string, OpEmitter> = {
  ...Object.fromEntries([...ELEMENTWISE_OPS].map((op) => [op, elementwise])),
  const: fill,
  full: fill,
};
