/**
 * The generated CUDA runs and equals the reference interpreter. There is no GPU here, so the
 * generated `model.cu` and `runner.cu` are compiled by g++ against the CPU emulation of
 * `archc_cpu.h` (`make runner-cpu`) and run on every example's tiny model, fused, with weights
 * and inputs as `archc init` and the WebGPU tests make them; TinyGPT and PoolFormerTiny also
 * unfused (the per-primitive kernels: single-op maps, sequential and tree reductions with
 * barriers, unfused matmuls, pooling windows). The same runner then meets bad weights,
 * bad inputs, a failed requirement and a tensor beyond 32-bit indexing.
 *
 * Tolerance: |cuda − ref| ≤ 1e-4·max|ref| + 1e-4·|ref|, as tests/run/examples-fused.test.ts:
 * kernels accumulate in f32 (the reference in double) through a few layers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadGraph, runtimeSizes, writeTensorsFile } from "../../cli/model-files.js";
import { cudaSchedule } from "../../compiler/codegen/cuda/index.js";
import { generateModelCu } from "../../compiler/codegen/cuda/model.js";
import { CodegenError } from "../../compiler/codegen/wgsl/context.js";
import { runChecks } from "../../runtime/bind.js";
import { exampleInputs, initParams } from "../../runtime/init.js";
import { execute } from "../../runtime/reference/execute.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import { readSafetensors } from "../../runtime/weights/safetensors.js";
import { expectClose } from "../webgpu/harness.js";
import { tinyExamples } from "../support/examples.js";
import { generateInto, type Generated } from "./generate.js";

const tiny = tinyExamples();

const root = mkdtempSync(join(tmpdir(), "archc-cuda-cpu-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Generates the model's CUDA files and builds the CPU runner; returns its directory. */
function build(file: string, model: string, fuse: boolean): Generated {
  const built = generateInto(root, file, model, fuse);
  const dir = built.dir;
  const r = spawnSync("make", ["-s", "runner-cpu"], { cwd: dir, encoding: "utf8" });
  if (r.error)
    throw new Error(`make could not run (${r.error.message}); make and g++ are required`);
  expect(r.status, `make runner-cpu for ${model}:\n${r.stdout}${r.stderr}`).toBe(0);
  return built;
}

interface Run {
  code: number | null;
  stderr: string;
  outputs?: Map<string, Tensor>;
}

/** Runs the CPU runner on tensors written to safetensors files. */
function runner(dir: string, weights: Map<string, Tensor>, inputs: Map<string, Tensor>): Run {
  writeTensorsFile(join(dir, "w.safetensors"), weights);
  writeTensorsFile(join(dir, "in.safetensors"), inputs);
  const out = join(dir, "out.safetensors");
  rmSync(out, { force: true });
  const r = spawnSync(
    "./runner-cpu",
    ["--weights", "w.safetensors", "--inputs", "in.safetensors", "-o", "out.safetensors"],
    { cwd: dir, encoding: "utf8" },
  );
  if (r.status !== 0) return { code: r.status, stderr: r.stderr };
  const read = readSafetensors(new Uint8Array(readFileSync(out)), out);
  return { code: 0, stderr: r.stderr, outputs: read.tensors };
}

describe("the generated CUDA on the CPU emulation equals the reference", () => {
  const cases = [
    ...tiny.map((t) => ({ ...t, fuse: true })),
    { file: "examples/tiny_gpt.arch", model: "TinyGPT", fuse: false },
    { file: "examples/poolformer.arch", model: "PoolFormerTiny", fuse: false },
  ];
  for (const { file, model, fuse } of cases)
    it(`${model} (${file}), ${fuse ? "fused" : "unfused"}`, { timeout: 240_000 }, () => {
      const b = build(file, model, fuse);
      const loaded = loadGraph(file, model, {})!;
      const dims = runtimeSizes(loaded.graph, loaded.sizes, {});
      const params = initParams(loaded.graph, 3);
      const inputs = exampleInputs(loaded.graph, dims, 3);
      const want = execute(loaded.graph, params, inputs);
      const got = runner(b.dir, params, inputs);
      expect(got.code, got.stderr).toBe(0);
      for (const [name, w] of want) {
        let scale = 0;
        for (const x of w.data) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
        const g = got.outputs!.get(name);
        expect(g, `output ${name}`).toBeDefined();
        expectClose(g!, w, { atol: 1e-4 * scale, rtol: 1e-4 }, `${model} ${name}`);
      }
    });
});

