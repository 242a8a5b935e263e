/**
 * std/memory (GMT v7) against the equations of ../shared/blocks/blocks_a1.md §4.2-4.3, transcribed
 * directly in plain TypeScript (doubles) below, independently of stdlib/memory.arch: (a) the
 * reference interpreter equals the transcription, (b) the WebGPU runtime equals the reference,
 * (c) parameter paths, shapes and counts are the contract's (STDLIB.md) and the notes' formula,
 * plus the `requires` diagnostics.
 *
 * Tolerances: REF_TOL = 1e-5 of 1 + |y| (f32 storage vs doubles; the routing logits 1/dist/τ reach
 * 1000 at τ = 0.1 but stay accurate because dist ≥ grav_eps); GPU_TOL = 1e-4 of 1 + |y| (f32
 * accumulation, and the cell's output is a LayerNorm, which amplifies small differences of a
 * displacement that can be short). Measured on llvmpipe: ≤ 1.6e-7 and ≤ 3.8e-7.
 */
import { describe, expect, it } from "vitest";
import { runGpu } from "../webgpu/harness.js";
import {
  checkErrors,
  graphOf,
  infoOf,
  layerNormRow,
  linearRow,
  Nd,
  paramShapes,
  randomize,
  reference,
  softmaxRow,
  worstError,
} from "./mixer-support.js";

const FILE = "stdlib/memory.arch";
const REF_TOL = 1e-5;
const GPU_TOL = 1e-4;

