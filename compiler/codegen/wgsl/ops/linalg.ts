/**
 * Matrix products: matmul (register-blocked; texture operands where the adapter loads them
 * faster; or, for targets that ask for it, tiled through workgroup memory: matmul-shared.ts)
 * and einsum.
 *
 * matmul: every invocation computes a tm×tn tile of C (12×8 for big products) in vec4
 * accumulators, so each loaded element of A is used tn times and each of B tm times (loads, not
 * arithmetic, bound a matmul on llvmpipe: DESIGN.md §6). Partial tiles read clamped (duplicate) rows and columns and
 * store only what is inside C, so the inner loop has no branches. Two ways to read the operands:
 * - storage buffers (real GPUs);
 * - rgba32f textures (`target.textures`, llvmpipe gathers texels as vectors but loads buffer
 *   elements one lane at a time): a packing kernel writes A as texels of 4 rows × 1 column and B
 *   as texels of 1 row × 4 columns, so one `textureLoad` gives what a k step needs. Packing a
 *   parameter runs once (the executor precomputes parameter-only dispatches).
 */
import type { DimExpr, DType, TensorSpec } from "../../../../runtime/graph.js";
import { parseEinsumSpec } from "../../../../runtime/reference/kernels.js";
import { CodegenError, type EmitContext, type KernelBinding, type OpEmitter } from "../context.js";
import {
  broadcastOffset,
  constDim,
  dimU32,
  product,
  shapeTag,
  stridesOf,
  unravel,
} from "../wgsl.js";
import { WORKGROUP } from "./elementwise.js";
import { sharedMatmul, sharedTilingFor } from "./matmul-shared.js";

/** Invocations per matmul workgroup: small, so that skinny products still fill every core. */
const MATMUL_WORKGROUP = 64;
/** The C tile of one invocation: `tm` rows by `tn` columns (`tn` a multiple of 4: vec4s). */
interface Tile {
  tm: number;
  tn: number;
}

// ------------------------------------------------------------------------------------ shapes

/** A matmul as a batch of `[M, K] @ [K, N]` products (rank-1 operands made 2-D). */
export interface MatmulPlan {
  dtype: DType;
  M: DimExpr;
  K: DimExpr;
  N: DimExpr;
  /** The operands' own batch dims and the output's (broadcast) batch dims. */
  batchA: DimExpr[];
  batchB: DimExpr[];
  batch: DimExpr[];
  a: TensorSpec;
  b: TensorSpec;
}

function matmulPlan(ctx: EmitContext): MatmulPlan {
  const [ia, ib] = ctx.node.inputs;
  if (ia === undefined || ib === undefined) throw new CodegenError("matmul needs two operands");
  const a = ctx.type(ia);
  const b = ctx.type(ib);
  const out = ctx.type(ctx.node.outputs[0]!);
  if (a.dtype !== b.dtype || (a.dtype !== "f32" && a.dtype !== "i32"))
    throw new CodegenError(`matmul of ${a.dtype} and ${b.dtype}`);
  if (a.shape.length === 0 || b.shape.length === 0)
    throw new CodegenError("matmul of a rank-0 operand");
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const dropped = (a.shape.length >= 2 ? 1 : 0) + (b.shape.length >= 2 ? 1 : 0);
  return {
    dtype: a.dtype,
    M: as[as.length - 2]!,
    K: as[as.length - 1]!,
    N: bs[bs.length - 1]!,
    batchA: as.slice(0, -2),
    batchB: bs.slice(0, -2),
    batch: out.shape.slice(0, out.shape.length - dropped),
    a,
    b,
  };
}

const ceilDiv = (a: DimExpr, b: number): DimExpr =>
  constDim(a) !== undefined ? Math.ceil(constDim(a)! / b) : { op: "ceil_div", args: [a, b] };

/**
 * How many workgroups cover `n` invocations: a number when `n` is constant (the executor
 * precomputes parameter-only dispatches only when their count is a plain number).
 */
