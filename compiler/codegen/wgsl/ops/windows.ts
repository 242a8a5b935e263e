/**
 * Windows and transforms: avg_pool2d, conv2d_depthwise, dct_matrix, rfft, irfft, bspline_basis.
 *
 * Baseline kernels: one invocation per output element, looping over its window (pooling,
 * convolution), over the signal or the spectrum (direct O(N²) DFTs) or over the B-spline recursion
 * of its basis. Semantics are the reference interpreter's (runtime/reference/kernels.ts); the
 * reference computes in double, these kernels in f32 (the tests state each tolerance).
 *
 * Twiddle factors are accurate in f32: the index `k·n mod N` is reduced in integers, the quadrant
 * found in integers, and only an angle in [0, π/4] is scaled to radians (`unit_circle`).
 */
import type { DimExpr, TensorSpec } from "../../../../runtime/graph.js";
import { CodegenError, type EmitContext, type KernelBinding, type OpEmitter } from "../context.js";
import { constDim, dimI32, dimU32, literal, product, shapeTag } from "../wgsl.js";
import { WORKGROUP } from "./elementwise.js";

// ------------------------------------------------------------------------------------ helpers

/** Module-scope WGSL helpers, included by the kernels that use them. */
const UNIT_CIRCLE = `// cos and sin of 2π·r/m for integers 0 ≤ r < m < 2^30. The quadrant and the octant are found in
// integers, so only an angle in [0, π/4] is formed in f32 (f32(2π·r/m) would lose about log2(r)
// bits); exact at multiples of a quarter turn, like the reference.
fn unit_circle(r: u32, m: u32) -> vec2<f32> {
  let t = 4u * r;
  let q = t / m;
  let rem = t % m;
  // The angle within the quadrant is (π/2)·rem/m; past the octant use its complement.
  let flip = 2u * rem > m;
  let a = f32(select(rem, m - rem, flip)) / f32(m) * 1.5707963267948966f;
  let ca = cos(a);
  let sa = sin(a);
  let c = select(ca, sa, flip);
  let s = select(sa, ca, flip);
  switch q {
    case 0u: { return vec2<f32>(c, s); }
    case 1u: { return vec2<f32>(-s, c); }
    case 2u: { return vec2<f32>(-c, -s); }
    default: { return vec2<f32>(s, -c); }
  }
}`;

const MUL_MOD = `// a·b mod m for a, b < m < 2^31 without overflowing u32: directly when the product fits,
// otherwise by doubling (every partial sum stays below 2m).
fn mul_mod(a: u32, b: u32, m: u32) -> u32 {
  if (b == 0u || a <= 0xffffffffu / b) { return (a * b) % m; }
  var r = 0u;
  var x = a;
  var y = b;
  loop {
    if (y == 0u) { break; }
    if ((y & 1u) == 1u) { r = (r + x) % m; }
    x = (x + x) % m;
    y = y >> 1u;
  }
  return r;
}`;

/** A dim-valued attribute of the node (a DimExpr in the graph). */
function dimAttr(ctx: EmitContext, name: string): DimExpr {
  const v = ctx.node.attrs[name];
  if (typeof v === "number" || typeof v === "string") return v;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && "op" in v && "args" in v)
    return v as DimExpr;
  throw new CodegenError(`${ctx.node.op}: attribute '${name}' must be a dim`);
}

function numAttr(ctx: EmitContext, name: string): number {
  const v = ctx.node.attrs[name];
  if (typeof v !== "number") throw new CodegenError(`${ctx.node.op}: '${name}' must be a number`);
  return v;
}

function intAttr(ctx: EmitContext, name: string): number {
  const v = numAttr(ctx, name);
  if (!Number.isInteger(v)) throw new CodegenError(`${ctx.node.op}: '${name}' must be an integer`);
  return v;
}

/** The op's name and its operands' shapes: `rfft_f32_4x9__f32_4x5`. */
function kernelName(ctx: EmitContext, values: number[]): string {
  const tags = values.map((v) => {
    const t = ctx.type(v);
    return shapeTag(t.dtype, t.shape);
  });
  return `${ctx.node.op}_${tags.join("__")}`;
}

/**
 * One kernel with one invocation per element of a `count`-element output: `body` runs with
 * `gid < count`. Bindings are f32 buffers, `reads` then `writes`, matched to `values`.
 */
