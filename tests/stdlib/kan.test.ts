/**
 * std/kan, block by block: (a) the reference interpreter equals the equations of the research
 * notes (../shared/blocks/blocks_a1.md §2 KAT, §5 KAN) written out below in plain TypeScript, on
 * seeded random weights and inputs; (b) WebGPU equals the reference; (c) parameter paths, shapes
 * and counts are the contract's (../shared/blocks/STDLIB.md) and the notes' formulas; the init
 * tables start the rational units as the functions they are named after; requirements give
 * diagnostics naming the block and the constraint.
 *
 * Tolerances as in ffn.test.ts: reference vs equations |Δ| ≤ 1e-5 + 1e-5·|y| (f32 storage,
 * double sums); WebGPU vs reference |Δ| ≤ 1e-5 + 1e-4·|y| (f32 sums, f32 pow).
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
import { gelu, linear, rows, silu } from "./equations.js";

const KAN = "stdlib/kan.arch";
const REF = { atol: 1e-5, rtol: 1e-5 };
const GPU = { atol: 1e-5, rtol: 1e-4 };
const TOKENS = [2, 3];

type W = (path: string) => Float32Array;

/**
 * KAT's rational unit as its kernels compute it (A1 §2.1, §2.2): F(x) = P(x)/Q_g(x) with
 * P = Σ a_i xⁱ (numerator shared by all groups) and Q_g = 1 + Σ_k |b_{g,k}|·|x|ᵏ, channel i in group
 * ⌊i / (c/groups)⌋.
 */
function groupRational(x: number[], a: ArrayLike<number>, b: ArrayLike<number>, groups: number) {
  const per = x.length / groups;
  return x.map((v, i) => {
    const g = Math.floor(i / per);
    let p = 0;
    for (let k = 5; k >= 0; k--) p = p * v + a[k]!;
    let q = 0;
    for (let k = 4; k >= 1; k--) q = (q + Math.abs(b[g * 4 + k - 1]!)) * Math.abs(v);
    return p / (1 + q);
  });
}

/** Cox–de Boor on the extended uniform grid of A1 §5.2: the G + k bases at x. */
function bsplines(x: number, G: number, k: number, lo: number, hi: number): number[] {
  const h = (hi - lo) / G;
  const t = Array.from({ length: G + 2 * k + 1 }, (_, j) => lo + (j - k) * h);
  let B: number[] = Array.from({ length: G + 2 * k }, (_, j) =>
    t[j]! <= x && x < t[j + 1]! ? 1 : 0,
  );
  for (let p = 1; p <= k; p++) {
    B = Array.from(
      { length: B.length - 1 },
      (_, j) =>
        ((x - t[j]!) / (t[j + p]! - t[j]!)) * B[j]! +
        ((t[j + p + 1]! - x) / (t[j + p + 1]! - t[j + 1]!)) * B[j + 1]!,
    );
  }
  return B;
}

/** efficient-kan's KANLinear (A1 §5.4): y_o = Σ_i base[o,i]·silu(x_i) + s[o,i]·Σ_j c[o,i,j]·B_j(x_i). */
function kanLinear(x: number[], w: W, out: number, G: number, k: number, lo: number, hi: number) {
  const n = x.length;
  const nb = G + k;
  const basis = x.map((v) => bsplines(v, G, k, lo, hi));
  return Array.from({ length: out }, (_, o) => {
    let y = 0;
    for (let i = 0; i < n; i++) {
      let spline = 0;
      for (let j = 0; j < nb; j++)
        spline += w("spline_weight")[(o * n + i) * nb + j]! * basis[i]![j]!;
      y += w("base_weight")[o * n + i]! * silu(x[i]!) + w("spline_scaler")[o * n + i]! * spline;
    }
    return y;
  });
}

interface Case {
  model: string;
  c: number;
  equation: (x: number[], w: W) => number[];
  params: string[];
  count: number;
}

