/**
 * Reading and writing safetensors files (https://github.com/huggingface/safetensors):
 *
 *   u64 little-endian N | N bytes of UTF-8 JSON header | data
 *
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets
 * relative to the start of the data) and may hold "__metadata__": {string: string}. Tensors are
 * little-endian, row-major, contiguous.
 *
 * Reading converts to the runtime's three dtypes:
 *   F32 → f32;  F16, BF16 → f32 (exact: subnormals, ±0, ±inf, NaN payloads kept);
 *   F64 → f32 (rounded to nearest; a finite value too large for f32 is an error);
 *   I32 → i32;  I8, U8, I16, U16 → i32;  I64, U32, U64 → i32 when every value fits
 *   (else an error naming the first value that does not);
 *   BOOL → bool (bytes must be 0 or 1: anything else is an error, as it means the bytes are not
 *   booleans);
 *   anything else (F8_*, F4, F6_*, C64, unknown names) → an error naming the tensor and dtype.
 *
 * Validation is as strict as the reference implementation's: the header must start with '{'
 * (trailing padding is JSON whitespace), be at most 100 MB, and the tensors must cover the data
 * exactly: no overlaps, no gaps, no trailing bytes. Every per-tensor problem is collected and
 * reported in one WeightsError; problems with the file as a whole (too short, header unreadable)
 * are reported alone, since nothing after them can be read.
 *
 * Writing produces F32/I32/BOOL. Tensors are laid out as the reference writer (Python's
 * `save_file`) lays them out: by element size, largest first (F32, then I32, then BOOL), then by
 * name in UTF-8 byte order; the header lists them in that order after "__metadata__" (whose keys
 * are sorted) and is padded with spaces to a multiple of 8 bytes. So every F32 and I32 tensor
 * starts 4-byte aligned in the file (memory-mapping readers need this), the output is a pure
 * function of the input, and it is byte-identical to the reference writer's for the same tensors
 * (when the metadata has at most one key; the reference writer's metadata order is a hash order).
 *
 * Only standard JavaScript (no Node APIs): the runtime may run in a browser.
 */
import type { Tensor } from "../reference/tensor.js";

export type { Tensor } from "../reference/tensor.js";
type TensorDType = Tensor["dtype"];

/** A safetensors file that cannot be read or tensors that cannot be written; every problem listed. */
export class WeightsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.name = "WeightsError";
    this.problems = problems;
  }
}

/** The largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsContents {
  /** In the order of their data in the file. */
  tensors: Map<string, Tensor>;
  /** The header's "__metadata__" ({} when absent). */
  metadata: Record<string, string>;
  /** Each tensor's dtype as stored in the file ("F16", "I64", ...), before conversion. */
  storedDtypes: Map<string, string>;
}

/** Bytes per element of every dtype the format defines (sub-byte F4/F6 types have none). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  C64: 8,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A fresh copy of the bytes (its own buffer, offset 0). Not `bytes.slice()`: on a Node Buffer
 * (what readFileSync returns) slice is a view into a shared pool, not a copy.
 */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

type Converted = { dtype: TensorDType; data: Tensor["data"] } | { problem: string };
type Converter = (bytes: Uint8Array, view: DataView, n: number) => Converted;

/** How each readable dtype becomes a runtime tensor; `bytes`/`view` cover exactly its data. */
const CONVERTERS: Record<string, Converter> = {
  F32: (bytes, view, n) => {
    if (LITTLE_ENDIAN) return { dtype: "f32", data: new Float32Array(copyBytes(bytes).buffer) };
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return { dtype: "f32", data: out };
  },
  I32: (bytes, view, n) => {
    if (LITTLE_ENDIAN) return { dtype: "i32", data: new Int32Array(copyBytes(bytes).buffer) };
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
    return { dtype: "i32", data: out };
  },
  F16: (_bytes, view, n) => {
    const table = f16Table();
    const out = new Float32Array(n);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = table[view.getUint16(2 * i, true)]!;
    return { dtype: "f32", data: out };
  },
  BF16: (_bytes, view, n) => {
    const out = new Float32Array(n);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
    return { dtype: "f32", data: out };
  },
  F64: (_bytes, view, n) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = view.getFloat64(8 * i, true);
      const f = Math.fround(v);
      if (Number.isFinite(v) && !Number.isFinite(f)) {
        return { problem: `element ${i} is ${v}, too large for f32` };
      }
      out[i] = f;
    }
    return { dtype: "f32", data: out };
  },
  I8: (_bytes, view, n) => ints(n, (i) => view.getInt8(i)),
  U8: (_bytes, view, n) => ints(n, (i) => view.getUint8(i)),
  I16: (_bytes, view, n) => ints(n, (i) => view.getInt16(2 * i, true)),
  U16: (_bytes, view, n) => ints(n, (i) => view.getUint16(2 * i, true)),
  U32: (_bytes, view, n) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = view.getUint32(4 * i, true);
      if (v > 0x7fffffff) return { problem: notI32(i, String(v)) };
      out[i] = v;
    }
    return { dtype: "i32", data: out };
  },
  I64: (_bytes, view, n) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const lo = view.getUint32(8 * i, true);
      const hi = view.getInt32(8 * i + 4, true);
      // Fits when the high word is the sign extension of the low word.
      if (hi !== (lo > 0x7fffffff ? -1 : 0)) {
        return { problem: notI32(i, String(view.getBigInt64(8 * i, true))) };
      }
      out[i] = lo | 0;
    }
    return { dtype: "i32", data: out };
  },
  U64: (_bytes, view, n) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const lo = view.getUint32(8 * i, true);
      const hi = view.getUint32(8 * i + 4, true);
      if (hi !== 0 || lo > 0x7fffffff) {
        return { problem: notI32(i, String(view.getBigUint64(8 * i, true))) };
      }
      out[i] = lo;
    }
    return { dtype: "i32", data: out };
  },
  BOOL: (bytes, _view, n) => {
    for (let i = 0; i < n; i++) {
      const b = bytes[i]!;
      if (b > 1) return { problem: `element ${i} is the byte ${b}; a BOOL must be 0 or 1` };
    }
    return { dtype: "bool", data: copyBytes(bytes) };
  },
};

