/** `archc build --emit ir | ir-json | schedule | wgsl` on the TinyGPT example, and a bad --emit. */
import { describe, expect, it } from "vitest";
import { parseGraph } from "../../runtime/graph.js";
import { archc } from "../support/archc.js";

const model = ["examples/tiny_gpt.arch", "-m", "TinyGPT"];

describe("archc build", () => {
  it("prints the graph as text and as JSON that parses back", () => {
    const text = archc(["build", ...model, "--emit", "ir"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^graph TinyGPT/m);
    const json = archc(["build", ...model, "--emit", "ir-json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(parseGraph(json.stdout).model).toBe("TinyGPT");
  });

  it("prints the WebGPU schedule: one line per dispatch with kernel, op and source", () => {
    const r = archc(["build", ...model, "--emit", "schedule"]);
    expect(r.code, r.stderr).toBe(0);
    const [head, ...all] = r.stdout.trimEnd().split("\n");
    // A fused kernel's line is followed by one `fuses` line per op it computes.
    const fuses = all.filter((l) => /^\s+fuses /.test(l));
    const lines = all.filter((l) => !/^\s+fuses /.test(l));
    expect(fuses.length).toBeGreaterThan(lines.length);
    for (const l of fuses) expect(l).toMatch(/^\s+fuses \w+\s+# (stdlib|examples)\/\S+:\d+:\d+/);
    const m = /^schedule TinyGPT: (\d+) dispatches of (\d+) kernels; runtime dims B, T$/.exec(
      head!,
    );
    expect(m).not.toBeNull();
    expect(lines.length).toBe(Number(m![1]));
    for (const line of lines)
      expect(line).toMatch(
        /^\s+\d+ {2}\w+\s+\w+\s+×\S.* {2}\(.*\) {2}# (stdlib|examples)\/\S+:\d+:\d+/,
      );
    expect(r.stdout).toMatch(
      /matmul_\w+\s+matmul .*# stdlib\/nn\.arch:\d+:\d+ \(layers\.0\.mixer\.qkv\)/,
    );
  });

  it("prints the unfused schedule with --no-fuse: one kernel per primitive, nothing fused", () => {
    const fused = archc(["build", ...model, "--emit", "schedule"]).stdout;
    const r = archc(["build", ...model, "--emit", "schedule", "--no-fuse"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/fuses|attention_|rowfused/);
    const count = (s: string) => Number(/: (\d+) dispatches/.exec(s)![1]);
    expect(count(r.stdout)).toBeGreaterThan(3 * count(fused));
  });

  it("prints every distinct kernel's WGSL, each named after its op and source", () => {
    const r = archc(["build", ...model, "--emit", "wgsl"]);
    expect(r.code, r.stderr).toBe(0);
    const kernels = r.stdout.split(/^(?=\/\/ \w+: )/m).filter((k) => k.trim());
    const schedule = archc(["build", ...model, "--emit", "schedule"]).stdout;
    expect(kernels.length).toBe(Number(/of (\d+) kernels/.exec(schedule)![1]));
    for (const k of kernels) {
      expect(k).toMatch(
        /^\/\/ (\w+): (\w+ at \S+:\d+:\d+|\d+ ops fused\n(\/\/ {3}\w+ at \S+:\d+:\d+.*\n)+)/,
      );
      expect(k).toContain("@compute @workgroup_size(");
    }
  });

  it("lists the available outputs for an unknown --emit", () => {
    const r = archc(["build", ...model, "--emit", "onnx"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--emit onnx is not available; available: ir, ir-json, schedule, wgsl",
    );
  });
});
