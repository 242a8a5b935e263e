/**
 * std/mixer against the equations of ../shared/blocks/blocks_a2.md, transcribed directly in
 * plain TypeScript (doubles) below, independently of stdlib/mixer.arch: (a) the reference
 * interpreter equals the transcription, (b) the WebGPU runtime equals the reference, (c) the
 * parameter paths, shapes and counts are the contract's (STDLIB.md), plus the `requires`
 * diagnostics of meaningless hyperparameters.
 *
 * Tolerances: the reference stores f32 and accumulates in double, so against the double-precision
 * transcription the error is f32 rounding of intermediates: 1e-5 of 1 + |y| (REF_TOL). The GPU
 * accumulates in f32 and may use fast exp/cos: 2e-5 of 1 + |y| (GPU_TOL). Measured on llvmpipe: at
 * most 5.4e-8 against the transcription and 1.1e-7 between the backends.
 */
import { describe, expect, it } from "vitest";
import { runGpu } from "../webgpu/harness.js";
import {
  checkErrors,
  geluTanh,
  graphOf,
  infoOf,
  linearRow,
  Nd,
  paramShapes,
  randomize,
  reference,
  worstError,
  type Built,
} from "./mixer-support.js";

const FILE = "stdlib/mixer.arch";
const REF_TOL = 1e-5;
const GPU_TOL = 2e-5;

async function gpuMatches(b: Built, want: Float32Array | Int32Array | Uint8Array): Promise<void> {
  const { outputs } = await runGpu(b.graph, b.inputs, b.params);
  const got = outputs.get(b.graph.outputs[0]!.name)!;
  expect(worstError(got.data, want)).toBeLessThan(GPU_TOL);
}

describe("PoolMixer (PoolFormer, blocks_a2.md §3.2)", () => {
  /** AvgPool2d(k, 1, k//2, count_include_pad=False)(x) − x on [B, H, W, C]. */
  function poolMixer(x: Nd, k: number): Float64Array {
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const y = new Nd([B, H, W, C]);
    const p = Math.floor(k / 2);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let c = 0; c < C; c++) {
            let s = 0;
            let n = 0;
            for (let a = i - p; a <= i + p; a++)
              for (let e = j - p; e <= j + p; e++)
                if (a >= 0 && a < H && e >= 0 && e < W) {
                  s += x.at(b, a, e, c);
                  n++;
                }
            y.set(s / n - x.at(b, i, j, c), b, i, j, c);
          }
    return y.data;
  }

  for (const pool of [3, 5]) {
    it(`pool = ${pool}: the reference equals the equations, and WebGPU the reference`, async () => {
      const b = randomize(
        graphOf(FILE, `PoolMixer(pool = ${pool})`),
        { B: 2, H: 4, W: 5, C: 3 },
        pool,
      );
      const y = reference(b);
      expect(y.shape).toEqual([2, 4, 5, 3]);
      expect(worstError(y.data, poolMixer(Nd.of(b.inputs.get("x")!), pool))).toBeLessThan(REF_TOL);
      await gpuMatches(b, y.data);
    });
  }

  it("has no parameters; an even or non-positive pool is refused, naming the block", () => {
    expect(infoOf(FILE, "PoolMixer()").totalParams).toBe(0);
    const errors = checkErrors(
      'import { PoolMixer } from "std/mixer"\nmodel A = PoolMixer(pool = 4)\nmodel Z = PoolMixer(pool = 0)\n',
    );
    expect(errors).toEqual([
      "PoolMixer: pool=4 must be an odd size ≥ 1 (the window is centred on each pixel)",
      "PoolMixer: pool=0 must be an odd size ≥ 1 (the window is centred on each pixel)",
    ]);
  });
});

