/**
 * `archc run --backend webgpu` from the CLI: TinyGPT's unfused WGSL schedule on the adapter CI
 * has (llvmpipe) gives the reference interpreter's logits, and bad backend/adapter choices are
 * usage errors with a message.
 *
 * Tolerance: |gpu − ref| ≤ 1e-5 · max|ref| per logit. The reference accumulates matmuls and
 * reductions in double, the kernels in f32 over K ≤ 4·d = 256 terms: a few ulps of the largest
 * logit, well inside 1e-5 (measured: 2.6e-7).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../runtime/weights/safetensors.js";
import { archc } from "../support/archc.js";

const FILE = "examples/tiny_gpt.arch";

function logits(path: string): Float32Array {
  return readSafetensors(readFileSync(path), path).tensors.get("logits")!.data as Float32Array;
}

describe("archc run --backend webgpu", () => {
  const dir = mkdtempSync(join(tmpdir(), "archc-webgpu-"));
  const weights = join(dir, "w.safetensors");
  const inputs = join(dir, "in.safetensors");
  const common = ["run", FILE, "-m", "TinyGPT", "--weights", weights, "--inputs", inputs];

  it("matches the reference interpreter on TinyGPT (B=2, T=13)", () => {
    const init = archc([
      "init",
      FILE,
      "-m",
      "TinyGPT",
      "-o",
      weights,
      "--example-inputs",
      inputs,
      "--set",
      "B=2,T=13",
      "--seed",
      "5",
    ]);
    expect(init.code, init.stderr).toBe(0);
    const ref = join(dir, "ref.safetensors");
    const gpu = join(dir, "gpu.safetensors");
    expect(archc([...common, "-o", ref, "--backend", "reference"]).code).toBe(0);
    const r = archc([...common, "-o", gpu, "--backend", "webgpu", "--no-fuse", "-v"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("logits f32[2, 13, 256]");
    expect(r.stderr).toMatch(/archc run: adapter (llvmpipe|gpu): /);
    expect(r.stderr).toMatch(/\d+ dispatches of \d+ distinct kernels/);

    const want = logits(ref);
    const got = logits(gpu);
    expect(got.length).toBe(want.length);
    const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
  });

  it("takes its default backend from ARCHC_BACKEND", () => {
    const out = join(dir, "env.safetensors");
    const r = archc([...common, "-o", out, "-v"], undefined, { ARCHC_BACKEND: "webgpu" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("archc run: adapter");
  });

  it("refuses an unknown backend or adapter with the choices", () => {
    const out = join(dir, "never.safetensors");
    const b = archc([...common, "-o", out, "--backend", "cuda"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("unknown backend 'cuda'; available: reference, webgpu");
    const a = archc([...common, "-o", out, "--backend", "webgpu", "--adapter", "tpu"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--adapter 'tpu' is not one of auto, gpu, llvmpipe, null");
    const e = archc([...common, "-o", out], undefined, { ARCHC_BACKEND: "metal" });
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("unknown backend 'metal' (from ARCHC_BACKEND)");
  });
});
