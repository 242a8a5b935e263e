/**
 * Every example's CUDA output compiles with nvcc for sm_90 with warnings as errors (nvcc's own
 * and the host compiler's -Wall -Wextra): each example's tiny model, fused (TinyGPT's through its
 * Makefile, so that the runner links too), and the paper-sized GPT-2 (large constants). nvcc is
 * on every machine of this project; a missing nvcc fails the test.
 *
 * The unfused (per-primitive) kernels are compiled by g++ and run in cpu-run.test.ts; every
 * example fused and unfused compiled clean with nvcc when this was written, but compiling both
 * here would double the test's two minutes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tinyExamples } from "../support/examples.js";
import { generateInto } from "./generate.js";

const FLAGS = [
  "-std=c++17",
  "-arch=sm_90",
  "-Werror",
  "all-warnings",
  "-Xcompiler",
  "-Wall,-Wextra,-Werror",
];

const tiny = tinyExamples();

const root = mkdtempSync(join(tmpdir(), "archc-nvcc-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes the model's CUDA files into a new directory and returns it. */
const generate = (file: string, model: string, fuse: boolean) =>
  generateInto(root, file, model, fuse).dir;

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.error)
    throw new Error(`${cmd} could not run (${r.error.message}); nvcc and make are required`);
  expect(r.status, `${cmd} ${args.join(" ")} in ${cwd}:\n${r.stdout}${r.stderr}`).toBe(0);
}

describe("nvcc compiles the generated CUDA", () => {
  it("finds nvcc", () => {
    const r = spawnSync("nvcc", ["--version"], { encoding: "utf8" });
    expect(r.error, "nvcc is not on PATH: install the CUDA toolkit (it is on every machine)").toBe(
      undefined,
    );
    expect(r.status).toBe(0);
  });

  it("builds TinyGPT's runner with its Makefile", { timeout: 180_000 }, () => {
    const dir = generate("examples/tiny_gpt.arch", "TinyGPT", true);
    run("make", ["-s", "runner"], dir);
    // The bindings are __restrict__ kernel parameters and none of TinyGPT's kernels reads a
    // buffer it writes, so every global load can go through the read-only cache.
    run("nvcc", ["-std=c++17", "-arch=sm_90", "-ptx", "model.cu", "-o", "model.ptx"], dir);
    const ptx = readFileSync(join(dir, "model.ptx"), "utf8");
    const loads = ptx.match(/\bld\.global\.[\w.]+/g) ?? [];
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.filter((l) => !l.startsWith("ld.global.nc"))).toEqual([]);
  });

  it("compiles GPT-2 small (paper size)", { timeout: 120_000 }, () => {
    const dir = generate("examples/tiny_gpt.arch", "GPT2Small", true);
    run("nvcc", [...FLAGS, "-c", "model.cu", "-o", "model.o"], dir);
  });

  // TinyGPT is compiled by the Makefile test above.
  for (const { file, model } of tiny.filter((t) => t.model !== "TinyGPT"))
    it(`${model} (${file})`, { timeout: 120_000 }, () => {
      const dir = generate(file, model, true);
      run("nvcc", [...FLAGS, "-c", "model.cu", "-o", "model.o"], dir);
    });
});
