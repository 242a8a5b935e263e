/**
 * std/ffn, block by block: (a) the reference interpreter equals the equations of the research
 * notes (../shared/blocks/blocks_a1.md §1, blocks_a2.md §7, §8, §10, §11.3) written out below in
 * plain TypeScript, on seeded random weights and inputs; (b) WebGPU equals the reference; (c) the
 * parameter paths and shapes are the contract's (../shared/blocks/STDLIB.md) and the count is the
 * hand-computed formula. Plus the requirements' diagnostics. Sizes are tiny: tokens [2, 3].
 *
 * Tolerances: the reference stores f32 and accumulates in double, the transcriptions are all
 * double, so they agree to f32 rounding of each intermediate: |Δ| ≤ 1e-5 + 1e-5·|y|. The GPU
 * accumulates in f32: |Δ| ≤ 1e-5 + 1e-4·|y|.
 */
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../runtime/reference/tensor.js";
import {
  arr,
  build,
  cliParams,
  errorsOf,
  expectGpuMatches,
  expectNear,
  info,
  paramList,
  reference,
  runExample,
  uniform,
  weights,
} from "./ffn-kan-support.js";
import { gelu, geluTanh, layerNorm, linear, relu, rmsNorm, rows, silu } from "./equations.js";

const FFN = "stdlib/ffn.arch";
const REF = { atol: 1e-5, rtol: 1e-5 };
const GPU = { atol: 1e-5, rtol: 1e-4 };
const TOKENS = [2, 3];

interface Case {
  model: string;
  d: number;
  /** The block's equation for one token, given the weights by path. */
  equation: (x: number[], w: (path: string) => Float32Array) => number[];
  /** Parameter paths and shapes, as STDLIB.md gives them. */
  params: string[];
  /** The hand-computed parameter count. */
  count: number;
  /** Spread of the random weights (default ±0.5). */
  spread?: number;
}

/** fc2(act(fc1·x)) with the given fc maps. */
const mlp =
  (fc1: (x: number[]) => number[], act: (v: number) => number, fc2: (h: number[]) => number[]) =>
  (x: number[]) =>
    fc2(fc1(x).map(act));

/** StructuredFFN LowRank (§8.1): y = (x·Vᵀ)·Uᵀ + b. */
function lowRank(w: (p: string) => Float32Array, at: string, rank: number, out: number) {
  return (x: number[]) => {
    const z = linear(x, w(`${at}.lr1`), undefined, rank);
    return linear(z, w(`${at}.lr2`), w(`${at}.bias`), out);
  };
}

/** StructuredFFN BlockDense (§8.2): z_j = B_j·x_j, flattened block-major, y = U·z + b. */
function blockDense(
  w: (p: string) => Float32Array,
  at: string,
  k: number,
  rank: number,
  out: number,
) {
  return (x: number[]) => {
    const B = w(`${at}.blkdiag`);
    const p = x.length / k;
    const q = rank / k;
    const z = new Array<number>(rank).fill(0);
    for (let j = 0; j < k; j++)
      for (let c = 0; c < q; c++)
        for (let i = 0; i < p; i++) z[j * q + c]! += B[(j * q + c) * p + i]! * x[j * p + i]!;
    return linear(z, w(`${at}.lr`), w(`${at}.bias`), out);
  };
}

/**
 * StructuredFFN BlockShuffle (§8.3), the four steps as the notes give them: u_j = B1_j·x_j; the
 * flattened t = j·q + c goes to stage-2 block t mod l at position ⌊t / l⌋; v_i = B2_i·u'_i;
 * output index s·l + i.
 */
function blockShuffle(w: (p: string) => Float32Array, at: string, k: number, out: number) {
  return (x: number[]) => {
    const inp = x.length;
    const p = inp / k;
    const s = out / k;
    const q = inp < out ? p : s;
    const B1 = w(`${at}.blkdiag1`);
    const B2 = w(`${at}.blkdiag2`);
    const u = new Array<number>(k * q).fill(0);
    for (let j = 0; j < k; j++)
      for (let c = 0; c < q; c++)
        for (let i = 0; i < p; i++) u[j * q + c]! += B1[(j * q + c) * p + i]! * x[j * p + i]!;
    const l = k;
    const r = (k * q) / l;
    const shuffled = Array.from({ length: l }, () => new Array<number>(r).fill(0));
    for (let t = 0; t < k * q; t++) shuffled[t % l]![Math.floor(t / l)] = u[t]!;
    const y = new Array<number>(out).fill(0);
    const b = w(`${at}.bias`);
    for (let i = 0; i < l; i++)
      for (let so = 0; so < s; so++) {
        let acc = 0;
        for (let a = 0; a < r; a++) acc += B2[(i * s + so) * r + a]! * shuffled[i]![a]!;
        y[so * l + i] = acc + b[so * l + i]!;
      }
    return y;
  };
}

