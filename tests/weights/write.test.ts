/**
 * writeSafetensors: exact bytes (computed by hand, and the reference writer's own test vectors),
 * determinism, alignment, round trips of every dtype, and its errors.
 */
import { describe, expect, it } from "vitest";
import {
  compareCodePoints,
  readSafetensors,
  writeSafetensors,
} from "../../runtime/weights/safetensors.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import { bitsOf, f32le, i32le, problemsOf } from "./helpers.js";

const f32 = (shape: number[], values: number[]): Tensor => ({
  dtype: "f32",
  shape,
  data: new Float32Array(values),
});
const i32 = (shape: number[], values: number[]): Tensor => ({
  dtype: "i32",
  shape,
  data: new Int32Array(values),
});
const bool = (shape: number[], values: number[]): Tensor => ({
  dtype: "bool",
  shape,
  data: new Uint8Array(values),
});

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe("exact bytes", () => {
  it("one F32 tensor: header size, header padded with spaces to 8, data", () => {
    const out = writeSafetensors(new Map([["a", f32([2], [1, -2])]]));
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes
    // prettier-ignore
    expect([...out]).toEqual([
      56, 0, 0, 0, 0, 0, 0, 0, // 54 rounded up to 56
      ...ascii(header), 0x20, 0x20,
      0x00, 0x00, 0x80, 0x3f, // 1.0f
      0x00, 0x00, 0x00, 0xc0, // -2.0f
    ]);
  });

  it("every dtype and metadata: F32, then I32, then BOOL, each by name; metadata keys sorted", () => {
    const out = writeSafetensors(
      new Map<string, Tensor>([
        ["m", bool([3], [1, 0, 1])],
        ["b", i32([], [7])],
        ["a", f32([1], [0.5])],
      ]),
      { z: "1", a: "x" },
    );
    const header =
      '{"__metadata__":{"a":"x","z":"1"},' +
      '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"b":{"dtype":"I32","shape":[],"data_offsets":[4,8]},' +
      '"m":{"dtype":"BOOL","shape":[3],"data_offsets":[8,11]}}'; // 194 bytes
    // prettier-ignore
    expect([...out]).toEqual([
      200, 0, 0, 0, 0, 0, 0, 0, // 194 rounded up to 200
      ...ascii(header), 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
      0x00, 0x00, 0x00, 0x3f, // 0.5f
      0x07, 0x00, 0x00, 0x00, // 7
      0x01, 0x00, 0x01, // true, false, true
    ]);
  });

  // The reference implementation's own serialization tests (safetensors/src/tensor.rs), which
  // Python's save_file produces too: the same tensors must give the same bytes.
  it("matches the reference writer: a header that needs no padding", () => {
    const out = writeSafetensors([["attn.0", f32([1, 2, 3], [0, 1, 2, 3, 4, 5])]]);
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect([...out]).toEqual([
      64,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...ascii(header),
      ...f32le(0, 1, 2, 3, 4, 5),
    ]);
  });

  it("matches the reference writer: a header padded by 7 spaces", () => {
    const out = writeSafetensors([["attn0", f32([1, 1, 2, 3], [0, 1, 2, 3, 4, 5])]]);
    const header =
      '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + " ".repeat(7);
    expect([...out]).toEqual([
      72,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...ascii(header),
      ...f32le(0, 1, 2, 3, 4, 5),
    ]);
  });

  it("matches the reference writer: no tensors, with and without metadata", () => {
    expect([...writeSafetensors([])]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii("{}      ")]);
    expect([...writeSafetensors([], { framework: "pt" })]).toEqual([
      40,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...ascii('{"__metadata__":{"framework":"pt"}}     '),
    ]);
  });

  it("empty metadata is left out", () => {
    expect(writeSafetensors([], {})).toEqual(writeSafetensors([]));
  });
});

describe("determinism and layout", () => {
  const tensors: [string, Tensor][] = [
    ["z.weight", f32([2, 2], [1, 2, 3, 4])],
    ["mask", bool([3], [1, 1, 0])],
    ["a.bias", f32([2], [5, 6])],
    ["ids", i32([2], [9, 10])],
    ["b", bool([1], [1])],
  ];

  it("the same tensors in any order give byte-identical files", () => {
    const a = writeSafetensors(tensors, { k: "v", j: "w" });
    const b = writeSafetensors(new Map([...tensors].reverse()), { j: "w", k: "v" });
    const c = writeSafetensors(tensors, { k: "v", j: "w" });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it("every F32 and I32 tensor starts 4-byte aligned in the file; the header is a multiple of 8", () => {
    const out = writeSafetensors(tensors);
    const n = new DataView(out.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + n))) as Record<
      string,
      { dtype: string; data_offsets: [number, number] }
    >;
    expect(Object.keys(header)).toEqual(["a.bias", "z.weight", "ids", "b", "mask"]);
    for (const e of Object.values(header)) {
      if (e.dtype !== "BOOL") expect((8 + n + e.data_offsets[0]) % 4).toBe(0);
    }
  });

  it("names are ordered by their UTF-8 bytes", () => {
    const names = ["😀", "é", "z", "\uffff", "A", "a.b", "a"];
    const out = writeSafetensors(names.map((n) => [n, f32([], [0])] as [string, Tensor]));
    const n = new DataView(out.buffer).getUint32(0, true);
    const keys = Object.keys(
      JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + n))) as object,
    );
    expect(keys).toEqual(["A", "a", "a.b", "z", "é", "\uffff", "😀"]);
    const byBytes = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
    for (const x of names)
      for (const y of names) expect(Math.sign(compareCodePoints(x, y))).toBe(byBytes(x, y));
  });
});

