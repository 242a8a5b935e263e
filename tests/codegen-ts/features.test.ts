/**
 * `archc build --target ts` beyond one class (spec/codegen-ts.md): every model of a file, all or
 * nothing; weights as plain arrays, every problem listed at once; capture points, numerically
 * against the reference interpreter (TinyGPT, GMTTiny) and, for TinyGPT's final LayerNorm, against
 * the LayerNorm written out here from its captured input.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGraph } from "../../cli/model-files.js";
import { captureOutput, capturePoints, withCaptures } from "../../compiler/codegen/ts/captures.js";
import { modelConfig } from "../../compiler/codegen/ts/config.js";
import { execute } from "../../runtime/reference/execute.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import { checkedWeights } from "../../runtime/weights/checked.js";
import { readSafetensors } from "../../runtime/weights/safetensors.js";
import { archc, ROOT } from "../support/archc.js";
import { expectClose } from "../webgpu/harness.js";

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "archc-codegen-ts-features-"));
  mkdirSync(join(tmp, "node_modules"));
  symlinkSync(ROOT, join(tmp, "node_modules", "archc"), "dir");
  writeFileSync(join(tmp, "package.json"), JSON.stringify({ type: "module" }));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("archc build FILE --target ts (every model)", () => {
  it("writes one class per model and an index exporting them all", () => {
    const dir = join(tmp, "all");
    const r = archc(["build", "examples/tiny_gpt.arch", "--target", "ts", "-o", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      ["TinyGPT.ts", "GPT2Small.ts", "index.ts"].map((f) => `wrote ${join(dir, f)}\n`).join(""),
    );
    const index = readFileSync(join(dir, "index.ts"), "utf8");
    expect(index).toContain('from "./TinyGPT.js"');
    expect(index).toContain('from "./GPT2Small.js"');
    expect(index).toContain("gpt2SmallConfig,");
    expect(readFileSync(join(dir, "GPT2Small.ts"), "utf8")).toContain(
      "// Do not edit: rerun `archc build examples/tiny_gpt.arch --target ts`.",
    );
  }, 60_000);

  it("writes nothing when one model does not build, and says which", () => {
    const dir = join(tmp, "one-bad");
    const r = archc(["build", "tests/codegen-ts/one-bad.arch", "--target", "ts", "-o", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[A0304]: Linear has no hyperparameter 'no_such_argument'");
    expect(r.stderr).toContain("archc build: model Broken does not build (diagnostics above)\n");
    expect(r.stderr).toMatch(/archc build: 1 of 2 models did not build; nothing was written\n$/);
    expect(existsSync(dir)).toBe(false);
  });

  it("says so when the file declares no model", () => {
    const r = archc(["build", "stdlib/ffn.arch", "--target", "ts", "-o", join(tmp, "none")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "archc build: stdlib/ffn.arch declares no model: declare one (`model Name = Block(...)`) " +
        "or give -m 'Block(d = 64)'\n",
    );
  });

  it.each([
    [["--emit", "ir"], 2, "archc build: --emit prints one model: give it with -m MODEL\n"],
    [
      ["-m", "TinyGPT", "--emit", "ir", "--capture", "norm"],
      2,
      "archc build: --capture applies to --target ts\n",
    ],
  ])("usage: %j", (args, code, message) => {
    const r = archc(["build", "examples/tiny_gpt.arch", ...args]);
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(code);
  });

  it("rejects a --capture that names no block instance, listing the capture points", () => {
    const dir = join(tmp, "bad-capture");
    const r = archc([
      ...["build", "examples/tiny_gpt.arch", "-m", "TinyGPT", "--target", "ts", "-o", dir],
      ...["--capture", "layers.9,norm", "--capture", "layers.*.nope"],
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^archc build: --capture 'layers\.9', 'layers\.\*\.nope': no such block instance\. Capture points \(or 'all'; '\*' matches one path segment\):\n {2}TinyGPT: embed, pos, layers\.0, layers\.0\.norm1, .*, layers\.1\.ffn\.fc2, norm\n$/,
    );
    expect(existsSync(dir)).toBe(false);
  });
});

describe("checkedWeights (loadWeights with a Map)", () => {
  const expected = [
    { name: "a.weight", dtype: "f32" as const, shape: [2, 3] },
    { name: "a.bias", dtype: "f32" as const, shape: [3] },
    { name: "ids", dtype: "i32" as const, shape: [2] },
    { name: "b", dtype: "f32" as const, shape: [1] },
  ];

  it("takes plain arrays as the declared dtype and shape, and Tensors as they are", () => {
    const bias: Tensor = { dtype: "f32", shape: [3], data: new Float32Array([7, 8, 9]) };
    const got = checkedWeights(
      new Map<string, Tensor | Float32Array | Int32Array>([
        ["a.weight", new Float32Array([1, 2, 3, 4, 5, 6])],
        ["a.bias", bias],
        ["ids", new Int32Array([4, 5])],
        ["b", new Float32Array([0.5])],
      ]),
      expected,
    );
    expect(got.get("a.weight")).toEqual({
      dtype: "f32",
      shape: [2, 3],
      data: new Float32Array([1, 2, 3, 4, 5, 6]),
    });
    expect(got.get("a.bias")).toBe(bias);
    expect(got.get("ids")!.dtype).toBe("i32");
  });

  it("lists every problem at once, in declaration order, unknown names last", () => {
    let problems: string[] = [];
    try {
      checkedWeights(
        new Map<string, unknown>([
          ["extra", new Float32Array(4)],
          ["ids", new Float32Array(2)],
          ["a.bias", new Float32Array(2)],
          ["b", [1] as unknown],
        ]) as never,
        expected,
        "w",
      );
    } catch (e) {
      expect((e as Error).name).toBe("WeightsError");
      problems = (e as { problems: string[] }).problems;
    }
    expect(problems).toEqual([
      "w: a.weight: missing weight",
      "w: a.bias: expected 3 values (f32 [3]), got 2",
      "w: ids: expected an Int32Array (i32 [2]) or a Tensor, got a Float32Array of 2 values",
      "w: b: expected a Float32Array (f32 [1]) or a Tensor, got an array of 1 values (use a Float32Array)",
      "w: extra: unexpected weight f32 [4] (the model has no weight of that name)",
    ]);
  });
});

describe("types of the generated class (examples/generated/TinyGPT.ts, built with --capture layers.*)", () => {
  it("accepts plain arrays as weights, and checks capture names at compile time", () => {
    const dir = join(tmp, "types");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "use.ts"),
      [
        `import { TinyGPT } from ${JSON.stringify(join(ROOT, "examples/generated/index.js"))};`,
        'import { tensor } from "archc/runtime";',
        "const model = await TinyGPT.create();",
        'await model.loadWeights(new Map([["embed.weight", new Float32Array(3)]]));',
        'const tokens = tensor("i32", [1, 2], [1, 2]);',
        'const a = await model.forward({ tokens }, { capture: ["layers.1"] });',
        'export const shape: number[] = a.captured["layers.1"].shape;',
        'await model.forward({ tokens }, { capture: ["layers.7"] });',
        "const c = await model.forward({ tokens });",
        'export const none = c.captured["layers.1"];',
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(ROOT, "node_modules/@webgpu")],
          types: ["types"],
        },
        files: ["use.ts"],
      }),
    );
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir, "--pretty", "false"],
      { encoding: "utf8", cwd: tmp },
    );
    const errors = r.stdout
      .split("\n")
      .filter((l) => /error TS/.test(l))
      .map(
        (l) => /^(?:types\/)?use\.ts\((\d+),\d+\): error (TS\d+)/.exec(l)?.slice(1).join(" ") ?? l,
      );
    // Line 8: an unknown capture point; line 10: a capture that was not requested.
    expect(errors).toEqual(["8 TS2820", "10 TS7053"]);
  }, 60_000);
});

interface CaptureCase {
  file: string;
  model: string;
  /** Paths that must be among the capture points (a structural fact of the model). */
  mustHave: string[];
}