type P = (k: string) => Nd;
const unit = (v: number[]) => {
  const n = Math.max(Math.hypot(...v), 1e-12);
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** §4.3, one token u: [d] -> [d], for a cell whose parameters are under `pre`. */
function cellFor(p: P, pre: string, slots: number, nav: number, tau: number, eps = 0.01) {
  const C = p(`${pre}centroids`);
  const d = C.shape[1]!;
  const rows = Array.from({ length: slots }, (_, s) =>
    Array.from({ length: d }, (_, j) => C.at(s, j)),
  );
  // 1. Ĉ = LN_C(C); 2. c̄ = normalize(Ĉ)
  const ch = rows.map((r) =>
    layerNormRow(r, p(`${pre}centroid_norm.weight`), p(`${pre}centroid_norm.bias`)),
  );
  const cbar = ch.map(unit);
  // 4. P = softmax_row(E + diag(−inf)); k = Ĉ W_K
  const E = p(`${pre}edges`);
  const P = Array.from({ length: slots }, (_, i) => {
    const logits = Array.from({ length: slots }, (_, j) => (i === j ? -Infinity : E.at(i, j)));
    return softmaxRow(logits);
  });
  const k = ch.map((r) => linearRow(r, p(`${pre}nav_k.weight`)));
  const gate = 1 / (1 + Math.exp(-p(`${pre}gate`).data[0]!));
  return (u: number[]): number[] => {
    const ubar = unit(u);
    // 3. w_src = softmax((1 / max(1 − cos, ε)) / τ)
    const wsrc = softmaxRow(cbar.map((c) => 1 / Math.max(1 - dot(ubar, c), eps) / tau));
    const wedge = Array.from({ length: slots }, (_, j) =>
      wsrc.reduce((s, w, i) => s + w * P[i]![j]!, 0),
    );
    const q = linearRow(u, p(`${pre}nav_q.weight`));
    const wtgt = softmaxRow(wedge.map((w, s) => w + dot(q, k[s]!) / Math.sqrt(nav)));
    // 5. y = σ(g)·LN_disp(w_tgt·Ĉ − w_src·Ĉ)
    const disp = Array.from({ length: d }, (_, j) =>
      ch.reduce((s, r, i) => s + (wtgt[i]! - wsrc[i]!) * r[j]!, 0),
    );
    return layerNormRow(disp, p(`${pre}disp_norm.weight`), p(`${pre}disp_norm.bias`)).map(
      (v) => gate * v,
    );
  };
}

describe("GraphMemory (GMT v7 cell, blocks_a1.md §4.3)", () => {
  const [d, slots, nav] = [8, 6, 4];

  for (const tau of [0.1, 50]) {
    it(`tau = ${tau}: the reference equals the equations, and WebGPU the reference`, async () => {
      const model = `GraphMemory(d = ${d}, slots = ${slots}, nav = ${nav}, tau = ${tau})`;
      const b = randomize(graphOf(FILE, model, { S: 2 }), { S1: 2, S2: 3 }, 3, {
        scale: 1,
        params: { edges: { lo: -2, hi: 2 } },
      });
      const p: P = (k) => Nd.of(b.params.get(k)!);
      // Token 0 is centroid 1 after LN_C, so its distance is clamped at grav_eps.
      const c1 = Array.from({ length: d }, (_, j) => p("centroids").at(1, j));
      const hit = layerNormRow(c1, p("centroid_norm.weight"), p("centroid_norm.bias"));
      b.inputs.get("u")!.data.set(hit, 0);
      const y = reference(b);
      expect(y.shape).toEqual([2, 3, d]);
      const cell = cellFor(p, "", slots, nav, tau);
      const u = Nd.of(b.inputs.get("u")!);
      const want: number[] = [];
      for (let r = 0; r < 6; r++) want.push(...cell(Array.from(u.data.slice(r * d, r * d + d))));
      expect(worstError(y.data, want)).toBeLessThan(REF_TOL);
      const { outputs } = await runGpu(b.graph, b.inputs, b.params);
      expect(worstError(outputs.get("y")!.data, y.data)).toBeLessThan(GPU_TOL);
    });
  }

  it("has the contract's parameters: S·D + S² + 2·D·N + 4·D + 1", () => {
    const rep = infoOf(FILE, `GraphMemory(d = ${d}, slots = ${slots}, nav = ${nav})`);
    expect(paramShapes(rep)).toEqual({
      centroids: `[${slots}, ${d}]`,
      edges: `[${slots}, ${slots}]`,
      "centroid_norm.weight": `[${d}]`,
      "centroid_norm.bias": `[${d}]`,
      "disp_norm.weight": `[${d}]`,
      "disp_norm.bias": `[${d}]`,
      "nav_q.weight": `[${nav}, ${d}]`,
      "nav_k.weight": `[${nav}, ${d}]`,
      gate: "[]",
    });
    // The base size (D = 768, S = N = 128): the notes' formula less the write-momentum logit.
    expect(infoOf(FILE, "GraphMemory(d = 768)").totalParams).toBe(
      128 * 768 + 128 * 128 + 2 * 768 * 128 + 4 * 768 + 1,
    );
  });

  it("refuses meaningless hyperparameters, naming the block and the constraint", () => {
    const errors = checkErrors(
      [
        'import { GraphMemory, GMTBlock } from "std/memory"',
        "model A = GraphMemory(d = 8, slots = 1)",
        "model B = GraphMemory(d = 8, tau = 0.0)",
        "model C = GraphMemory(d = 8, grav_eps = -0.1)",
        "model D = GMTBlock(d = 16, heads = 3)",
        "",
      ].join("\n"),
    );
    expect(errors).toEqual([
      "GraphMemory: slots=1 must be at least 2 (the edge softmax excludes self-loops)",
      "GraphMemory: tau=0.0 must be positive",
      "GraphMemory: grav_eps=-0.1 must be positive",
      "GMTBlock: d=16 must split evenly into heads=3",
    ]);
  });
});

describe("GMTBlock (blocks_a1.md §4.2)", () => {
  const [d, heads, slots, nav] = [8, 2, 5, 4];
  const MODEL = `GMTBlock(d = ${d}, heads = ${heads}, slots = ${slots}, nav = ${nav})`;

  /** h = x + Attn(LN1(x)) (causal, no biases), y = h + Cell(LN2(h)), one sequence. */
  function gmtBlock(x: number[][], p: P): number[][] {
    const hd = d / heads;
    const n1 = x.map((r) => layerNormRow(r, p("ln1.weight"), p("ln1.bias")));
    const qkv = n1.map((r) => linearRow(r, p("attn.qkv.weight")));
    const h = x.map((row, t) => {
      const att = new Array<number>(d).fill(0);
      for (let hh = 0; hh < heads; hh++) {
        const scores = qkv.slice(0, t + 1).map((kv) => {
          let s = 0;
          for (let e = 0; e < hd; e++) s += qkv[t]![hh * hd + e]! * kv[d + hh * hd + e]!;
          return s / Math.sqrt(hd);
        });
        const w = softmaxRow(scores);
        for (let e = 0; e < hd; e++)
          att[hh * hd + e] = w.reduce((s, a, j) => s + a * qkv[j]![2 * d + hh * hd + e]!, 0);
      }
      const o = linearRow(att, p("attn.proj.weight"));
      return row.map((v, i) => v + o[i]!);
    });
    const cell = cellFor(p, "cell.", slots, nav, 0.1);
    return h.map((r) => {
      const m = cell(layerNormRow(r, p("ln2.weight"), p("ln2.bias")));
      return r.map((v, i) => v + m[i]!);
    });
  }

  it("the reference equals the equations, and WebGPU the reference", async () => {
    const [B, T] = [2, 3];
    const b = randomize(graphOf(FILE, MODEL), { B, T }, 5, { scale: 0.8 });
    const y = reference(b);
    expect(y.shape).toEqual([B, T, d]);
    const p: P = (k) => Nd.of(b.params.get(k)!);
    const x = Nd.of(b.inputs.get("x")!);
    const want: number[] = [];
    for (let s = 0; s < B; s++) {
      const seq = Array.from({ length: T }, (_, t) =>
        Array.from({ length: d }, (_, i) => x.at(s, t, i)),
      );
      for (const r of gmtBlock(seq, p)) want.push(...r);
    }
    expect(worstError(y.data, want)).toBeLessThan(REF_TOL);
    const { outputs } = await runGpu(b.graph, b.inputs, b.params);
    expect(worstError(outputs.get("y")!.data, y.data)).toBeLessThan(GPU_TOL);
  });

  it("has the contract's parameter paths; the GMT base block counts 2,676,737", () => {
    const rep = infoOf(FILE, MODEL);
    expect(Object.keys(paramShapes(rep)).sort()).toEqual(
      [
        "ln1.weight",
        "ln1.bias",
        "attn.qkv.weight",
        "attn.proj.weight",
        "ln2.weight",
        "ln2.bias",
        "cell.centroids",
        "cell.edges",
        "cell.centroid_norm.weight",
        "cell.centroid_norm.bias",
        "cell.disp_norm.weight",
        "cell.disp_norm.bias",
        "cell.nav_q.weight",
        "cell.nav_k.weight",
        "cell.gate",
      ].sort(),
    );
    // 2 LayerNorms, bias-free attention 4·D², and the cell (S·D + S² + 2·D·N + 4·D + 1).
    const D = 768;
    expect(infoOf(FILE, "GMTBlock(d = 768, heads = 12)").totalParams).toBe(
      4 * D + 4 * D * D + (128 * D + 128 * 128 + 2 * D * 128 + 4 * D + 1),
    );
    expect(4 * D + 4 * D * D + (128 * D + 128 * 128 + 2 * D * 128 + 4 * D + 1)).toBe(2_676_737);
  });
});