function perElement(
  ctx: EmitContext,
  count: DimExpr,
  reads: string[],
  writes: string[],
  values: number[],
  body: string,
  module = "",
): void {
  const bindings: KernelBinding[] = [
    ...reads.map((name) => ({ name, kind: "read" as const, dtype: "f32" as const })),
    ...writes.map((name) => ({ name, kind: "write" as const, dtype: "f32" as const })),
  ];
  ctx.dispatch(
    {
      name: kernelName(ctx, [...ctx.node.outputs, ...ctx.node.inputs]),
      bindings,
      workgroupSize: WORKGROUP,
      module,
      body: `if (gid >= ${dimU32(count)}) { return; }\n${body}`,
    },
    values,
    { op: "ceil_div", args: [count, WORKGROUP] },
  );
}

function needRank(ctx: EmitContext, t: TensorSpec, rank: number, what: string): void {
  if (t.shape.length !== rank)
    throw new CodegenError(`${ctx.node.op}: ${what} must have rank ${rank}`);
}

/** Statements splitting `gid` into `c`, `ow`, `oh` (i32) and `b` of a [B, OH, OW, C] output. */
function nhwcCoords(out: TensorSpec): string {
  const [, OH, OW, C] = out.shape as [DimExpr, DimExpr, DimExpr, DimExpr];
  return `let c = gid % ${dimU32(C)};
var rest = gid / ${dimU32(C)};
let ow = i32(rest % ${dimU32(OW)});
rest = rest / ${dimU32(OW)};
let oh = i32(rest % ${dimU32(OH)});
let b = rest / ${dimU32(OH)};`;
}

// ------------------------------------------------------------------------------------ windows

/**
 * Average pooling (floor mode): each invocation sums its window's in-bounds cells; the divisor is
 * their count, or with `countIncludePad` the window clipped to the padded input (PyTorch's rule).
 * A window wholly in the padding has count 0: 0/0 = NaN, as the reference.
 */
const avgPool2d: OpEmitter = (ctx) => {
  const [xv] = ctx.node.inputs as [number];
  const ov = ctx.node.outputs[0]!;
  const x = ctx.type(xv);
  const out = ctx.type(ov);
  needRank(ctx, x, 4, "x");
  const [, H, W, C] = x.shape as [DimExpr, DimExpr, DimExpr, DimExpr];
  const k = dimI32(dimAttr(ctx, "k"));
  const stride = dimI32(dimAttr(ctx, "stride"));
  const pad = dimI32(dimAttr(ctx, "pad"));
  const includePad = ctx.node.attrs.countIncludePad;
  if (typeof includePad !== "boolean")
    throw new CodegenError("avg_pool2d: countIncludePad must be a bool");
  const [h, w] = [dimI32(H), dimI32(W)];
  const body = `${nhwcCoords(out)}
let h0 = oh * ${stride} - ${pad};
let w0 = ow * ${stride} - ${pad};
let hs = max(h0, 0i);
let he = min(h0 + ${k}, ${h});
let ws = max(w0, 0i);
let we = min(w0 + ${k}, ${w});
var acc = 0.0f;
for (var hh = hs; hh < he; hh++) {
  let row = (b * ${dimU32(H)} + u32(hh)) * ${dimU32(W)};
  for (var ww = ws; ww < we; ww++) {
    acc += x[(row + u32(ww)) * ${dimU32(C)} + c];
  }
}
${
  includePad
    ? `// The window clipped to the padded input (k² in floor mode).
let divisor = (min(h0 + ${k}, ${h} + ${pad}) - h0) * (min(w0 + ${k}, ${w} + ${pad}) - w0);`
    : `let divisor = max(he - hs, 0i) * max(we - ws, 0i);`
}
out[gid] = select(acc / f32(divisor), nan_f32(), divisor == 0i);`;
  perElement(ctx, product(out.shape), ["x"], ["out"], [xv, ov], body);
};

