/**
 * std/blocks, the higher-order blocks, with mixers plugged in: the PoolFormer block
 * (MetaFormerBlock with PoolMixer, blocks_a2.md §3.2-3.5) and the MLP-Mixer block (PreNormBlock
 * with TokenMixingMLP, §6.1) against the equations transcribed directly in plain TypeScript;
 * the WebGPU runtime against the reference; parameter paths and counts; DecoderLM's optional
 * `pos` and `head`.
 *
 * Tolerances as in mixer.test.ts: 1e-5 of 1 + |y| against the transcription (f32 storage),
 * 2e-5 of 1 + |y| for WebGPU against the reference (f32 accumulation). Measured on llvmpipe: at
 * most 9.1e-8 and 2.4e-7.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../runtime/weights/safetensors.js";
import { archc, ROOT } from "../support/archc.js";
import { runGpu } from "../webgpu/harness.js";
import {
  checkErrors,
  geluErf,
  geluTanh,
  graphOf,
  infoOf,
  layerNormRow,
  linearRow,
  Nd,
  paramShapes,
  randomize,
  reference,
  worstError,
} from "./mixer-support.js";

const REF_TOL = 1e-5;
const GPU_TOL = 2e-5;

/** A file that imports the blocks under test, so that block values can be arguments. */
const FILE = "tests/stdlib/blocks-models.arch";

describe("MetaFormerBlock as the PoolFormer block (blocks_a2.md §3.5)", () => {
  const [d, hidden] = [4, 8];

  /**
   * x + ls1 ⊙ Pool(GN1(x)), then + ls2 ⊙ Mlp(GN2(·)); GN = GroupNorm(1, C) over (H, W, C) per
   * sample, Pool = AvgPool(3, 1, 1, count_include_pad = False) − id, Mlp = fc2(GELU(fc1)).
   */
  function poolFormerBlock(x: Nd, p: (k: string) => Nd): Float64Array {
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const groupNorm = (v: Nd, g: Nd, bta: Nd): Nd => {
      const out = new Nd(v.shape);
      const n = H * W * C;
      for (let b = 0; b < B; b++) {
        const s = v.data.slice(b * n, (b + 1) * n);
        const mu = s.reduce((a, z) => a + z, 0) / n;
        const va = s.reduce((a, z) => a + (z - mu) ** 2, 0) / n;
        s.forEach((z, i) => {
          const c = i % C;
          out.data[b * n + i] = (g.data[c]! * (z - mu)) / Math.sqrt(va + 1e-5) + bta.data[c]!;
        });
      }
      return out;
    };
    const n1 = groupNorm(x, p("norm1.weight"), p("norm1.bias"));
    const h = new Nd(x.shape);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let c = 0; c < C; c++) {
            let s = 0;
            let cnt = 0;
            for (let a = Math.max(i - 1, 0); a <= Math.min(i + 1, H - 1); a++)
              for (let e = Math.max(j - 1, 0); e <= Math.min(j + 1, W - 1); e++) {
                s += n1.at(b, a, e, c);
                cnt++;
              }
            const mixed = s / cnt - n1.at(b, i, j, c);
            h.set(x.at(b, i, j, c) + p("ls1.gamma").data[c]! * mixed, b, i, j, c);
          }
    const n2 = groupNorm(h, p("norm2.weight"), p("norm2.bias"));
    const y = new Nd(x.shape);
    for (let r = 0; r < B * H * W; r++) {
      const row = Array.from(n2.data.slice(r * C, (r + 1) * C));
      const f = linearRow(
        linearRow(row, p("ffn.fc1.weight"), p("ffn.fc1.bias")).map(geluErf),
        p("ffn.fc2.weight"),
        p("ffn.fc2.bias"),
      );
      for (let c = 0; c < C; c++)
        y.data[r * C + c] = h.data[r * C + c]! + p("ls2.gamma").data[c]! * f[c]!;
    }
    return y.data;
  }

  it("the reference equals the equations, and WebGPU the reference", async () => {
    const b = randomize(graphOf(FILE, "PoolFormerBlockTiny"), { B: 2, H: 3, W: 4 }, 9, {
      scale: 0.7,
    });
    const y = reference(b);
    expect(y.shape).toEqual([2, 3, 4, d]);
    const want = poolFormerBlock(Nd.of(b.inputs.get("x")!), (k) => Nd.of(b.params.get(k)!));
    expect(worstError(y.data, want)).toBeLessThan(REF_TOL);
    const { outputs } = await runGpu(b.graph, b.inputs, b.params);
    expect(worstError(outputs.get("y")!.data, y.data)).toBeLessThan(GPU_TOL);
  });

  it("has the contract's parameters (ls1.gamma, ls2.gamma, initialized to layer_scale)", () => {
    const rep = infoOf(FILE, "PoolFormerBlockTiny");
    expect(paramShapes(rep)).toEqual({
      "norm1.weight": `[${d}]`,
      "norm1.bias": `[${d}]`,
      "ls1.gamma": `[${d}]`,
      "norm2.weight": `[${d}]`,
      "norm2.bias": `[${d}]`,
      "ffn.fc1.weight": `[${hidden}, ${d}]`,
      "ffn.fc1.bias": `[${hidden}]`,
      "ffn.fc2.weight": `[${d}, ${hidden}]`,
      "ffn.fc2.bias": `[${d}]`,
      "ls2.gamma": `[${d}]`,
    });
    expect(rep.totalParams).toBe(6 * d + 2 * d * hidden + hidden + d);
    const graph = graphOf(FILE, "PoolFormerBlockTiny");
    const ls = graph.params.find((p) => p.path === "ls1.gamma")!;
    expect(ls.init).toEqual({ kind: "constant", value: 1e-5 });
  });
});