/** Hourglass FFN (A1 §1.2): r ← r + W2(silu(W1·n) ⊙ W3·n), n = RMSNorm(r), K times. */
function hourglass(depth: number, narrow: number, gated: boolean) {
  return (x: number[], w: (p: string) => Float32Array) => {
    let r = x;
    for (let k = 0; k < depth; k++) {
      const n = rmsNorm(r, w(`layers.${k}.norm.weight`), 1e-5);
      const a = linear(n, w(`layers.${k}.w1.weight`), undefined, narrow);
      const m = gated
        ? (() => {
            const c = linear(n, w(`layers.${k}.w3.weight`), undefined, narrow);
            return a.map((v, i) => silu(v) * c[i]!);
          })()
        : a.map(relu);
      const delta = linear(m, w(`layers.${k}.w2.weight`), undefined, x.length);
      r = r.map((v, i) => v + delta[i]!);
    }
    return r;
  };
}

/** Top-k of the lazy-neuron paper (A2 §10.2): keep the k largest entries, ties to the lower index. */
function topK(a: number[], k: number): number[] {
  const order = a.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  const keep = new Set(order.slice(0, k).map(([, i]) => i));
  return a.map((v, i) => (keep.has(i) ? v : 0));
}

const CASES: Case[] = [
  {
    model: "MLP(d = 8, hidden = 16)",
    d: 8,
    equation: (x, w) =>
      mlp(
        (v) => linear(v, w("fc1.weight"), w("fc1.bias"), 16),
        gelu,
        (h) => linear(h, w("fc2.weight"), w("fc2.bias"), 8),
      )(x),
    params: ["fc1.weight [16, 8]", "fc1.bias [16]", "fc2.weight [8, 16]", "fc2.bias [8]"],
    count: 2 * 8 * 16 + 16 + 8,
  },
  {
    model: "SwiGLU(d = 8, hidden = 12)",
    d: 8,
    equation: (x, w) => {
      const g = linear(x, w("w1.weight"), undefined, 12);
      const v = linear(x, w("w3.weight"), undefined, 12);
      return linear(
        g.map((a, i) => silu(a) * v[i]!),
        w("w2.weight"),
        undefined,
        8,
      );
    },
    params: ["w1.weight [12, 8]", "w3.weight [12, 8]", "w2.weight [8, 12]"],
    count: 3 * 8 * 12,
  },
  {
    model: "HourglassFFN(d = 8, narrow = 4, depth = 3)",
    d: 8,
    equation: hourglass(3, 4, true),
    params: [0, 1, 2].flatMap((k) => [
      `layers.${k}.norm.weight [8]`,
      `layers.${k}.w1.weight [4, 8]`,
      `layers.${k}.w3.weight [4, 8]`,
      `layers.${k}.w2.weight [8, 4]`,
    ]),
    count: 3 * (3 * 8 * 4 + 8),
  },
  {
    model: "HourglassFFN(d = 8, narrow = 4, depth = 2, gated = false)",
    d: 8,
    equation: hourglass(2, 4, false),
    params: [0, 1].flatMap((k) => [
      `layers.${k}.norm.weight [8]`,
      `layers.${k}.w1.weight [4, 8]`,
      `layers.${k}.w2.weight [8, 4]`,
    ]),
    count: 2 * (2 * 8 * 4 + 8),
  },
  {
    model: "LowRankFFN(d = 8, hidden = 16, rank = 4)",
    d: 8,
    equation: (x, w) => mlp(lowRank(w, "fc1", 4, 16), geluTanh, lowRank(w, "fc2", 4, 8))(x),
    params: [
      "fc1.lr1 [4, 8]",
      "fc1.lr2 [16, 4]",
      "fc1.bias [16]",
      "fc2.lr1 [4, 16]",
      "fc2.lr2 [8, 4]",
      "fc2.bias [8]",
    ],
    count: 2 * 4 * (8 + 16) + 16 + 8,
  },
  {
    model: "BlockDenseFFN(d = 8, hidden = 16, rank = 8, blocks = 2)",
    d: 8,
    equation: (x, w) =>
      mlp(blockDense(w, "fc1", 2, 8, 16), geluTanh, blockDense(w, "fc2", 2, 8, 8))(x),
    params: [
      "fc1.blkdiag [2, 4, 4]",
      "fc1.lr [16, 8]",
      "fc1.bias [16]",
      "fc2.blkdiag [2, 4, 8]",
      "fc2.lr [8, 8]",
      "fc2.bias [8]",
    ],
    // r·in/k + out·r + out for each fc
    count: (8 * 8) / 2 + 16 * 8 + 16 + (8 * 16) / 2 + 8 * 8 + 8,
  },
  {
    model: "BlockShuffleFFN(d = 8, hidden = 16)",
    d: 8,
    equation: (x, w) =>
      mlp(blockShuffle(w, "fc1", 2, 16), geluTanh, blockShuffle(w, "fc2", 2, 8))(x),
    params: [
      "fc1.blkdiag1 [2, 4, 4]",
      "fc1.blkdiag2 [2, 8, 4]",
      "fc1.bias [16]",
      "fc2.blkdiag1 [2, 4, 8]",
      "fc2.blkdiag2 [2, 4, 4]",
      "fc2.bias [8]",
    ],
    // in < out: d²/k + h·d/k + h; in ≥ out: d·h/k + d²/k + d
    count: 64 / 2 + (16 * 8) / 2 + 16 + (8 * 16) / 2 + 64 / 2 + 8,
  },
  {
    model: "BlockShuffleFFN(d = 8, hidden = 32, blocks = 4)",
    d: 8,
    equation: (x, w) =>
      mlp(blockShuffle(w, "fc1", 4, 32), geluTanh, blockShuffle(w, "fc2", 4, 8))(x),
    params: [
      "fc1.blkdiag1 [4, 2, 2]",
      "fc1.blkdiag2 [4, 8, 2]",
      "fc1.bias [32]",
      "fc2.blkdiag1 [4, 2, 8]",
      "fc2.blkdiag2 [4, 2, 2]",
      "fc2.bias [8]",
    ],
    count: 64 / 4 + (32 * 8) / 4 + 32 + (8 * 32) / 4 + 64 / 4 + 8,
  },
  {
    model: "TopKMLP(d = 8, hidden = 16, k = 3)",
    d: 8,
    equation: (x, w) =>
      linear(
        topK(linear(x, w("fc1.weight"), w("fc1.bias"), 16).map(relu), 3),
        w("fc2.weight"),
        w("fc2.bias"),
        8,
      ),
    params: ["fc1.weight [16, 8]", "fc1.bias [16]", "fc2.weight [8, 16]", "fc2.bias [8]"],
    count: 2 * 8 * 16 + 16 + 8,
  },
  {
    model: "ActivatorGLU(d = 8, hidden = 12)",
    d: 8,
    equation: (x, w) => {
      const ln = (v: number[]) => layerNorm(v, w("norm.weight"), w("norm.bias"));
      const u = ln(linear(x, w("proj_1.weight"), w("proj_1.bias"), 12).map(gelu));
      const v = ln(linear(x, w("proj_2.weight"), w("proj_2.bias"), 12));
      return linear(
        u.map((a, i) => a * v[i]!),
        w("proj_3.weight"),
        w("proj_3.bias"),
        8,
      );
    },
    params: [
      "proj_1.weight [12, 8]",
      "proj_1.bias [12]",
      "proj_2.weight [12, 8]",
      "proj_2.bias [12]",
      "proj_3.weight [8, 12]",
      "proj_3.bias [8]",
      "norm.weight [12]",
      "norm.bias [12]",
    ],
    count: 2 * (8 * 12 + 12) + 12 * 8 + 8 + 2 * 12,
  },
];