describe("TokenMixingMLP (MLP-Mixer, blocks_a2.md §6.1)", () => {
  const MODEL = "TokenMixingMLP(tokens = 6, hidden = 5)";

  /** Per (batch, channel): the token column through Dense(S→D_S), gelu (tanh), Dense(D_S→S). */
  function tokenMix(x: Nd, p: Map<string, Nd>): Float64Array {
    const [B, S, C] = x.shape as [number, number, number];
    const y = new Nd([B, S, C]);
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++) {
        const col = Array.from({ length: S }, (_, s) => x.at(b, s, c));
        const h = linearRow(col, p.get("fc1.weight")!, p.get("fc1.bias")!).map(geluTanh);
        linearRow(h, p.get("fc2.weight")!, p.get("fc2.bias")!).forEach((v, s) => y.set(v, b, s, c));
      }
    return y.data;
  }

  it("the reference equals the equations, and WebGPU the reference", async () => {
    const b = randomize(graphOf(FILE, MODEL, { S: 1 }), { S: 2, C: 4 }, 7);
    const y = reference(b);
    expect(y.shape).toEqual([2, 6, 4]);
    const p = new Map([...b.params].map(([k, t]) => [k, Nd.of(t)]));
    expect(worstError(y.data, tokenMix(Nd.of(b.inputs.get("x")!), p))).toBeLessThan(REF_TOL);
    await gpuMatches(b, y.data);
  });

  it("has the contract's parameters: 2·tokens·hidden + hidden + tokens", () => {
    const r = infoOf(FILE, MODEL);
    expect(paramShapes(r)).toEqual({
      "fc1.weight": "[5, 6]",
      "fc1.bias": "[5]",
      "fc2.weight": "[6, 5]",
      "fc2.bias": "[6]",
    });
    expect(r.totalParams).toBe(2 * 6 * 5 + 5 + 6);
  });
});

/** The orthonormal DCT-II matrix of blocks_a2.md §1.3: M[k, n] = s_k cos(π(2n+1)k / 2L). */
function dct(L: number): number[][] {
  return Array.from({ length: L }, (_, k) =>
    Array.from(
      { length: L },
      (_, n) => Math.sqrt((k === 0 ? 1 : 2) / L) * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * L)),
    ),
  );
}