describe("PreNormBlock as the MLP-Mixer block (blocks_a2.md §6.1)", () => {
  const [tokens, C, ds, dc] = [5, 4, 3, 6];

  /** x + swap(MlpBlock_DS(swap(LN1(x)))), then + MlpBlock_DC(LN2(·)); gelu tanh, LN eps 1e-6. */
  function mixerBlock(x: Nd, p: (k: string) => Nd): Float64Array {
    const B = x.shape[0]!;
    const y = new Nd([B, tokens, C]);
    for (let b = 0; b < B; b++) {
      const rows = Array.from({ length: tokens }, (_, s) =>
        Array.from({ length: C }, (_, c) => x.at(b, s, c)),
      );
      const n1 = rows.map((r) => layerNormRow(r, p("norm1.weight"), p("norm1.bias"), 1e-6));
      const h = rows.map((r) => [...r]);
      for (let c = 0; c < C; c++) {
        const col = n1.map((r) => r[c]!);
        const hid = linearRow(col, p("mixer.fc1.weight"), p("mixer.fc1.bias")).map(geluTanh);
        linearRow(hid, p("mixer.fc2.weight"), p("mixer.fc2.bias")).forEach(
          (v, s) => (h[s]![c]! += v),
        );
      }
      h.forEach((r, s) => {
        const n2 = layerNormRow(r, p("norm2.weight"), p("norm2.bias"), 1e-6);
        const hid = linearRow(n2, p("ffn.fc1.weight"), p("ffn.fc1.bias")).map(geluTanh);
        linearRow(hid, p("ffn.fc2.weight"), p("ffn.fc2.bias")).forEach((v, c) =>
          y.set(r[c]! + v, b, s, c),
        );
      });
    }
    return y.data;
  }

  it("the reference equals the equations, and WebGPU the reference", async () => {
    const b = randomize(graphOf(FILE, "MixerBlockTiny"), { B: 2 }, 13, { scale: 0.7 });
    const y = reference(b);
    expect(y.shape).toEqual([2, tokens, C]);
    const want = mixerBlock(Nd.of(b.inputs.get("x")!), (k) => Nd.of(b.params.get(`inner.${k}`)!));
    expect(worstError(y.data, want)).toBeLessThan(REF_TOL);
    const { outputs } = await runGpu(b.graph, b.inputs, b.params);
    expect(worstError(outputs.get("y")!.data, y.data)).toBeLessThan(GPU_TOL);
  });

  it("counts 2·S·D_S + D_S + S + 2·C·D_C + D_C + C + 4·C parameters", () => {
    const rep = infoOf(FILE, "MixerBlockTiny");
    expect(rep.totalParams).toBe(2 * tokens * ds + ds + tokens + 2 * C * dc + dc + C + 4 * C);
    expect(Object.keys(paramShapes(rep)).sort()).toEqual(
      [
        "inner.norm1.weight",
        "inner.norm1.bias",
        "inner.mixer.fc1.weight",
        "inner.mixer.fc1.bias",
        "inner.mixer.fc2.weight",
        "inner.mixer.fc2.bias",
        "inner.norm2.weight",
        "inner.norm2.bias",
        "inner.ffn.fc1.weight",
        "inner.ffn.fc1.bias",
        "inner.ffn.fc2.weight",
        "inner.ffn.fc2.bias",
      ].sort(),
    );
  });
});

