/**
 * The shared-memory matmul (`target.matmul: "shared"`, compiler/codegen/wgsl/ops/matmul-shared.ts)
 * on WebGPU against the reference interpreter. CI runs it on llvmpipe, which executes the
 * workgroup memory and barriers like any adapter (slowly); a missing adapter fails the tests.
 * Both tilings are run: 64×64 (256 invocations) and 32×32 (64 invocations; chosen for skinny
 * products and forced here with a target of 128 invocations), on sizes that are and are not
 * multiples of the tiles and of BK, with batches and broadcast batches, rank-1 and transposed
 * operands, runtime M, N and K, i32, empty products, and fused epilogues (bias, GELU, residual)
 * up to a whole example model.
 *
 * Tolerance, single products (as tests/webgpu/linalg.test.ts): the kernel sums the K terms in
 * f32 in order (the zeros it adds past K's edge are exact), the reference in double, so
 * |gpu − ref| ≤ (K + 2)·2⁻²⁴·Σ|aᵢbᵢ| per element (Higham, §4.2), Σ|aᵢbᵢ| being the reference's
 * product of |A| and |B|. Far below what a wrong, missing or doubled term costs. i32 is exact.
 * Fused graphs: |gpu − ref| ≤ 1e-5·max|ref| + 1e-5·|ref| (as tests/webgpu/fusion.test.ts: tanh
 * and erf a few ulps off), whole models 1e-4 (as tests/run/examples-fused.test.ts).
 */
import { describe, expect, it } from "vitest";
import { loadGraph, runtimeSizes } from "../../cli/model-files.js";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../../compiler/opt/optimize.js";
import type { Graph, GraphNode, TensorSpec } from "../../runtime/graph.js";
import { exampleInputs, initParams } from "../../runtime/init.js";
import { execute } from "../../runtime/reference/execute.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import type { Schedule, WgslTarget } from "../../runtime/schedule.js";
import { DEFAULT_TARGET } from "../../runtime/schedule.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import { isCpuAdapter, measureTarget, targetFor } from "../../runtime/webgpu/target.js";
import { expectClose, EXACT, gpu, opGraph, random, symbolic } from "./harness.js";

const SHARED: Partial<WgslTarget> = { matmul: "shared", textures: false };
/** Below the 64×64 tiling's 256 invocations: every product gets the 32×32 tiling. */
const SHARED_SMALL: Partial<WgslTarget> = { ...SHARED, maxWorkgroupSize: 128 };

async function runWith(
  graph: Graph,
  inputs: Map<string, Tensor>,
  params: Map<string, Tensor>,
  target: Partial<WgslTarget>,
  fuse = false,
): Promise<{ outputs: Map<string, Tensor>; schedule: Schedule; dispatches: number }> {
  const g = await gpu();
  const schedule = compileSchedule(
    fuse ? optimizeGraph(graph) : graph,
    { ...targetFor(g), ...target },
    {
      fuse,
    },
  );
  const ex = new WebGPUExecutor(g, schedule);
  try {
    await ex.setParams(params);
    const outputs = await ex.run(inputs);
    return { outputs, schedule, dispatches: ex.lastRun!.dispatches };
  } finally {
    ex.dispose();
  }
}

const abs = (t: Tensor): Tensor =>
  t.dtype === "f32" ? { ...t, data: Float32Array.from(t.data, Math.abs) } : t;

/** Expects the GPU result within (terms + 2)·2⁻²⁴·Σ|terms| of the reference (see the top). */
function expectWithinSumBound(got: Tensor, want: Tensor, magnitude: Tensor, terms: number): void {
  expect(got.shape).toEqual(want.shape);
  for (let i = 0; i < want.data.length; i++) {
    const bound = (terms + 2) * 2 ** -24 * magnitude.data[i]!;
    const err = Math.abs(got.data[i]! - want.data[i]!);
    if (!(err <= bound))
      expect.fail(
        `element ${i} is ${got.data[i]}, the reference ${want.data[i]} (bound ${bound}); shape [${want.shape.join(", ")}]`,
      );
  }
}

/** The shared kernels of a schedule, by workgroup size. */
const sharedKernels = (s: Schedule) =>
  s.kernels.filter((k) => k.name.startsWith("matmul_shared")).map((k) => k.workgroupSize);

