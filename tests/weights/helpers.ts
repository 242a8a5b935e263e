/** Hand-built safetensors files for the tests. */
import { WeightsError } from "../../runtime/weights/safetensors.js";

/** The 8-byte little-endian header size. */
export function u64le(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/**
 * A file: header size, header (a string as is, or an object JSON-encoded), padded with spaces
 * to `pad` bytes when given, then the data bytes.
 */
export function file(header: string | object, data: ArrayLike<number> = [], pad = 1): Uint8Array {
  let text = typeof header === "string" ? header : JSON.stringify(header);
  while (new TextEncoder().encode(text).length % pad !== 0) text += " ";
  const h = new TextEncoder().encode(text);
  return new Uint8Array([...u64le(h.length), ...h, ...Array.from(data)]);
}

export function f32le(...values: number[]): number[] {
  return [...new Uint8Array(new Float32Array(values).buffer)];
}

export function i32le(...values: number[]): number[] {
  return [...new Uint8Array(new Int32Array(values).buffer)];
}

export function i64le(...values: bigint[]): number[] {
  return [...new Uint8Array(new BigInt64Array(values).buffer)];
}

export function u16le(...values: number[]): number[] {
  return [...new Uint8Array(new Uint16Array(values).buffer)];
}

/** The problems of a WeightsError thrown by `f`; fails when it throws anything else or nothing. */
export function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WeightsError)) throw new Error(`expected a WeightsError, got ${String(e)}`);
    if (e.message !== e.problems.join("\n")) throw new Error("message is not the problems' lines");
    return e.problems;
  }
  throw new Error("expected a WeightsError, nothing was thrown");
}

/** The bits of a float32 (to compare NaN payloads and -0 exactly). */
export function bitsOf(data: Float32Array): number[] {
  return [...new Uint32Array(data.buffer, data.byteOffset, data.length)];
}