describe("launches that depend on the weights alone", () => {
  it("run once when the model is built, outputs among them", { timeout: 240_000 }, () => {
    const file = "tests/cuda/fixtures/prepared.arch";
    const b = build(file, "FromWeights()", true);
    const text = readFileSync(join(b.dir, "model.cu"), "utf8");
    const [, perForward, once] =
      /; (\d+) launches per forward, (\d+) once when built\./.exec(text) ?? [];
    expect(Number(once), "launches moved out of the forward").toBeGreaterThan(0);
    expect(Number(perForward) + Number(once)).toBe(cudaSchedule(b.graph).dispatches.length);
    const params = initParams(b.graph, 5);
    const inputs = new Map([
      ["x", { dtype: "f32" as const, shape: [2, 3], data: new Float32Array([1, 2, 3, -1, 0, 4]) }],
    ]);
    const want = execute(b.graph, params, inputs);
    const got = runner(b.dir, params, inputs);
    expect(got.code, got.stderr).toBe(0);
    for (const [name, w] of want)
      expectClose(got.outputs!.get(name)!, w, { atol: 1e-6, rtol: 1e-6 }, name);
  });
});

describe("the runner refuses bad input with archc run's messages", () => {
  let gpt: Generated | undefined;
  const tinyGpt = () => (gpt ??= build("examples/tiny_gpt.arch", "TinyGPT", true));

  it("lists every problem with the weights at once", { timeout: 240_000 }, () => {
    const b = tinyGpt();
    const loaded = loadGraph("examples/tiny_gpt.arch", "TinyGPT", {})!;
    const params = initParams(loaded.graph, 3);
    const inputs = exampleInputs(loaded.graph, runtimeSizes(loaded.graph, loaded.sizes, {}), 3);
    const [first, second] = [...params.keys()];
    const bad = new Map(params);
    bad.delete(first!);
    bad.set(second!, { ...params.get(second!)!, shape: [1, params.get(second!)!.data.length] });
    bad.set("stray.weight", params.get(second!)!);
    const r = runner(b.dir, bad, inputs);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the weights do not match the model:");
    expect(r.stderr).toContain(`missing parameter '${first}'`);
    expect(r.stderr).toContain(`parameter '${second}' must have shape`);
    expect(r.stderr).toContain("unexpected tensor 'stray.weight'");
  });

  it("reports inputs that disagree, and a failed requirement with the .arch message", () => {
    const b = tinyGpt();
    const loaded = loadGraph("examples/tiny_gpt.arch", "TinyGPT", {})!;
    const params = initParams(loaded.graph, 3);
    const input = loaded.graph.inputs[0]!;
    const ids = (t: number): Tensor => ({
      dtype: "i32",
      shape: [1, t],
      data: new Int32Array(t),
    });
    const wrongType = runner(
      b.dir,
      params,
      new Map([[input.name, { ...ids(4), dtype: "f32", data: new Float32Array(4) }]]),
    );
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toContain(`input '${input.name}' must be i32, got f32`);
    const missing = runner(b.dir, params, new Map());
    expect(missing.stderr).toContain(`input '${input.name}' is missing`);
    const long = runner(b.dir, params, new Map([[input.name, ids(10_000)]]));
    expect(long.code).toBe(1);
    // The message `archc run` gives for the same inputs.
    let message = "";
    try {
      runChecks(
        loaded.graph,
        new Map([
          ["B", 1],
          ["T", 10_000],
        ]),
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message, "TinyGPT requires T ≤ ctx").not.toBe("");
    expect(long.stderr).toBe(`runner: ${message}\n`);
  });

  it("refuses a tensor beyond 32-bit indexing before allocating it", { timeout: 240_000 }, () => {
    const b = build("tests/cuda/fixtures/limits.arch", "Outer()", true);
    const ok = runner(
      b.dir,
      new Map(),
      new Map([["x", { dtype: "f32", shape: [1, 3], data: new Float32Array([1, 2, 3]) }]]),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect([...ok.outputs!.get("y")!.data]).toEqual([1, 2, 3, 2, 4, 6, 3, 6, 9]);
    const t = 65_536; // T² = 2³²: one element past what u32 indices reach
    const big = runner(
      b.dir,
      new Map(),
      new Map([["x", { dtype: "f32", shape: [1, t], data: new Float32Array(t) }]]),
    );
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(
      /would have 4294967296 elements; the CUDA kernels index with 32 bits/,
    );
  });

  it("refuses a compile-time size beyond 32-bit indexing when building", () => {
    const loaded = loadGraph("tests/cuda/fixtures/limits.arch", "Outer()", {})!;
    const s = cudaSchedule(loaded.graph);
    s.values[0] = { ...s.values[0]!, type: { dtype: "f32", shape: [65_536, 65_537] } };
    expect(() => generateModelCu(s, { source: "x.arch", version: "test" })).toThrow(CodegenError);
    expect(() => generateModelCu(s, { source: "x.arch", version: "test" })).toThrow(
      /has 4295032832 elements; the CUDA kernels index with 32 bits/,
    );
  });
});