interface Case {
  inputs: Tensor[];
  inputTypes?: TensorSpec[];
  out: TensorSpec;
  /** Terms summed per output element (the contracted size). */
  terms: number;
}

/** Runs one matmul on both backends; returns the GPU schedule. */
async function check(c: Case, target: Partial<WgslTarget>): Promise<Schedule> {
  const graph = opGraph({
    op: "matmul",
    inputs: c.inputs,
    inputTypes: c.inputTypes,
    outputs: [c.out],
  });
  const named = (ts: Tensor[]) => new Map(ts.map((t, i) => [`x${i}`, t]));
  const want = execute(graph, new Map(), named(c.inputs)).get("y0")!;
  const { outputs, schedule } = await runWith(graph, named(c.inputs), new Map(), target);
  const out = outputs.get("y0")!;
  if (want.dtype === "i32") expectClose(out, want, EXACT, "matmul");
  else {
    const magnitude = execute(graph, new Map(), named(c.inputs.map(abs))).get("y0")!;
    expectWithinSumBound(out, want, magnitude, c.terms);
  }
  return schedule;
}

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
    inputs: [random(dtype, a, seed, range), random(dtype, b, seed + 1, range)],
    out: { dtype, shape: out },
    terms: k,
  };
}

describe.each([
  ["64×64 where it fits", SHARED],
  ["32×32 (128 invocations)", SHARED_SMALL],
] as [string, Partial<WgslTarget>][])("shared matmul, %s", (_, target) => {
  const small = target.maxWorkgroupSize === 128;
  /** The tiling's workgroup size for an M×N product, as matmul-shared.ts chooses it. */
  const size = (m: number, n: number) => (small || m <= 32 || n <= 32 ? 64 : 256);

  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [64, 64, 64],
    [65, 63, 17],
    [65, 17, 63],
    [128, 96, 200],
    [100, 70, 130],
    [33, 1, 33],
    [31, 130, 97],
  ])("[%i, %i] @ [., %i]", async (m, k, n) => {
    const s = await check(mm([m, k], [k, n], [m, n], m * 7 + n), target);
    expect(sharedKernels(s)).toEqual([size(m, n)]);
  });

  it("broadcasts batch dims", async () => {
    const s = await check(mm([2, 1, 17, 33], [3, 33, 5], [2, 3, 17, 5], 3), target);
    expect(sharedKernels(s)).toEqual([64]);
    const t = await check(mm([2, 1, 70, 40], [3, 40, 66], [2, 3, 70, 66], 4), target);
    expect(sharedKernels(t)).toEqual([size(70, 66)]);
    // A batched A with a shared B, and the other way round.
    await check(mm([3, 65, 20], [20, 66], [3, 65, 66], 5), target);
    await check(mm([65, 20], [2, 20, 66], [2, 65, 66], 6), target);
  });

  it("takes rank-1 operands (row a, column b)", async () => {
    await check(mm([33], [2, 33, 17], [2, 17], 4), target);
    await check(mm([3, 17, 33], [33], [3, 17], 5), target);
    await check(mm([65], [65], [], 6), target);
  });

  it("runs with runtime dims: M (B, T), N (S) and K (S)", async () => {
    const a = random("f32", [2, 65, 33], 7);
    const b = random("f32", [33, 70], 8);
    const s = await check(
      {
        inputs: [a, b],
        inputTypes: [symbolic(a, ["B", "T"]), symbolic(b, [])],
        out: { dtype: "f32", shape: ["B", "T", 70] },
        terms: 33,
      },
      target,
    );
    expect(sharedKernels(s)).toEqual([small ? 64 : 256]);
    // Attention scores q @ kᵀ: a runtime N.
    const q = random("f32", [67, 17], 9);
    const kt = random("f32", [17, 33], 10);
    await check(
      {
        inputs: [q, kt],
        inputTypes: [symbolic(q, ["T"]), symbolic(kt, [undefined, "S"])],
        out: { dtype: "f32", shape: ["T", "S"] },
        terms: 17,
      },
      target,
    );
    // Probabilities @ v: a runtime K.
    const p = random("f32", [2, 40, 37], 11);
    const v = random("f32", [2, 37, 66], 12);
    await check(
      {
        inputs: [p, v],
        inputTypes: [symbolic(p, ["B", "T", "S"]), symbolic(v, ["B", "S"])],
        out: { dtype: "f32", shape: ["B", "T", 66] },
        terms: 37,
      },
      target,
    );
  });

  it("sums an empty K to zeros, and makes empty products", async () => {
    const s = await check(mm([3, 0], [0, 5], [3, 5], 11), target);
    expect(sharedKernels(s)).toEqual([64]);
    await check(mm([0, 5], [5, 3], [0, 3], 19), target);
    await check(mm([3, 4], [4, 0], [3, 0], 20), target);
    await check(mm([0, 3, 4], [4, 5], [0, 3, 5], 21), target);
  });

  it("wraps i32", async () => {
    const s = await check(mm([2, 70, 33], [33, 65], [2, 70, 65], 12, "i32"), target);
    expect(sharedKernels(s)).toEqual([small ? 64 : 256]);
  });

  it("multiplies transposed operands (a permute before the product)", async () => {
    // y = xᵀ @ wᵀ with x [K, M] and w [N, K]: the transposes are their own dispatches.
    const x = random("f32", [45, 70], 13);
    const w = random("f32", [66, 45], 14);
    const f32 = (shape: number[]): TensorSpec => ({ dtype: "f32", shape });
    const node = (
      op: string,
      inputs: number[],
      out: number,
      shape: number[],
      attrs = {},
    ): GraphNode => ({
      op,
      inputs,
      outputs: [out],
      types: [f32(shape)],
      attrs,
    });
    const graph: Graph = {
      version: 1,
      model: "transposed",
      dims: [],
      inputs: [
        { name: "x", value: 0, type: f32([45, 70]) },
        { name: "w", value: 1, type: f32([66, 45]) },
      ],
      params: [],
      nodes: [
        node("permute", [0], 2, [70, 45], { perm: [1, 0] }),
        node("permute", [1], 3, [45, 66], { perm: [1, 0] }),
        node("matmul", [2, 3], 4, [70, 66]),
      ],
      outputs: [{ name: "y", value: 4 }],
      checks: [],
    };
    const inputs = new Map([
      ["x", x],
      ["w", w],
    ]);
    const want = execute(graph, new Map(), inputs).get("y")!;
    const magnitude = execute(
      graph,
      new Map(),
      new Map([
        ["x", abs(x)],
        ["w", abs(w)],
      ]),
    ).get("y")!;
    const { outputs, schedule } = await runWith(graph, inputs, new Map(), target);
    expectWithinSumBound(outputs.get("y")!, want, magnitude, 45);
    expect(sharedKernels(schedule)).toEqual([small ? 64 : 256]);
  });
});