function setup(c: Case, seed: number) {
  const graph = build(FFN, c.model);
  const params = weights(graph, seed, c.spread ?? 0.5);
  const inputs = new Map<string, Tensor>([["x", uniform([...TOKENS, c.d], seed + 1, -2, 2)]]);
  return { graph, params, inputs };
}

describe("std/ffn against the notes' equations", () => {
  for (const [n, c] of CASES.entries()) {
    it(`${c.model}: reference == equations`, () => {
      const { graph, params, inputs } = setup(c, 100 + n);
      const y = reference(graph, params, inputs).get("y")!;
      expect(y.shape).toEqual([...TOKENS, c.d]);
      const w = (p: string) => {
        const t = params.get(p);
        if (!t) throw new Error(`no parameter ${p}`);
        return t.data as Float32Array;
      };
      const want = rows(inputs.get("x")!.data, c.d).flatMap((x) => c.equation(x, w));
      expectNear(arr(y), want, REF, c.model);
    });
  }
});

describe("std/ffn on WebGPU", () => {
  it("every block equals the reference", async () => {
    for (const [n, c] of CASES.entries()) {
      const { graph, params, inputs } = setup(c, 200 + n);
      await expectGpuMatches(graph, params, inputs, GPU, c.model);
    }
  });
});

describe("std/ffn parameters", () => {
  for (const c of CASES) {
    it(`${c.model}: the contract's paths and shapes, the formula's count`, () => {
      const r = info(FFN, c.model);
      expect(paramList(r)).toEqual(c.params);
      expect(r.totalParams).toBe(c.count);
    });
  }

  it("counts at GPT-2 width follow the formulas", () => {
    const d = 768;
    const h = 3072;
    const r = 256;
    expect(info(FFN, `LowRankFFN(d = ${d})`).totalParams).toBe(2 * r * (d + h) + h + d);
    expect(info(FFN, `BlockDenseFFN(d = ${d})`).totalParams).toBe(
      (r * d) / 4 + h * r + h + (r * h) / 4 + d * r + d,
    );
    expect(info(FFN, `BlockShuffleFFN(d = ${d})`).totalParams).toBe(
      (d * d) / 2 + (h * d) / 2 + h + (d * h) / 2 + (d * d) / 2 + d,
    );
    expect(info(FFN, `HourglassFFN(d = ${d}, narrow = 512)`).totalParams).toBe(
      4 * (3 * d * 512 + d),
    );
    expect(info(FFN, "ActivatorGLU(d = 256, hidden = 512)").totalParams).toBe(
      2 * (256 * 512 + 512) + 512 * 256 + 256 + 2 * 512,
    );
  });
});

