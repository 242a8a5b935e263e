/**
 * Lowering corner cases, checked on the reference and on WebGPU.
 *
 * A runtime dim used as a number (`x * (T - 1) + B`) is computed at run time: it once lowered to
 * a NaN constant, silently. Checked on the reference and on WebGPU, unfused and fused.
 */
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../cli/model-files.js";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../../compiler/opt/optimize.js";
import { initParams } from "../../runtime/init.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor } from "../../runtime/reference/tensor.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import { targetFor } from "../../runtime/webgpu/target.js";
import { gpu } from "../webgpu/harness.js";

describe("runtime dims as numbers", () => {
  const { graph } = loadGraph("tests/ir/fixtures/runtime-scalar.arch", "Scale(d = 2)", {})!;
  const x = tensor("f32", [2, 5], [1, 2, 3, 4, 5, -1, -2, -3, -4, -5]);
  const want = Array.from(x.data, (v) => v * (5 - 1) + 2);

  it("lowers to a computed scalar, never a NaN constant", () => {
    for (const n of graph.nodes)
      if (n.op === "const") expect(Number.isNaN(n.attrs.value as number)).toBe(false);
    const y = execute(graph, new Map(), new Map([["x", x]])).get("y")!;
    expect(Array.from(y.data)).toEqual(want);
  });

  it("gives the same values on WebGPU, unfused and fused", async () => {
    const g = await gpu();
    for (const fuse of [false, true]) {
      const ex = new WebGPUExecutor(
        g,
        compileSchedule(fuse ? optimizeGraph(graph) : graph, targetFor(g), { fuse }),
      );
      await ex.setParams(new Map());
      const y = (await ex.run(new Map([["x", x]]))).get("y")!;
      expect(Array.from(y.data), `fuse ${fuse}`).toEqual(want);
      ex.dispose();
    }
  });
});

describe("einsum diagonals", () => {
  it("bii->bi and bii->b read the diagonal, on the reference and on WebGPU", async () => {
    const { graph } = loadGraph("tests/ir/fixtures/einsum-diagonal.arch", "Trace(d = 3)", {})!;
    const x = tensor(
      "f32",
      [2, 3, 3],
      Array.from({ length: 18 }, (_, i) => i),
    );
    const ref = execute(graph, new Map(), new Map([["x", x]]));
    expect(Array.from(ref.get("diag")!.data)).toEqual([0, 4, 8, 9, 13, 17]);
    expect(Array.from(ref.get("trace")!.data)).toEqual([12, 39]);
    const g = await gpu();
    const ex = new WebGPUExecutor(g, compileSchedule(graph, targetFor(g)));
    await ex.setParams(new Map());
    const out = await ex.run(new Map([["x", x]]));
    expect(Array.from(out.get("diag")!.data)).toEqual([0, 4, 8, 9, 13, 17]);
    expect(Array.from(out.get("trace")!.data)).toEqual([12, 39]);
    ex.dispose();
  });
});

describe("list initializers", () => {
  it("a list of the trailing dims repeats over the leading ones", () => {
    const { graph } = loadGraph("tests/ir/fixtures/tiled-init.arch", "Rows(groups = 3)", {})!;
    const params = initParams(graph, 0);
    expect(Array.from(params.get("table")!.data)).toEqual([0.5, -1.5, 0.5, -1.5, 0.5, -1.5]);
    expect(Array.from(params.get("exact")!.data)).toEqual([3, 4]);
  });
});
