/**
 * Every example's tiny model, optimized and fused on WebGPU, equals the reference interpreter:
 * the examples are the optimizer's end-to-end tests (issue 6). A model named `...Tiny`/`Tiny...`
 * is each example file's CI-sized model, run at its `with` sizes.
 *
 * Tolerance: |gpu − ref| ≤ 1e-4·max|ref| + 1e-4·|ref|. Kernels accumulate in f32 (the reference
 * in double) through a few layers of matmuls, norms and softmaxes; the online softmax of the
 * attention kernel rescales sums as it goes.
 */
import { describe, expect, it } from "vitest";
import { loadGraph, runtimeSizes } from "../../cli/model-files.js";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { optimizeGraph } from "../../compiler/opt/optimize.js";
import { execute } from "../../runtime/reference/execute.js";
import { exampleInputs, initParams } from "../../runtime/init.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import { targetFor } from "../../runtime/webgpu/target.js";
import { expectClose, gpu } from "../webgpu/harness.js";
import { tinyExamples } from "../support/examples.js";

const tiny = tinyExamples();

describe("examples, fused on WebGPU", () => {
  it("finds a tiny model in the examples", () => {
    expect(tiny.length).toBeGreaterThanOrEqual(5);
  });

  for (const { file, model } of tiny) {
    it(`${model} (${file}) equals the reference`, async () => {
      const loaded = loadGraph(file, model, {});
      expect(loaded, `${file} ${model} builds`).toBeDefined();
      const { graph, sizes } = loaded!;
      const dims = runtimeSizes(graph, sizes, {});
      const params = initParams(graph, 3);
      const inputs = exampleInputs(graph, dims, 3);
      const want = execute(graph, params, inputs);
      const g = await gpu();
      const schedule = compileSchedule(optimizeGraph(graph), targetFor(g), { fuse: true });
      const ex = new WebGPUExecutor(g, schedule);
      try {
        await ex.setParams(params);
        const got = await ex.run(inputs);
        for (const [name, w] of want) {
          let scale = 0;
          for (const x of w.data) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
          expectClose(got.get(name)!, w, { atol: 1e-4 * scale, rtol: 1e-4 }, `${model} ${name}`);
        }
      } finally {
        ex.dispose();
      }
    });
  }
});