/** Depthwise cross-correlation, stride 1, zero padding: one invocation per output element. */
const conv2dDepthwise: OpEmitter = (ctx) => {
  const [xv, wv] = ctx.node.inputs as [number, number];
  const ov = ctx.node.outputs[0]!;
  const x = ctx.type(xv);
  const wt = ctx.type(wv);
  const out = ctx.type(ov);
  needRank(ctx, x, 4, "x");
  needRank(ctx, wt, 3, "w");
  const [, H, W, C] = x.shape as [DimExpr, DimExpr, DimExpr, DimExpr];
  const [, KH, KW] = wt.shape as [DimExpr, DimExpr, DimExpr];
  const pad = dimI32(dimAttr(ctx, "pad"));
  const body = `${nhwcCoords(out)}
var acc = 0.0f;
for (var u = 0i; u < ${dimI32(KH)}; u++) {
  let hh = oh + u - ${pad};
  if (hh < 0i || hh >= ${dimI32(H)}) { continue; }
  let row = (b * ${dimU32(H)} + u32(hh)) * ${dimU32(W)};
  let wrow = (c * ${dimU32(KH)} + u32(u)) * ${dimU32(KW)};
  for (var v = 0i; v < ${dimI32(KW)}; v++) {
    let ww = ow + v - ${pad};
    if (ww < 0i || ww >= ${dimI32(W)}) { continue; }
    acc += x[(row + u32(ww)) * ${dimU32(C)} + c] * w[wrow + u32(v)];
  }
}
out[gid] = acc;`;
  perElement(ctx, product(out.shape), ["x", "w"], ["out"], [xv, wv, ov], body);
};

// ------------------------------------------------------------------------------------ transforms

/** `M[k, n] = s_k cos(2π·((2n+1)k mod 4N) / 4N)`: the angle reduced in integers. */
const dctMatrix: OpEmitter = (ctx) => {
  const ov = ctx.node.outputs[0]!;
  const out = ctx.type(ov);
  needRank(ctx, out, 2, "the output");
  const N = dimU32(out.shape[0]!);
  const body = `let n = gid % ${N};
let k = gid / ${N};
let m = 4u * ${N};
let r = mul_mod((2u * n + 1u) % m, k, m);
let s = sqrt(select(2.0f, 1.0f, k == 0u) / f32(${N}));
out[gid] = s * unit_circle(r, m).x;`;
  perElement(ctx, product(out.shape), [], ["out"], [ov], body, `${UNIT_CIRCLE}\n\n${MUL_MOD}`);
};

/** Sizes around `axis`: the product of the axes before it, its size, the product after it. */
function aroundAxis(shape: readonly DimExpr[], axis: number) {
  return {
    outer: product(shape.slice(0, axis)),
    n: shape[axis]!,
    inner: product(shape.slice(axis + 1)),
  };
}

function axisOf(ctx: EmitContext, rank: number): number {
  const a = intAttr(ctx, "axis");
  if (a < 0 || a >= rank) throw new CodegenError(`${ctx.node.op}: axis ${a} out of range`);
  return a;
}

/**
 * Statements splitting `gid` of a tensor [outer, size, inner] into `j` (inner), `${name}`
 * (along the axis) and `p` (outer).
 */
function axisCoords(size: DimExpr, inner: DimExpr, name: string): string {
  return `let j = gid % ${dimU32(inner)};
let ${name} = (gid / ${dimU32(inner)}) % ${dimU32(size)};
let p = gid / (${dimU32(inner)} * ${dimU32(size)});`;
}

/** The `floor(N/2) + 1` bins of a size-N signal, checked against the spectrum's shape. */
function checkBins(ctx: EmitContext, N: DimExpr, M: DimExpr): void {
  const [n, m] = [constDim(N), constDim(M)];
  if (n !== undefined && m !== undefined && m !== Math.floor(n / 2) + 1)
    throw new CodegenError(`${ctx.node.op}: ${m} bins do not fit N = ${n}`);
  if (n === 0) throw new CodegenError(`${ctx.node.op}: the axis is empty`);
}

/**
 * Direct DFT, norm "ortho": each invocation computes bin k of one signal, both parts, walking
 * `r = k·n mod N` incrementally (no overflow, no multiplication).
 */
const rfft: OpEmitter = (ctx) => {
  const [xv] = ctx.node.inputs as [number];
  const [rev, imv] = ctx.node.outputs as [number, number];
  const x = ctx.type(xv);
  const spec = ctx.type(rev);
  const axis = axisOf(ctx, x.shape.length);
  const { n: N, inner } = aroundAxis(x.shape, axis);
  const M = spec.shape[axis]!;
  checkBins(ctx, N, M);
  const n = dimU32(N);
  const body = `${axisCoords(M, inner, "k")}
let base = p * ${n} * ${dimU32(inner)} + j;
var sr = 0.0f;
var si = 0.0f;
var r = 0u;
for (var t = 0u; t < ${n}; t++) {
  let v = x[base + t * ${dimU32(inner)}];
  let cs = unit_circle(r, ${n});
  sr += v * cs.x;
  si -= v * cs.y;
  r += k;
  if (r >= ${n}) { r -= ${n}; }
}
let scale = 1.0f / sqrt(f32(${n}));
re[gid] = sr * scale;
im[gid] = si * scale;`;
  perElement(ctx, product(spec.shape), ["x"], ["re", "im"], [xv, rev, imv], body, UNIT_CIRCLE);
};

