/**
 * The CUDA target's fixed C++ headers, compiled and run:
 *
 * - archc_io.h (safetensors for the runner): files written by archc's TypeScript writer read by
 *   C++ and files written by C++ read by TypeScript, bit for bit (NaN payloads, ±inf, -0, rank 0,
 *   zero-size tensors, any name), and every malformed file rejected with a message naming it;
 * - archc_cpu.h (CUDA on the CPU, for CI): CUDA kernels in tests/cuda/support/cpu_test.cpp run
 *   with the emulation, including barriers that order threads; nvcc compiles the same file as
 *   CUDA (there is no GPU here to run it), which keeps the emulated API to CUDA's signatures.
 *
 * g++ and nvcc are required: a missing compiler fails these tests, it never skips them.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "../../runtime/reference/tensor.js";
import { readSafetensors, writeSafetensors } from "../../runtime/weights/safetensors.js";
import { bitsOf, f32le, file, i32le, u64le } from "../weights/helpers.js";

const SUPPORT = "compiler/codegen/cuda/support";
const SOURCES = "tests/cuda/support";
const GXX = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1", `-I${SUPPORT}`];

const dir = mkdtempSync(join(tmpdir(), "archc-cuda-support-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails (never skips) when a compiler the tests need is not installed. */
function requireTool(tool: string): void {
  const r = spawnSync(tool, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new Error(
      `${tool} is required by the CUDA support tests but could not run ` +
        `(${r.error?.message ?? r.stderr}); install it or put it on PATH`,
    );
}

async function compile(tool: string, args: string[]): Promise<void> {
  try {
    await promisify(execFile)(tool, args, { maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(" ")} failed:\n${err.stderr ?? err.message}`);
  }
}

const ioTool = join(dir, "io_tool");
const cpuTest = join(dir, "cpu_test");

// A setup failure (no g++, a compile error) fails every test with its message: vitest would
// report the tests of a failed beforeAll as skipped.
let setupError: Error | undefined;
beforeAll(async () => {
  try {
    requireTool("g++");
    await Promise.all([
      compile("g++", [...GXX, "-o", ioTool, `${SOURCES}/io_tool.cpp`]),
      compile("g++", [
        ...GXX,
        "-DARCHC_CPU",
        "-x",
        "c++",
        "-o",
        cpuTest,
        `${SOURCES}/cpu_test.cpp`,
      ]),
    ]);
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function run(binary: string, ...args: string[]) {
  if (setupError) throw setupError;
  return spawnSync(binary, args, { encoding: "utf8", timeout: 60_000 });
}

// --- archc_io.h ----------------------------------------------------------------------------------

interface Dumped {
  name: string;
  dtype: string;
  shape: number[];
  hex: string;
}

/** The tensors as the C++ reader sees them. */
function dump(path: string): Dumped[] {
  const r = run(ioTool, "dump", path);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Dumped[];
}

/** The C++ reader's error for the file's bytes (it must fail). */
function readError(bytes: Uint8Array): string {
  const path = join(dir, "bad.safetensors");
  writeFileSync(path, bytes);
  const r = run(ioTool, "dump", path);
  expect(r.stdout).toBe("");
  expect(r.status).toBe(1);
  return r.stderr.trimEnd().replace(`${path}: `, "FILE: ");
}

const hexOf = (t: Tensor) =>
  Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex");
const DTYPE = { f32: "F32", i32: "I32", bool: "BOOL" } as const;

function f32Bits(shape: number[], bits: number[]): Tensor {
  return { dtype: "f32", shape, data: new Float32Array(new Uint32Array(bits).buffer) };
}

/** Every kind of value and shape the runner moves, under awkward names. */
const TENSORS = new Map<string, Tensor>([
  // NaN, a NaN with a payload, +inf, -inf, -0, 1.5
  ["f", f32Bits([2, 3], [0x7fc00000, 0x7fa00001, 0x7f800000, 0xff800000, 0x80000000, 0x3fc00000])],
  ["i", { dtype: "i32", shape: [4], data: new Int32Array([-2147483648, -1, 0, 2147483647]) }],
  ["mask", { dtype: "bool", shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) }],
  ["scalar", { dtype: "f32", shape: [], data: new Float32Array([-0.25]) }],
  ["i.scalar", { dtype: "i32", shape: [], data: new Int32Array([7]) }],
  ["b.scalar", { dtype: "bool", shape: [], data: new Uint8Array([1]) }],
  ["empty", { dtype: "f32", shape: [0, 3], data: new Float32Array(0) }],
  ["empty.i", { dtype: "i32", shape: [0], data: new Int32Array(0) }],
  ["empty.b", { dtype: "bool", shape: [5, 0], data: new Uint8Array(0) }],
  ['we"ird\\name\n\t\u0001\u007f é 😀', { dtype: "f32", shape: [1], data: new Float32Array([3]) }],
  ["odd", { dtype: "bool", shape: [3], data: new Uint8Array([0, 1, 1]) }],
]);

describe("archc_io.h", () => {
  it("reads what the TypeScript writer writes, bit for bit", () => {
    const path = join(dir, "ts.safetensors");
    writeFileSync(path, writeSafetensors(TENSORS, { format: "pt", "a\u0000key": "ignored" }));
    const want = [...TENSORS]
      .map(([name, t]) => ({ name, dtype: DTYPE[t.dtype], shape: t.shape, hex: hexOf(t) }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    expect(dump(path)).toEqual(want);
  });

  it("writes what the TypeScript reader reads, bit for bit, byte-identical to its writer", () => {
    const ts = writeSafetensors(TENSORS);
    const input = join(dir, "in.safetensors");
    const output = join(dir, "out.safetensors");
    writeFileSync(input, ts);
    // The C++ side reads the tensors into a map (by name) and writes them in its own order.
    const r = run(ioTool, "copy", input, output);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(output));
    expect(Buffer.from(bytes).equals(Buffer.from(ts))).toBe(true);

    const back = readSafetensors(bytes, output);
    expect(back.metadata).toEqual({});
    expect([...back.tensors.keys()].sort()).toEqual([...TENSORS.keys()].sort());
    for (const [name, t] of TENSORS) {
      const got = back.tensors.get(name)!;
      expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({
        name,
        dtype: t.dtype,
        shape: t.shape,
      });
      if (t.dtype === "f32")
        expect(bitsOf(got.data as Float32Array)).toEqual(bitsOf(t.data as Float32Array));
      else expect([...got.data]).toEqual([...t.data]);
    }
    // Padded header, each tensor aligned to its element size.
    const headerSize = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerSize % 8).toBe(0);
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + headerSize)),
    ) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    for (const e of Object.values(header))
      expect(e.data_offsets[0] % (e.dtype === "BOOL" ? 1 : 4)).toBe(0);
  });

  it("decodes every JSON string escape, and accepts any whitespace and __metadata__", () => {
    const name = 'caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0000';
    const header =
      `{\n\t"__metadata__" : {"format": "pt"} ,\r\n"${name}" : { "shape" : [ 1 ] ,` +
      ` "data_offsets": [0, 4], "dtype": "I32", "extra": [true, false, null, {}, -0] } }\n`;
    const bytes = file(header, i32le(-5));
    const path = join(dir, "escapes.safetensors");
    writeFileSync(path, bytes);
    expect(dump(path)).toEqual([
      {
        name: 'café 😀 "q" \\ / \b\f\n\r\t \u0000',
        dtype: "I32",
        shape: [1],
        hex: "fbffffff",
      },
    ]);
  });

  it("names the file and the problem for a file it cannot read", () => {
    const missing = join(dir, "missing.safetensors");
    expect(run(ioTool, "dump", missing).stderr).toBe(
      `${missing}: cannot read the file: it does not exist\n`,
    );
    const sub = join(dir, "a-directory");
    mkdirSync(sub, { recursive: true });
    expect(run(ioTool, "dump", sub).stderr).toBe(
      `${sub}: cannot read the file: it is a directory\n`,
    );
  });

  const entry = (fields: object) => ({
    t: { dtype: "F32", shape: [1], data_offsets: [0, 4], ...fields },
  });
  const one = (fields: object, data = f32le(1)) => file(entry(fields), data);
  const deep = `{"t":${"[".repeat(100)}${"]".repeat(100)}}`;

  // [what, file bytes, the message after "PATH: "]
  const cases: [string, Uint8Array, string][] = [
    [
      "a file shorter than the header size",
      new Uint8Array([1, 2, 3]),
      "not a safetensors file: it is 3 bytes long, too short for the 8-byte header size",
    ],
    [
      "a header size over 100 MB",
      new Uint8Array([...u64le(2n ** 40n), 0x7b]),
      "not a safetensors file (or a corrupt one): its header size is 1099511627776 bytes, over the 100000000-byte limit",
    ],
    [
      "a header size beyond the file",
      new Uint8Array([...u64le(100), ...new TextEncoder().encode("{}")]),
      "truncated or not a safetensors file: the header size is 100 bytes, but the file has only 2 bytes after the 8-byte header size",
    ],
    [
      "a header that is not UTF-8",
      new Uint8Array([...u64le(4), 0x7b, 0x22, 0xc3, 0x28]),
      "the header is not valid UTF-8 (not a safetensors file, or a corrupt one)",
    ],
    [
      "a header that is not an object",
      file("[1]"),
      `the header does not start with '{' (it starts "[1]")`,
    ],
    [
      "a header cut short",
      file('{"t":'),
      "the header is not valid JSON: at byte 5 of the header: expected a value, got the end of the header",
    ],
    [
      "a trailing comma",
      file('{"t":1,}'),
      "the header is not valid JSON: at byte 7 of the header: expected a string key",
    ],
    [
      "something after the object",
      file("{} x"),
      "the header is not valid JSON: at byte 3 of the header: unexpected 'x' after the JSON value",
    ],
    [
      "a fraction",
      file('{"t":[1.5]}'),
      "the header is not valid JSON: at byte 7 of the header: a number with a fraction or exponent (a safetensors header holds only integers)",
    ],
    [
      "a leading zero",
      file('{"t":[01]}'),
      "the header is not valid JSON: at byte 6 of the header: a number has a leading zero",
    ],
    [
      "a number beyond 64 bits",
      file('{"t":[99999999999999999999]}'),
      "the header is not valid JSON: at byte 6 of the header: the number is too large (more than 64 bits)",
    ],
    [
      "an unknown escape",
      file('{"a\\x":1}'),
      "the header is not valid JSON: at byte 3 of the header: unknown escape '\\x'",
    ],
    [
      "a short \\u escape",
      file('{"a\\u12":1}'),
      "the header is not valid JSON: at byte 3 of the header: a \\u escape needs four hex digits",
    ],
    [
      "a lone surrogate",
      file('{"a\\ud800b":1}'),
      "the header is not valid JSON: at byte 3 of the header: a \\u escape is a lone high surrogate",
    ],
    [
      "a lone low surrogate",
      file('{"a\\udc00":1}'),
      "the header is not valid JSON: at byte 3 of the header: a \\u escape is a lone low surrogate",
    ],
    [
      "a raw control character in a string",
      file('{"a\nb":1}'),
      "the header is not valid JSON: at byte 3 of the header: a control character (byte 10) inside a string",
    ],
    [
      "a key given twice",
      file('{"t":1,"t":2}'),
      `the header is not valid JSON: at byte 7 of the header: the key "t" appears twice in one object`,
    ],
    [
      "a misspelt literal",
      file('{"t":nul}'),
      "the header is not valid JSON: at byte 5 of the header: unexpected 'n'",
    ],
    [
      "nesting beyond 64 levels",
      file(deep),
      "the header is not valid JSON: at byte 68 of the header: nested deeper than 64 levels",
    ],
    [
      "an entry that is not an object",
      file({ t: [1, 2] }),
      "tensor 't': expected {dtype, shape, data_offsets}, got [1,2]",
    ],
    ["no dtype", file({ t: { shape: [], data_offsets: [0, 0] } }), "tensor 't': no dtype"],
    [
      "a dtype that is not a string",
      one({ dtype: 4 }),
      "tensor 't': dtype must be a string, got 4",
    ],
    [
      "a dtype the runner does not read",
      one({ dtype: "F16", shape: [2] }),
      "tensor 't': dtype F16 cannot be read by the CUDA runner (it reads F32, I32 and BOOL)",
    ],
    [
      "no shape",
      file({ t: { dtype: "F32", data_offsets: [0, 4] } }, f32le(1)),
      "tensor 't': no shape",
    ],
    [
      "a shape that is not an array",
      one({ shape: 2 }),
      "tensor 't': shape must be an array of dims, got 2",
    ],
    [
      "a negative dim",
      one({ shape: [2, -1] }),
      "tensor 't': shape [2,-1]: dim 1 (-1) is not a non-negative integer",
    ],
    [
      "a dim that is not a number",
      one({ shape: ["1"] }),
      `tensor 't': shape ["1"]: dim 0 ("1") is not a non-negative integer`,
    ],
    ["no data_offsets", file({ t: { dtype: "F32", shape: [] } }), "tensor 't': no data_offsets"],
    [
      "data_offsets that are not a pair",
      one({ data_offsets: [0, 4, 8] }),
      "tensor 't': data_offsets must be [begin, end], got [0,4,8]",
    ],
    [
      "negative data_offsets",
      one({ data_offsets: [-4, 4] }),
      "tensor 't': data_offsets [-4,4] must be non-negative integers",
    ],
    [
      "data_offsets that end before they begin",
      one({ data_offsets: [4, 0] }),
      "tensor 't': data_offsets [4,0] end before they begin",
    ],
    [
      "data_offsets past the end of the data",
      one({ shape: [2], data_offsets: [0, 8] }),
      "tensor 't': data_offsets [0,8] run past the end of the data, which is 4 bytes (the file is truncated, or the header lies)",
    ],
    [
      "data_offsets that do not match the shape",
      one({ shape: [2, 3], data_offsets: [0, 4] }),
      "tensor 't': F32 [2, 3] needs 24 bytes, but data_offsets [0, 4] hold 4",
    ],
    [
      "a shape larger than any file",
      one({ shape: [4294967296, 4294967296] }),
      "tensor 't': F32 [4294967296, 4294967296] needs more bytes than can exist, but data_offsets [0, 4] hold 4",
    ],
    [
      "overlapping tensors",
      file(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
        },
        f32le(1, 2, 3),
      ),
      "tensors 'a' [0, 8] and 'b' [4, 12] overlap",
    ],
    [
      "a gap between tensors",
      file(
        {
          a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
        },
        f32le(1, 2, 3),
      ),
      "bytes 4 to 8 of the data belong to no tensor (a gap before 'b'; safetensors requires the tensors to cover the data exactly)",
    ],
    [
      "trailing bytes",
      one({}, f32le(1, 2)),
      "the data is 8 bytes but the tensors cover only 4: 4 bytes of trailing garbage (or a header that lies about offsets)",
    ],
    [
      "a BOOL byte that is not 0 or 1",
      file({ m: { dtype: "BOOL", shape: [3], data_offsets: [0, 3] } }, [1, 0, 2]),
      "tensor 'm' (BOOL [3]): element 2 is the byte 2; a BOOL must be 0 or 1",
    ],
  ];
  it.each(cases)("rejects %s", (_what, bytes, message) => {
    expect(readError(bytes)).toBe(`FILE: ${message}`);
  });

  it("rejects tensors it cannot write, before creating the file", () => {
    const r = run(ioTool, "write-errors", dir);
    expect(r.status).toBe(0);
    const path = join(dir, "never.safetensors");
    expect(r.stdout.split("\n")).toEqual([
      `${path}: tensor 'a': dtype F16 cannot be written (F32, I32 or BOOL)`,
      `${path}: tensor 'a': F32 [2, 3] needs 24 bytes, but the data has 20`,
      `${path}: tensor 'a': shape [-1] has a negative dim`,
      `${path}: tensor 'a': the name is given twice`,
      `${path}: tensor '__metadata__': the name is reserved for the metadata`,
      `${path}: tensor 'bad\ufffd': the name is not valid UTF-8`,
      `${dir}/no/such/dir/x.safetensors: cannot create the file: No such file or directory`,
      "",
    ]);
  });

  it("compiles with nvcc -Werror all-warnings", async () => {
    requireTool("nvcc");
    const cu = join(dir, "io_only.cu");
    writeFileSync(
      cu,
      `#include "archc_io.h"
__global__ void scale(float* x, float a) { x[threadIdx.x] *= a; }
void copy(const char* in, const char* out) {
  std::vector<archc::Tensor> all;
  for (auto& kv : archc::read_safetensors(in)) all.push_back(kv.second);
  archc::write_safetensors(out, all);
}
`,
    );
    await compile("nvcc", [
      "-std=c++17",
      "-arch=sm_90",
      "-Werror",
      "all-warnings",
      `-I${SUPPORT}`,
      "-c",
      "-o",
      join(dir, "io_only.o"),
      cu,
    ]);
  }, 120_000);
});

// --- archc_cpu.h ---------------------------------------------------------------------------------

describe("archc_cpu.h", () => {
  it.each([
    ["grid-stride", "grid-stride arithmetic over 13 blocks"],
    ["reduce", "a shared-memory tree reduction, blocks of 1, 7, 256 and 1024 threads"],
    ["mirror", "a barrier that orders threads: each reads what its mirror wrote before it"],
    ["types", "float2/float4, bit casts, rsqrtf and the math functions"],
    ["api", "the runtime API: memory, streams, events, errors"],
    ["exceptions", "an exception in a thread propagates; later launches still work"],
  ])("%s: %s", (which) => {
    const r = run(cpuTest, which);
    expect(r.stdout + r.stderr).toBe("ok\n");
    expect(r.status).toBe(0);
  });

  it.each([
    [
      "misuse-no-barriers",
      "__syncthreads() called in a kernel launched with barriers = false (the kernel must be launched with barriers = true)",
    ],
    ["misuse-outside", "__syncthreads() called outside a kernel launch"],
  ])("%s aborts", (which, message) => {
    const r = run(cpuTest, which);
    expect(r.signal).toBe("SIGABRT");
    expect(r.stderr).toBe(`archc_cpu: ${message}\n`);
  });

  it("the test kernels are CUDA: nvcc compiles them", async () => {
    requireTool("nvcc");
    await compile("nvcc", [
      "-std=c++17",
      "-arch=sm_90",
      "-Werror",
      "all-warnings",
      "-x",
      "cu",
      "-c",
      "-o",
      join(dir, "cpu_test.o"),
      `${SOURCES}/cpu_test.cpp`,
    ]);
  }, 120_000);
});
