/**
 * The graph passes, each on small hand-made graphs (the rule fires, and only when it is exact),
 * and together on TinyGPT: fewer nodes, and bit-identical outputs on the reference interpreter.
 */
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../cli/model-files.js";
import { cse } from "../../compiler/opt/cse.js";
import { dce } from "../../compiler/opt/dce.js";
import { optimizeGraph } from "../../compiler/opt/optimize.js";
import { simplify } from "../../compiler/opt/simplify.js";
import type { Attr, Graph, GraphNode, TensorSpec } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor } from "../../runtime/reference/tensor.js";

const f32 = (...shape: (number | string)[]): TensorSpec => ({ dtype: "f32", shape });

function node(
  op: string,
  inputs: number[],
  outputs: number[],
  types: TensorSpec[],
  attrs: Record<string, Attr> = {},
): GraphNode {
  return { op, inputs, outputs, types, attrs };
}

/** A graph with input %0 x: f32[2, 3] and the given nodes; outputs name the values listed. */
function graph(nodes: GraphNode[], outputs: number[]): Graph {
  return {
    version: 1,
    model: "t",
    dims: [],
    inputs: [{ name: "x", value: 0, type: f32(2, 3) }],
    params: [],
    nodes,
    outputs: outputs.map((value, i) => ({ name: `y${i}`, value })),
    checks: [],
  };
}

const x = tensor("f32", [2, 3], [1, -2, 3.5, -0, Number.NaN, 7]);
const run = (g: Graph) => execute(g, new Map(), new Map([["x", x]]));

describe("dce", () => {
  it("drops nodes no output reads, keeps the rest in order", () => {
    const g = graph(
      [
        node("neg", [0], [1], [f32(2, 3)]),
        node("exp", [0], [2], [f32(2, 3)]),
        node("abs", [1], [3], [f32(2, 3)]),
      ],
      [3],
    );
    expect(dce(g).nodes.map((n) => n.op)).toEqual(["neg", "abs"]);
  });
});

describe("cse", () => {
  it("merges equal nodes (same op, inputs, attributes, types) and chains through them", () => {
    const g = graph(
      [
        node("const", [], [1], [f32()], { value: 2 }),
        node("const", [], [2], [f32()], { value: 2 }),
        node("const", [], [3], [f32()], { value: 3 }),
        node("mul", [0, 1], [4], [f32(2, 3)]),
        node("mul", [0, 2], [5], [f32(2, 3)]),
        node("mul", [0, 3], [6], [f32(2, 3)]),
        node("add", [4, 5], [7], [f32(2, 3)]),
        node("add", [4, 6], [8], [f32(2, 3)]),
      ],
      [7, 8],
    );
    const o = dce(cse(g));
    expect(o.nodes.map((n) => n.op)).toEqual(["const", "const", "mul", "mul", "add", "add"]);
    expect(o.nodes[4]!.inputs).toEqual([4, 4]);
    expect(run(o)).toEqual(run(g));
  });
});

describe("simplify", () => {
  it("removes x*1, x/1, identity reshape, cast and permute; composes permutes and reshapes", () => {
    const g = graph(
      [
        node("const", [], [1], [f32()], { value: 1 }),
        node("mul", [0, 1], [2], [f32(2, 3)]),
        node("div", [2, 1], [3], [f32(2, 3)]),
        node("permute", [3], [4], [f32(3, 2)], { perm: [1, 0] }),
        node("permute", [4], [5], [f32(2, 3)], { perm: [1, 0] }),
        node("reshape", [5], [6], [f32(6)]),
        node("reshape", [6], [7], [f32(3, 2)]),
        node("cast", [7], [8], [f32(3, 2)], { dtype: "f32" }),
      ],
      [8],
    );
    const o = dce(simplify(g));
    expect(o.nodes.map((n) => n.op)).toEqual(["reshape"]);
    expect(o.nodes[0]!.inputs).toEqual([0]);
    expect(run(o).get("y0")).toEqual(run(g).get("y0"));
  });

  it("keeps x + 0 (−0 + 0 is +0) and a permute that is not undone", () => {
    const g = graph(
      [
        node("const", [], [1], [f32()], { value: 0 }),
        node("add", [0, 1], [2], [f32(2, 3)]),
        node("permute", [2], [3], [f32(3, 2)], { perm: [1, 0] }),
      ],
      [3],
    );
    expect(dce(simplify(g)).nodes.map((n) => n.op)).toEqual(["const", "add", "permute"]);
  });

  it("folds operations on rank-0 constants with the reference's numerics", () => {
    const g = graph(
      [
        node("const", [], [1], [f32()], { value: 1 }),
        node("const", [], [2], [f32()], { value: 0 }),
        node("div", [1, 2], [3], [f32()]),
        node("const", [], [4], [{ dtype: "i32", shape: [] }], { value: -7 }),
        node("const", [], [5], [{ dtype: "i32", shape: [] }], { value: 2 }),
        node("div", [4, 5], [6], [{ dtype: "i32", shape: [] }]),
        node("lt", [3, 1], [7], [{ dtype: "bool", shape: [] }]),
      ],
      [3, 6, 7],
    );
    const o = dce(simplify(g));
    expect(o.nodes.map((n) => [n.op, n.attrs.value])).toEqual([
      ["const", Infinity],
      ["const", -4],
      ["const", false],
    ]);
    expect(run(o)).toEqual(run(g));
  });
});

describe("optimizeGraph on TinyGPT", () => {
  it("removes a sixth of the nodes and computes the same bits", () => {
    const { graph: g } = loadGraph(
      "examples/tiny_gpt.arch",
      "TinyGPT",
      {},
      new Map([["tokens", 2]]),
    )!;
    const o = optimizeGraph(g);
    expect(o.nodes.length).toBeLessThan(g.nodes.length * 0.9);
    // Per-layer constants and the attention's arange are shared.
    expect(o.nodes.filter((n) => n.op === "arange").length).toBe(1);
    const params = new Map(
      g.params.map((p) => {
        const n = (p.type.shape as number[]).reduce((a, b) => a * b, 1);
        return [
          p.path,
          tensor(
            "f32",
            p.type.shape as number[],
            Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + p.value) * 0.2),
          ),
        ];
      }),
    );
    const tokens = tensor("i32", [2, 5], [1, 7, 200, 3, 9, 0, 255, 18, 4, 4]);
    const want = execute(g, params, new Map([["tokens", tokens]])).get("logits")!;
    const got = execute(o, params, new Map([["tokens", tokens]])).get("logits")!;
    expect(got.data).toEqual(want.data);
  });
});