describe("round trips", () => {
  it("every dtype, scalars, empty tensors, names that need escaping", () => {
    const special = [
      0,
      -0,
      1,
      -1,
      Infinity,
      -Infinity,
      NaN,
      1e-45,
      3.4028234663852886e38,
      Math.fround(0.1),
    ];
    const input = new Map<string, Tensor>([
      ["f", f32([2, 5], special)],
      ["i", i32([4], [0, -1, 2147483647, -2147483648])],
      ["b", bool([2, 2], [1, 0, 0, 1])],
      ["scalar", f32([], [42])],
      ["empty", i32([0, 3], [])],
      ['odd "name"\n\\ é 😀', bool([1], [1])],
    ]);
    const metadata = { model: "TinyGPT", seed: "0", "odd\tkey": 'va"lue' };
    const { tensors, metadata: meta } = readSafetensors(writeSafetensors(input, metadata), "rt");
    expect(meta).toEqual(metadata);
    expect(new Set(tensors.keys())).toEqual(new Set(input.keys()));
    for (const [name, t] of input) {
      const back = tensors.get(name)!;
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      if (t.dtype === "f32")
        expect(bitsOf(back.data as Float32Array)).toEqual(bitsOf(t.data as Float32Array));
      else expect([...back.data]).toEqual([...t.data]);
    }
  });

  it("metadata and tensor names that are Object.prototype's", () => {
    const metadata = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const out = writeSafetensors([["__proto__", f32([], [1])]], metadata);
    const back = readSafetensors(out, "rt");
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
    expect(Object.entries(back.metadata)).toEqual([
      ["__proto__", "p"],
      ["constructor", "c"],
    ]);
    expect([...back.tensors.keys()]).toEqual(["__proto__"]);
  });

  it("NaN payloads survive", () => {
    const bits = new Uint32Array([0x7fc00001, 0xffffffff, 0x7f800001]);
    const t: Tensor = { dtype: "f32", shape: [3], data: new Float32Array(bits.buffer) };
    const back = readSafetensors(writeSafetensors([["n", t]]), "rt").tensors.get("n")!;
    expect(bitsOf(back.data as Float32Array)).toEqual([...bits]);
  });

  it("data given as views into larger buffers", () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const ints = new Int32Array([7, 8, 9, 10]);
    const out = writeSafetensors([
      ["a", { dtype: "f32", shape: [3], data: big.subarray(2, 5) }],
      ["b", { dtype: "i32", shape: [2], data: ints.subarray(1, 3) }],
    ]);
    const { tensors } = readSafetensors(out, "rt");
    expect([...tensors.get("a")!.data]).toEqual([1, 2, 3]);
    expect([...tensors.get("b")!.data]).toEqual([8, 9]);
    expect(out.subarray(out.length - 8)).toEqual(new Uint8Array(i32le(8, 9)));
  });

  it("bool bytes other than 0 are written as 1", () => {
    const out = writeSafetensors([["m", bool([3], [0, 2, 255])]]);
    expect(readSafetensors(out, "rt").tensors.get("m")!.data).toEqual(new Uint8Array([0, 1, 1]));
  });

  it("a larger model-sized file", () => {
    const n = 1 << 20;
    const w = new Float32Array(n).map((_, i) => Math.sin(i));
    const out = writeSafetensors([["w", { dtype: "f32", shape: [1024, 1024], data: w }]]);
    const back = readSafetensors(out, "rt").tensors.get("w")!.data as Float32Array;
    expect(back.length).toBe(n);
    expect(back.every((v, i) => Object.is(v, w[i]))).toBe(true);
  });
});

describe("errors", () => {
  it("lists every problem at once", () => {
    const problems = problemsOf(() =>
      writeSafetensors(
        [
          ["__metadata__", f32([1], [0])],
          ["a", f32([2], [1])],
          ["a", f32([1], [1])],
          ["b", { dtype: "f32", shape: [1], data: new Int32Array([1]) }],
          ["c", { dtype: "f16" as never, shape: [1], data: new Float32Array(1) }],
          ["d", { dtype: "bool", shape: [-1], data: new Uint8Array(1) }],
          ["e", { dtype: "i32", shape: [1.5], data: new Int32Array(1) }],
        ],
        { ok: "yes", bad: 3 as never },
      ),
    );
    expect(problems).toEqual([
      "tensor '__metadata__': the name is reserved for the metadata",
      "tensor 'a': shape [2] has 2 elements, but the data has 1",
      "tensor 'a': the name is given twice",
      "tensor 'b': a f32 tensor's data must be a Float32Array",
      `tensor 'c': dtype "f16" cannot be written (f32, i32 or bool)`,
      "tensor 'd': shape [-1] is not a list of non-negative integers",
      "tensor 'e': shape [1.5] is not a list of non-negative integers",
      "metadata 'bad': the value must be a string, got 3",
    ]);
  });
});
