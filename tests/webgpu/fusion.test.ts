/**
 * Fusion on WebGPU: each pattern (elementwise chain, softmax with fully masked rows, row
 * statistics, LayerNorm/RMSNorm/GroupNorm, matmul epilogues, attention) compiled fused and
 * unfused equals the reference interpreter, and the fused schedule has the kernel count the
 * plan promises (counted per run, as tinygrad's check_schedule does). Shapes are not multiples
 * of the tiles or workgroups. A randomized test composes elementwise, reduction and matmul
 * graphs (fast-check) and checks both builds against the reference.
 *
 * Tolerance: |gpu − ref| ≤ 1e-5·max|ref| + 1e-5·|ref|. The reference accumulates in double, the
 * kernels in f32 over at most a few hundred terms, and transcendentals are a few ulps off.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../cli/model-files.js";
import { DEFAULT_TARGET } from "../../compiler/codegen/wgsl/context.js";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../../compiler/opt/optimize.js";
import type { Attr, DType, Graph, GraphNode, TensorSpec } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import type { Schedule } from "../../runtime/schedule.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import { targetFor } from "../../runtime/webgpu/target.js";
import { expectClose, gpu, random } from "./harness.js";

const FILE = "tests/webgpu/fixtures/fusion.arch";

interface Build {
  outputs: Map<string, Tensor>;
  dispatches: number;
  kernels: string[];
  peak: number;
}

async function build(
  graph: Graph,
  params: Map<string, Tensor>,
  inputs: Map<string, Tensor>,
  fuse: boolean,
): Promise<Build> {
  const g = await gpu();
  const schedule = compileSchedule(fuse ? optimizeGraph(graph) : graph, targetFor(g), { fuse });
  const ex = new WebGPUExecutor(g, schedule);
  try {
    await ex.setParams(params);
    const outputs = await ex.run(inputs);
    return {
      outputs,
      dispatches: ex.lastRun!.dispatches,
      kernels: schedule.kernels.map((k) => k.name),
      peak: ex.lastRun!.peakActivationBytes,
    };
  } finally {
    ex.dispose();
  }
}

function close(got: Tensor, want: Tensor, what: string): void {
  let scale = 0;
  for (const x of want.data) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
  expectClose(got, want, { atol: 1e-5 * scale, rtol: 1e-5 }, what);
}

/** Runs a graph fused and unfused against the reference; returns both builds. */
async function check(graph: Graph, inputs: Map<string, Tensor>, seed = 1) {
  const params = new Map(
    graph.params.map((p, i) => [
      p.path,
      random("f32", p.type.shape as number[], seed * 100 + i, { lo: -0.5, hi: 0.5 }),
    ]),
  );
  const want = execute(graph, params, inputs);
  const unfused = await build(graph, params, inputs, false);
  const fused = await build(graph, params, inputs, true);
  for (const [name, w] of want) {
    close(unfused.outputs.get(name)!, w, `unfused ${name}`);
    close(fused.outputs.get(name)!, w, `fused ${name}`);
  }
  return { unfused, fused, want };
}

function model(name: string, ranks: Record<string, number>): Graph {
  const loaded = loadGraph(FILE, name, {}, new Map(Object.entries(ranks)));
  if (!loaded) throw new Error(`${name} does not build`);
  return loaded.graph;
}