const CASES: Case[] = [
  {
    model: "GroupRational(c = 16, groups = 4)",
    c: 16,
    equation: (x, w) => groupRational(x, w("weight_numerator"), w("weight_denominator"), 4),
    params: ["weight_numerator [1, 6]", "weight_denominator [4, 4]"],
    count: 6 + 4 * 4,
  },
  {
    model: "GRKAN(in = 8, out = 6, groups = 2)",
    c: 8,
    equation: (x, w) =>
      linear(
        groupRational(x, w("act.weight_numerator"), w("act.weight_denominator"), 2),
        w("linear.weight"),
        w("linear.bias"),
        6,
      ),
    params: [
      "act.weight_numerator [1, 6]",
      "act.weight_denominator [2, 4]",
      "linear.weight [6, 8]",
      "linear.bias [6]",
    ],
    count: 6 + 2 * 4 + 8 * 6 + 6,
  },
  {
    model: "KATFFN(d = 16, hidden = 32)",
    c: 16,
    equation: (x, w) => {
      const z1 = groupRational(x, w("act1.weight_numerator"), w("act1.weight_denominator"), 8);
      const h = linear(z1, w("fc1.weight"), w("fc1.bias"), 32);
      const z2 = groupRational(h, w("act2.weight_numerator"), w("act2.weight_denominator"), 8);
      return linear(z2, w("fc2.weight"), w("fc2.bias"), 16);
    },
    params: [
      "act1.weight_numerator [1, 6]",
      "act1.weight_denominator [8, 4]",
      "fc1.weight [32, 16]",
      "fc1.bias [32]",
      "act2.weight_numerator [1, 6]",
      "act2.weight_denominator [8, 4]",
      "fc2.weight [16, 32]",
      "fc2.bias [16]",
    ],
    // the notes' formula: 2·D·H + H + D + 2·(6 + 4·8)
    count: 2 * 16 * 32 + 32 + 16 + 2 * (6 + 4 * 8),
  },
  {
    model: "KANLinear(in = 4, out = 3)",
    c: 4,
    equation: (x, w) => kanLinear(x, w, 3, 5, 3, -1, 1),
    params: ["base_weight [3, 4]", "spline_weight [3, 4, 8]", "spline_scaler [3, 4]"],
    count: 3 * 4 * (5 + 3 + 2),
  },
  {
    model: "KANLinear(in = 5, out = 2, grid = 3, order = 2, range = (-2.0, 1.0))",
    c: 5,
    equation: (x, w) => kanLinear(x, w, 2, 3, 2, -2, 1),
    params: ["base_weight [2, 5]", "spline_weight [2, 5, 5]", "spline_scaler [2, 5]"],
    count: 2 * 5 * (3 + 2 + 2),
  },
];

function setup(c: Case, seed: number) {
  const graph = build(KAN, c.model);
  const params = weights(graph, seed, 0.5);
  // ±3 covers the grids' inside, the outer knots and beyond them (all-zero bases).
  const inputs = new Map<string, Tensor>([["x", uniform([...TOKENS, c.c], seed + 1, -3, 3)]]);
  return { graph, params, inputs };
}

describe("std/kan against the notes' equations", () => {
  for (const [n, c] of CASES.entries()) {
    it(`${c.model}: reference == equations`, () => {
      const { graph, params, inputs } = setup(c, 300 + n);
      const y = reference(graph, params, inputs).get("y")!;
      const w = (p: string) => {
        const t = params.get(p);
        if (!t) throw new Error(`no parameter ${p}`);
        return t.data as Float32Array;
      };
      const want = rows(inputs.get("x")!.data, c.c).flatMap((x) => c.equation(x, w));
      expect(y.shape[y.shape.length - 1]).toBe(want.length / 6);
      expectNear(arr(y), want, REF, c.model);
    });
  }

  it("KANLinear's spline branch is silent outside the extended grid, and the bases sum to 1 inside", () => {
    // Checks the transcription itself against the notes' figures (A1 §5.2, G = 5, k = 3).
    const sum = (x: number) => bsplines(x, 5, 3, -1, 1).reduce((a, b) => a + b, 0);
    expect(sum(0.3)).toBeCloseTo(1, 12);
    expect(sum(1.6)).toBeCloseTo(0.5, 2);
    expect(sum(2.3)).toBe(0);
  });
});

