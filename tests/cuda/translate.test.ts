/**
 * The CUDA printer (compiler/codegen/cuda): the rules that turn archc's WGSL kernel subset into
 * CUDA C++ one by one, its refusals, the safety of names and comments, and golden model.cu files
 * for small schedules of every kernel family (elementwise with broadcast, masked softmax rows,
 * matmul with an epilogue, attention). Whether the output compiles is tests/cuda/nvcc.test.ts's
 * job; whether it computes the reference's numbers is tests/cuda/cpu-run.test.ts's.
 *
 * `UPDATE_GOLDEN=1 npx vitest run tests/cuda/translate.test.ts` rewrites the golden files.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../cli/model-files.js";
import { cudaSchedule } from "../../compiler/codegen/cuda/index.js";
import { cString, generateModelCu } from "../../compiler/codegen/cuda/model.js";
import { translateKernel } from "../../compiler/codegen/cuda/translate.js";
import { commentText } from "../../compiler/codegen/wgsl/wgsl.js";
import { CodegenError } from "../../compiler/codegen/wgsl/context.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** A kernel module as the WGSL assembler writes one, around `body` and `module`. */
function wgsl(body: string, module = "", bindings = ""): string {
  return [
    "struct Dims {\n  d_T: u32,\n}",
    "@group(0) @binding(0) var<uniform> dims: Dims;",
    bindings ||
      "@group(0) @binding(1) var<storage, read> a: array<f32>;\n@group(0) @binding(2) var<storage, read_write> out: array<f32>;",
    module,
    "@compute @workgroup_size(64)",
    "fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {",
    "  let wg = wid.y * nwg.x + wid.x;",
    "  let gid = wg * 64u + lid;",
    body,
    "}",
  ].join("\n");
}

const body = (text: string) => translateKernel(wgsl(text), "k").body;

