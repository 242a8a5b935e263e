/**
 * matmul and einsum on WebGPU against the reference interpreter, both matmul paths (storage
 * buffers; rgba32f textures) forced through the target, on shapes that are not multiples of the
 * 4×4 tile, batches with broadcasting, rank-1 operands, runtime dims, i32 and empty products.
 *
 * Tolerance (f32): the reference sums in double and rounds once; the GPU sums the same terms in
 * f32 in order. Recursive summation of n terms errs by at most γₙ·Σ|terms| (Higham, Accuracy and
 * Stability, §4.2) with γₙ ≈ n·2⁻²⁴, and each einsum term is a product of `ops` factors rounded
 * `ops − 1` times, so every element must satisfy |gpu − ref| ≤ (n + ops)·2⁻²⁴·Σ|terms|, where
 * Σ|terms| is the same product computed by the reference on |operands|. That is a proven bound,
 * per element, and far below what a wrong, missing or doubled term costs (≥ one |aᵢbᵢ|).
 * i32 wraps on both sides: exact.
 */
import { describe, expect, it } from "vitest";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import type { Attr, Graph, TensorSpec } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import type { Schedule, WgslTarget } from "../../runtime/schedule.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import { probeLoads } from "../../runtime/webgpu/probe.js";
import { measureTarget, targetFor } from "../../runtime/webgpu/target.js";
import { expectClose, EXACT, gpu, opGraph, random, symbolic } from "./harness.js";

type Path = "buffer" | "texture";

async function runWith(
  graph: Graph,
  inputs: Map<string, Tensor>,
  params: Map<string, Tensor>,
  target: Partial<WgslTarget>,
): Promise<{ out: Tensor; schedule: Schedule }> {
  const g = await gpu();
  const schedule = compileSchedule(graph, { ...targetFor(g), ...target });
  const ex = new WebGPUExecutor(g, schedule);
  try {
    await ex.setParams(params);
    return { out: (await ex.run(inputs)).get("y0")!, schedule };
  } finally {
    ex.dispose();
  }
}

const abs = (t: Tensor): Tensor =>
  t.dtype === "f32" ? { ...t, data: Float32Array.from(t.data, Math.abs) } : t;

/** Expects the GPU result within (terms + ops)·2⁻²⁴·Σ|terms| of the reference (see the top). */
function expectWithinSumBound(got: Tensor, want: Tensor, magnitude: Tensor, terms: number): void {
  const ops = 2;
  expect(got.shape).toEqual(want.shape);
  for (let i = 0; i < want.data.length; i++) {
    const bound = (terms + ops) * 2 ** -24 * magnitude.data[i]!;
    const err = Math.abs(got.data[i]! - want.data[i]!);
    if (!(err <= bound))
      expect.fail(
        `element ${i} is ${got.data[i]}, the reference ${want.data[i]} (bound ${bound}); shape [${want.shape.join(", ")}]`,
      );
  }
}

interface Case {
  op: "matmul" | "einsum";
  inputs: Tensor[];
  inputTypes?: TensorSpec[];
  attrs?: Record<string, Attr>;
  out: TensorSpec;
  /** Terms summed per output element (the contracted size). */
  terms: number;
}

/** Runs a one-node graph on both backends with the target's path; returns the schedule. */
async function check(c: Case, target: Partial<WgslTarget>): Promise<Schedule> {
  const graph = opGraph({
    op: c.op,
    inputs: c.inputs,
    inputTypes: c.inputTypes,
    attrs: c.attrs,
    outputs: [c.out],
  });
  const named = (ts: Tensor[]) => new Map(ts.map((t, i) => [`x${i}`, t]));
  const want = execute(graph, new Map(), named(c.inputs)).get("y0")!;
  const { out, schedule } = await runWith(graph, named(c.inputs), new Map(), target);
  if (want.dtype === "i32") expectClose(out, want, EXACT, c.op);
  else {
    const magnitude = execute(graph, new Map(), named(c.inputs.map(abs))).get("y0")!;
    expectWithinSumBound(out, want, magnitude, c.terms);
  }
  return schedule;
}

const usesTextures = (s: Schedule) => s.kernels.some((k) => k.bindings.includes("texture"));

function mm(
  a: number[],
  b: number[],
  out: number[],
  seed: number,
  dtype: "f32" | "i32" = "f32",
): Case {
  const k = a.length === 1 ? a[0]! : a[a.length - 1]!;
  const range = dtype === "i32" ? { lo: -2e9, hi: 2e9 } : undefined;
  return {
    op: "matmul",
    inputs: [random(dtype, a, seed, range), random(dtype, b, seed + 1, range)],
    out: { dtype, shape: out },
    terms: k,
  };
}

