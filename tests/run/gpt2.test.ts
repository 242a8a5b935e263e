/**
 * End to end from the CLI: `archc init` then `archc run --backend reference` on the GPT-2 style
 * TinyGPT, checked against a direct TypeScript transcription of the GPT-2 equations
 * (../shared/blocks/blocks_a2.md §11.1), written independently of the compiler so that a bug
 * shared by the compiler and the interpreter cannot hide.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archc } from "../support/archc.js";
import { readSafetensors } from "../../runtime/weights/safetensors.js";

type W = Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>;

/** y[t, o] = sum_i x[t, i] w[o, i] + b[o]  (torch.nn.Linear layout) */
function linear(
  x: number[][],
  w: Float32Array,
  b: Float32Array | undefined,
  out: number,
  inp: number,
): number[][] {
  return x.map((row) => {
    const y = new Array<number>(out).fill(0);
    for (let o = 0; o < out; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inp; i++) s += row[i]! * w[o * inp + i]!;
      y[o] = s;
    }
    return y;
  });
}

/** LN(x) = g (x - mu) / sqrt(var + 1e-5) + b, biased variance. */
function layerNorm(x: number[][], g: Float32Array, b: Float32Array): number[][] {
  return x.map((row) => {
    const mu = row.reduce((a, v) => a + v, 0) / row.length;
    const v = row.reduce((a, x) => a + (x - mu) ** 2, 0) / row.length;
    return row.map((x, i) => (g[i]! * (x - mu)) / Math.sqrt(v + 1e-5) + b[i]!);
  });
}

const geluTanh = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** One sequence through GPT-2: embeddings, pre-norm blocks (causal MHA, GELU MLP), final LN, tied logits. */
function gpt2(
  tokens: number[],
  w: W,
  cfg: { layers: number; d: number; heads: number; vocab: number },
): number[][] {
  const f = (k: string) => w.get(k)!.data as Float32Array;
  const { d, heads, vocab } = cfg;
  const hd = d / heads;
  const T = tokens.length;
  let x = tokens.map((tok, t) =>
    Array.from(
      { length: d },
      (_, i) => f("embed.weight")[tok * d + i]! + f("pos.weight")[t * d + i]!,
    ),
  );
  for (let l = 0; l < cfg.layers; l++) {
    const p = `layers.${l}`;
    const h = layerNorm(x, f(`${p}.norm1.weight`), f(`${p}.norm1.bias`));
    const qkv = linear(h, f(`${p}.mixer.qkv.weight`), f(`${p}.mixer.qkv.bias`), 3 * d, d);
    const att = Array.from({ length: T }, () => new Array<number>(d).fill(0));
    for (let hh = 0; hh < heads; hh++) {
      for (let t = 0; t < T; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let e = 0; e < hd; e++) dot += qkv[t]![hh * hd + e]! * qkv[s]![d + hh * hd + e]!;
          scores.push(dot / Math.sqrt(hd));
        }
        const m = Math.max(...scores);
        const ex = scores.map((v) => Math.exp(v - m));
        const z = ex.reduce((a, v) => a + v, 0);
        for (let e = 0; e < hd; e++) {
          let acc = 0;
          for (let s = 0; s <= t; s++) acc += (ex[s]! / z) * qkv[s]![2 * d + hh * hd + e]!;
          att[t]![hh * hd + e] = acc;
        }
      }
    }
    const a = linear(att, f(`${p}.mixer.proj.weight`), f(`${p}.mixer.proj.bias`), d, d);
    x = x.map((row, t) => row.map((v, i) => v + a[t]![i]!));
    const h2 = layerNorm(x, f(`${p}.norm2.weight`), f(`${p}.norm2.bias`));
    const m1 = linear(h2, f(`${p}.ffn.fc1.weight`), f(`${p}.ffn.fc1.bias`), 4 * d, d).map((r) =>
      r.map(geluTanh),
    );
    const m2 = linear(m1, f(`${p}.ffn.fc2.weight`), f(`${p}.ffn.fc2.bias`), d, 4 * d);
    x = x.map((row, t) => row.map((v, i) => v + m2[t]![i]!));
  }
  const hf = layerNorm(x, f("norm.weight"), f("norm.bias"));
  return linear(hf, f("embed.weight"), undefined, vocab, d);
}

describe("TinyGPT end to end (archc init, archc run --backend reference)", () => {
  const dir = mkdtempSync(join(tmpdir(), "archc-gpt2-"));
  const weights = join(dir, "w.safetensors");
  const inputs = join(dir, "in.safetensors");
  const outputs = join(dir, "out.safetensors");
  const runTiny = (out: string, extra: string[] = []) =>
    archc([
      "run",
      "examples/tiny_gpt.arch",
      "-m",
      "TinyGPT",
      "--weights",
      weights,
      "--inputs",
      inputs,
      "-o",
      out,
      ...extra,
    ]);

  it("initializes weights and example inputs, deterministically", () => {
    const args = [
      "init",
      "examples/tiny_gpt.arch",
      "-m",
      "TinyGPT",
      "--seed",
      "7",
      "-o",
      weights,
      "--example-inputs",
      inputs,
      "--set",
      "B=2,T=16",
    ];
    const r = archc(args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const first = readFileSync(weights);
    const again = join(dir, "w2.safetensors");
    expect(archc([...args.slice(0, 7), again]).code).toBe(0);
    expect(Buffer.compare(first, readFileSync(again))).toBe(0);
    const ids = readSafetensors(readFileSync(inputs), inputs).tensors.get("tokens")!;
    expect(ids.shape).toEqual([2, 16]);
    for (const v of ids.data) expect(v >= 0 && v < 256).toBe(true);
  });

  it("runs and matches the GPT-2 equations written out directly", () => {
    const r = runTiny(outputs);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const w = readSafetensors(readFileSync(weights), weights).tensors as W;
    const tokens = readSafetensors(readFileSync(inputs), inputs).tensors.get("tokens")!;
    const logits = readSafetensors(readFileSync(outputs), outputs).tensors.get("logits")!;
    expect(logits.shape).toEqual([2, 16, 256]);
    let worst = 0;
    for (let b = 0; b < 2; b++) {
      const seq = Array.from(tokens.data.slice(b * 16, b * 16 + 16));
      const want = gpt2(seq, w, { layers: 2, d: 64, heads: 4, vocab: 256 });
      for (let t = 0; t < 16; t++) {
        for (let v = 0; v < 256; v++) {
          const got = logits.data[(b * 16 + t) * 256 + v]!;
          const exp = want[t]![v]!;
          worst = Math.max(worst, Math.abs(got - exp) / Math.max(1, Math.abs(exp)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it("refuses inputs that contradict --set, naming the tensor, and writes nothing", () => {
    const out = join(dir, "never.safetensors");
    const r = runTiny(out, ["--set", "T=17"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--set T=17, but the inputs have T = 16/);
    expect(() => readFileSync(out)).toThrow();
  });
});
