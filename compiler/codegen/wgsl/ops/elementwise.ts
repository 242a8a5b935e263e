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

/** Module-scope helpers, included by the kernels that call them. */
const HELPERS: Record<string, string> = {
  div_i32: `fn div_i32(a: i32, b: i32) -> i32 {
  // Floor division; by zero gives 0; MIN / -1 wraps to MIN.
  if (b == 0i) { return 0i; }
  if (b == -1i) { return 0i - a; }
  let q = a / b;
  if (a % b != 0i && ((a < 0i) != (b < 0i))) { return q - 1i; }
  return q;
}`,
  mod_i32: `fn mod_i32(a: i32, b: i32) -> i32 {
  // The divisor's sign (Python); by zero gives 0.
  if (b == 0i || b == -1i) { return 0i; }
  let r = a % b;
  if (r != 0i && ((r < 0i) != (b < 0i))) { return r + b; }
  return r;
}`,
  pow_i32: `fn pow_i32(a: i32, b: i32) -> i32 {
  // Repeated squaring, wrapping; a negative exponent truncates the true value toward zero.
  if (b < 0i) {
    if (a == 1i) { return 1i; }
    if (a == -1i) { return select(-1i, 1i, b % 2i == 0i); }
    return 0i;
  }
  var r = 1i;
  var base = a;
  var e = b;
  loop {
    if (e == 0i) { break; }
    if ((e & 1i) == 1i) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  pow_f32: `fn pow_f32(a: f32, b: f32) -> f32 {
  // WGSL's pow is undefined for a < 0 and gives NaN for pow(0, 0); C's rules instead.
  if (a == 1.0f || b == 0.0f) { return 1.0f; }
  if (b != b || a != a) { return a + b; }
  let ab = abs(b);
  let inf = inf_f32();
  if (a == -1.0f && ab == inf) { return 1.0f; }
  if (a == 0.0f) {
    let odd = floor(b) == b && ab < 16777216.0f && (i32(ab) & 1i) == 1i;
    if (b > 0.0f) { return select(0.0f, a, odd); }
    return select(inf, select(inf, -inf, bitcast<u32>(a) == 0x80000000u), odd);
  }
  let r = exp2(b * log2(abs(a)));
  if (a > 0.0f) { return r; }
  if (floor(b) != b) { return nan_f32(); }
  // An odd integer exponent keeps the sign (|b| ≥ 2^24 is always even in f32).
  let odd = ab < 16777216.0f && (i32(ab) & 1i) == 1i;
  return select(r, -r, odd);
}`,
  maximum_f32: `fn maximum_f32(a: f32, b: f32) -> f32 {
  if (a != a || b != b) { return a + b; }
  return max(a, b);
}`,
  minimum_f32: `fn minimum_f32(a: f32, b: f32) -> f32 {
  if (a != a || b != b) { return a + b; }
  return min(a, b);
}`,
  sign_f32: `fn sign_f32(x: f32) -> f32 {
  if (x != x) { return x; }
  return sign(x);
}`,
  tanh_f32: `fn tanh_f32(x: f32) -> f32 {
  // tanh(±10) is ±1 in f32; clamping keeps implementations that go through exp from overflowing.
  // clamp would turn NaN into a bound, so NaN passes through untouched.
  return select(tanh(clamp(x, -10.0f, 10.0f)), x, x != x);
}`,
  erf_f32: `fn erf_f32(x: f32) -> f32 {
  // erf from erfc(|x|) = t·exp(−x² + P(t)), t = 1/(1 + |x|/2) (Numerical Recipes' erfcc,
  // fractional error below 1.2e−7 everywhere), and the Taylor series near 0, where
  // 1 − erfc loses digits.
  let ax = abs(x);
  if (ax < 0.5f) {
    let x2 = x * x;
    return x * (1.1283791671f + x2 * (-0.3761263890f + x2 * (0.1128379167f + x2 * (-0.0268661706f + x2 * (0.0052239776f + x2 * -0.0008548327f)))));
  }
  let t = 1.0f / (1.0f + 0.5f * ax);
  let p = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  let r = 1.0f - t * exp(-ax * ax + p);
  return select(r, -r, x < 0.0f);
}`,
  f32_to_i32: `fn f32_to_i32(x: f32) -> i32 {
  // Truncation toward zero, saturating at the i32 range; NaN gives 0.
  if (x != x) { return 0i; }
  if (x >= 2147483648.0f) { return 2147483647i; }
  if (x <= -2147483648.0f) { return i32(-2147483647 - 1); }
  return i32(x);
}`,
};

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
  helpers: string[] = [],
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
      module: helpers.map((h) => HELPERS[h]!).join("\n\n"),
      body: lines.join("\n"),
    },
    [...operands, output],
    { op: "ceil_div", args: [n, WORKGROUP] },
  );
}

type Unary = (x: string, dtype: DType) => { expr: string; helpers?: string[] };

const UNARY: Record<string, Unary> = {
  neg: (x) => ({ expr: `-${x}` }),
  abs: (x) => ({ expr: `abs(${x})` }),
  sign: (x, t) =>
    t === "f32" ? { expr: `sign_f32(${x})`, helpers: ["sign_f32"] } : { expr: `sign(${x})` },
  floor: (x, t) => ({ expr: t === "f32" ? `floor(${x})` : x }),
  ceil: (x, t) => ({ expr: t === "f32" ? `ceil(${x})` : x }),
  exp: (x) => ({ expr: `exp(${x})` }),
  log: (x) => ({ expr: `log(${x})` }),
  sqrt: (x) => ({ expr: `sqrt(${x})` }),
  rsqrt: (x) => ({ expr: `1.0f / sqrt(${x})` }),
  sin: (x) => ({ expr: `sin(${x})` }),
  cos: (x) => ({ expr: `cos(${x})` }),
  tanh: (x) => ({ expr: `tanh_f32(${x})`, helpers: ["tanh_f32"] }),
  erf: (x) => ({ expr: `erf_f32(${x})`, helpers: ["erf_f32"] }),
  not: (x) => ({ expr: `!${x}` }),
};

type Binary = (a: string, b: string, dtype: DType) => { expr: string; helpers?: string[] };

const infix =
  (op: string): Binary =>
  (a, b) => ({ expr: `(${a} ${op} ${b})` });

const BINARY: Record<string, Binary> = {
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: (a, b, t) =>
    t === "i32" ? { expr: `div_i32(${a}, ${b})`, helpers: ["div_i32"] } : { expr: `(${a} / ${b})` },
  mod: (a, b, t) =>
    t === "i32"
      ? { expr: `mod_i32(${a}, ${b})`, helpers: ["mod_i32"] }
      : { expr: `(${a} - floor(${a} / ${b}) * ${b})` },
  pow: (a, b, t) =>
    t === "i32"
      ? { expr: `pow_i32(${a}, ${b})`, helpers: ["pow_i32"] }
      : { expr: `pow_f32(${a}, ${b})`, helpers: ["pow_f32"] },
  maximum: (a, b, t) =>
    t === "f32"
      ? { expr: `maximum_f32(${a}, ${b})`, helpers: ["maximum_f32"] }
      : { expr: `max(${a}, ${b})` },
  minimum: (a, b, t) =>
    t === "f32"
      ? { expr: `minimum_f32(${a}, ${b})`, helpers: ["minimum_f32"] }
      : { expr: `min(${a}, ${b})` },
  eq: infix("=="),
  ne: infix("!="),
  lt: infix("<"),
  le: infix("<="),
  gt: infix(">"),
  ge: infix(">="),
  and: infix("&&"),
  or: infix("||"),
};

function unaryEmitter(op: string): OpEmitter {
  const f = UNARY[op]!;
  return (ctx) => {
    const x = ctx.node.inputs[0]!;
    const r = f("", ctx.type(x).dtype);
    mapKernel(
      ctx,
      op,
      [x],
      ctx.node.outputs[0]!,
      (v) => f(v[0]!, ctx.type(x).dtype).expr,
      r.helpers,
    );
  };
}

function binaryEmitter(op: string): OpEmitter {
  const f = BINARY[op]!;
  return (ctx) => {
    const [a, b] = ctx.node.inputs as [number, number];
    const dtype = ctx.type(a).dtype;
    // `x ** 2` and `x ** 3` (GELU's tanh form) as products: exact where pow is not.
    if (op === "pow" && dtype === "f32") {
      const k = constValue(ctx, b);
      if (k === 2 || k === 3) {
        const mul = (x: string) => (k === 2 ? `(${x} * ${x})` : `(${x} * ${x} * ${x})`);
        mapKernel(ctx, `pow${k}`, [a], ctx.node.outputs[0]!, (v) => mul(v[0]!));
        return;
      }
    }
    const r = f("", "", dtype);
    mapKernel(ctx, op, [a, b], ctx.node.outputs[0]!, (v) => f(v[0]!, v[1]!, dtype).expr, r.helpers);
  };
}

/** The number a value holds when a `const` node produced it. */
function constValue(ctx: EmitContext, value: number): number | undefined {
  const p = ctx.producer(value);
  return p?.op === "const" && typeof p.attrs.value === "number" ? p.attrs.value : undefined;
}

const where: OpEmitter = (ctx) => {
  mapKernel(
    ctx,
    "where",
    ctx.node.inputs,
    ctx.node.outputs[0]!,
    (v) => `select(${v[2]}, ${v[1]}, ${v[0]})`,
  );
};

const cast: OpEmitter = (ctx) => {
  const x = ctx.node.inputs[0]!;
  const from = ctx.type(x).dtype;
  const to = ctx.type(ctx.node.outputs[0]!).dtype;
  const conv = (v: string): { expr: string; helpers?: string[] } => {
    if (from === to) return { expr: v };
    if (to === "bool") return { expr: from === "f32" ? `(${v} != 0.0f)` : `(${v} != 0i)` };
    if (from === "bool") return { expr: `select(${literal(to, 0)}, ${literal(to, 1)}, ${v})` };
    if (to === "i32") return { expr: `f32_to_i32(${v})`, helpers: ["f32_to_i32"] };
    return { expr: `${valueType(to)}(${v})` };
  };
  mapKernel(
    ctx,
    `cast_${to}`,
    [x],
    ctx.node.outputs[0]!,
    (v) => conv(v[0]!).expr,
    conv("").helpers,
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
  ...Object.fromEntries(Object.keys(UNARY).map((op) => [op, unaryEmitter(op)])),
  ...Object.fromEntries(Object.keys(BINARY).map((op) => [op, binaryEmitter(op)])),
  where,
  cast,
  const: fill,
  full: fill,
};
