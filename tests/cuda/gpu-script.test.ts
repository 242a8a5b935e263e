/**
 * The GPU benchmark script of issue 10 runs end to end without a GPU: bench/cuda/prepare.ts writes
 * TinyGPT's CUDA files, weights, inputs and reference outputs, and `ARCHC_CPU=1 bash
 * bench/cuda/run-on-gpu.sh` builds them with g++ on the CPU emulation (`make runner-cpu`), checks
 * the outputs with compare.cpp, times them and writes the results table. Then a reference with one
 * element changed must make the script fail. make, g++ and bash are required: without them this
 * fails, it does not skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTensorsFile } from "../../cli/model-files.js";
import { prepare, repoRoot } from "../../bench/cuda/prepare.js";
import { readSafetensors } from "../../runtime/weights/safetensors.js";

const root = repoRoot();
const out = mkdtempSync(join(tmpdir(), "archc-gpu-script-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function requireTool(tool: string): void {
  const r = spawnSync(tool, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new Error(
      `${tool} is required to run bench/cuda/run-on-gpu.sh on the CPU emulation, and it does not run here (${r.error?.message ?? `exit ${r.status}`})`,
    );
}

function runScript(): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [join(root, "bench/cuda/run-on-gpu.sh"), out], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ARCHC_CPU: "1", REPEAT: "2" },
  });
  if (r.error) throw new Error(`bash could not run: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bench/cuda: prepare, then run-on-gpu.sh on the CPU emulation", () => {
  it("passes TinyGPT and writes the results table", { timeout: 180_000 }, () => {
    for (const tool of ["make", "g++", "bash"]) requireTool(tool);
    const lines: string[] = [];
    expect(prepare({ root, out, models: ["TinyGPT"], log: (l) => lines.push(l) })).toEqual([
      "TinyGPT",
    ]);
    expect(lines.at(-1)).toMatch(/TinyGPT .*written to/);
    for (const f of [
      "compare.cpp",
      "archc_io.h",
      "TinyGPT/model.cu",
      "TinyGPT/Makefile",
      "TinyGPT/runner.cu",
      "TinyGPT/archc_cpu.h",
      "TinyGPT/weights.safetensors",
      "TinyGPT/inputs.safetensors",
      "TinyGPT/reference.safetensors",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);

    const r = runScript();
    const all = `${r.stdout}\n${r.stderr}`;
    expect(r.code, all).toBe(0);
    expect(r.stdout).toContain("device: archc CPU emulation");
    expect(r.stdout).toMatch(/^ok {3}logits: F32 \[2, 16, 256\], max \|err\| /m);
    expect(r.stdout).toMatch(/^PASS TinyGPT$/m);
    expect(r.stdout).toMatch(/^TinyGPT: forward: [\d.]+ ms \(median of 2;/m);
    const table = readFileSync(join(out, "results.md"), "utf8");
    expect(table).toContain("timings mean nothing");
    expect(table).toContain(
      "| model | check | launches per forward | median ms | PyTorch eager ms | archc / PyTorch |",
    );
    expect(table).toMatch(/^\| TinyGPT \| PASS \| [1-9]\d* \| [\d.]+ \| — \| — \|$/m);
    expect(r.stdout).toContain(table.trim());
  });

  it("fails when the outputs differ from the reference", { timeout: 180_000 }, () => {
    const path = join(out, "TinyGPT/reference.safetensors");
    expect(existsSync(path), "the first test prepared TinyGPT").toBe(true);
    const ref = readSafetensors(new Uint8Array(readFileSync(path)), path).tensors;
    const logits = ref.get("logits")!;
    logits.data[100] = logits.data[100]! + 1;
    writeTensorsFile(path, ref);
    const r = runScript();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/^FAIL logits: F32 \[2, 16, 256\]/m);
    expect(r.stdout).toContain("1 of 8192 elements out of tolerance; first at [0, 0, 100]");
    expect(r.stdout).toMatch(/^FAIL TinyGPT: outputs differ from the reference$/m);
    expect(r.stderr).toContain("compare: MISMATCH");
    expect(r.stderr).toContain("run-on-gpu.sh: FAILED: 0 of 1 models passed");
    expect(readFileSync(join(out, "results.md"), "utf8")).toMatch(/^\| TinyGPT \| FAIL \|/m);
  });
});