const groups = (n: DimExpr, size: number): DimExpr => ceilDiv(n, size);

// --------------------------------------------------------------------------- operand readers

/**
 * How the kernel reads one operand: a binding, statements run once per invocation (`setup`),
 * statements run once per k step (`perK`), and the value a k step uses.
 */
interface Reader {
  binding: { name: string; kind: "read" | "texture"; dtype: DType };
  value: number;
  setup: string[];
  perK: string[];
}

interface AReader extends Reader {
  /** Row r of the tile's A column at step k, as a scalar. */
  row(r: number): string;
}

interface BReader extends Reader {
  /** Columns 4c..4c+3 of the tile in B's row k, as a vec4. */
  cols(c: number): string;
}

function bufferA(p: MatmulPlan, value: number, tm: number): AReader {
  const M = dimU32(p.M);
  const K = dimU32(p.K);
  const setup = Array.from(
    { length: tm },
    (_, r) => `let ar${r} = (sa * ${M} + min(i0 + ${r}u, ${M} - 1u)) * ${K};`,
  );
  return {
    binding: { name: "a", kind: "read", dtype: p.dtype },
    value,
    setup,
    perK: [],
    row: (r) => `a[ar${r} + k]`,
  };
}

function bufferB(p: MatmulPlan, value: number, tn: number): BReader {
  const N = dimU32(p.N);
  const setup = [
    `let bBase = sb * ${dimU32(p.K)} * ${N};`,
    ...Array.from({ length: tn }, (_, c) => `let bc${c} = min(j0 + ${c}u, ${N} - 1u);`),
  ];
  const at = (c: number) => `b[brow + bc${c}]`;
  return {
    binding: { name: "b", kind: "read", dtype: p.dtype },
    value,
    setup,
    perK: [`let brow = bBase + k * ${N};`],
    cols: (c) => `vec4<${p.dtype}>(${[0, 1, 2, 3].map((i) => at(4 * c + i)).join(", ")})`,
  };
}

/**
 * Where a packed operand's texels go. A is `rows` texel rows (4 rows of A each) of K texels;
 * B is `slots` batch slices of K texel rows by Nb texels. Rows and slices are laid side by side,
 * `perRow` to a texture row, so that a texture holds the operand whatever the runtime batch or
 * M (a binding's size limit keeps a runtime height below the texture limit unless K is near
 * it; the executor then refuses the run with the sizes), and each invocation finds its run of
 * texels once, outside the k loop. A layout whose constant height is over the limit is refused.
 */
interface TextureLayoutPlan {
  perRow: number;
  width: number;
  height: DimExpr;
}

function layoutFor(
  count: DimExpr,
  span: number,
  rowsEach: number,
  max: number,
): TextureLayoutPlan | undefined {
  const c = constDim(count);
  const perRow = Math.max(1, Math.min(Math.floor(max / span), c ?? Infinity));
  if (c !== undefined) {
    const height = Math.ceil(c / perRow) * rowsEach;
    return height > max ? undefined : { perRow, width: perRow * span, height };
  }
  const height = product([{ op: "ceil_div", args: [count, perRow] }, rowsEach]);
  return { perRow, width: perRow * span, height };
}

/** A texture layout for A, or undefined when A cannot be packed (K unknown or too long). */
function layoutA(p: MatmulPlan, max: number): TextureLayoutPlan | undefined {
  const K = constDim(p.K);
  if (K === undefined || K < 1 || K > max || p.dtype !== "f32") return undefined;
  return layoutFor(product([...p.batchA, ceilDiv(p.M, 4)]), K, 1, max);
}

/** A texture layout for B, or undefined when B cannot be packed (K, N unknown or too long). */
function layoutB(p: MatmulPlan, max: number): TextureLayoutPlan | undefined {
  const K = constDim(p.K);
  const N = constDim(p.N);
  if (K === undefined || N === undefined || K < 1 || K > max || p.dtype !== "f32") return undefined;
  const nb = Math.ceil(N / 4);
  if (nb > max) return undefined;
  return layoutFor(product(p.batchB), nb, K, max);
}