describe("choosing the shared kernel", () => {
  const plain = mm([65, 33], [33, 70], [65, 70], 30);
  const graph = opGraph({ op: "matmul", inputs: plain.inputs, outputs: [plain.out] });

  it("is the register kernel unless the target asks for shared", () => {
    expect(DEFAULT_TARGET.matmul).toBe("registers");
    for (const t of [DEFAULT_TARGET, { ...DEFAULT_TARGET, matmul: undefined }])
      expect(sharedKernels(compileSchedule(graph, t))).toEqual([]);
    expect(sharedKernels(compileSchedule(graph, { ...DEFAULT_TARGET, matmul: "shared" }))).toEqual([
      256,
    ]);
  });

  it("keeps the register kernel with texture operands, or when no tiling fits the limits", async () => {
    const tex = await check(plain, { matmul: "shared", textures: true });
    expect(sharedKernels(tex)).toEqual([]);
    expect(tex.kernels.some((k) => k.name.startsWith("matmul_tex"))).toBe(true);
    const tiny = await check(plain, { ...SHARED, maxWorkgroupSize: 32 });
    expect(sharedKernels(tiny)).toEqual([]);
    const noMemory = compileSchedule(graph, {
      ...DEFAULT_TARGET,
      matmul: "shared",
      maxWorkgroupStorage: 4096,
    });
    expect(sharedKernels(noMemory)).toEqual([64]);
  });

  it("is chosen by adapter kind (registers on llvmpipe), ARCHC_MATMUL overriding", async () => {
    const g = await gpu();
    const saved = process.env.ARCHC_MATMUL;
    delete process.env.ARCHC_MATMUL;
    try {
      // CI's adapter is llvmpipe (a GPU kind only where a real or SwiftShader Vulkan driver is).
      const cpu = g.kind === "llvmpipe" || /llvmpipe|lavapipe|swiftshader/i.test(g.description);
      expect(isCpuAdapter(g)).toBe(cpu);
      const expected = isCpuAdapter(g) ? "registers" : "shared";
      expect(targetFor(g).matmul).toBe(expected);
      expect((await measureTarget(g)).matmul).toBe(expected);
      process.env.ARCHC_MATMUL = "shared";
      expect((await measureTarget(g)).matmul).toBe("shared");
      expect(targetFor(g).matmul).toBe("shared");
      process.env.ARCHC_MATMUL = "registers";
      expect((await measureTarget(g)).matmul).toBe("registers");
      process.env.ARCHC_MATMUL = "smem";
      expect(() => targetFor(g)).toThrow(/ARCHC_MATMUL/);
    } finally {
      if (saved === undefined) delete process.env.ARCHC_MATMUL;
      else process.env.ARCHC_MATMUL = saved;
    }
  });
});

