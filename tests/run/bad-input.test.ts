/**
 * `archc run` and `archc init` on bad weights and inputs: each problem is a clear error naming the
 * tensor, all problems are listed at once, and nothing is written.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { archc } from "../support/archc.js";
import { readSafetensors, writeSafetensors } from "../../runtime/weights/safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "archc-bad-"));
const file = join(dir, "pair.arch");
const model = "PairModel";

function run(weights: string, inputs: string, extra: string[] = []) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.safetensors`);
  const r = archc([
    "run",
    file,
    "-m",
    model,
    "--weights",
    weights,
    "--inputs",
    inputs,
    "-o",
    out,
    ...extra,
  ]);
  return { ...r, wrote: existsSync(out) };
}

const w = join(dir, "w.safetensors");
const inputs = join(dir, "in.safetensors");

beforeAll(() => {
  writeFileSync(
    file,
    `import { Linear } from "std/nn"

/// Two inputs that must agree on B and T.
block Pair {
  layer proj = Linear(4, 3)

  forward(x: [B, T, 4], y: [B, T, 4]) -> out: [B, T, 3] {
    return proj(x + y)
  }
}

model PairModel = Pair with B = 2, T = 5
`,
  );
  const r = archc(["init", file, "-m", model, "-o", w, "--example-inputs", inputs]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});

describe("archc run refuses bad input and writes nothing", () => {
  it("runs on good input", () => {
    const r = run(w, inputs);
    expect(r.stderr).toBe("");
    expect(r.wrote).toBe(true);
  });

  it("a truncated weights file", () => {
    const cut = join(dir, "cut.safetensors");
    const bytes = readFileSync(w);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 7));
    const r = run(cut, inputs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.safetensors/);
    expect(r.wrote).toBe(false);
  });

  it("a header that lies about offsets", () => {
    const lie = join(dir, "lie.safetensors");
    const text = readFileSync(w)
      .toString("latin1")
      .replace(
        /"data_offsets":\[0,(\d+)\]/,
        (_m, end: string) => `"data_offsets":[0,${Number(end) + 400}]`,
      );
    writeFileSync(lie, Buffer.from(text, "latin1"));
    const r = run(lie, inputs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/proj\.(weight|bias)/);
    expect(r.wrote).toBe(false);
  });

  it("missing, unexpected, mis-shaped and mis-typed weights, all listed at once", () => {
    const bad = join(dir, "badw.safetensors");
    writeFileSync(
      bad,
      writeSafetensors(
        new Map([
          ["proj.weight", { dtype: "f32" as const, shape: [4, 3], data: new Float32Array(12) }],
          ["proj.extra", { dtype: "f32" as const, shape: [1], data: new Float32Array(1) }],
        ]),
      ),
    );
    const r = run(bad, inputs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/proj\.weight: expected \[3, 4\], got \[4, 3\]/);
    expect(r.stderr).toMatch(/proj\.bias/);
    expect(r.stderr).toMatch(/proj\.extra/);
    expect(r.wrote).toBe(false);
  });

  it("an input of the wrong dtype, and NaN in an input", () => {
    const good = readSafetensors(readFileSync(inputs), inputs).tensors;
    const x = good.get("x")!;
    const nan = new Float32Array(x.data as Float32Array);
    nan[3] = NaN;
    const badIn = join(dir, "badin.safetensors");
    writeFileSync(
      badIn,
      writeSafetensors(
        new Map([
          ["x", { dtype: "f32" as const, shape: x.shape, data: nan }],
          ["y", { dtype: "i32" as const, shape: x.shape, data: new Int32Array(nan.length) }],
        ]),
      ),
    );
    const r = run(w, badIn);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input 'x' has a non-finite value \(NaN\) at element 3/);
    expect(r.stderr).toMatch(/input 'y' must be f32, got i32/);
    expect(r.wrote).toBe(false);
  });

  it("runtime dims that contradict each other, naming the tensors and axes", () => {
    const badIn = join(dir, "dims.safetensors");
    writeFileSync(
      badIn,
      writeSafetensors(
        new Map([
          ["x", { dtype: "f32" as const, shape: [2, 16, 4], data: new Float32Array(128) }],
          ["y", { dtype: "f32" as const, shape: [2, 17, 4], data: new Float32Array(136) }],
        ]),
      ),
    );
    const r = run(w, badIn);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dim T is 16 \(from x axis 1\) but 17 in input 'y' axis 1/);
    expect(r.wrote).toBe(false);
  });

  it("a --set that the inputs contradict", () => {
    const r = run(w, inputs, ["--set", "T=6"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--set T=6, but the inputs have T = 5/);
  });

  it("a missing file", () => {
    const r = run(join(dir, "nope.safetensors"), inputs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read weights '.*nope\.safetensors': no such file/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe("archc init", () => {
  it("asks for runtime sizes it needs for example inputs", () => {
    const r = archc([
      "init",
      "stdlib/ffn.arch",
      "-m",
      "SwiGLU(d = 8, hidden = 16)",
      "-o",
      join(dir, "s.safetensors"),
      "--example-inputs",
      join(dir, "si.safetensors"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /example inputs need the runtime sizes S: give them with --set S=\.\.\./,
    );
  });

  it("refuses a bad seed", () => {
    const r = archc(["init", file, "-m", model, "-o", join(dir, "x.safetensors"), "--seed", "-3"]);
    expect(r.code).toBe(2);
  });
});