/** Packs A ([...batchA, M, K]) into texels of 4 rows: texel (k, row block). */
function packA(ctx: EmitContext, p: MatmulPlan, input: number, l: TextureLayoutPlan): number {
  const K = constDim(p.K)!;
  const M = dimU32(p.M);
  const mb = dimU32(ceilDiv(p.M, 4));
  const total = product([...p.batchA, ceilDiv(p.M, 4), K]);
  const tex = ctx.temp(
    { dtype: "f32", shape: [...p.batchA, ceilDiv(p.M, 4), K, 4] },
    { width: l.width, height: l.height },
  );
  const body = [
    `if (gid >= ${dimU32(total)}) { return; }`,
    `let k = gid % ${K}u;`,
    `let rb = gid / ${K}u;`,
    `let i = (rb % ${mb}) * 4u;`,
    `let base = (rb / ${mb}) * ${M} * ${K}u + k;`,
    `// Rows past M are zeros (read clamped, then replaced).`,
    `var v = vec4<f32>(0.0f);`,
    ...[0, 1, 2, 3].map(
      (r) =>
        `v[${r}] = select(0.0f, a[base + min(i + ${r}u, ${M} - 1u) * ${K}u], i + ${r}u < ${M});`,
    ),
    `textureStore(ta, vec2u((rb % ${l.perRow}u) * ${K}u + k, rb / ${l.perRow}u), v);`,
  ];
  ctx.dispatch(
    {
      name: `matmul_pack_a_${shapeTag(p.a.dtype, p.a.shape)}`,
      bindings: [
        { name: "a", kind: "read", dtype: "f32" },
        { name: "ta", kind: "texture-write", dtype: "f32" },
      ],
      workgroupSize: WORKGROUP,
      body: body.join("\n"),
    },
    [input, tex],
    groups(total, WORKGROUP),
  );
  return tex;
}

/** Packs B ([...batchB, K, N]) into texels of 4 columns: texel (column block, k) per slice. */
function packB(ctx: EmitContext, p: MatmulPlan, input: number, l: TextureLayoutPlan): number {
  const K = constDim(p.K)!;
  const N = constDim(p.N)!;
  const nb = Math.ceil(N / 4);
  const total = product([...p.batchB, K, nb]);
  const tex = ctx.temp(
    { dtype: "f32", shape: [...p.batchB, K, nb, 4] },
    { width: l.width, height: l.height },
  );
  const body = [
    `if (gid >= ${dimU32(total)}) { return; }`,
    `let jb = gid % ${nb}u;`,
    `let k = (gid / ${nb}u) % ${K}u;`,
    `let s = gid / ${nb * K}u;`,
    `let j = jb * 4u;`,
    `let row = (s * ${K}u + k) * ${N}u;`,
    `// Columns past N are zeros (read clamped, then replaced).`,
    `var v = vec4<f32>(0.0f);`,
    ...[0, 1, 2, 3].map(
      (c) => `v[${c}] = select(0.0f, b[row + min(j + ${c}u, ${N - 1}u)], j + ${c}u < ${N}u);`,
    ),
    `let x = (s % ${l.perRow}u) * ${nb}u + jb;`,
    `let y = (s / ${l.perRow}u) * ${K}u + k;`,
    `textureStore(tb, vec2u(x, y), v);`,
  ];
  ctx.dispatch(
    {
      name: `matmul_pack_b_${shapeTag(p.b.dtype, p.b.shape)}`,
      bindings: [
        { name: "b", kind: "read", dtype: "f32" },
        { name: "tb", kind: "texture-write", dtype: "f32" },
      ],
      workgroupSize: WORKGROUP,
      body: body.join("\n"),
    },
    [input, tex],
    groups(total, WORKGROUP),
  );
  return tex;
}