function ints(n: number, get: (i: number) => number): Converted {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return { dtype: "i32", data: out };
}

function notI32(i: number, value: string): string {
  return `element ${i} is ${value}, which does not fit in i32 (the runtime's integer type)`;
}

let F16_TABLE: Uint32Array | undefined;

/** The f32 bit pattern of every f16 bit pattern (exact: f32 holds every f16 value). */
function f16Table(): Uint32Array {
  if (F16_TABLE) return F16_TABLE;
  const table = new Uint32Array(65536);
  const scratch = new Float32Array(1);
  const scratchBits = new Uint32Array(scratch.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      // Zero or subnormal: mant × 2^-24, normal in f32.
      scratch[0] = mant * 2 ** -24;
      table[h] = (sign | scratchBits[0]!) >>> 0;
    } else if (exp === 0x1f) {
      // Infinity or NaN (the payload is kept).
      table[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    } else {
      table[h] = (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
    }
  }
  F16_TABLE = table;
  return table;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A non-negative integer (maybe beyond 2^53, where JSON numbers lose precision: such an offset
 * runs past the end of any file, and such a dim makes a tensor larger than any file). */
function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function json(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** A shape as messages show it: [2, 3]. */
function dims(shape: unknown): string {
  return Array.isArray(shape) ? `[${shape.map(json).join(", ")}]` : json(shape);
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  /** False when the entry has a problem of its own (then it is not converted). */
  ok: boolean;
}

/**
 * Parses and validates a safetensors file. `label` (usually the path) starts every message.
 * Throws a WeightsError listing every problem found.
 */
export function readSafetensors(bytes: Uint8Array, label: string): SafetensorsContents {
  const fatal = (message: string): never => {
    throw new WeightsError([`${label}: ${message}`]);
  };
  if (bytes.length < 8) {
    fatal(
      `not a safetensors file: it is ${bytes.length} byte${bytes.length === 1 ? "" : "s"} long, ` +
        `too short for the 8-byte header size`,
    );
  }
  const file = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeLo = file.getUint32(0, true);
  const sizeHi = file.getUint32(4, true);
  if (sizeHi !== 0 || sizeLo > MAX_HEADER_BYTES) {
    fatal(
      `not a safetensors file (or a corrupt one): its header size is ${file.getBigUint64(0, true)} ` +
        `bytes, over the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  const headerSize = sizeLo;
  if (8 + headerSize > bytes.length) {
    fatal(
      `truncated or not a safetensors file: the header size is ${headerSize} bytes, but the file ` +
        `has only ${bytes.length - 8} bytes after the 8-byte header size`,
    );
  }
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerSize),
    );
  } catch {
    fatal("the header is not valid UTF-8 (not a safetensors file, or a corrupt one)");
  }
  if (!text.startsWith("{")) {
    fatal(`the header does not start with '{' (it starts ${json(text.slice(0, 16))})`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fatal(`the header is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) fatal("the header is not a JSON object");
  const fields = header as Record<string, unknown>;

  const dataStart = 8 + headerSize;
  const dataLength = bytes.length - dataStart;
  const problems: string[] = [];
  const problem = (message: string) => problems.push(`${label}: ${message}`);

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name === "__metadata__") {
      if (!isPlainObject(value)) {
        problem(`"__metadata__" must be an object of strings, got ${json(value)}`);
        continue;
      }
      for (const [k, v] of Object.entries(value)) {
        // defineProperty: a key "__proto__" is data, not the prototype.
        if (typeof v === "string")
          Object.defineProperty(metadata, k, {
            value: v,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else problem(`"__metadata__" entry '${k}' must be a string, got ${json(v)}`);
      }
      continue;
    }
    const t = `tensor '${name}'`;
    if (!isPlainObject(value)) {
      problem(`${t}: expected {dtype, shape, data_offsets}, got ${json(value)}`);
      continue;
    }
    const before = problems.length;
    const { dtype, shape, data_offsets: offsets } = value;
    if (dtype === undefined) problem(`${t}: no dtype`);
    else if (typeof dtype !== "string") problem(`${t}: dtype must be a string, got ${json(dtype)}`);
    else if (!(dtype in CONVERTERS)) {
      const known = dtype in DTYPE_BYTES || /^F[46]/.test(dtype);
      problem(
        `${t}: ${known ? "unsupported" : "unknown"} dtype ${dtype} (readable: ` +
          `${Object.keys(CONVERTERS).join(", ")})`,
      );
    }
    if (shape === undefined) problem(`${t}: no shape`);
    else if (!Array.isArray(shape)) {
      problem(`${t}: shape must be an array of dims, got ${json(shape)}`);
    } else {
      shape.forEach((d, axis) => {
        if (!isCount(d))
          problem(
            `${t}: shape ${dims(shape)}: dim ${axis} (${json(d)}) is not a non-negative integer`,
          );
      });
    }
    let begin = -1;
    let end = -1;
    if (offsets === undefined) problem(`${t}: no data_offsets`);
    else if (!Array.isArray(offsets) || offsets.length !== 2) {
      problem(`${t}: data_offsets must be [begin, end], got ${json(offsets)}`);
    } else if (!isCount(offsets[0]) || !isCount(offsets[1])) {
      problem(`${t}: data_offsets ${json(offsets)} must be non-negative integers`);
    } else if (offsets[1] < offsets[0]) {
      problem(`${t}: data_offsets ${json(offsets)} end before they begin`);
    } else if (offsets[1] > dataLength) {
      problem(
        `${t}: data_offsets ${json(offsets)} run past the end of the data, which is ` +
          `${dataLength} bytes (the file is truncated, or the header lies)`,
      );
    } else {
      begin = offsets[0];
      end = offsets[1];
    }
    const size = typeof dtype === "string" ? DTYPE_BYTES[dtype] : undefined;
    if (problems.length === before && size !== undefined && begin >= 0) {
      const numel = (shape as number[]).reduce((a, b) => a * b, 1);
      const need = numel * size;
      if (need !== end - begin) {
        const needText = Number.isSafeInteger(need) ? `${need} bytes` : "more bytes than can exist";
        problem(
          `${t}: ${dtype} ${dims(shape)} needs ${needText}, but data_offsets [${begin}, ${end}] ` +
            `hold ${end - begin}`,
        );
      }
    }
    entries.push({
      name,
      dtype: typeof dtype === "string" ? dtype : "",
      shape: Array.isArray(shape) ? (shape as number[]) : [],
      begin,
      end,
      ok: problems.length === before,
    });
  }

  // The data must be covered exactly: no overlaps, no gaps, nothing after the last tensor.
  const placed = entries.filter((e) => e.begin >= 0);
  placed.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const allPlaced = placed.length === entries.length;
  let covered = 0;
  let coveredBy: Entry | undefined;
  for (const e of placed) {
    if (e.begin < covered && e.end > e.begin && coveredBy) {
      problem(
        `tensors '${coveredBy.name}' [${coveredBy.begin}, ${coveredBy.end}] and '${e.name}' ` +
          `[${e.begin}, ${e.end}] overlap`,
      );
      e.ok = false;
    } else if (e.begin > covered && allPlaced) {
      problem(
        `bytes ${covered} to ${e.begin} of the data belong to no tensor (a gap before ` +
          `'${e.name}'; safetensors requires the tensors to cover the data exactly)`,
      );
    }
    if (e.end > covered || !coveredBy) {
      covered = Math.max(covered, e.end);
      coveredBy = e;
    }
  }
  if (allPlaced && covered < dataLength) {
    problem(
      `the data is ${dataLength} bytes but the tensors cover only ${covered}: ` +
        `${dataLength - covered} bytes of trailing garbage (or a header that lies about offsets)`,
    );
  }

  const tensors = new Map<string, Tensor>();
  const storedDtypes = new Map<string, string>();
  for (const e of placed) {
    if (!e.ok) continue;
    const convert = CONVERTERS[e.dtype]!;
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const result = convert(raw, view, n);
    if ("problem" in result) {
      problem(`tensor '${e.name}' (${e.dtype} ${dims(e.shape)}): ${result.problem}`);
      continue;
    }
    tensors.set(e.name, { dtype: result.dtype, shape: [...e.shape], data: result.data });
    storedDtypes.set(e.name, e.dtype);
  }
  if (problems.length > 0) throw new WeightsError(problems);
  return { tensors, metadata, storedDtypes };
}

const WRITE_DTYPE: Record<TensorDType, { name: string; size: number; array: string }> = {
  f32: { name: "F32", size: 4, array: "Float32Array" },
  i32: { name: "I32", size: 4, array: "Int32Array" },
  bool: { name: "BOOL", size: 1, array: "Uint8Array" },
};

function arrayMatches(dtype: TensorDType, data: unknown): boolean {
  if (dtype === "f32") return data instanceof Float32Array;
  if (dtype === "i32") return data instanceof Int32Array;
  return data instanceof Uint8Array;
}

/** Orders strings by code point, which is the order of their UTF-8 bytes. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF. */
function codeUnitRank(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

/**
 * A safetensors file of the tensors (F32, I32 and BOOL), deterministic: the same tensors and
 * metadata give the same bytes. Bool elements are written as 0 or 1 (any nonzero byte is 1).
 * Throws a WeightsError listing every problem (a name used twice or "__metadata__", a dtype
 * the data's array type does not match, a data length that is not the shape's element count).
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Iterable<readonly [string, Tensor]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list = [...tensors];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, t] of list) {
    const what = `tensor '${name}'`;
    if (name === "__metadata__") problems.push(`${what}: the name is reserved for the metadata`);
    if (seen.has(name)) problems.push(`${what}: the name is given twice`);
    seen.add(name);
    const spec = WRITE_DTYPE[t.dtype] as (typeof WRITE_DTYPE)[TensorDType] | undefined;
    if (!spec) {
      problems.push(`${what}: dtype ${json(t.dtype)} cannot be written (f32, i32 or bool)`);
      continue;
    }
    const shapeOk = Array.isArray(t.shape) && t.shape.every(isCount);
    if (!shapeOk)
      problems.push(`${what}: shape ${dims(t.shape)} is not a list of non-negative integers`);
    if (!arrayMatches(t.dtype, t.data)) {
      problems.push(`${what}: a ${t.dtype} tensor's data must be a ${spec.array}`);
    } else if (shapeOk) {
      const numel = t.shape.reduce((a, b) => a * b, 1);
      if (numel !== t.data.length) {
        problems.push(
          `${what}: shape ${dims(t.shape)} has ${numel} elements, but the data has ${t.data.length}`,
        );
      }
    }
  }
  const meta = Object.entries(metadata ?? {});
  for (const [k, v] of meta) {
    if (typeof v !== "string")
      problems.push(`metadata '${k}': the value must be a string, got ${json(v)}`);
  }
  if (problems.length > 0) throw new WeightsError(problems);

  // The reference writer's order: largest elements first, then by name.
  list.sort(
    ([na, a], [nb, b]) =>
      WRITE_DTYPE[b.dtype].size - WRITE_DTYPE[a.dtype].size ||
      rank(a.dtype) - rank(b.dtype) ||
      compareCodePoints(na, nb),
  );
  const parts: string[] = [];
  if (meta.length > 0) {
    meta.sort(([a], [b]) => compareCodePoints(a, b));
    parts.push(
      `"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`,
    );
  }
  let offset = 0;
  for (const [name, t] of list) {
    const end = offset + t.data.length * WRITE_DTYPE[t.dtype].size;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${WRITE_DTYPE[t.dtype].name}","shape":[${t.shape.join(",")}],` +
        `"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const headerText = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerSize = Math.ceil(headerText.length / 8) * 8;
  const out = new Uint8Array(8 + headerSize + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerSize, true);
  view.setUint32(4, 0, true);
  out.set(headerText, 8);
  out.fill(0x20, 8 + headerText.length, 8 + headerSize);
  let pos = 8 + headerSize;
  for (const [, t] of list) {
    if (t.dtype === "bool") {
      const d = t.data;
      for (let i = 0; i < d.length; i++) out[pos + i] = d[i] ? 1 : 0;
    } else if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else if (t.dtype === "f32") {
      t.data.forEach((v, i) => view.setFloat32(pos + 4 * i, v, true));
    } else {
      t.data.forEach((v, i) => view.setInt32(pos + 4 * i, v, true));
    }
    pos += t.data.length * WRITE_DTYPE[t.dtype].size;
  }
  return out;
}

/** F32 before I32 (the reference writer's dtype order, descending), for equal element sizes. */
function rank(dtype: TensorDType): number {
  return dtype === "f32" ? 0 : dtype === "i32" ? 1 : 2;
}