const PATHS: [Path, Partial<WgslTarget>][] = [
  ["buffer", { textures: false }],
  ["texture", { textures: true }],
];

describe.each(PATHS)("matmul, %s path", (path, target) => {
  const tex = path === "texture";
  it.each([
    [1, 3, 17],
    [3, 17, 1],
    [6, 17, 9],
    [17, 33, 65],
    [33, 65, 130],
    [65, 130, 3],
    [130, 1, 33],
  ])("[%i, %i] @ [., %i]", async (m, k, n) => {
    const s = await check(mm([m, k], [k, n], [m, n], m * 7 + n), target);
    expect(usesTextures(s)).toBe(tex);
  });

  it("broadcasts batch dims", async () => {
    const s = await check(mm([2, 1, 17, 33], [3, 33, 5], [2, 3, 17, 5], 3), target);
    expect(usesTextures(s)).toBe(tex);
  });

  it("takes rank-1 operands (row a, column b)", async () => {
    await check(mm([33], [2, 33, 17], [2, 17], 4), target);
    await check(mm([3, 17, 33], [33], [3, 17], 5), target);
    await check(mm([65], [65], [], 6), target);
  });

  it("runs with runtime dims (B, T)", async () => {
    const a = random("f32", [2, 65, 33], 7);
    const b = random("f32", [33, 17], 8);
    const s = await check(
      {
        op: "matmul",
        inputs: [a, b],
        inputTypes: [symbolic(a, ["B", "T"]), symbolic(b, [])],
        out: { dtype: "f32", shape: ["B", "T", 17] },
        terms: 33,
      },
      target,
    );
    expect(usesTextures(s)).toBe(tex);
    // And a runtime N (attention scores q @ kᵀ): B stays in a buffer, A may still be packed.
    const q = random("f32", [3, 17], 9);
    const kt = random("f32", [17, 33], 10);
    await check(
      {
        op: "matmul",
        inputs: [q, kt],
        inputTypes: [symbolic(q, ["T"]), symbolic(kt, [undefined, "S"])],
        out: { dtype: "f32", shape: ["T", "S"] },
        terms: 17,
      },
      target,
    );
  });

  it("sums an empty K to zeros, and makes empty products", async () => {
    await check(mm([3, 0], [0, 5], [3, 5], 11), target);
    await check(mm([0, 5], [5, 3], [0, 3], 19), target);
    await check(mm([3, 4], [4, 0], [3, 0], 20), target);
    await check(mm([0, 3, 4], [4, 5], [0, 3, 5], 21), target);
  });

  it("wraps i32 (always from buffers)", async () => {
    const s = await check(mm([2, 17, 33], [33, 5], [2, 17, 5], 12, "i32"), target);
    expect(usesTextures(s)).toBe(false);
  });
});

describe("matmul texture layout", () => {
  it("lays row blocks and batch slices side by side under a small texture limit", async () => {
    // maxTextureSize 64: A's 17 row blocks of 17 texels go 3 to a row; B's 5 slices 5 to a row.
    const s = await check(mm([65, 17], [5, 17, 33], [5, 65, 33], 13), {
      textures: true,
      maxTextureSize: 64,
    });
    expect(usesTextures(s)).toBe(true);
  });

  it("falls back to buffers when K does not fit a texture row", async () => {
    const s = await check(mm([5, 70], [70, 9], [5, 9], 14), {
      textures: true,
      maxTextureSize: 64,
    });
    expect(usesTextures(s)).toBe(false);
  });

  it("keeps B in a buffer when its slices would be taller than the limit", async () => {
    // 14 slices of 40 texel rows, 7 to a texture row: 80 rows > 64. A still fits.
    const s = await check(mm([14, 3, 40], [14, 40, 33], [14, 3, 33], 18), {
      textures: true,
      maxTextureSize: 64,
    });
    const product = s.kernels.find((k) => k.name.startsWith("matmul_tex"));
    expect(product?.bindings).toEqual(["texture", "read", "write"]);
  });

  it("packs a parameter once, at setParams, and reuses it", async () => {
    const a = random("f32", [2, 33], 15);
    const w = random("f32", [33, 17], 16);
    const graph: Graph = {
      version: 1,
      model: "linear",
      dims: ["T"],
      inputs: [{ name: "x0", value: 0, type: { dtype: "f32", shape: ["T", 33] } }],
      params: [
        {
          path: "w",
          value: 1,
          type: { dtype: "f32", shape: [33, 17] },
          init: { kind: "constant", value: 0 },
        },
      ],
      nodes: [
        {
          op: "matmul",
          inputs: [0, 1],
          outputs: [2],
          types: [{ dtype: "f32", shape: ["T", 17] }],
          attrs: {},
        },
      ],
      outputs: [{ name: "y0", value: 2 }],
      checks: [],
    };
    const g = await gpu();
    const ex = new WebGPUExecutor(g, compileSchedule(graph, { ...targetFor(g), textures: true }));
    try {
      await ex.setParams(new Map([["w", w]]));
      for (const x of [a, random("f32", [5, 33], 17)]) {
        const inputs = new Map([["x0", x]]);
        const want = execute(graph, new Map([["w", w]]), inputs).get("y0")!;
        const mag = execute(graph, new Map([["w", abs(w)]]), new Map([["x0", abs(x)]])).get("y0")!;
        const got = (await ex.run(inputs)).get("y0")!;
        expectWithinSumBound(got, want, mag, 33);
        // Packing A and the product run per call; packing w ran once.
        expect(ex.lastRun?.dispatches).toBe(2);
      }
    } finally {
      ex.dispose();
    }
  });
});