describe("the CUDA printer's rules", () => {
  it("turns bindings into fields, read-only ones const, vec4 arrays into vec4f", () => {
    const k = translateKernel(
      wgsl(
        "out[gid] = a[gid] + b[gid].x;",
        "",
        [
          "@group(0) @binding(1) var<storage, read> a: array<f32>;",
          "@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;",
          "@group(0) @binding(3) var<storage, read_write> out: array<u32>;",
        ].join("\n"),
      ),
      "k",
    );
    expect(k.params).toEqual([
      { name: "a", type: "const f32*", writes: false },
      { name: "b", type: "const vec4f*", writes: false },
      { name: "out", type: "u32*", writes: true },
    ]);
    expect(k.workgroupSize).toBe(64);
    expect(k.body).toBe("out[gid] = a[gid] + b[gid].x;");
    expect(k.barriers).toBe(false);
  });

  it("declares lets const, zero-fills vars, and marks names never used", () => {
    expect(body("let x = a[gid];\nout[gid] = x;")).toBe("const auto x = a[gid];\nout[gid] = x;");
    expect(body("let y: f32 = 1.0f;\nout[gid] = y;")).toBe("const f32 y = 1.0f;\nout[gid] = y;");
    expect(body("var s: f32;\ns = 2.0f;\nout[gid] = s;")).toBe(
      "f32 s = {};\ns = 2.0f;\nout[gid] = s;",
    );
    expect(body("var acc: array<vec4<f32>, 16>;\nout[gid] = acc[3].y;")).toBe(
      "vec4f acc[16] = {};\nout[gid] = acc[3].y;",
    );
    expect(body("let unused = 3u;\nout[gid] = 1.0f;")).toBe(
      "[[maybe_unused]] const auto unused = 3u;\nout[gid] = 1.0f;",
    );
    expect(body("var p = array<f32, 2>(a[0], f32(1u));\nout[gid] = p[1];")).toBe(
      "f32 p[2] = {a[0], to_f32(1u)};\nout[gid] = p[1];",
    );
    expect(body("for (var i = 0u; i < 4u; i = i + 1u) { out[i] = 0.0f; }")).toBe(
      "for (auto i = 0u; i < 4u; i = i + 1u) { out[i] = 0.0f; }",
    );
  });

  it("keeps every literal's WGSL type", () => {
    expect(
      body("let v = vec2<f32>(0.5, 1e3);\nout[gid] = f32(-7i) + 2.5f + f32(0x10u) + v.x;"),
    ).toBe(
      "const auto v = vec2f(0.5f, 1e3f);\nout[gid] = to_f32(-7) + 2.5f + to_f32(0x10u) + v.x;",
    );
  });

  it("prints conversions, bit casts, constructors and builtins with WGSL's meaning", () => {
    expect(body("out[gid] = bitcast<f32>(u32(a[gid])) + select(0.0f, 1.0f, gid > 3u);")).toBe(
      "out[gid] = bitcast_f32(to_u32(a[gid])) + select(0.0f, 1.0f, gid > 3u);",
    );
    expect(body("let q = vec4<f32>(1.0f);\nout[gid] = dot(q, q) + inverseSqrt(a[gid]);")).toBe(
      "const auto q = vec4f(1.0f);\nout[gid] = dot(q, q) + inverseSqrt(a[gid]);",
    );
  });

  it("prints loop as for (;;), switch with parentheses, barriers as __syncthreads", () => {
    const k = translateKernel(
      wgsl(
        "var n = gid;\nloop {\n  if (n == 0u) { break; }\n  n = n >> 1u;\n}\nswitch n % 2u {\n  case 0u: { out[gid] = 1.0f; }\n  default: { out[gid] = 2.0f; }\n}\nworkgroupBarrier();",
      ),
      "k",
    );
    expect(k.body).toContain("for (;;) {");
    expect(k.body).toContain("switch (n % 2u) {");
    expect(k.body).toContain("__syncthreads();");
    expect(k.barriers).toBe(true);
  });

  it("makes module functions members (they see the bindings) and leaves the prelude's out", () => {
    const k = translateKernel(
      wgsl(
        "epilogue(a[gid], gid);",
        [
          "var<workgroup> tile: array<f32, 256>;",
          "fn maximum_f32(a: f32, b: f32) -> f32 {\n  return max(a, b);\n}",
          "fn epilogue(mm: f32, i: u32) {\n  out[i] = maximum_f32(mm, 0.0f);\n}",
        ].join("\n"),
      ),
      "k",
    );
    expect(k.functions).toBe(
      "ARCHC_FN void epilogue(f32 mm, u32 i) const {\n  out[i] = maximum_f32(mm, 0.0f);\n}",
    );
    expect(k.module).toBe("__shared__ f32 tile[256];");
  });

  it("renames identifiers C++ or CUDA reserve", () => {
    expect(body("let new = a[gid];\nlet threadIdx = new;\nout[gid] = threadIdx;")).toBe(
      "const auto new_ = a[gid];\nconst auto threadIdx_ = new_;\nout[gid] = threadIdx_;",
    );
  });

  const refusals: [string, string][] = [
    [
      "a texture binding",
      wgsl("out[gid] = 0.0f;", "", "@group(0) @binding(1) var t: texture_2d<f32>;"),
    ],
    ["WGSL builtin 'textureLoad'", wgsl("out[gid] = textureLoad(t, vec2<i32>(0, 0), 0).x;")],
    ["member '.xy'", wgsl("let v = vec4<f32>(1.0f);\nout[gid] = dot(v.xy, v.xy);")],
    ["'continuing'", wgsl("loop {\n  continuing { break if true; }\n}")],
    ["type 'mat4x4'", wgsl("var m: mat4x4<f32>;\nout[gid] = 0.0f;")],
    ["'$'", wgsl("out[gid] = $;")],
    ["a module-scope var<private>", wgsl("out[gid] = p;", "var<private> p: f32 = 1.0f;")],
  ];
  for (const [what, source] of refusals)
    it(`refuses ${what} with the kernel's name`, () => {
      const run = () => translateKernel(source, "my_kernel");
      expect(run).toThrow(CodegenError);
      expect(run).toThrow(/^my_kernel: cannot print/);
    });

  it("keeps comments on their line and strings inside their quotes", () => {
    const k = translateKernel(wgsl("// x\u2028out[gid] = 0.0f; \\\nout[gid] = 1.0f;"), "k");
    // The line separator and the splicing backslash are gone: the second store is code.
    expect(k.body.split("\n")).toEqual(["// x?out[gid] = 0.0f; ?", "out[gid] = 1.0f;"]);
    expect(commentText("a\nb\r\\")).toBe("a?b??");
    expect(cString('say "hi"\n\\ ??/ é')).toBe('"say \\"hi\\"\\012\\\\ \\077\\077/ \\303\\251"');
  });
});

const FIXTURE = "tests/webgpu/fixtures/fusion.arch";
const GOLDEN: [string, string][] = [
  ["chain", "Chain(d = 5)"],
  ["masked-softmax", "MaskedSoftmax(s = 6)"],
  ["ffn", "Ffn(d = 8, hidden = 12)"],
  ["attention", "Attention(d = 8, heads = 2)"],
];

describe("golden model.cu files", () => {
  for (const [name, model] of GOLDEN)
    it(`${model}`, () => {
      const loaded = loadGraph(FIXTURE, model, {});
      expect(loaded, `${model} builds`).toBeDefined();
      const text = generateModelCu(cudaSchedule(loaded!.graph), {
        source: FIXTURE,
        version: "(test)",
      });
      const path = `tests/cuda/golden/${name}.cu`;
      if (UPDATE) writeFileSync(path, text);
      expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(readFileSync(path, "utf8"));
    });
});
