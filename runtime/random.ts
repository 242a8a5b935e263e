/**
 * Deterministic random numbers for `archc init`: the same seed gives byte-identical weights on
 * every machine (only 32-bit integer operations and IEEE doubles are used).
 *
 * Algorithm (documented in spec/cli.md, "archc init"):
 * - Each tensor has its own stream, so one parameter's values do not depend on the others:
 *   the stream's key is FNV-1a (32-bit) of the UTF-8 bytes of `${seed}:${name}`.
 * - The 128-bit state of xoshiro128** (Blackman & Vigna 2018) is four outputs of SplitMix32
 *   (the 32-bit variant of SplitMix64: add 0x9e3779b9, then xor-shift-multiply by 0x85ebca6b and
 *   0xc2b2ae35) started at the key.
 * - A uniform double in [0, 1) is the top 24 bits of one output times 2^-24.
 * - A standard normal is Box–Muller on two uniforms u1, u2 (u1 taken as 1 - u, in (0, 1]):
 *   sqrt(-2 ln u1) cos(2π u2), then sqrt(-2 ln u1) sin(2π u2) for the next draw.
 * - A truncated normal redraws until mean + std·z lies in [a, b].
 */

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /** The stream of tensor `name` under `seed`. */
  constructor(seed: number | string, name: string) {
    const st = { s: fnv1a(`${seed}:${name}`) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** xoshiro128**: a 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    return result;
  }

  /** Uniform on [0, 1) with 24 bits (exactly representable in f32). */
  uniform(): number {
    return (this.nextU32() >>> 8) * 2 ** -24;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** An integer uniform on [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

/** How a parameter is initialized (from its `.arch` initializer). */
export type InitSpec =
  | { kind: "normal"; mean: number; std: number }
  | { kind: "trunc_normal"; mean: number; std: number; a: number; b: number }
  | { kind: "uniform"; low: number; high: number }
  | { kind: "constant"; value: number }
  | { kind: "values"; values: number[] };

/** Fills `out` (a parameter of `name`) per `spec`, from the stream of (seed, name). */
export function fillInit(
  out: Float32Array | Int32Array | Uint8Array,
  spec: InitSpec,
  seed: number | string,
  name: string,
): void {
  const rng = new Random(seed, name);
  const n = out.length;
  switch (spec.kind) {
    case "constant":
      out.fill(spec.value);
      return;
    case "values":
      for (let i = 0; i < n; i++) out[i] = spec.values[i] ?? 0;
      return;
    case "uniform":
      for (let i = 0; i < n; i++) out[i] = spec.low + (spec.high - spec.low) * rng.uniform();
      return;
    case "normal":
      for (let i = 0; i < n; i++) out[i] = spec.mean + spec.std * rng.normal();
      return;
    case "trunc_normal":
      for (let i = 0; i < n; i++) {
        let x: number;
        let tries = 0;
        do {
          x = spec.mean + spec.std * rng.normal();
          if (++tries > 1000)
            throw new Error(
              `trunc_normal for ${name}: [${spec.a}, ${spec.b}] is too narrow to sample`,
            );
        } while (x < spec.a || x > spec.b);
        out[i] = x;
      }
      return;
  }
}