function textureA(p: MatmulPlan, value: number, l: TextureLayoutPlan, tm: number): AReader {
  const K = constDim(p.K)!;
  const mb = dimU32(ceilDiv(p.M, 4));
  const blocks = Array.from({ length: tm / 4 }, (_, r) => r);
  return {
    binding: { name: "ta", kind: "texture", dtype: "f32" },
    value,
    // Row blocks past M (a partial last tile) read the last one again: never stored.
    setup: blocks.flatMap((r) => [
      `let rb${r} = sa * ${mb} + min(i0 / 4u + ${r}u, ${mb} - 1u);`,
      `let ax${r} = (rb${r} % ${l.perRow}u) * ${K}u;`,
      `let ay${r} = rb${r} / ${l.perRow}u;`,
    ]),
    perK: blocks.map((r) => `let av${r} = textureLoad(ta, vec2u(ax${r} + k, ay${r}), 0);`),
    row: (r) => `av${Math.floor(r / 4)}[${r % 4}]`,
  };
}

function textureB(p: MatmulPlan, value: number, l: TextureLayoutPlan): BReader {
  const K = constDim(p.K)!;
  const nb = Math.ceil(constDim(p.N)! / 4);
  return {
    binding: { name: "tb", kind: "texture", dtype: "f32" },
    value,
    setup: [
      `let bx = (sb % ${l.perRow}u) * ${nb}u + j0 / 4u;`,
      `let by = (sb / ${l.perRow}u) * ${K}u;`,
    ],
    perK: [],
    // Column blocks past N (a partial last tile) read the last one again: never stored.
    cols: (c) =>
      c === 0
        ? `textureLoad(tb, vec2u(bx, by + k), 0)`
        : `textureLoad(tb, vec2u(min(bx + ${c}u, ${nb - 1}u + (sb % ${l.perRow}u) * ${nb}u), by + k), 0)`,
  };
}

// ------------------------------------------------------------------------------- the kernel

/**
 * Elementwise work fused after the product (compiler/codegen/wgsl/fuse): a WGSL function
 * `epilogue(mm: f32, gid: u32)` in `module`, called with each element of C and its linear
 * index, which computes and stores the fused values through its own `bindings`.
 */
export interface Epilogue {
  name: string;
  bindings: KernelBinding[];
  values: number[];
  module: string;
}

