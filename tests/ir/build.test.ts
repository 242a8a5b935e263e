/** Graph building: the IR of models (spec/ir.md), its text form, lowering and provenance. */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Program } from "../../compiler/check/index.js";
import { buildGraph } from "../../compiler/ir/build.js";
import { printGraph } from "../../compiler/ir/print.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const build = (file: string, model: string, ranks?: Map<string, number>) =>
  buildGraph(new Program({ cwd: ROOT }), file, model, ranks ? { ranks } : {});

describe("buildGraph", () => {
  it("builds TinyGPT: inputs, parameters by checkpoint path, runtime checks, the logits output", () => {
    const { graph, diagnostics } = build("examples/tiny_gpt.arch", "TinyGPT");
    expect(diagnostics).toEqual([]);
    const g = graph!;
    expect(g.dims).toEqual(["B", "T"]);
    expect(g.inputs.map((i) => [i.name, i.type.dtype, i.type.shape])).toEqual([
      ["tokens", "i32", ["B", "T"]],
    ]);
    expect(g.params.length).toBe(28);
    expect(g.params[0]).toMatchObject({
      path: "embed.weight",
      type: { dtype: "f32", shape: [256, 64] },
    });
    expect(g.params.find((p) => p.path === "layers.1.ffn.fc1.weight")!.init.kind).toBe("uniform");
    expect(g.params.find((p) => p.path === "norm.weight")!.init).toEqual({
      kind: "constant",
      value: 1,
    });
    expect(g.checks).toEqual([
      { lhs: "T", op: "<=", rhs: 64, message: "sequence length T={T} exceeds the context ctx=64" },
    ]);
    expect(g.outputs.map((o) => o.name)).toEqual(["logits"]);
    // Every node's inputs are defined before it (SSA order).
    const defined = new Set([...g.inputs.map((i) => i.value), ...g.params.map((p) => p.value)]);
    for (const n of g.nodes) {
      for (const i of n.inputs)
        expect(defined.has(i), `${n.op} uses %${i} before it is defined`).toBe(true);
      for (const o of n.outputs) defined.add(o);
    }
    // The language's conveniences are lowered away.
    const ops = new Set(g.nodes.map((n) => n.op));
    for (const gone of ["transpose", "rearrange", "zeros", "ones"])
      expect(ops.has(gone)).toBe(false);
  });

  it("records where every node came from", () => {
    const g = build("examples/tiny_gpt.arch", "TinyGPT").graph!;
    const qkv = g.nodes.find((n) => n.op === "matmul" && n.source?.path === "layers.0.mixer.qkv")!;
    expect(qkv.source).toMatchObject({ file: "stdlib/nn.arch", path: "layers.0.mixer.qkv" });
  });

  it("builds a block expression with the variadic rank of its inputs", () => {
    const { graph } = build("stdlib/ffn.arch", "SwiGLU(d = 8, hidden = 16)", new Map([["S", 2]]));
    expect(graph!.inputs[0]!.type.shape).toEqual(["S1", "S2", 8]);
    expect(graph!.dims).toEqual(["S1", "S2"]);
  });

  it("prints a stable text form (golden)", () => {
    const text = printGraph(
      build("stdlib/nn.arch", "LayerNorm(d = 4)", new Map([["S", 1]])).graph!,
    );
    const path = ROOT + "tests/ir/layernorm.ir.expected";
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(path, text);
    expect(text).toBe(readFileSync(path, "utf8"));
  });

  it("reports what cannot be built instead of a graph", () => {
    const { graph, diagnostics } = build(
      "stdlib/attention.arch",
      "MultiHeadAttention(d = 8, heads = 3)",
    );
    expect(graph).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(["A0308"]);
  });
});

describe("graph JSON", () => {
  it("round-trips, infinities included (a causal mask's -inf)", async () => {
    const { serializeGraph, parseGraph } = await import("../../runtime/graph.js");
    const g = build("examples/tiny_gpt.arch", "TinyGPT").graph!;
    const back = parseGraph(serializeGraph(g));
    expect(back).toEqual(g);
    expect(back.nodes.some((n) => n.op === "const" && n.attrs.value === -Infinity)).toBe(true);
  });
});