describe("std/ffn requirements", () => {
  const check = (model: string) => errorsOf(`import "std/ffn"\nmodel M = ${model}\n`).join("\n");

  it("name the block and the constraint", () => {
    expect(check("TopKMLP(d = 8, hidden = 16, k = 17)")).toMatch(
      "TopKMLP: k=17 must be between 1 and hidden=16",
    );
    expect(check("TopKMLP(d = 8, hidden = 16, k = 0)")).toMatch(
      "TopKMLP: k=0 must be between 1 and hidden=16",
    );
    expect(check("LowRankFFN(d = 64)")).toMatch(
      "LowRankLinear: rank=256 must not exceed min(in=64, out=256)",
    );
    expect(check("BlockDenseFFN(d = 64, rank = 30)")).toMatch(
      "BlockDenseLinear: blocks=4 must divide both in=64 and rank=30",
    );
    expect(check("BlockDenseFFN(d = 10, rank = 8)")).toMatch(
      "BlockDenseLinear: blocks=4 must divide both in=10 and rank=8",
    );
    expect(check("BlockShuffleFFN(d = 9, hidden = 12, blocks = 2)")).toMatch(
      "BlockShuffleLinear: blocks=2 must divide both in=9 and out=12",
    );
    expect(check("HourglassFFN(d = 8, narrow = 4, depth = 0)")).toMatch(
      "depth must be at least 1, got 0",
    );
  });

  it("accept the boundary values", () => {
    expect(check("TopKMLP(d = 8, hidden = 16, k = 16)")).toBe("");
    expect(check("TopKMLP(d = 8, hidden = 16, k = 1)")).toBe("");
    expect(check("LowRankFFN(d = 64, rank = 64)")).toBe("");
  });
});

describe("the FFN examples", () => {
  it("hourglass_gpt: the tiny model inits and runs on the reference backend", () => {
    const logits = runExample("examples/hourglass_gpt.arch", "HourglassGPTTiny").get("logits")!;
    expect(logits.shape).toEqual([2, 16, 256]);
    expect(arr(logits).every(Number.isFinite)).toBe(true);
  });

  it("hourglass_gpt: the budget is matched to GPT-2 small", () => {
    const file = "examples/hourglass_gpt.arch";
    const dense = cliParams(file, "GPT2Small");
    const hourglass = cliParams(file, "HourglassGPT2Small");
    expect(dense).toBe(124_439_808);
    // per layer: MLP 8d² + 5d and norm2 2d, against K·(3·d·narrow + d) with K = 4, narrow 512
    const d = 768;
    expect(hourglass).toBe(dense - 12 * (8 * d * d + 5 * d + 2 * d - 4 * (3 * d * 512 + d)));
    expect(Math.abs(hourglass - dense) / dense).toBeLessThan(3e-4);
  });

  it("activator: the tiny model runs, and the paper-size count is the hand-computed one", () => {
    const logits = runExample("examples/activator.arch", "ActivatorTiny").get("logits")!;
    expect(logits.shape).toEqual([2, 10]);
    expect(arr(logits).every(Number.isFinite)).toBe(true);
    const [d, f] = [256, 512];
    const block = 2 * d + (2 * (d * f + f) + f * d + d + 2 * f) + (d * f + f + f * d + d);
    expect(cliParams("examples/activator.arch", "Activator")).toBe(
      3 * 16 * d + d + 4 * block + d * 10 + 10,
    );
  });
});