describe("DecoderLM", () => {
  it("has `pos` only with a context and `head` only when untied", () => {
    const tied = Object.keys(paramShapes(infoOf(FILE, "TiedLM")));
    expect(tied.filter((k) => !k.startsWith("layers."))).toEqual([
      "embed.weight",
      "norm.weight",
      "norm.bias",
    ]);
    const untied = paramShapes(infoOf(FILE, "UntiedLM"));
    expect(untied["pos.weight"]).toBe("[16, 8]");
    expect(untied["head.weight"]).toBe("[32, 8]");
    expect(untied["layers.1.cell.edges"]).toBe("[4, 4]");
  });
});

describe("examples/vision.arch Conv2d (torch.nn.Conv2d on channels-last maps)", () => {
  /** y[b, i, j, o] = bias[o] + Σ x[b, s·i + a − p, s·j + e − p, c]·w[o, c, a, e], zero outside. */
  function conv(x: Nd, w: Nd, bias: Nd, stride: number, pad: number): Nd {
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const [O, , k] = w.shape as [number, number, number];
    const [Ho, Wo] = [H, W].map((n) => Math.floor((n + 2 * pad - k) / stride) + 1) as [
      number,
      number,
    ];
    const y = new Nd([B, Ho, Wo, O]);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++)
          for (let o = 0; o < O; o++) {
            let t = bias.data[o]!;
            for (let a = 0; a < k; a++)
              for (let e = 0; e < k; e++) {
                const [r, q] = [stride * i + a - pad, stride * j + e - pad];
                if (r < 0 || r >= H || q < 0 || q >= W) continue;
                for (let c = 0; c < C; c++) t += x.at(b, r, q, c) * w.at(o, c, a, e);
              }
            y.set(t, b, i, j, o);
          }
    return y;
  }

  for (const [k, stride, pad, h, w] of [
    [3, 2, 1, 5, 6],
    [7, 4, 2, 9, 9],
  ] as const) {
    it(`k = ${k}, stride = ${stride}, pad = ${pad} on ${h}×${w}: reference = equations = WebGPU`, async () => {
      const model = `Conv2d(cin = 2, cout = 3, k = ${k}, stride = ${stride}, pad = ${pad}, h = ${h}, w = ${w})`;
      const b = randomize(graphOf("examples/vision.arch", model), { B: 2 }, k);
      const y = reference(b);
      const p = (n: string) => Nd.of(b.params.get(n)!);
      const want = conv(Nd.of(b.inputs.get("x")!), p("weight"), p("bias"), stride, pad);
      expect(y.shape).toEqual(want.shape);
      expect(worstError(y.data, want.data)).toBeLessThan(REF_TOL);
      const { outputs } = await runGpu(b.graph, b.inputs, b.params);
      expect(worstError(outputs.get("y")!.data, y.data)).toBeLessThan(GPU_TOL);
    });
  }

  it("refuses a kernel larger than the padded map and a padding of half the kernel or more", () => {
    const errors = checkErrors(
      [
        'import { Conv2d } from "./vision.arch"',
        "model A = Conv2d(cin = 1, cout = 1, k = 7, stride = 1, pad = 1, h = 4, w = 9)",
        "model B = Conv2d(cin = 1, cout = 1, k = 3, stride = 1, pad = 2, h = 4, w = 4)",
        "",
      ].join("\n"),
      join(ROOT, "examples/__case.arch"),
    );
    expect(errors).toEqual([
      "Conv2d: the kernel k=7 is larger than the padded 4×9 map (pad=1)",
      "Conv2d: pad=2 must be in [0, k/2) for the kernel k=3",
    ]);
  });
});