describe("fusion patterns", () => {
  it("an elementwise chain with a broadcast operand is one kernel", async () => {
    const g = model("Chain(d = 37)", {});
    const { fused, unfused } = await check(
      g,
      new Map([
        ["x", random("f32", [3, 13, 37], 1)],
        ["y", random("f32", [13, 37], 2)],
      ]),
    );
    expect(unfused.dispatches).toBeGreaterThanOrEqual(7);
    expect(fused.dispatches).toBe(1);
  });

  it("softmax of masked scores is one kernel, and fully masked rows are zeros", async () => {
    const keep = random("bool", [5, 37], 3);
    for (let j = 0; j < 37; j++) keep.data[2 * 37 + j] = 0; // row 2 keeps nothing
    const { fused, want } = await check(
      model("MaskedSoftmax(s = 37)", {}),
      new Map([
        ["x", random("f32", [2, 5, 37], 4, { lo: -30, hi: 30 })],
        ["keep", keep],
      ]),
    );
    expect(fused.dispatches).toBe(1);
    const y = fused.outputs.get("y")!;
    for (let j = 0; j < 37; j++) expect(y.data[2 * 37 + j]).toBe(0);
    expect(want.get("y")!.data[2 * 37]).toBe(0);
  });

  it("two reductions of a row and a keepdim-free result share one kernel", async () => {
    const { fused } = await check(
      model("RowStats(d = 300)", {}),
      new Map([["x", random("f32", [7, 300], 5)]]),
    );
    expect(fused.dispatches).toBe(1);
  });

  it("a per-row value computed outside is read once per row", async () => {
    const { fused } = await check(
      model("StatReuse(d = 45)", {}),
      new Map([["x", random("f32", [6, 45], 10)]]),
    );
    // mean (its own kernel), reshape (a view), then the softmax-like row kernel.
    expect(fused.dispatches).toBe(2);
  });

  it("LayerNorm, then RMSNorm of it, then the residual add: one row kernel", async () => {
    const { fused, unfused } = await check(
      model("Norms(d = 37)", {}),
      new Map([["x", random("f32", [2, 13, 37], 6)]]),
    );
    expect(unfused.dispatches).toBeGreaterThan(12);
    // RMSNorm's loop recomputes LayerNorm's output from x and the row's statistics.
    expect(fused.dispatches).toBe(1);
    // Peak activations: the unfused build holds intermediates; the fused one only x and y,
    // f32[2, 13, 37] each: 3,848 bytes, pooled in 256-byte classes, 4,096.
    expect(fused.peak).toBe(2 * 4096);
    expect(unfused.peak).toBeGreaterThan(fused.peak);
  });

  it("GroupNorm1 (statistics over H, W and C) is one kernel", async () => {
    const { fused } = await check(
      model("Group(c = 5)", {}),
      new Map([["x", random("f32", [2, 3, 7, 5], 7)]]),
    );
    expect(fused.dispatches).toBe(1);
  });

  it("bias and GELU after fc1, bias and the residual after fc2 run in the matmul kernels", async () => {
    const { fused } = await check(
      model("Ffn(d = 37, hidden = 70)", {}),
      new Map([["x", random("f32", [2, 13, 37], 8)]]),
    );
    // Per run: two matmuls with their epilogues (the weights' transposes ran once, at setParams).
    expect(fused.dispatches).toBe(2);
    expect(fused.kernels.filter((k) => k.startsWith("matmul") && k.includes("__add")).length).toBe(
      2,
    );
  });

  it("attention is one flash-style kernel, equal to the reference with T not a multiple of the tiles", async () => {
    const g = model("Attention(d = 32, heads = 4)", {});
    const { fused, unfused } = await check(g, new Map([["x", random("f32", [2, 13, 32], 9)]]));
    expect(fused.dispatches).toBeLessThan(unfused.dispatches / 2);
    expect(fused.kernels.filter((k) => k.startsWith("attention_")).length).toBe(1);
  });

  it("attention with a head size not a multiple of 4 (scalar loads) and T = 1", async () => {
    for (const T of [1, 9]) {
      const g = model("Attention(d = 30, heads = 5)", {});
      const { fused } = await check(g, new Map([["x", random("f32", [2, T, 30], 11 + T)]]));
      expect(fused.kernels.filter((k) => k.startsWith("attention_")).length).toBe(1);
    }
  });

  it("the fused attention never stores a T×T tensor (scores, probabilities or mask)", () => {
    const g = model("Attention(d = 32, heads = 4)", {});
    const timesT = (shape: readonly unknown[]) => shape.filter((d) => d === "T").length;
    const stored = (s: Schedule) =>
      s.values.filter((v) => s.dispatches.some((d) => d.bindings.includes(v.id)));
    // The check can fail: the unfused schedule stores the scores.
    const unfused = stored(compileSchedule(g, DEFAULT_TARGET, { fuse: false }));
    expect(unfused.some((v) => timesT(v.type.shape) >= 2)).toBe(true);
    const fused = stored(compileSchedule(optimizeGraph(g), DEFAULT_TARGET, { fuse: true }));
    expect(fused.length).toBeGreaterThan(0);
    for (const v of fused) expect(timesT(v.type.shape), JSON.stringify(v.type)).toBeLessThan(2);
  });
});