describe("the GroupRational init tables (A1 §2.5)", () => {
  // With the table's own weights (the initializers), F starts as the named function on [−3, 3].
  const grid = Array.from({ length: 601 }, (_, i) => -3 + i / 100);
  const start = (init: string) => {
    const graph = build(KAN, `GroupRational(c = 601, groups = 1, init = ${init})`, 1);
    const x = new Map([
      ["x", { dtype: "f32" as const, shape: [1, 601], data: new Float32Array(grid) }],
    ]);
    return arr(reference(graph, weights(graph, 1), x).get("y")!);
  };
  it("identity is exact, swish within 1e-5, gelu (the gelu_old entry) within 5e-3", () => {
    const fx = (init: string, f: (x: number) => number) => {
      const y = start(init);
      return Math.max(...grid.map((x, i) => Math.abs(y[i]! - f(Math.fround(x)))));
    };
    expect(fx("identity", (x) => x)).toBe(0);
    expect(fx("swish", silu)).toBeLessThan(1e-5);
    expect(fx("gelu", gelu)).toBeLessThan(5e-3);
  });
});

describe("std/kan on WebGPU", () => {
  it("every block equals the reference", async () => {
    for (const [n, c] of CASES.entries()) {
      const { graph, params, inputs } = setup(c, 400 + n);
      await expectGpuMatches(graph, params, inputs, GPU, c.model);
    }
  });
});

describe("std/kan parameters", () => {
  for (const c of CASES) {
    it(`${c.model}: the contract's paths and shapes, the formula's count`, () => {
      const r = info(KAN, c.model);
      expect(paramList(r)).toEqual(c.params);
      expect(r.totalParams).toBe(c.count);
    });
  }

  it("KAT-T's FFN and a paper-size KAN layer follow the notes' formulas", () => {
    expect(info(KAN, "KATFFN(d = 192)").totalParams).toBe(2 * 192 * 768 + 768 + 192 + 2 * 38);
    expect(info(KAN, "KANLinear(in = 64, out = 32)").totalParams).toBe(32 * 64 * 10);
  });
});

describe("std/kan requirements", () => {
  const check = (model: string) => errorsOf(`import "std/kan"\nmodel M = ${model}\n`).join("\n");

  it("name the block and the constraint", () => {
    expect(check("KANLinear(in = 4, out = 3, grid = 0)")).toMatch(
      "KANLinear: grid=0 must be at least 1 (the number of grid intervals)",
    );
    expect(check("KANLinear(in = 4, out = 3, order = -1)")).toMatch(
      "KANLinear: the spline order=-1 must be at least 0",
    );
    expect(check("KANLinear(in = 4, out = 3, range = (1.0, -1.0))")).toMatch(
      "KANLinear: the grid range (1.0, -1.0) must have lo < hi",
    );
    expect(check("GroupRational(c = 12)")).toMatch(
      "GroupRational: groups=8 must divide the channels c=12",
    );
    expect(check("KATFFN(d = 12)")).toMatch(
      "GroupRational: groups=8 must divide the channels c=12",
    );
    expect(check("GroupRational(c = 16, m = 3)")).toMatch(
      "GroupRational: the init tables are fitted for orders m = 5, n = 4; got m=3, n=4",
    );
  });

  it("accept the boundary values", () => {
    expect(check("KANLinear(in = 4, out = 3, grid = 1, order = 0)")).toBe("");
    expect(check("GroupRational(c = 12, groups = 3)")).toBe("");
    expect(check("GroupRational(c = 32, groups = 16, init = gelu)")).toBe("");
    // Any group count: the denominator's row repeats over the groups.
    expect(check("GroupRational(c = 12, groups = 3, init = swish)")).toBe("");
  });
});

describe("the KAT example", () => {
  it("the tiny model inits and runs on the reference backend", () => {
    const logits = runExample("examples/kat_vit.arch", "KATViTTiny").get("logits")!;
    expect(logits.shape).toEqual([2, 10]);
    expect(arr(logits).every(Number.isFinite)).toBe(true);
  });

  it("KAT-T has ViT-Ti's parameters plus 24 rational units of 38", () => {
    const [d, L, n] = [192, 12, 197];
    const vit =
      3 * 16 * 16 * d +
      d +
      d +
      n * d +
      L * (4 * d + 3 * d * d + 3 * d + d * d + d + 8 * d * d + 5 * d) +
      2 * d +
      d * 1000 +
      1000;
    expect(vit).toBe(5_717_416);
    expect(cliParams("examples/kat_vit.arch", "KAT_T")).toBe(vit + 2 * L * (6 + 4 * 8));
  });
});
