/**
 * The checker end to end: the stdlib and examples check clean, parameter counts match hand
 * counts, bad input is refused quickly, incremental re-checking reuses unchanged modules.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkFiles, Program } from "../../compiler/check/index.js";
import { CODES } from "../../compiler/diagnostics/codes.js";
import { modelInfo } from "../../compiler/info.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const archFiles = (dir: string) =>
  readdirSync(ROOT + dir)
    .filter((n) => n.endsWith(".arch"))
    .map((n) => `${dir}/${n}`);

function check(text: string, opts: { file?: string } = {}) {
  const program = new Program({ cwd: ROOT });
  const file = opts.file ?? "tests/check/virtual.arch";
  program.update(file, text);
  return checkFiles(program, [file]).diagnostics;
}

const codes = (text: string) => check(text).map((d) => d.code);

describe("archc check", () => {
  it("passes on every stdlib and example file", () => {
    const program = new Program({ cwd: ROOT });
    const diags = checkFiles(program, [
      ...archFiles("stdlib"),
      ...archFiles("examples"),
    ]).diagnostics;
    expect(diags.map((d) => `${d.location.file}: ${d.message}`)).toEqual([]);
  });

  it("counts GPT-2 small at 124,439,808 parameters (tied embeddings)", () => {
    const r = modelInfo(new Program({ cwd: ROOT }), "examples/tiny_gpt.arch", "GPT2Small", {});
    expect(r.diagnostics).toEqual([]);
    expect(r.report!.totalParams).toBe(124_439_808);
    // 12 layers of 7,087,872 + wte 38,597,376 + wpe 786,432 + final norm 1,536.
    expect(r.report!.rows.find((x) => x.path === "layers.0")!.totalParams).toBe(7_087_872);
    expect(r.report!.rows.find((x) => x.path === "embed")!.totalParams).toBe(50257 * 768);
  });

  it("counts the bytes an unfused forward moves, kernel by kernel", () => {
    const r = modelInfo(new Program({ cwd: ROOT }), "stdlib/nn.arch", "Linear(4, 3)", { S: 5 });
    expect(r.diagnostics).toEqual([]);
    // transpose(weight): read 12 f32, write 12; x @ wᵀ: read 20 + 12, write 15; + bias: read 15 +
    // 3, write 15. 102 elements of 4 bytes.
    expect(r.report!.bytes).toBe(4 * (12 + 12 + (20 + 12 + 15) + (15 + 3 + 15)));
    expect(r.report!.bytesPerToken).toBe(r.report!.bytes! / 5);
  });

  it("counts FLOPs per token from the primitives (GPT-2 small at T = 1024)", () => {
    const r = modelInfo(new Program({ cwd: ROOT }), "examples/tiny_gpt.arch", "GPT2Small", {
      T: 1024,
    });
    const perLayerMatmuls = 2 * 768 * (3 * 768) + 2 * 768 * 768 + 2 * 2 * 768 * 3072; // qkv, proj, fc1, fc2
    const attention = 2 * 2 * 1024 * 768; // scores and weighted values, per token
    const logits = 2 * 768 * 50257;
    const matmuls = 12 * (perLayerMatmuls + attention) + logits;
    // The rest is elementwise work and reductions: a few percent on top of the matmuls.
    expect(r.report!.flopsPerToken!).toBeGreaterThan(matmuls);
    expect(r.report!.flopsPerToken!).toBeLessThan(matmuls * 1.02);
  });

  it("instantiates a block expression given as --model", () => {
    const r = modelInfo(
      new Program({ cwd: ROOT }),
      "stdlib/ffn.arch",
      "HourglassFFN(d = 768, narrow = 640)",
      { S: 1 },
    );
    expect(r.diagnostics).toEqual([]);
    // K (3 D d_h + D), blocks_a1.md §1.2
    expect(r.report!.totalParams).toBe(4 * (3 * 768 * 640 + 768));
    expect(r.report!.rows.map((x) => x.path)).toContain("layers.3.w3");
  });

  it("reports a failed stdlib requirement once, at the user's expression", () => {
    const r = modelInfo(
      new Program({ cwd: ROOT }),
      "stdlib/attention.arch",
      "MultiHeadAttention(d = 768, heads = 10)",
      {},
    );
    expect(r.diagnostics.map((d) => [d.code, d.location.file, d.message])).toEqual([
      ["A0308", "--model", "MultiHeadAttention: d=768 must split evenly into heads=10"],
    ]);
    expect(r.diagnostics[0]!.related[0]!.location.file).toBe("stdlib/attention.arch");
  });
});

describe("bad input is refused quickly, before anything is allocated", () => {
  it.each([
    [
      "a repeat of 10^9 layers",
      'import { Linear } from "std/nn"\nblock A { layer l = repeat i in 0..1000000000 => Linear(4, 4) }',
      "A0502",
    ],
    [
      "a stack of 10^9 layers",
      'import { Linear } from "std/nn"\nblock A { layer l = stack 1000000000 of Linear(4, 4) }',
      "A0502",
    ],
    ["a block containing itself", "block A(n: int = 3) { layer inner = A(n) }", "A0501"],
    [
      "recursion through a hyperparameter",
      "block A(b: block) { layer x = b }\nmodel M = A(b = A(b = A))",
      "A0303",
    ],
    ["a dim beyond 2^53", "block A { param w: [4294967296, 4294967296] = zeros }", "A0503"],
    [
      "a parameter beyond a GPU buffer",
      "block A { param w: [100000, 100000, 100] = zeros }",
      "A0504",
    ],
  ])("%s", (_what, text, code) => {
    const t0 = performance.now();
    const found = codes(text);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(found).toContain(code);
  });
});

describe("incremental checking (the language server's API)", () => {
  it("reuses unchanged modules and sees the new text of an updated one", () => {
    const program = new Program({ cwd: ROOT });
    const file = "tests/check/doc.arch";
    program.update(file, 'import { Linear } from "std/nn"\nmodel M = Linear(4, 8)\n');
    expect(checkFiles(program, [file]).diagnostics).toEqual([]);
    const nn = program.all().find((m) => m.displayPath === "stdlib/nn.arch")!;
    program.update(file, 'import { Linear } from "std/nn"\nmodel M = Linear(4, 8, bias = 1)\n');
    const diags = checkFiles(program, [file]).diagnostics;
    expect(diags.map((d) => d.code)).toEqual(["A0306"]);
    expect(program.all().find((m) => m.displayPath === "stdlib/nn.arch")).toBe(nn);
  });
});

describe("robustness: the checker never throws", () => {
  // Mutants of every stdlib and example file: tokens deleted, duplicated and swapped.
  const sources = [...archFiles("stdlib"), ...archFiles("examples")].map(
    (f) => [f, readFileSync(ROOT + f, "utf8")] as const,
  );
  let seed = 20261128;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  it.each(sources)("mutants of %s", (file, text) => {
    const words = text.split(/(\s+)/);
    for (let round = 0; round < 40; round++) {
      const w = [...words];
      for (let k = 0; k < 3; k++) {
        const i = random(w.length);
        const j = random(w.length);
        const op = random(3);
        if (op === 0) w.splice(i, 1);
        else if (op === 1) w.splice(i, 0, w[j]!);
        else [w[i], w[j]] = [w[j]!, w[i]!];
      }
      const mutant = w.join("");
      const program = new Program({ cwd: ROOT });
      program.update(file, mutant);
      let diags: ReturnType<typeof checkFiles>["diagnostics"] = [];
      expect(() => (diags = checkFiles(program, [file]).diagnostics), mutant).not.toThrow();
      for (const d of diags) expect(Object.keys(CODES), `${d.code} ${d.message}`).toContain(d.code);
    }
  });
});