// ------------------------------------------------------------------------------- randomized

type Shape = "row" | "stat" | "full";
interface Step {
  op: string;
  args: number[];
}

const UNARY = ["tanh", "neg", "abs", "exp_small", "sin"];
const BINARY = ["add", "sub", "mul", "maximum"];
const REDUCE = ["sum", "max", "mean", "min"];

/**
 * A random graph over x: f32[B, T, d] (T a runtime dim): each step applies an op to earlier
 * values (elementwise on full rows or per-row statistics, a last-axis reduction, or a matmul
 * with a [d, d] parameter); the last value and a random earlier one are outputs.
 */
function randomGraph(steps: Step[], d: number): Graph {
  const full: TensorSpec = { dtype: "f32", shape: [2, "T", d] };
  const stat: TensorSpec = { dtype: "f32", shape: [2, "T", 1] };
  const kinds: Shape[] = ["full"];
  const nodes: GraphNode[] = [];
  const params: Graph["params"] = [];
  let next = 1;
  const add = (
    op: string,
    inputs: number[],
    type: TensorSpec,
    attrs: Record<string, Attr> = {},
  ) => {
    nodes.push({ op, inputs, outputs: [next], types: [type], attrs });
    return next++;
  };
  const values: number[] = [0];
  for (const s of steps) {
    const pick = (i: number) => values[s.args[i]! % values.length]!;
    const kindOf = (v: number) => kinds[values.indexOf(v)]!;
    let out: number;
    let kind: Shape;
    const op = s.op;
    if (UNARY.includes(op)) {
      const a = pick(0);
      if (op === "exp_small") {
        const t = add("tanh", [a], kindOf(a) === "full" ? full : stat);
        out = add("exp", [t], kindOf(a) === "full" ? full : stat);
      } else out = add(op, [a], kindOf(a) === "full" ? full : stat);
      kind = kindOf(a);
    } else if (BINARY.includes(op)) {
      const a = pick(0);
      const b = pick(1);
      kind = kindOf(a) === "full" || kindOf(b) === "full" ? "full" : "stat";
      out = add(op, [a, b], kind === "full" ? full : stat);
    } else if (REDUCE.includes(op)) {
      const a = values.find((v, i) => kinds[i] === "full" && i >= s.args[0]! % values.length) ?? 0;
      out = add(op, [a], stat, { axes: [2], keepdim: true });
      kind = "stat";
    } else {
      const a = values.find((v, i) => kinds[i] === "full" && i >= s.args[0]! % values.length) ?? 0;
      const w = next++;
      params.push({
        path: `w${w}`,
        value: w,
        type: { dtype: "f32", shape: [d, d] },
        init: { kind: "normal", mean: 0, std: 0.2 },
      });
      out = add("matmul", [a, w], full);
      kind = "full";
    }
    values.push(out);
    kinds.push(kind);
  }
  const last = values[values.length - 1]!;
  const other = values[(steps[0]?.args[1] ?? 0) % values.length]!;
  const outputs = [{ name: "y0", value: last }];
  if (other !== last && other !== 0) outputs.push({ name: "y1", value: other });
  return {
    version: 1,
    model: "random",
    dims: ["T"],
    inputs: [{ name: "x", value: 0, type: full }],
    params,
    nodes,
    outputs,
    checks: [],
  };
}

describe("randomized fusion", () => {
  it("random elementwise/reduction/matmul graphs: fused = unfused = reference", async () => {
    const step = fc.record({
      op: fc.constantFrom(...UNARY, ...BINARY, ...REDUCE, "matmul"),
      args: fc.array(fc.nat(20), { minLength: 2, maxLength: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(5, 19, 33),
        async (steps, d) => {
          const graph = randomGraph(steps, d);
          await check(
            graph,
            new Map([["x", random("f32", [2, 7, d], steps.length)]]),
            steps.length,
          );
        },
      ),
      { numRuns: 25, seed: 20261128 },
    );
  });
});

export type { DType };