describe("the examples of this family", () => {
  const dir = mkdtempSync(join(tmpdir(), "archc-mixers-"));
  const cases: [string, string, number[]][] = [
    ["gmt", "GMTTiny", [2, 16, 256]],
    ["frets", "FreTSTiny", [2, 8, 3]],
    ["dsm", "DSMTiny", [2, 10]],
    ["poolformer", "PoolFormerTiny", [2, 10]],
    ["mlp_mixer", "MixerTiny", [2, 10]],
  ];
  for (const [name, model, shape] of cases) {
    it(`${name}: ${model} checks, initializes and runs on the reference backend`, () => {
      const file = `examples/${name}.arch`;
      const [w, inputs, out] = ["w", "in", "out"].map((f) => join(dir, `${name}.${f}.safetensors`));
      const init = archc(["init", file, "-m", model, "-o", w!, "--example-inputs", inputs!]);
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      const run = archc([
        "run",
        file,
        "-m",
        model,
        "--weights",
        w!,
        "--inputs",
        inputs!,
        "-o",
        out!,
        "--backend",
        "reference",
      ]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const y = [...readSafetensors(readFileSync(out!), out!).tensors.values()][0]!;
      expect(y.shape).toEqual(shape);
      expect([...y.data].every(Number.isFinite)).toBe(true);
    });
  }

  it("count at paper size what the formulas from the notes give", () => {
    const total = (file: string, model: string) =>
      infoOf(`examples/${file}.arch`, model).totalParams;
    // GMT base v7 (blocks_a1.md §4.1-4.3): embeddings, 16 × (2 LN, bias-free attention, cell), LN.
    const [V, D, L, S, N, ctx] = [50257, 768, 16, 128, 128, 1024];
    const cell = S * D + S * S + 2 * D * N + 4 * D + 1;
    expect(total("gmt", "GMTBase")).toBe(V * D + ctx * D + L * (4 * D + 4 * D * D + cell) + 2 * D);
    expect(total("gmt", "GMTBase")).toBe(82_213_136);
    // PoolFormer-S12 (§3.5-3.6): stem 7×7, 3×3 downsampling, blocks 8c² + 11c, GN + linear head.
    const dims = [64, 128, 320, 512];
    const depths = [2, 2, 6, 2];
    let pf = 3 * 49 * 64 + 64 + 2 * 512 + 512 * 1000 + 1000;
    dims.forEach((c, i) => {
      if (i > 0) pf += dims[i - 1]! * 9 * c + c;
      pf += depths[i]! * (8 * c * c + 11 * c);
    });
    expect(total("poolformer", "PoolFormerS12")).toBe(pf);
    expect(total("poolformer", "PoolFormerS12")).toBe(11_915_176);
    // MLP-Mixer (§6.1) at 224², 196 tokens: patch stem, blocks, LN + linear head.
    const mixer = (C: number, layers: number, ds: number, dc: number) =>
      3 * 256 * C +
      C +
      layers * (4 * C + 2 * 196 * ds + ds + 196 + 2 * C * dc + dc + C) +
      2 * C +
      C * 1000 +
      1000;
    expect(total("mlp_mixer", "MixerB16")).toBe(mixer(768, 12, 384, 3072));
    expect(total("mlp_mixer", "MixerS16")).toBe(mixer(512, 8, 256, 2048));
    // FreTS (§2.1): φ, the temporal learner, the head T·D → 256 → τ.
    const [T, E, Hd, tau] = [96, 128, 256, 96];
    expect(total("frets", "FreTS96")).toBe(
      E + 2 * E * E + 2 * E + T * E * Hd + Hd + Hd * tau + tau,
    );
    // DSM (inferred, §1.3) in the S18 layout: per block LN ×2, ls ×2, the mixer, the MLP.
    const sizes = [56, 28, 14, 7];
    const dsmDepths = [3, 3, 9, 3];
    let dsm = 3 * 49 * 64 + 64 + 2 * 512 + 512 * 1000 + 1000;
    dims.forEach((c, i) => {
      if (i > 0) dsm += dims[i - 1]! * 9 * c + c;
      const r = c / 4;
      const mixerParams = c * 2 * c + 2 + c * r + r * 4 * 2 * c + sizes[i]! ** 2 * 4 + 2 * c * c;
      dsm += dsmDepths[i]! * (6 * c + mixerParams + 8 * c * c + 5 * c);
    });
    expect(total("dsm", "DSMS18")).toBe(dsm);
  });
});
