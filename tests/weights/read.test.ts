/**
 * readSafetensors: every stored dtype converted exactly, files as the reference writer (Python's
 * safetensors) produces them, and every malformed file rejected with a WeightsError that names
 * the file and the tensor.
 */
import { describe, expect, it } from "vitest";
import {
  readSafetensors,
  WeightsError,
  writeSafetensors,
} from "../../runtime/weights/safetensors.js";
import { bitsOf, f32le, file, i32le, i64le, problemsOf, u16le, u64le } from "./helpers.js";

const L = "w.safetensors";

function one(dtype: string, shape: number[], data: number[]) {
  return file({ t: { dtype, shape, data_offsets: [0, data.length] } }, data, 8);
}

function readOne(dtype: string, shape: number[], data: number[]) {
  const t = readSafetensors(one(dtype, shape, data), L).tensors.get("t");
  if (!t) throw new Error("no tensor t");
  return t;
}

function errorsOf(bytes: Uint8Array): string[] {
  return problemsOf(() => readSafetensors(bytes, L));
}

describe("files written by the reference implementation (bytes built by hand)", () => {
  it("reads a one-tensor F32 file padded to 8 bytes", () => {
    // Python: save_file({"a": torch.tensor([1.0, -2.0])}, ...): 54 header bytes + 2 spaces.
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ';
    // prettier-ignore
    const bytes = new Uint8Array([
      56, 0, 0, 0, 0, 0, 0, 0,
      ...new TextEncoder().encode(header),
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
    ]);
    const { tensors, metadata } = readSafetensors(bytes, L);
    expect(metadata).toEqual({});
    expect([...tensors.keys()]).toEqual(["a"]);
    expect(tensors.get("a")).toEqual({ dtype: "f32", shape: [2], data: new Float32Array([1, -2]) });
  });

  it("reads an unpadded header whose length is already a multiple of 8", () => {
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    const bytes = new Uint8Array([
      64,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...new TextEncoder().encode(header),
      ...f32le(0, 1, 2, 3, 4, 5),
    ]);
    const t = readSafetensors(bytes, L).tensors.get("attn.0")!;
    expect(t.shape).toEqual([1, 2, 3]);
    expect([...t.data]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("reads metadata and an empty file", () => {
    const empty = new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
    expect(readSafetensors(empty, L).tensors.size).toBe(0);
    const meta = file('{"__metadata__":{"framework":"pt"}}', [], 8);
    expect(meta.length).toBe(8 + 40);
    expect(readSafetensors(meta, L).metadata).toEqual({ framework: "pt" });
  });

  it("reads tensors whose data is not in header order (F32 first, as Python lays it out)", () => {
    // Header keys in one order, data in another: offsets decide.
    const bytes = file(
      {
        a_mask: { dtype: "BOOL", shape: [3], data_offsets: [12, 15] },
        ids: { dtype: "I64", shape: [1], data_offsets: [4, 12] },
        z: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      },
      [...f32le(2.5), ...i64le(42n), 1, 0, 1],
      8,
    );
    const { tensors, storedDtypes } = readSafetensors(bytes, L);
    expect([...tensors.keys()]).toEqual(["z", "ids", "a_mask"]); // data order
    expect(tensors.get("z")!.data).toEqual(new Float32Array([2.5]));
    expect(tensors.get("ids")).toEqual({ dtype: "i32", shape: [1], data: new Int32Array([42]) });
    expect(tensors.get("a_mask")).toEqual({
      dtype: "bool",
      shape: [3],
      data: new Uint8Array([1, 0, 1]),
    });
    expect(storedDtypes.get("ids")).toBe("I64");
  });

  it("reads integer-like names in data order (JSON objects reorder them)", () => {
    const bytes = file(
      {
        b: { dtype: "F32", shape: [], data_offsets: [0, 4] },
        "1": { dtype: "F32", shape: [], data_offsets: [4, 8] },
      },
      f32le(1, 2),
    );
    expect([...readSafetensors(bytes, L).tensors.keys()]).toEqual(["b", "1"]);
  });

  it("accepts any JSON whitespace after the header object", () => {
    const bytes = file('{"t":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}\n\t \r', f32le(3));
    expect(readSafetensors(bytes, L).tensors.get("t")!.data).toEqual(new Float32Array([3]));
  });

  it("ignores unknown fields in an entry", () => {
    const bytes = file(
      { t: { dtype: "I32", shape: [1], data_offsets: [0, 4], extra: true } },
      i32le(9),
    );
    expect(readSafetensors(bytes, L).tensors.get("t")!.data).toEqual(new Int32Array([9]));
  });
});

describe("dtype conversion", () => {
  it("F32 exactly, NaN payloads and -0 included", () => {
    const bits = [
      0x3f800000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00001, 0x00000001, 0x7f7fffff,
    ];
    const bytes = [...new Uint8Array(new Uint32Array(bits).buffer)];
    const t = readOne("F32", [7], bytes);
    expect(t.dtype).toBe("f32");
    expect(bitsOf(t.data as Float32Array)).toEqual(bits);
  });

  it("F16 known patterns", () => {
    const t = readOne(
      "F16",
      [12],
      u16le(
        0x3c00,
        0xc000,
        0x7c00,
        0xfc00,
        0x0001,
        0x03ff,
        0x0400,
        0x7bff,
        0x8000,
        0x3555,
        0x0000,
        0x8001,
      ),
    );
    expect(t.dtype).toBe("f32");
    const d = t.data as Float32Array;
    expect([...d]).toEqual([
      1,
      -2,
      Infinity,
      -Infinity,
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
      65504,
      -0,
      0.333251953125,
      0,
      -(2 ** -24),
    ]);
    expect(Object.is(d[8], -0)).toBe(true);
    expect(Object.is(d[10], 0)).toBe(true);
  });

  it("F16 NaN keeps its sign and payload", () => {
    const t = readOne("F16", [3], u16le(0x7e00, 0x7c01, 0xfe00));
    expect(bitsOf(t.data as Float32Array)).toEqual([0x7fc00000, 0x7f802000, 0xffc00000]);
  });

  it("F16 all 65536 patterns agree with the formula", () => {
    const all = Array.from({ length: 65536 }, (_, i) => i);
    const d = readOne("F16", [65536], u16le(...all)).data as Float32Array;
    for (const h of all) {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const want =
        e === 0
          ? sign * m * 2 ** -24
          : e === 31
            ? m === 0
              ? sign * Infinity
              : NaN
            : sign * 2 ** (e - 15) * (1 + m / 1024);
      if (!Object.is(d[h], want))
        throw new Error(`f16 0x${h.toString(16)}: got ${d[h]}, want ${want}`);
    }
  });

  it("BF16 known patterns", () => {
    const t = readOne(
      "BF16",
      [8],
      u16le(0x3f80, 0xc000, 0x7f80, 0xff80, 0x0001, 0x8000, 0x4049, 0x7fc0),
    );
    const d = t.data as Float32Array;
    expect(t.dtype).toBe("f32");
    expect([...d.subarray(0, 7)]).toEqual([1, -2, Infinity, -Infinity, 2 ** -133, -0, 3.140625]);
    expect(Object.is(d[5], -0)).toBe(true);
    expect(bitsOf(d)[7]).toBe(0x7fc00000);
  });

  it("F64 rounds to f32, keeps inf and NaN", () => {
    const bytes = [
      ...new Uint8Array(
        new Float64Array([0.1, -1.5, 1e-50, Infinity, NaN, 3.4028234663852886e38]).buffer,
      ),
    ];
    const d = readOne("F64", [6], bytes).data as Float32Array;
    expect([...d]).toEqual([Math.fround(0.1), -1.5, 0, Infinity, NaN, 3.4028234663852886e38]);
  });

  it("F64 too large for f32 is an error", () => {
    const bytes = [...new Uint8Array(new Float64Array([1, 2, 1e300, -1e300]).buffer)];
    expect(errorsOf(one("F64", [4], bytes))).toEqual([
      `${L}: tensor 't' (F64 [4]): element 2 is 1e+300, too large for f32`,
    ]);
  });

  it("I32 exactly", () => {
    const t = readOne("I32", [2, 2], i32le(0, -1, 2147483647, -2147483648));
    expect(t).toEqual({
      dtype: "i32",
      shape: [2, 2],
      data: new Int32Array([0, -1, 2147483647, -2147483648]),
    });
  });

  it("I64 → i32 when every value fits", () => {
    const t = readOne("I64", [5], i64le(0n, -1n, 2147483647n, -2147483648n, 50256n));
    expect(t).toEqual({
      dtype: "i32",
      shape: [5],
      data: new Int32Array([0, -1, 2147483647, -2147483648, 50256]),
    });
  });

  it("I64 out of range names the tensor and the first value that does not fit", () => {
    for (const [bad, text] of [
      [2147483648n, "2147483648"],
      [-2147483649n, "-2147483649"],
      [2n ** 40n, "1099511627776"],
      [-(2n ** 63n), "-9223372036854775808"],
    ] as const) {
      const problems = errorsOf(one("I64", [4], i64le(1n, 2n, bad, 2n ** 50n)));
      expect(problems).toEqual([
        `${L}: tensor 't' (I64 [4]): element 2 is ${text}, which does not fit in i32 (the runtime's integer type)`,
      ]);
    }
  });

  it("the small integer types → i32", () => {
    expect(readOne("U8", [3], [0, 7, 255]).data).toEqual(new Int32Array([0, 7, 255]));
    expect(readOne("I8", [3], [0, 0x7f, 0x80]).data).toEqual(new Int32Array([0, 127, -128]));
    expect(readOne("I16", [2], u16le(0x7fff, 0x8000)).data).toEqual(
      new Int32Array([32767, -32768]),
    );
    expect(readOne("U16", [2], u16le(0xffff, 1)).data).toEqual(new Int32Array([65535, 1]));
    expect(readOne("U32", [1], i32le(0x7fffffff)).data).toEqual(new Int32Array([0x7fffffff]));
    expect(readOne("U64", [1], i64le(12345n)).data).toEqual(new Int32Array([12345]));
    expect(readOne("I8", [], [5]).dtype).toBe("i32");
  });

  it("U32 and U64 out of range", () => {
    expect(errorsOf(one("U32", [2], i32le(1, -1)))[0]).toContain(
      "element 1 is 4294967295, which does not fit in i32",
    );
    expect(errorsOf(one("U64", [1], i64le(-1n)))[0]).toContain("element 0 is 18446744073709551615");
  });

  it("BOOL: 0 and 1; any other byte is an error", () => {
    expect(readOne("BOOL", [2, 2], [1, 0, 0, 1])).toEqual({
      dtype: "bool",
      shape: [2, 2],
      data: new Uint8Array([1, 0, 0, 1]),
    });
    expect(errorsOf(one("BOOL", [3], [1, 0, 2]))).toEqual([
      `${L}: tensor 't' (BOOL [3]): element 2 is the byte 2; a BOOL must be 0 or 1`,
    ]);
  });

  it("unsupported and unknown dtypes name the tensor and the dtype", () => {
    const [p] = errorsOf(one("F8_E4M3", [2], [0, 0]));
    expect(p).toMatch(
      /^w\.safetensors: tensor 't': unsupported dtype F8_E4M3 \(readable: .*F32.*\)$/,
    );
    expect(errorsOf(one("C64", [1], [0, 0, 0, 0, 0, 0, 0, 0]))[0]).toContain(
      "unsupported dtype C64",
    );
    expect(errorsOf(one("Q4_K", [2], [0, 0]))[0]).toContain("tensor 't': unknown dtype Q4_K");
    expect(errorsOf(one("F4", [2], [0]))[0]).toContain("tensor 't': unsupported dtype F4");
  });

  it("scalars and empty tensors", () => {
    expect(readOne("F32", [], f32le(7))).toEqual({
      dtype: "f32",
      shape: [],
      data: new Float32Array([7]),
    });
    expect(readOne("F32", [0, 5], [])).toEqual({
      dtype: "f32",
      shape: [0, 5],
      data: new Float32Array(0),
    });
    expect(readOne("I64", [0], []).data).toEqual(new Int32Array(0));
  });

  it("reads from a view at an odd offset of a larger buffer, and copies", () => {
    const bytes = one("F32", [2], f32le(1.5, -3));
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 3);
    const view = big.subarray(3, 3 + bytes.length);
    const t = readSafetensors(view, L).tensors.get("t")!;
    expect(t.data).toEqual(new Float32Array([1.5, -3]));
    big.fill(0);
    expect(t.data).toEqual(new Float32Array([1.5, -3])); // not a view of the file bytes
  });
});

describe("malformed files", () => {
  const valid = file(
    {
      __metadata__: { format: "pt" },
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "I64", shape: [1], data_offsets: [8, 16] },
    },
    [...f32le(1, 2), ...i64le(3n)],
    8,
  );

  it("the valid file reads", () => {
    expect(readSafetensors(valid, L).tensors.size).toBe(2);
  });

  it("shorter than 8 bytes", () => {
    expect(errorsOf(new Uint8Array(0))).toEqual([
      `${L}: not a safetensors file: it is 0 bytes long, too short for the 8-byte header size`,
    ]);
    expect(errorsOf(new Uint8Array([1]))[0]).toContain("it is 1 byte long");
    expect(errorsOf(valid.subarray(0, 7))[0]).toContain("it is 7 bytes long");
  });

  it("truncated at every cut point: always a WeightsError naming the file", () => {
    for (let cut = 0; cut < valid.length; cut++) {
      const problems = errorsOf(valid.slice(0, cut));
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.startsWith(`${L}: `)).toBe(true);
    }
  });

  it("truncated inside the header, and inside the data", () => {
    const headerSize = valid.length - 8 - 16;
    expect(errorsOf(valid.slice(0, 20))).toEqual([
      `${L}: truncated or not a safetensors file: the header size is ${headerSize} bytes, but the file has only 12 bytes after the 8-byte header size`,
    ]);
    // Cut in b's data: b runs past the end.
    expect(errorsOf(valid.slice(0, valid.length - 3))).toEqual([
      `${L}: tensor 'b': data_offsets [8,16] run past the end of the data, which is 13 bytes (the file is truncated, or the header lies)`,
    ]);
    // Cut in a's data: both run past the end.
    expect(errorsOf(valid.slice(0, valid.length - 12))).toHaveLength(2);
  });

  it("header size larger than the file", () => {
    const bytes = new Uint8Array([...u64le(1000), ...new TextEncoder().encode("{}")]);
    expect(errorsOf(bytes)[0]).toContain(
      "the header size is 1000 bytes, but the file has only 2 bytes",
    );
  });

  it("absurd header sizes are refused before anything is allocated", () => {
    for (const n of [100_000_001n, 2n ** 40n, 2n ** 64n - 1n]) {
      const bytes = new Uint8Array([...u64le(n), 0x7b, 0x7d]);
      expect(errorsOf(bytes)).toEqual([
        `${L}: not a safetensors file (or a corrupt one): its header size is ${n} bytes, over the 100000000-byte limit`,
      ]);
    }
    // Not a safetensors file at all: a PyTorch zip checkpoint starts "PK\x03\x04".
    expect(errorsOf(new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0]))[0]).toContain(
      "over the 100000000-byte limit",
    );
  });

  it("header not UTF-8, not JSON, not an object, not starting with '{'", () => {
    const notUtf8 = new Uint8Array([...u64le(3), 0x7b, 0xff, 0x7d]);
    expect(errorsOf(notUtf8)).toEqual([
      `${L}: the header is not valid UTF-8 (not a safetensors file, or a corrupt one)`,
    ]);
    expect(errorsOf(file('{"a": ')).at(0)).toMatch(
      /^w\.safetensors: the header is not valid JSON: /,
    );
    expect(errorsOf(file('{"a":1}x')).at(0)).toMatch(/not valid JSON/);
    expect(errorsOf(file("[1,2]"))).toEqual([
      `${L}: the header does not start with '{' (it starts "[1,2]")`,
    ]);
    expect(errorsOf(file(' {"a":1}'))[0]).toContain("does not start with '{'");
    expect(errorsOf(file(""))[0]).toContain("does not start with '{'");
    expect(errorsOf(file('{"a":1}\0\0'))[0]).toContain("not valid JSON");
    const bom = new Uint8Array([...u64le(5), 0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    expect(errorsOf(bom)[0]).toContain("does not start with '{'");
  });

  it("entries missing fields or with the wrong types, all listed at once", () => {
    const problems = errorsOf(
      file(
        {
          a: 5,
          b: { shape: [1], data_offsets: [0, 4] },
          c: { dtype: "F32", data_offsets: [4, 8] },
          d: { dtype: "F32", shape: [1] },
          e: { dtype: 32, shape: "1", data_offsets: [0, "4"] },
          f: { dtype: "F32", shape: [-1, 2.5, null], data_offsets: [0, 4, 8] },
        },
        new Array(8).fill(0),
      ),
    );
    expect(problems).toEqual([
      `${L}: tensor 'a': expected {dtype, shape, data_offsets}, got 5`,
      `${L}: tensor 'b': no dtype`,
      `${L}: tensor 'c': no shape`,
      `${L}: tensor 'd': no data_offsets`,
      `${L}: tensor 'e': dtype must be a string, got 32`,
      `${L}: tensor 'e': shape must be an array of dims, got "1"`,
      `${L}: tensor 'e': data_offsets [0,"4"] must be non-negative integers`,
      `${L}: tensor 'f': shape [-1, 2.5, null]: dim 0 (-1) is not a non-negative integer`,
      `${L}: tensor 'f': shape [-1, 2.5, null]: dim 1 (2.5) is not a non-negative integer`,
      `${L}: tensor 'f': shape [-1, 2.5, null]: dim 2 (null) is not a non-negative integer`,
      `${L}: tensor 'f': data_offsets must be [begin, end], got [0,4,8]`,
    ]);
  });

  it("offsets: negative, non-integer, reversed, past the end", () => {
    const problems = errorsOf(
      file(
        {
          a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] },
          b: { dtype: "F32", shape: [1], data_offsets: [0.5, 4.5] },
          c: { dtype: "F32", shape: [1], data_offsets: [8, 4] },
          d: { dtype: "F32", shape: [1], data_offsets: [4, 12] },
          e: { dtype: "F32", shape: [1], data_offsets: [2 ** 60, 2 ** 60 + 4] },
        },
        f32le(0, 0),
      ),
    );
    expect(problems).toEqual([
      `${L}: tensor 'a': data_offsets [-4,0] must be non-negative integers`,
      `${L}: tensor 'b': data_offsets [0.5,4.5] must be non-negative integers`,
      `${L}: tensor 'c': data_offsets [8,4] end before they begin`,
      `${L}: tensor 'd': data_offsets [4,12] run past the end of the data, which is 8 bytes (the file is truncated, or the header lies)`,
      `${L}: tensor 'e': data_offsets [1152921504606847000,1152921504606847000] run past the end of the data, which is 8 bytes (the file is truncated, or the header lies)`,
    ]);
  });

  it("byte length ≠ numel × dtype size", () => {
    expect(
      errorsOf(
        file({ t: { dtype: "F32", shape: [2, 3], data_offsets: [0, 20] } }, new Array(20).fill(0)),
      ),
    ).toEqual([`${L}: tensor 't': F32 [2, 3] needs 24 bytes, but data_offsets [0, 20] hold 20`]);
    expect(
      errorsOf(file({ t: { dtype: "F16", shape: [3], data_offsets: [0, 4] } }, [0, 0, 0, 0]))[0],
    ).toContain("F16 [3] needs 6 bytes");
    // A shape too large to exist.
    const huge = file(
      { t: { dtype: "F32", shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } },
      [0, 0, 0, 0],
    );
    expect(errorsOf(huge)[0]).toContain("needs more bytes than can exist");
  });

  it("the header lying about offsets: two tensors swapped into each other", () => {
    // a's offsets claim b's bytes and the other way round, with the wrong lengths.
    const problems = errorsOf(
      file(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 4] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 12] },
        },
        f32le(1, 2, 3),
      ),
    );
    expect(problems).toEqual([
      `${L}: tensor 'a': F32 [2] needs 8 bytes, but data_offsets [0, 4] hold 4`,
      `${L}: tensor 'b': F32 [1] needs 4 bytes, but data_offsets [4, 12] hold 8`,
    ]);
  });

  it("overlapping tensors", () => {
    const problems = errorsOf(
      file(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
          c: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
        },
        f32le(1, 2, 3),
      ),
    );
    expect(problems).toEqual([
      `${L}: tensors 'a' [0, 8] and 'b' [4, 12] overlap`,
      `${L}: tensors 'b' [4, 12] and 'c' [8, 12] overlap`,
    ]);
    // The same bytes twice.
    expect(
      errorsOf(
        file(
          {
            a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
            b: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          },
          f32le(1),
        ),
      ),
    ).toEqual([`${L}: tensors 'a' [0, 4] and 'b' [0, 4] overlap`]);
  });

  it("empty tensors may sit anywhere", () => {
    const bytes = file(
      {
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        e: { dtype: "F32", shape: [0], data_offsets: [4, 4] },
      },
      f32le(1, 2),
    );
    expect(readSafetensors(bytes, L).tensors.get("e")!.shape).toEqual([0]);
  });

  it("gaps and trailing bytes: the data must be covered exactly", () => {
    expect(
      errorsOf(
        file(
          {
            a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
            b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
          },
          f32le(1, 2, 3),
        ),
      ),
    ).toEqual([
      `${L}: bytes 4 to 8 of the data belong to no tensor (a gap before 'b'; safetensors requires the tensors to cover the data exactly)`,
    ]);
    expect(
      errorsOf(file({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32le(1, 2))),
    ).toEqual([
      `${L}: the data is 8 bytes but the tensors cover only 4: 4 bytes of trailing garbage (or a header that lies about offsets)`,
    ]);
    expect(errorsOf(file({}, [0]))[0]).toContain("cover only 0: 1 bytes of trailing garbage");
  });

  it("metadata must map strings to strings", () => {
    expect(errorsOf(file({ __metadata__: { a: "x", b: 1, c: null } }))).toEqual([
      `${L}: "__metadata__" entry 'b' must be a string, got 1`,
      `${L}: "__metadata__" entry 'c' must be a string, got null`,
    ]);
    expect(errorsOf(file({ __metadata__: ["x"] }))).toEqual([
      `${L}: "__metadata__" must be an object of strings, got ["x"]`,
    ]);
  });

  it("structural and value problems of different tensors are reported together", () => {
    const problems = errorsOf(
      file(
        {
          ids: { dtype: "I64", shape: [1], data_offsets: [0, 8] },
          q: { dtype: "F8_E5M2", shape: [2], data_offsets: [8, 10] },
          w: { dtype: "F32", shape: [2], data_offsets: [10, 14] },
        },
        [...i64le(2n ** 33n), 0, 0, 0, 0, 0, 0],
      ),
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("tensor 'q': unsupported dtype F8_E5M2");
    expect(problems[1]).toContain("tensor 'w': F32 [2] needs 8 bytes");
    expect(problems[2]).toContain("tensor 'ids' (I64 [1]): element 0 is 8589934592");
  });

  it("never anything but a WeightsError, whatever a header byte is changed to", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const headerEnd = valid.length - 16;
    for (let pos = 0; pos < headerEnd; pos++) {
      for (const value of [
        0x00,
        0x20,
        0x22,
        0x2c,
        0x30,
        0x39,
        0x5b,
        0x7b,
        0x7d,
        0xff,
        next() % 256,
      ]) {
        const bytes = valid.slice();
        bytes[pos] = value;
        try {
          readSafetensors(bytes, L);
        } catch (e) {
          if (!(e instanceof WeightsError)) throw new Error(`byte ${pos} = ${value}: ${String(e)}`);
        }
      }
    }
  });
});

describe("reading from a Node Buffer", () => {
  it("copies the tensor data, not the Buffer's shared pool (readFileSync gives pooled Buffers)", () => {
    const t = {
      dtype: "i32" as const,
      shape: [2, 3],
      data: new Int32Array([7, 104, 253, 174, 232, 5]),
    };
    const bytes = writeSafetensors(new Map([["tokens", t]]));
    // A small Buffer.from() copy lives inside Node's pool, at a non-zero byteOffset.
    const pooled = Buffer.from(bytes);
    const f = { dtype: "f32" as const, shape: [2], data: new Float32Array([1.5, -2]) };
    const pooledF = Buffer.from(writeSafetensors(new Map([["x", f]])));
    expect(Array.from(readSafetensors(pooled, "pooled").tensors.get("tokens")!.data)).toEqual([
      7, 104, 253, 174, 232, 5,
    ]);
    expect(Array.from(readSafetensors(pooledF, "pooled").tensors.get("x")!.data)).toEqual([
      1.5, -2,
    ]);
  });
});