describe("SpectrumMixer (DSM, inferred form of blocks_a2.md §1.3)", () => {
  const [c, h, w, K, ex] = [8, 4, 5, 3, 2];
  const MODEL = `SpectrumMixer(c = ${c}, h = ${h}, w = ${w}, filters = ${K}, expansion = ${ex})`;
  const e = ex * c;
  const r = c / 4;

  /** Steps 1-6 of §1.3, per sample. */
  function dsm(x: Nd, p: Map<string, Nd>): Float64Array {
    const B = x.shape[0]!;
    const y = new Nd([B, h, w, c]);
    const [mh, mw] = [dct(h), dct(w)];
    const s = p.get("act1.scale")!.data[0]!;
    const bias = p.get("act1.bias")!.data[0]!;
    const F = p.get("spectrum_weights")!;
    for (let b = 0; b < B; b++) {
      // 2. u = StarReLU(x W1)
      const u = new Nd([h, w, e]);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const row = Array.from({ length: c }, (_, ch) => x.at(b, i, j, ch));
          linearRow(row, p.get("pwconv1.weight")!).forEach((v, o) =>
            u.set(s * Math.max(v, 0) ** 2 + bias, i, j, o),
          );
        }
      // 3. a = softmax_K(MLP(mean_{H,W} x)), MLP = Linear → relu² (StarReLU at 1, 0) → Linear
      const g = Array.from({ length: c }, (_, ch) => {
        let t = 0;
        for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) t += x.at(b, i, j, ch);
        return t / (h * w);
      });
      const hid = linearRow(g, p.get("reweight.fc1.weight")!).map((v) => Math.max(v, 0) ** 2);
      const logits = linearRow(hid, p.get("reweight.fc2.weight")!);
      expect(hid.length).toBe(r);
      // 4-5. per channel: Y = M_hᵀ((M_h U M_wᵀ) ⊙ Φ) M_w
      const mixed = new Nd([h, w, e]);
      for (let ch = 0; ch < e; ch++) {
        const ks = Array.from({ length: K }, (_, k) => logits[k * e + ch]!);
        const m = Math.max(...ks);
        const z = ks.reduce((t, v) => t + Math.exp(v - m), 0);
        const a = ks.map((v) => Math.exp(v - m) / z);
        const spec = Array.from({ length: h }, (_, i) =>
          Array.from({ length: w }, (_, j) => {
            let t = 0;
            for (let n = 0; n < h; n++)
              for (let q = 0; q < w; q++) t += mh[i]![n]! * u.at(n, q, ch) * mw[j]![q]!;
            let phi = 0;
            for (let k = 0; k < K; k++) phi += a[k]! * F.at(i, j, k);
            return t * phi;
          }),
        );
        for (let n = 0; n < h; n++)
          for (let q = 0; q < w; q++) {
            let t = 0;
            for (let i = 0; i < h; i++)
              for (let j = 0; j < w; j++) t += mh[i]![n]! * spec[i]![j]! * mw[j]![q]!;
            mixed.set(t, n, q, ch);
          }
      }
      // 6. out = y W2
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const row = Array.from({ length: e }, (_, ch) => mixed.at(i, j, ch));
          linearRow(row, p.get("pwconv2.weight")!).forEach((v, o) => y.set(v, b, i, j, o));
        }
    }
    return y.data;
  }

  it("the reference equals the equations, and WebGPU the reference", async () => {
    const b = randomize(graphOf(FILE, MODEL), { B: 2 }, 11, { scale: 0.6 });
    const y = reference(b);
    expect(y.shape).toEqual([2, h, w, c]);
    const p = new Map([...b.params].map(([k, t]) => [k, Nd.of(t)]));
    expect(worstError(y.data, dsm(Nd.of(b.inputs.get("x")!), p))).toBeLessThan(REF_TOL);
    await gpuMatches(b, y.data);
  });

  it("has the contract's parameters and count", () => {
    const rep = infoOf(FILE, MODEL);
    expect(paramShapes(rep)).toEqual({
      "pwconv1.weight": `[${e}, ${c}]`,
      "act1.scale": "[]",
      "act1.bias": "[]",
      "reweight.fc1.weight": `[${r}, ${c}]`,
      "reweight.fc2.weight": `[${K * e}, ${r}]`,
      spectrum_weights: `[${h}, ${w}, ${K}]`,
      "pwconv2.weight": `[${c}, ${e}]`,
    });
    expect(rep.totalParams).toBe(2 * c * e + 2 + c * r + r * K * e + h * w * K);
    // The defaults: filters 4, expansion 2, reduction 0.25.
    expect(infoOf(FILE, "SpectrumMixer(c = 64, h = 7, w = 7)").totalParams).toBe(
      2 * 64 * 128 + 2 + 64 * 16 + 16 * 4 * 128 + 7 * 7 * 4,
    );
  });

  it("refuses meaningless hyperparameters, naming the block and the constraint", () => {
    const errors = checkErrors(
      [
        'import { SpectrumMixer } from "std/mixer"',
        "model A = SpectrumMixer(c = 8, h = 4, w = 4, filters = 0)",
        "model B = SpectrumMixer(c = 8, h = 4, w = 4, expansion = 0)",
        "model C = SpectrumMixer(c = 8, h = 4, w = 4, reduction = 0.1)",
        "model D = SpectrumMixer(c = 8, h = 4, w = 4, reduction = 1.5)",
        "",
      ].join("\n"),
    );
    expect(errors).toEqual([
      "SpectrumMixer: filters=0 must be at least 1",
      "SpectrumMixer: expansion=0 must be at least 1",
      "SpectrumMixer: reduction=0.1 × c=8 must leave at least one selector channel",
      "SpectrumMixer: reduction=1.5 must be in (0, 1]",
    ]);
  });
});