describe("einsum", () => {
  const ein = (
    spec: string,
    shapes: number[][],
    out: number[],
    terms: number,
    seed: number,
    dtype: "f32" | "i32" = "f32",
  ): Case => ({
    op: "einsum",
    inputs: shapes.map((s, i) => random(dtype, s, seed + i)),
    attrs: { spec },
    out: { dtype, shape: out },
    terms,
  });
  it.each([
    [
      "bij,bjk->bik",
      [
        [2, 3, 17],
        [2, 17, 5],
      ],
      [2, 3, 5],
      17,
    ],
    ["ij->ji", [[17, 33]], [33, 17], 1],
    ["ii->i", [[17, 17]], [17], 1],
    [
      "...ij,jk->...ik",
      [
        [2, 3, 5, 7],
        [7, 4],
      ],
      [2, 3, 5, 4],
      7,
    ],
    ["i,i->", [[300], [300]], [], 300],
    [
      "bhtd,bhsd->bhts",
      [
        [2, 3, 5, 8],
        [2, 3, 7, 8],
      ],
      [2, 3, 5, 7],
      8,
    ],
    [
      "bij,bjk->bik",
      [
        [1, 3, 17],
        [4, 17, 5],
      ],
      [4, 3, 5],
      17,
    ],
    [
      "ij,ij->ij",
      [
        [3, 1],
        [1, 5],
      ],
      [3, 5],
      1,
    ],
    ["ii->", [[9, 9]], [], 9],
  ] as [string, number[][], number[], number][])("%s %j", async (spec, shapes, out, terms) => {
    await check(ein(spec, shapes, out, terms, spec.length), {});
  });

  it("takes runtime dims", async () => {
    const q = random("f32", [2, 5, 8], 30);
    const k = random("f32", [2, 7, 8], 31);
    await check(
      {
        op: "einsum",
        inputs: [q, k],
        inputTypes: [symbolic(q, ["B", "T"]), symbolic(k, ["B", "S"])],
        attrs: { spec: "btd,bsd->bts" },
        out: { dtype: "f32", shape: ["B", "T", "S"] },
        terms: 8,
      },
      {},
    );
  });

  it("wraps i32 and sums three operands", async () => {
    const c = ein("ij,jk,k->i", [[5, 6], [6, 7], [7]], [5], 42, 40, "i32");
    c.inputs = [[5, 6], [6, 7], [7]].map((s, i) => random("i32", s, 40 + i, { lo: -3e4, hi: 3e4 }));
    await check(c, {});
  });
});

describe("texture probe", () => {
  it("measures both loads once per device and sets the target from them", async () => {
    const g = await gpu();
    const saved = process.env.ARCHC_TEXTURES;
    delete process.env.ARCHC_TEXTURES;
    try {
      const first = probeLoads(g);
      expect(probeLoads(g)).toBe(first);
      const r = await first;
      expect(r.bufferNsPerFloat).toBeGreaterThan(0);
      expect(r.textureNsPerFloat).toBeGreaterThan(0);
      expect((await measureTarget(g)).textures).toBe(r.textures);
      // Once measured, the synchronous target agrees.
      expect(targetFor(g).textures).toBe(r.textures);
      process.env.ARCHC_TEXTURES = r.textures ? "0" : "1";
      expect((await measureTarget(g)).textures).toBe(!r.textures);
      expect(targetFor(g).textures).toBe(!r.textures);
      process.env.ARCHC_TEXTURES = "yes";
      expect(() => targetFor(g)).toThrow(/ARCHC_TEXTURES/);
    } finally {
      if (saved === undefined) delete process.env.ARCHC_TEXTURES;
      else process.env.ARCHC_TEXTURES = saved;
    }
  });
});