/** The tiled product kernel: tile coordinates, the k loop, and the masked stores. */
function tiledMatmul(
  ctx: EmitContext,
  p: MatmulPlan,
  a: AReader,
  b: BReader,
  { tm, tn }: Tile,
  output: number,
  epilogue?: Epilogue,
): void {
  const M = dimU32(p.M);
  const N = dimU32(p.N);
  const tilesM = ceilDiv(p.M, tm);
  const tilesN = ceilDiv(p.N, tn);
  const tiles = product([...p.batch, tilesM, tilesN]);
  const vec = `vec4<${p.dtype}>`;
  const zero = p.dtype === "f32" ? "0.0f" : "0i";
  const rows = Array.from({ length: tm }, (_, r) => r);
  const blocks = Array.from({ length: tn / 4 }, (_, c) => c);
  const acc = (r: number, c: number) => `acc${r}_${c}`;
  const body = [
    `if (gid >= ${dimU32(tiles)}) { return; }`,
    `// Tile (batch q, rows i0.., columns j0..); neighbours share columns of B.`,
    `let per = ${dimU32(product([tilesM, tilesN]))};`,
    `let q = gid / per;`,
    `let t = gid % per;`,
    `let i0 = (t % ${dimU32(tilesM)}) * ${tm}u;`,
    `let j0 = (t / ${dimU32(tilesM)}) * ${tn}u;`,
    unravel("q", p.batch, "bq"),
    `let sa = ${broadcastOffset(p.batchA, p.batch.length, "bq")};`,
    `let sb = ${broadcastOffset(p.batchB, p.batch.length, "bq")};`,
    ...a.setup,
    ...b.setup,
    ...rows.flatMap((r) => blocks.map((c) => `var ${acc(r, c)} = ${vec}(${zero});`)),
    `for (var k = 0u; k < ${dimU32(p.K)}; k = k + 1u) {`,
    ...[...a.perK, ...b.perK].map((l) => `  ${l}`),
    ...blocks.map((c) => `  let bv${c} = ${b.cols(c)};`),
    ...rows.flatMap((r) =>
      blocks.map((c) => `  ${acc(r, c)} = ${acc(r, c)} + ${a.row(r)} * bv${c};`),
    ),
    `}`,
    ...rows.flatMap((r) => [
      `if (i0 + ${r}u < ${M}) {`,
      `  let o = (q * ${M} + i0 + ${r}u) * ${N} + j0;`,
      ...Array.from({ length: tn }, (_, c) => {
        const v = `${acc(r, c >> 2)}[${c & 3}]`;
        const write = epilogue ? `epilogue(${v}, o + ${c}u);` : `out[o + ${c}u] = ${v};`;
        return `  if (j0 + ${c}u < ${N}) { ${write} }`;
      }),
      `}`,
    ]),
  ];
  const out = ctx.type(output);
  const tex = a.binding.kind === "texture" || b.binding.kind === "texture";
  ctx.dispatch(
    {
      name:
        `matmul${tex ? "_tex" : ""}_${shapeTag(out.dtype, out.shape)}__` +
        `${shapeTag(p.a.dtype, p.a.shape)}__${shapeTag(p.b.dtype, p.b.shape)}` +
        (epilogue ? `__${epilogue.name}` : ""),
      bindings: [
        a.binding,
        b.binding,
        ...(epilogue?.bindings ?? [{ name: "out", kind: "write", dtype: out.dtype }]),
      ],
      workgroupSize: MATMUL_WORKGROUP,
      ...(epilogue ? { module: epilogue.module } : {}),
      body: body.filter((l) => l !== "").join("\n"),
    },
    [a.value, b.value, ...(epilogue?.values ?? [output])],
    groups(tiles, MATMUL_WORKGROUP),
  );
}

/**
 * The tile of an invocation: 12×8 (on llvmpipe it ran 10–40 % faster than 8×8 and ~2×
 * faster than 4×4 on both paths; larger tiles were no faster), smaller when C is. Texels of A
 * hold 4 rows; from buffers, a single row (a vector-matrix product) gets its own kernel instead
 * of computing duplicate rows.
 */
function tileFor(p: MatmulPlan, textureA: boolean): Tile {
  const m = constDim(p.M);
  const n = constDim(p.N);
  const tm = m === 1 && !textureA ? 1 : m === undefined || m > 8 ? 12 : m > 4 ? 8 : 4;
  const tn = n !== undefined && n <= 4 ? 4 : 8;
  return { tm, tn };
}

const matmul: OpEmitter = (ctx) => emitMatmul(ctx);

/** The matmul of `ctx.node`, optionally with a fused epilogue. */
export function emitMatmul(ctx: EmitContext, epilogue?: Epilogue): void {
  const p = matmulPlan(ctx);
  // An empty C needs no kernel (and `M - 1` would not be a valid constant).
  if (constDim(p.M) === 0 || constDim(p.N) === 0) return;
  const [ia, ib] = ctx.node.inputs as [number, number];
  const output = ctx.node.outputs[0]!;
  // Workgroup-memory tiles where the target asks for them (real GPUs). Textures are llvmpipe's
  // way to load fast and go with the register kernel; a target whose limits fit no shared
  // tiling also gets the register kernel.
  const shared =
    ctx.target.matmul === "shared" && !ctx.target.textures
      ? sharedTilingFor(p, ctx.target)
      : undefined;
  if (shared) return sharedMatmul(ctx, p, shared, ia, ib, output, epilogue);
  const max = ctx.target.maxTextureSize;
  const la = ctx.target.textures ? layoutA(p, max) : undefined;
  const lb = ctx.target.textures ? layoutB(p, max) : undefined;
  const tile = tileFor(p, !!la);
  const a = la ? textureA(p, packA(ctx, p, ia, la), la, tile.tm) : bufferA(p, ia, tile.tm);
  const b = lb ? textureB(p, packB(ctx, p, ib, lb), lb) : bufferB(p, ib, tile.tn);
  tiledMatmul(ctx, p, a, b, tile, output, epilogue);
}