describe("FreqTemporalMLP (FreTS temporal learner, blocks_a2.md §2.2-2.3)", () => {
  /**
   * Per series (leading index) and embedding channel: rfft along t (ortho), the complex layer
   * (dense: Z·W; diagonal: Z ⊙ diag(W)), ReLU, softshrink_λ, irfft (ortho) to length t.
   */
  function frets(x: Nd, p: Map<string, Nd>, lambda: number, diagonal: boolean): Float64Array {
    const [S, t, d] = x.shape as [number, number, number];
    const [R, I, rb, ib] = ["r", "i", "rb", "ib"].map((k) => p.get(k)!) as [Nd, Nd, Nd, Nd];
    const y = new Nd([S, t, d]);
    const bins = Math.floor(t / 2) + 1;
    const shrink = (v: number) => (v > lambda ? v - lambda : v < -lambda ? v + lambda : 0);
    for (let s = 0; s < S; s++) {
      const zr = Array.from({ length: bins }, () => new Array<number>(d).fill(0));
      const zi = Array.from({ length: bins }, () => new Array<number>(d).fill(0));
      for (let k = 0; k < bins; k++)
        for (let ch = 0; ch < d; ch++)
          for (let n = 0; n < t; n++) {
            const ang = (-2 * Math.PI * k * n) / t;
            zr[k]![ch]! += (x.at(s, n, ch) * Math.cos(ang)) / Math.sqrt(t);
            zi[k]![ch]! += (x.at(s, n, ch) * Math.sin(ang)) / Math.sqrt(t);
          }
      const yr = zr.map(() => new Array<number>(d).fill(0));
      const yi = zr.map(() => new Array<number>(d).fill(0));
      for (let k = 0; k < bins; k++)
        for (let o = 0; o < d; o++) {
          let re = rb.data[o]!;
          let im = ib.data[o]!;
          for (let q = 0; q < d; q++) {
            if (diagonal && q !== o) continue;
            re += zr[k]![q]! * R.at(q, o) - zi[k]![q]! * I.at(q, o);
            im += zi[k]![q]! * R.at(q, o) + zr[k]![q]! * I.at(q, o);
          }
          yr[k]![o] = shrink(Math.max(re, 0));
          yi[k]![o] = shrink(Math.max(im, 0));
        }
      // C2R inverse: bin 0 (and t/2 for even t) contribute only their real part.
      for (let n = 0; n < t; n++)
        for (let ch = 0; ch < d; ch++) {
          let v = yr[0]![ch]!;
          for (let k = 1; k < bins; k++) {
            const ang = (2 * Math.PI * k * n) / t;
            const term = yr[k]![ch]! * Math.cos(ang) - yi[k]![ch]! * Math.sin(ang);
            v += t % 2 === 0 && k === t / 2 ? yr[k]![ch]! * Math.cos(ang) : 2 * term;
          }
          y.set(v / Math.sqrt(t), s, n, ch);
        }
    }
    return y.data;
  }

  for (const [t, diagonal] of [
    [6, false],
    [7, true],
  ] as const) {
    it(`t = ${t}, diagonal = ${diagonal}: the reference equals the equations, and WebGPU the reference`, async () => {
      const d = 4;
      const model = `FreqTemporalMLP(t = ${t}, d = ${d}, sparsity = 0.1, diagonal = ${diagonal})`;
      const b = randomize(graphOf(FILE, model, { S: 1 }), { S: 3 }, 20 + t, { scale: 0.8 });
      const y = reference(b);
      expect(y.shape).toEqual([3, t, d]);
      const p = new Map([...b.params].map(([k, v]) => [k, Nd.of(v)]));
      const want = frets(Nd.of(b.inputs.get("x")!), p, 0.1, diagonal);
      expect(worstError(y.data, want)).toBeLessThan(REF_TOL);
      // The two readings differ (the diagonal one ignores the off-diagonal weights).
      expect(
        worstError(y.data, frets(Nd.of(b.inputs.get("x")!), p, 0.1, !diagonal)),
      ).toBeGreaterThan(1e-3);
      await gpuMatches(b, y.data);
    });
  }

  it("has the contract's parameters (2·d² + 2·d) and refuses a negative sparsity", () => {
    const rep = infoOf(FILE, "FreqTemporalMLP(t = 96, d = 128)");
    expect(paramShapes(rep)).toEqual({
      r: "[128, 128]",
      i: "[128, 128]",
      rb: "[128]",
      ib: "[128]",
    });
    expect(rep.totalParams).toBe(2 * 128 * 128 + 2 * 128);
    expect(
      checkErrors(
        'import { FreqTemporalMLP } from "std/mixer"\nmodel A = FreqTemporalMLP(t = 8, d = 4, sparsity = -0.5)\n',
      ),
    ).toEqual(["FreqTemporalMLP: sparsity=-0.5 must be at least 0"]);
  });
});