// ------------------------------------------------------------------------------------ fused

function close(got: Tensor, want: Tensor, rel: number, what: string): void {
  let scale = 0;
  for (const x of want.data) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
  expectClose(got, want, { atol: rel * scale, rtol: rel }, what);
}

describe("shared matmul with fused epilogues", () => {
  it.each([
    [37, 70, 13],
    [65, 130, 70],
  ])(
    "bias + GELU after fc1 and bias + residual after fc2 run in the shared kernels (d = %i, hidden = %i, T = %i)",
    async (d, hidden, T) => {
      const loaded = loadGraph(
        "tests/webgpu/fixtures/fusion.arch",
        `Ffn(d = ${d}, hidden = ${hidden})`,
        {},
      );
      const graph = loaded!.graph;
      const params = new Map(
        graph.params.map((p, i) => [
          p.path,
          random("f32", p.type.shape as number[], 100 + i, { lo: -0.5, hi: 0.5 }),
        ]),
      );
      const inputs = new Map([["x", random("f32", [2, T, d], 8)]]);
      const want = execute(graph, params, inputs).get("y")!;
      for (const target of [SHARED, SHARED_SMALL]) {
        const { outputs, schedule, dispatches } = await runWith(
          graph,
          inputs,
          params,
          target,
          true,
        );
        close(
          outputs.get("y")!,
          want,
          1e-5,
          `fused, workgroups ≤ ${target.maxWorkgroupSize ?? "adapter"}`,
        );
        // Per run: the two products with their epilogues (the weights' transposes ran once).
        expect(dispatches).toBe(2);
        const fused = schedule.kernels.filter(
          (k) => k.name.startsWith("matmul_shared") && k.name.includes("__add"),
        );
        expect(fused.map((k) => k.workgroupSize)).toEqual(
          target === SHARED_SMALL ? [64, 64] : [256, 256],
        );
        expect(fused.some((k) => /tanh|erf/.test(k.wgsl))).toBe(true);
      }
    },
  );

  it("TinyGPT (examples/tiny_gpt.arch), fused with shared matmuls, equals the reference", async () => {
    const loaded = loadGraph("examples/tiny_gpt.arch", "TinyGPT", {});
    const { graph, sizes } = loaded!;
    const dims = runtimeSizes(graph, sizes, {});
    const params = initParams(graph, 3);
    const inputs = exampleInputs(graph, dims, 3);
    const want = execute(graph, params, inputs);
    const { outputs, schedule } = await runWith(graph, inputs, params, SHARED, true);
    expect(sharedKernels(schedule).length).toBeGreaterThan(0);
    expect(schedule.kernels.some((k) => /^matmul_(tex_)?f32/.test(k.name))).toBe(false);
    for (const [name, w] of want) close(outputs.get(name)!, w, 1e-4, `TinyGPT ${name}`);
  });
});
