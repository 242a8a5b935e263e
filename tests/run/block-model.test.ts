/**
 * `--model` given as a block expression: one stdlib block initialized and run in isolation from
 * the CLI, its declared input and output naming the tensors. MLP(d = 8, hidden = 12, act = relu)
 * is checked against fc2(relu(fc1(x))) written out directly.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../runtime/weights/safetensors.js";
import { archc } from "../support/archc.js";

const dir = mkdtempSync(join(tmpdir(), "archc-block-"));
const MODEL = "MLP(d = 8, hidden = 12, act = relu)";
const read = (path: string) => readSafetensors(readFileSync(path), path).tensors;

describe("a block expression as the model", () => {
  const w = join(dir, "w.safetensors");
  const inputs = join(dir, "in.safetensors");
  const out = join(dir, "out.safetensors");
  const init = (...set: string[]) =>
    archc(["init", "stdlib/ffn.arch", "-m", MODEL, "-o", w, "--example-inputs", inputs, ...set]);

  it("refuses sizes the block does not have, and those it lacks, before writing anything", () => {
    const wrong = init("--set", "B=2,T=5");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/--set B, T: the model has no such runtime size \(it has S\)/);
    const none = init();
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /need the runtime sizes S: give them with --set S=\.\.\. \(or, for the run \.\.\.S at rank 2, --set S1=\.\.\.,S2=\.\.\.\)/,
    );
    expect(existsSync(w) || existsSync(inputs)).toBe(false);
  });

  it("initializes and runs at rank 2, matching the equations", () => {
    const made = init("--set", "S1=3,S2=5");
    expect(made.stderr).toBe("");
    expect(made.stdout).toMatch(/x f32\[3, 5, 8\]/);
    const run = archc([
      "run",
      "stdlib/ffn.arch",
      "-m",
      MODEL,
      "--weights",
      w,
      "--inputs",
      inputs,
      "-o",
      out,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const p = read(w);
    expect([...p.keys()].sort()).toEqual(["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]);
    const x = read(inputs).get("x")!;
    const y = read(out).get("y")!;
    expect(y.shape).toEqual([3, 5, 8]);
    const [w1, b1, w2, b2] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"].map(
      (k) => p.get(k)!.data,
    );
    let worst = 0;
    for (let r = 0; r < 15; r++) {
      const h = Array.from({ length: 12 }, (_, o) => {
        let s = b1![o]!;
        for (let i = 0; i < 8; i++) s += x.data[r * 8 + i]! * w1![o * 8 + i]!;
        return Math.max(s, 0);
      });
      for (let o = 0; o < 8; o++) {
        let s = b2![o]!;
        for (let i = 0; i < 12; i++) s += h[i]! * w2![o * 12 + i]!;
        worst = Math.max(worst, Math.abs(s - y.data[r * 8 + o]!));
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
