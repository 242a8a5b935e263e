/**
 * The shared-memory matmul (`target.matmul === "shared"`): the classic tiled kernel for real GPUs
 * (and the CUDA backend, which prints these kernels as CUDA C). llvmpipe keeps the
 * register-blocked kernel of linalg.ts: there workgroup memory costs as much as a buffer load.
 *
 * A workgroup computes a BM×BN block of C. It walks K in steps of BK: all its invocations copy
 * the BM×BK block of A and the BK×BN block of B into workgroup memory (each element once, as a
 * flat copy, so consecutive invocations load consecutive addresses), wait at a barrier, then
 * each multiplies out its own TM×TN block of C from the staged tiles, and they wait again
 * before the next step overwrites them. Every element of A read from memory is used BN times
 * and every element of B BM times, against TN and TM times in a kernel without sharing.
 *
 * An invocation's block of C is strided, rows `ty + (BM/TM)·r` and columns `tx + (BN/TN)·c`:
 * neighbouring invocations (consecutive tx) read neighbouring words of the staged B tile (no
 * bank conflicts) and store neighbouring elements of C (coalesced); the A words they read are
 * the same for a whole row of invocations (a broadcast).
 *
 * Edges (only where a size is unknown or not a multiple of the tile): every read is clamped to a
 * valid address (CUDA does not clamp), so partial tiles need no branch in the k loop. Rows of A
 * past M and columns of B past N then hold duplicates, which only reach elements of C past its
 * edge, never stored. Past K both tiles hold zeros (zeroing one
 * would do for finite values; both, so that an inf or NaN read twice cannot make inf·0 = NaN).
 *
 * The kernel uses only the WGSL that the CUDA printer translates token by token: let/var/for/if,
 * `var<workgroup>` arrays, workgroupBarrier, select, min, u32 arithmetic.
 */
import type { DimExpr } from "../../../../runtime/graph.js";
import type { EmitContext, WgslTarget } from "../context.js";
import { broadcastOffset, constDim, dimU32, product, shapeTag, unravel } from "../wgsl.js";
import type { Epilogue, MatmulPlan } from "./linalg.js";

/**
 * A shared-memory tiling: BM×BN of C per workgroup, BK of K per step, TM×TN per invocation.
 * The copies assume that the workgroup size WG = (BM/TM)·(BN/TN) is a multiple of BK and BN and
 * divides BM·BK and BK·BN (each invocation copies whole columns of the tiles).
 */
export interface SharedTiling {
  bm: number;
  bn: number;
  bk: number;
  tm: number;
  tn: number;
}

/**
 * 64×64 per workgroup, 4×4 per invocation: 256 invocations (WebGPU's default limit), 16 FMAs
 * per 8 workgroup-memory reads in the inner loop, and 32 FMAs per element loaded from global
 * memory. BK = 16: the two tiles take (64·16 + 16·64)·4 B = 8 KiB, half of WebGPU's default
 * 16 KiB (a CUDA block at 8 KiB leaves room for several blocks per SM), each invocation loads
 * 4 elements of each tile per step, and a staged row of A is 64 contiguous bytes. 128×128
 * tiles would need all 16 KiB and 64 accumulators per invocation, for models whose products
 * (T up to a few thousand, widths of a few hundred) already make enough 64×64 workgroups.
 */
export const LARGE_TILING: SharedTiling = { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 };
/**
 * 32×32 per workgroup, 4×4 per invocation: 64 invocations and 4 KiB, for skinny products (M or
 * N at most 32, where a 64-wide tile would compute mostly padding) and for adapters whose limits
 * are below LARGE's (compatibility mode without raised limits: 128 invocations).
 */
export const SMALL_TILING: SharedTiling = { bm: 32, bn: 32, bk: 16, tm: 4, tn: 4 };

const invocations = (t: SharedTiling) => (t.bm / t.tm) * (t.bn / t.tn);
const tileBytes = (t: SharedTiling) => (t.bm * t.bk + t.bk * t.bn) * 4;

/** The tiling for a product on a target, or undefined when none fits its limits. */
export function sharedTilingFor(p: MatmulPlan, target: WgslTarget): SharedTiling | undefined {
  const m = constDim(p.M);
  const n = constDim(p.N);
  const skinny =
    (m !== undefined && m <= SMALL_TILING.bm) || (n !== undefined && n <= SMALL_TILING.bn);
  const fits = (t: SharedTiling) =>
    invocations(t) <= target.maxWorkgroupSize && tileBytes(t) <= target.maxWorkgroupStorage;
  return (skinny ? [SMALL_TILING] : [LARGE_TILING, SMALL_TILING]).find(fits);
}

