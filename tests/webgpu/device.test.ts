/**
 * The device's life: the Dawn instance survives forced garbage collection, and a lost device or
 * an uncaptured GPU error becomes a clear RunError instead of a hang or a crash.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { acquireDevice } from "../../runtime/device/acquire.js";
import { WebGPUExecutor } from "../../runtime/webgpu/executor.js";
import { targetFor } from "../../runtime/webgpu/target.js";
import { ROOT } from "../support/archc.js";
import { opGraph, random } from "./harness.js";

/** exp of a [4, 300] input: a one-kernel graph. */
function expGraph() {
  const x = random("f32", [4, 300], 7);
  const graph = opGraph({ op: "exp", inputs: [x], outputs: [{ dtype: "f32", shape: [4, 300] }] });
  return { graph, inputs: new Map([["x0", x]]) };
}

describe("device lifetime", () => {
  it("survives forced garbage collection between runs (node --expose-gc)", () => {
    // The runtime from dist/ (built by `npm test`), in a process where gc() exists. Without the
    // instance kept alive by acquireDevice, Dawn crashes the process at the next queue wait.
    const script = `
      const { acquireDevice } = await import("./dist/runtime/device/acquire.js");
      const { compileSchedule } = await import("./dist/compiler/codegen/wgsl/schedule.js");
      const { WebGPUExecutor } = await import("./dist/runtime/webgpu/executor.js");
      const { targetFor } = await import("./dist/runtime/webgpu/target.js");
      const g = await acquireDevice();
      const x = { dtype: "f32", shape: [64], data: new Float32Array(64).fill(1) };
      const graph = {
        version: 1, model: "m", dims: [], params: [], checks: [],
        inputs: [{ name: "x", value: 0, type: { dtype: "f32", shape: [64] } }],
        nodes: [{ op: "exp", inputs: [0], outputs: [1], types: [{ dtype: "f32", shape: [64] }], attrs: {} }],
        outputs: [{ name: "y", value: 1 }],
      };
      const ex = new WebGPUExecutor(g, compileSchedule(graph, targetFor(g)));
      let sum = 0;
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 3; j++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
        const y = (await ex.run(new Map([["x", x]]))).get("y");
        sum += y.data[63];
      }
      ex.dispose();
      g.dispose();
      console.log("ok " + sum.toFixed(4));
    `;
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`ok ${(5 * Math.fround(Math.E)).toFixed(4)}`);
  });

  it("a destroyed device gives a clear error, not a hang", async () => {
    const g = await acquireDevice();
    const { graph, inputs } = expGraph();
    const ex = new WebGPUExecutor(g, compileSchedule(graph, targetFor(g)));
    await ex.run(inputs);
    g.device.destroy();
    await expect(ex.run(inputs)).rejects.toThrow(/device was (lost|released)/);
  });

  it("a kernel that does not compile names itself and its line, and leaves the device clean", async () => {
    const g = await acquireDevice();
    try {
      const { graph, inputs } = expGraph();
      const schedule = compileSchedule(graph, targetFor(g));
      const broken = {
        ...schedule,
        kernels: schedule.kernels.map((k) => ({ ...k, wgsl: k.wgsl.replace("exp(", "expo(") })),
      };
      const bad = new WebGPUExecutor(g, broken);
      await expect(bad.run(inputs)).rejects.toThrow(
        /kernel exp_\S+ .*does not compile[^]*line \d+:\d+: .*expo/,
      );
      bad.dispose();
      const good = new WebGPUExecutor(g, schedule);
      expect((await good.run(inputs)).get("y0")!.data.length).toBe(1200);
      good.dispose();
    } finally {
      g.dispose();
    }
  });

  it("refuses sizes over the adapter's binding limit before allocating", async () => {
    const g = await acquireDevice();
    try {
      // [T, 1] + [1, T] -> [T, T], with T just large enough for T² floats to pass the limit
      // (llvmpipe: 128 MiB, so T = 5793); the inputs stay small.
      const limit = g.device.limits.maxStorageBufferBindingSize;
      const T = Math.floor(Math.sqrt(limit / 4)) + 1;
      const col = random("f32", [T, 1], 1);
      const row = random("f32", [1, T], 2);
      const graph = opGraph({
        op: "add",
        inputs: [col, row],
        inputTypes: [
          { dtype: "f32", shape: ["T", 1] },
          { dtype: "f32", shape: [1, "T"] },
        ],
        outputs: [{ dtype: "f32", shape: ["T", "T"] }],
      });
      expect(T * T * 4).toBeGreaterThan(limit);
      const ex = new WebGPUExecutor(g, compileSchedule(graph, targetFor(g)));
      const run = ex.run(
        new Map([
          ["x0", col],
          ["x1", row],
        ]),
      );
      await expect(run).rejects.toThrow(
        new RegExp(
          `f32\\[${T}, ${T}\\] tensor \\(add at .*\\) needs [\\d,]+ bytes, over the adapter's`,
        ),
      );
      ex.dispose();
    } finally {
      g.dispose();
    }
  });

  it("an uncaptured GPU error surfaces at the next run", async () => {
    const g = await acquireDevice();
    try {
      const { graph, inputs } = expGraph();
      const ex = new WebGPUExecutor(g, compileSchedule(graph, targetFor(g)));
      await ex.run(inputs);
      // A buffer with no usage is invalid: Dawn reports it as an uncaptured validation error.
      g.device.createBuffer({ size: 16, usage: 0 });
      await g.device.queue.onSubmittedWorkDone();
      await new Promise((r) => setTimeout(r, 50));
      await expect(ex.run(inputs)).rejects.toThrow(/the GPU reported: .*usage/i);
      // Reported once: the next run works again.
      expect((await ex.run(inputs)).get("y0")!.data.length).toBe(1200);
      ex.dispose();
    } finally {
      g.dispose();
    }
  });
});