const CAPTURE_CASES: CaptureCase[] = [
  {
    file: "examples/tiny_gpt.arch",
    model: "TinyGPT",
    mustHave: ["embed", "layers.0", "layers.0.mixer", "layers.1.ffn", "norm"],
  },
  {
    file: "examples/gmt.arch",
    model: "GMTTiny",
    mustHave: ["layers.0.cell", "layers.0.cell.nav_q", "layers.0.cell.centroid_norm", "norm"],
  },
];

describe("forward(inputs, { capture }) (--capture all)", () => {
  for (const c of CAPTURE_CASES) {
    it(`${c.model}: every capture point equals the reference; plain arrays load the weights`, async () => {
      const dir = join(tmp, c.model);
      const build = archc([
        ...["build", c.file, "-m", c.model, "--target", "ts", "-o", dir, "--capture", "all"],
      ]);
      expect(build.stderr).toBe("");
      expect(build.code).toBe(0);
      for (const name of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
        const js = ts.transpileModule(readFileSync(join(dir, name), "utf8"), {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
        }).outputText;
        writeFileSync(join(dir, name.replace(/\.ts$/, ".js")), js);
      }
      const weights = join(dir, "w.safetensors");
      const inputs = join(dir, "in.safetensors");
      const init = archc([
        ...["init", c.file, "-m", c.model, "-o", weights],
        ...["--example-inputs", inputs, "--seed", "11"],
      ]);
      expect(init.stderr).toBe("");

      const loaded = loadGraph(c.file, c.model, {})!;
      const points = capturePoints(loaded.graph, modelConfig(c.file, c.model).instances);
      const paths = [...points.keys()];
      for (const p of c.mustHave) expect(paths).toContain(p);

      const out = join(dir, "out.safetensors");
      const run = spawnSync(
        process.execPath,
        [
          join(ROOT, "tests/codegen-ts/capture-driver.mjs"),
          ...[dir, c.model, weights, inputs, out, JSON.stringify(paths)],
        ],
        { cwd: tmp, encoding: "utf8" },
      );
      const stderr = run.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Warning: "));
      expect(stderr).toEqual([]);
      expect(run.status).toBe(0);
      const report = JSON.parse(run.stdout) as {
        badWeights: { kind: string; problems: string[] };
        plainCaptured: string[];
        sameWithout: boolean;
        badCapture: string;
      };
      // A bad weights map: every problem at once, nothing loaded.
      const params = loaded.graph.params;
      const [p0, p1, p2] = params;
      const spec = (p: (typeof params)[number]) => `${p.type.dtype} [${p.type.shape.join(", ")}]`;
      const n = (p: (typeof params)[number]) => p.type.shape.reduce((a, b) => a * b, 1);
      expect(report.badWeights.kind).toBe("WeightsError");
      expect(report.badWeights.problems).toEqual([
        `weights: ${p0!.path}: missing weight`,
        `weights: ${p1!.path}: expected ${n(p1!)} values (${spec(p1!)}), got 3`,
        `weights: ${p2!.path}: expected a Float32Array (${spec(p2!)}) or a Tensor, got a Float64Array of ${n(p2!)} values`,
        "weights: no.such.weight: unexpected weight f32 [4] (the model has no weight of that name)",
      ]);
      expect(report.plainCaptured).toEqual([]);
      expect(report.sameWithout).toBe(true);
      expect(report.badCapture).toBe(
        `RunError: cannot capture 'no.such.block': capture points: ${paths.join(", ")}`,
      );

      // Every output and capture point against the reference interpreter on the same graph.
      const w = readSafetensors(readFileSync(weights), weights).tensors;
      const xs = readSafetensors(readFileSync(inputs), inputs).tensors;
      const got = readSafetensors(readFileSync(out), out).tensors;
      const ref = execute(withCaptures(loaded.graph, points, paths), w, xs);
      expect([...got.keys()].sort()).toEqual(
        [...loaded.graph.outputs.map((o) => o.name), ...paths.map(captureOutput)].sort(),
      );
      for (const [name, want] of ref) {
        const t = got.get(name)!;
        expect(t.shape, name).toEqual(want.shape);
        let scale = 0;
        for (const x of want.data) scale = Math.max(scale, Math.abs(x));
        expectClose(t, want, { atol: 1e-4 * Math.max(scale, 1), rtol: 1e-4 }, `${c.model} ${name}`);
      }

      if (c.model === "TinyGPT") {
        // `norm` is the LayerNorm of the last layer's output: written out here.
        const x = got.get(captureOutput("layers.1"))!;
        const y = got.get(captureOutput("norm"))!;
        const gamma = w.get("norm.weight")!.data;
        const beta = w.get("norm.bias")!.data;
        const d = x.shape[x.shape.length - 1]!;
        const want = new Float32Array(x.data.length);
        for (let r = 0; r < x.data.length / d; r++) {
          const row = x.data.subarray(r * d, (r + 1) * d);
          let mean = 0;
          for (const v of row) mean += v / d;
          let variance = 0;
          for (const v of row) variance += (v - mean) ** 2 / d;
          for (let i = 0; i < d; i++)
            want[r * d + i] =
              ((row[i]! - mean) / Math.sqrt(variance + 1e-5)) * gamma[i]! + beta[i]!;
        }
        expectClose(
          y,
          { dtype: "f32", shape: y.shape, data: want },
          { atol: 1e-4, rtol: 1e-4 },
          "norm",
        );
      }
    }, 120_000);
  }
});