/** `d - 1` as WGSL: a literal when `d` is a constant (≥ 1), else computed from the uniform. */
function last(d: DimExpr): string {
  const c = constDim(d);
  return c !== undefined ? `${c - 1}u` : `(${dimU32(d)} - 1u)`;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** `e + n` in u32, or `e` when n is 0. */
const plus = (e: string, n: number) => (n === 0 ? e : `${e} + ${n}u`);

/**
 * Which sizes cut a tile: M, N or K unknown, or not a multiple of BM, BN or BK. Only those
 * need clamped reads, zeros and store guards; a constant multiple gets none of them.
 */
interface Edges {
  m: boolean;
  n: boolean;
  k: boolean;
}

function edgesOf(p: MatmulPlan, t: SharedTiling): Edges {
  const cut = (d: DimExpr, size: number) => constDim(d) === undefined || constDim(d)! % size !== 0;
  return { m: cut(p.M, t.bm), n: cut(p.N, t.bn), k: cut(p.K, t.bk) };
}

/** `e` clamped to `d - 1` where `d` cuts a tile. */
const clamp = (e: string, d: DimExpr, cut: boolean) => (cut ? `min(${e}, ${last(d)})` : e);

/**
 * Where the workgroup's tile is and what its invocation does: tile coordinates (batch q, rows
 * i0.., columns j0..), the operands' batch offsets, and the invocation's place in the tile.
 */
function tileSetup(p: MatmulPlan, t: SharedTiling): string[] {
  const tilesM = ceil(p.M, t.bm);
  const tilesN = ceil(p.N, t.bn);
  const tiles = product([...p.batch, tilesM, tilesN]);
  return [
    `// Workgroups past the last tile (the executor may round the grid up) have nothing to do;`,
    `// wg is the same for the whole workgroup, so the barriers below stay in uniform control flow.`,
    `if (wg >= ${dimU32(tiles)}) { return; }`,
    `// This workgroup's tile of C: batch q, rows i0.., columns j0.. (neighbours share B's columns).`,
    `let per = ${dimU32(product([tilesM, tilesN]))};`,
    `let q = wg / per;`,
    `let t = wg % per;`,
    `let i0 = (t % ${dimU32(tilesM)}) * ${t.bm}u;`,
    `let j0 = (t / ${dimU32(tilesM)}) * ${t.bn}u;`,
    unravel("q", p.batch, "bq"),
    `let sa = ${broadcastOffset(p.batchA, p.batch.length, "bq")};`,
    `let sb = ${broadcastOffset(p.batchB, p.batch.length, "bq")};`,
    `// This invocation's ${t.tm}×${t.tn} block of C: rows i0 + ty + ${t.bm / t.tm}r, columns j0 + tx + ${t.bn / t.tn}c.`,
    `let tx = lid % ${t.bn / t.tn}u;`,
    `let ty = lid / ${t.bn / t.tn}u;`,
  ];
}

const ceil = (a: DimExpr, b: number): DimExpr =>
  constDim(a) !== undefined ? Math.ceil(constDim(a)! / b) : { op: "ceil_div", args: [a, b] };

/**
 * The invocation's share of the tile copies, the parts that do not change along K. The A tile
 * is BM rows × BK, copied as flat element e = lid + WG·i: column `ak` (fixed per invocation,
 * since BK divides WG) of rows `lid / BK + (WG/BK)·i`, at offsets `ar_i`. The B tile is BK rows
 * × BN: column `lid % BN` (fixed, at offset `bc` in each row) of rows `lid / BN + (WG/BN)·i`.
 * Rows of A and columns of B past C's edge read the last one (clamped).
 */
function loadSetup(p: MatmulPlan, t: SharedTiling, e: Edges): string[] {
  const wg = invocations(t);
  const M = dimU32(p.M);
  const K = dimU32(p.K);
  const N = dimU32(p.N);
  return [
    `// Staging: this invocation copies column ak of A's tile (rows at ar_i) and one column of B's (bc).`,
    `let ak = lid % ${t.bk}u;`,
    ...range((t.bm * t.bk) / wg).map((i) => {
      const row = clamp(plus(`i0 + lid / ${t.bk}u`, (wg / t.bk) * i), p.M, e.m);
      return `let ar${i} = (sa * ${M} + ${row}) * ${K};`;
    }),
    `let bc = sb * ${K} * ${N} + ${clamp(`j0 + lid % ${t.bn}u`, p.N, e.n)};`,
  ];
}

/**
 * The walk over K, BK at a time: copy both tiles (zeros past K), barrier, accumulate, barrier.
 * `zero` is the element type's 0.
 */
function kSteps(p: MatmulPlan, t: SharedTiling, e: Edges, zero: string): string[] {
  const wg = invocations(t);
  const K = dimU32(p.K);
  const N = dimU32(p.N);
  const rows = range(t.tm);
  const cols = range(t.tn);
  const rowStride = t.bm / t.tm;
  const colStride = t.bn / t.tn;
  const zeroUnless = (v: string, inside: string) => (e.k ? `select(${zero}, ${v}, ${inside})` : v);
  return [
    `for (var k0 = 0u; k0 < ${K}; k0 = k0 + ${t.bk}u) {`,
    `  // Copy A[i0.., k0..] and B[k0.., j0..] into workgroup memory${e.k ? ", zeros past K" : ""}.`,
    `  let ka = k0 + ak;`,
    ...(e.k ? [`  let kac = min(ka, ${last(p.K)});`] : []),
    ...range((t.bm * t.bk) / wg).map(
      (i) =>
        `  tileA[${plus("lid", wg * i)}] = ${zeroUnless(`a[ar${i} + ${e.k ? "kac" : "ka"}]`, `ka < ${K}`)};`,
    ),
    ...range((t.bk * t.bn) / wg).flatMap((i) => [
      `  let kb${i} = ${plus(`k0 + lid / ${t.bn}u`, (wg / t.bn) * i)};`,
      `  tileB[${plus("lid", wg * i)}] = ${zeroUnless(`b[bc + ${clamp(`kb${i}`, p.K, e.k)} * ${N}]`, `kb${i} < ${K}`)};`,
    ]),
    `  // Every copy is in before anyone reads the tiles.`,
    `  workgroupBarrier();`,
    `  for (var kk = 0u; kk < ${t.bk}u; kk = kk + 1u) {`,
    ...rows.map((r) => {
      const row = r === 0 ? "ty" : `(ty + ${rowStride * r}u)`;
      return `    let a${r} = tileA[${row} * ${t.bk}u + kk];`;
    }),
    ...cols.map((c) => `    let b${c} = tileB[${plus("kk * " + t.bn + "u + tx", colStride * c)}];`),
    ...rows.flatMap((r) => cols.map((c) => `    acc${r}_${c} = acc${r}_${c} + a${r} * b${c};`)),
    `  }`,
    `  // Every read of the tiles is done before the next step overwrites them.`,
    `  workgroupBarrier();`,
    `}`,
  ];
}

/** Stores the invocation's block (or hands each element to the epilogue), inside C only. */
function stores(p: MatmulPlan, t: SharedTiling, e: Edges, epilogue?: Epilogue): string[] {
  const M = dimU32(p.M);
  const N = dimU32(p.N);
  const rowStride = t.bm / t.tm;
  const colStride = t.bn / t.tn;
  return [
    `// Neighbouring invocations store neighbouring columns.`,
    ...range(t.tm).flatMap((r) => {
      const row = plus("i0 + ty", rowStride * r);
      const lines = [
        `let o${r} = (q * ${M} + ${row}) * ${N} + j0 + tx;`,
        ...range(t.tn).map((c) => {
          const at = plus(`o${r}`, colStride * c);
          const v = `acc${r}_${c}`;
          const write = epilogue ? `epilogue(${v}, ${at});` : `out[${at}] = ${v};`;
          return e.n ? `if (${plus("j0 + tx", colStride * c)} < ${N}) { ${write} }` : write;
        }),
      ];
      return e.m ? [`if (${row} < ${M}) {`, ...lines.map((l) => `  ${l}`), `}`] : lines;
    }),
  ];
}

/** Dispatches the shared-memory product of `p` (operands `a`, `b`) into `output`. */
export function sharedMatmul(
  ctx: EmitContext,
  p: MatmulPlan,
  t: SharedTiling,
  a: number,
  b: number,
  output: number,
  epilogue?: Epilogue,
): void {
  const zero = p.dtype === "f32" ? "0.0f" : "0i";
  const type = p.dtype === "f32" ? "f32" : "i32";
  // An empty K sums to zeros: no k loop (whose clamps `K - 1` would not be valid constants).
  const noK = constDim(p.K) === 0;
  const edges = edgesOf(p, t);
  const body = [
    ...tileSetup(p, t),
    ...(noK ? [] : loadSetup(p, t, edges)),
    ...range(t.tm).flatMap((r) => range(t.tn).map((c) => `var acc${r}_${c} = ${zero};`)),
    ...(noK ? [] : kSteps(p, t, edges, zero)),
    ...stores(p, t, edges, epilogue),
  ];
  const module = [
    `// The staged tiles: A's ${t.bm}×${t.bk} (row-major) and B's ${t.bk}×${t.bn} (row-major).`,
    `var<workgroup> tileA: array<${type}, ${t.bm * t.bk}>;`,
    `var<workgroup> tileB: array<${type}, ${t.bk * t.bn}>;`,
    epilogue?.module ?? "",
  ];
  const out = ctx.type(output);
  const tiles = product([...p.batch, ceil(p.M, t.bm), ceil(p.N, t.bn)]);
  ctx.dispatch(
    {
      name:
        `matmul_shared_${shapeTag(out.dtype, out.shape)}__` +
        `${shapeTag(p.a.dtype, p.a.shape)}__${shapeTag(p.b.dtype, p.b.shape)}` +
        (epilogue ? `__${epilogue.name}` : ""),
      bindings: [
        { name: "a", kind: "read", dtype: p.dtype },
        { name: "b", kind: "read", dtype: p.dtype },
        ...(epilogue?.bindings ?? [{ name: "out", kind: "write", dtype: out.dtype }]),
      ],
      workgroupSize: invocations(t),
      module: module.filter((l) => l !== "").join("\n"),
      body: body.filter((l) => l !== "").join("\n"),
    },
    [a, b, ...(epilogue?.values ?? [output])],
    tiles,
  );
}