/**
 * Inverse DFT of a Hermitian spectrum, norm "ortho", in the reference's order: bin 0, twice the
 * real part of each bin 1…⌊(N−1)/2⌋, then (N even) bin N/2 times (−1)^n. The imaginary parts of
 * bins 0 and N/2 are never read.
 */
const irfft: OpEmitter = (ctx) => {
  const [rev, imv] = ctx.node.inputs as [number, number];
  const ov = ctx.node.outputs[0]!;
  const spec = ctx.type(rev);
  const out = ctx.type(ov);
  const axis = axisOf(ctx, out.shape.length);
  const { n: N, inner } = aroundAxis(out.shape, axis);
  const M = spec.shape[axis]!;
  checkBins(ctx, N, M);
  const [n, m, s] = [dimU32(N), dimU32(M), dimU32(inner)];
  const body = `${axisCoords(N, inner, "t")}
let base = p * ${m} * ${s} + j;
var acc = re[base];
var r = 0u;
for (var k = 1u; k <= (${n} - 1u) / 2u; k++) {
  r += t;
  if (r >= ${n}) { r -= ${n}; }
  let cs = unit_circle(r, ${n});
  acc += 2.0f * (re[base + k * ${s}] * cs.x - im[base + k * ${s}] * cs.y);
}
if (${n} % 2u == 0u) {
  acc += re[base + (${n} / 2u) * ${s}] * select(-1.0f, 1.0f, t % 2u == 0u);
}
out[gid] = acc * (1.0f / sqrt(f32(${n})));`;
  perElement(ctx, product(out.shape), ["re", "im"], ["out"], [rev, imv, ov], body, UNIT_CIRCLE);
};

/**
 * B-spline bases (Cox–de Boor, half-open order-0 intervals). Basis j of order `order` depends
 * only on the order-0 indicators j…j+order, so each invocation runs the recursion on that
 * triangle in a private array of order + 1 values. Knots `lo + (j − order)·h` are formed in f32
 * (h rounded once from double when grid is a constant).
 */
const bsplineBasis: OpEmitter = (ctx) => {
  const [xv] = ctx.node.inputs as [number];
  const ov = ctx.node.outputs[0]!;
  const out = ctx.type(ov);
  const grid = dimAttr(ctx, "grid");
  const order = intAttr(ctx, "order");
  const lo = numAttr(ctx, "lo");
  const hi = numAttr(ctx, "hi");
  if (order < 0 || !(lo < hi)) throw new CodegenError("bspline_basis: invalid order or range");
  const g = constDim(grid);
  const h =
    g !== undefined
      ? literal("f32", (hi - lo) / g)
      : `(${literal("f32", hi)} - ${literal("f32", lo)}) / f32(${dimU32(grid)})`;
  const nb = out.shape[out.shape.length - 1]!;
  const module = `const ORDER = ${order}u;
// Knot i: lo + (i − order)·h.
fn knot(i: u32, h: f32) -> f32 {
  return ${literal("f32", lo)} + f32(i32(i) - ${order}i) * h;
}`;
  const body = `let e = gid / ${dimU32(nb)};
let j = gid % ${dimU32(nb)};
let v = x[e];
let h = ${h};
var B: array<f32, ${order + 1}>;
for (var i = 0u; i <= ORDER; i++) {
  B[i] = select(0.0f, 1.0f, v >= knot(j + i, h) && v < knot(j + i + 1u, h));
}
for (var k = 1u; k <= ORDER; k++) {
  for (var i = 0u; i + k <= ORDER; i++) {
    let t0 = knot(j + i, h);
    let t1 = knot(j + i + 1u, h);
    let tk = knot(j + i + k, h);
    let tk1 = knot(j + i + k + 1u, h);
    B[i] = (v - t0) / (tk - t0) * B[i] + (tk1 - v) / (tk1 - t1) * B[i + 1u];
  }
}
out[gid] = B[0];`;
  perElement(ctx, product(out.shape), ["x"], ["out"], [xv, ov], body, module);
};

export const WINDOWS: Record<string, OpEmitter> = {
  avg_pool2d: avgPool2d,
  conv2d_depthwise: conv2dDepthwise,
  dct_matrix: dctMatrix,
  rfft,
  irfft,
  bspline_basis: bsplineBasis,
};