// ------------------------------------------------------------------------------------ einsum

/**
 * einsum, the baseline: one invocation per output element, nested loops over the summed
 * indices, each operand read at the sum of index × stride over its axes (a repeated letter adds
 * its strides: the diagonal; an axis of size 1 has stride 0: broadcasting).
 */
const einsum: OpEmitter = (ctx) => {
  const spec = ctx.node.attrs.spec;
  if (typeof spec !== "string") throw new CodegenError("einsum needs a string attribute 'spec'");
  const inputs = ctx.node.inputs.map((v) => ({ value: v, type: ctx.type(v) }));
  const output = ctx.node.outputs[0]!;
  const out = ctx.type(output);
  const dtype = out.dtype;
  if (dtype !== "f32" && dtype !== "i32") throw new CodegenError(`einsum of ${dtype}`);
  const plan = parseEinsumSpec(
    spec,
    inputs.map((i) => i.type.shape.length),
  );

  // Each index's size: the first operand axis that is not a constant 1 (size 1 broadcasts).
  const sizes = new Map<string, DimExpr>();
  plan.inputs.forEach((term, t) =>
    term.forEach((l, ax) => {
      const d = inputs[t]!.type.shape[ax]!;
      const known = sizes.get(l);
      if (known === undefined || (constDim(known) === 1 && constDim(d) !== 1)) sizes.set(l, d);
    }),
  );
  plan.output.forEach((l, ax) => {
    if (!sizes.has(l)) sizes.set(l, out.shape[ax]!);
  });
  const summed = [...sizes.keys()].filter((l) => !plan.output.includes(l));
  const coord = (l: string) =>
    plan.output.includes(l) ? `o${plan.output.indexOf(l)}` : `s${summed.indexOf(l)}`;

  const offsets = plan.inputs.map((term, t) => {
    const shape = inputs[t]!.type.shape;
    const strides = stridesOf(shape);
    const terms = term.flatMap((l, ax) =>
      constDim(shape[ax]!) === 1 ? [] : [`${coord(l)} * ${dimU32(strides[ax]!)}`],
    );
    return terms.length ? terms.join(" + ") : "0u";
  });
  const names = inputs.map((_, t) => `x${t}`);
  const zero = dtype === "f32" ? "0.0f" : "0i";
  const n = product(out.shape);
  const loops = summed.map(
    (l, i) => `${"  ".repeat(i)}for (var s${i} = 0u; s${i} < ${dimU32(sizes.get(l)!)}; s${i}++) {`,
  );
  const pad = "  ".repeat(summed.length);
  const body = [
    `if (gid >= ${dimU32(n)}) { return; }`,
    unravel("gid", out.shape, "o"),
    `var acc = ${zero};`,
    ...loops,
    `${pad}acc = acc + ${names.map((x, t) => `${x}[${offsets[t]}]`).join(" * ")};`,
    ...summed.map((_, i) => `${"  ".repeat(summed.length - 1 - i)}}`),
    `out[gid] = acc;`,
  ];
  const tag = [out, ...inputs.map((i) => i.type)].map((t) => shapeTag(t.dtype, t.shape)).join("__");
  ctx.dispatch(
    {
      name: `einsum_${tag}`,
      bindings: [
        ...names.map((name) => ({ name, kind: "read" as const, dtype })),
        { name: "out", kind: "write", dtype },
      ],
      workgroupSize: WORKGROUP,
      body: body.filter((l) => l !== "").join("\n"),
    },
    [...inputs.map((i) => i.value), output],
    groups(n, WORKGROUP),
  );
};

export const LINALG: Record<string, OpEmitter> = { matmul, einsum };
