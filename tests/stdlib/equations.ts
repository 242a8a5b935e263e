/**
 * Plain-TypeScript building blocks for writing the research notes' equations out by hand, one
 * token (a row of numbers) at a time, in double precision. Nothing here reads the compiler.
 */

/** y[o] = Σᵢ w[o, i]·x[i] + b[o], w stored [out, in] as torch.nn.Linear. */
export function linear(
  x: number[],
  w: ArrayLike<number>,
  b: ArrayLike<number> | undefined,
  out: number,
): number[] {
  const n = x.length;
  return Array.from({ length: out }, (_, o) => {
    let s = b ? b[o]! : 0;
    for (let i = 0; i < n; i++) s += w[o * n + i]! * x[i]!;
    return s;
  });
}

/** LayerNorm with the biased variance: g·(x − μ)/√(σ² + eps) + b. */
export function layerNorm(
  x: number[],
  g: ArrayLike<number>,
  b: ArrayLike<number>,
  eps = 1e-5,
): number[] {
  const mu = x.reduce((a, v) => a + v, 0) / x.length;
  const v = x.reduce((a, y) => a + (y - mu) ** 2, 0) / x.length;
  return x.map((y, i) => (g[i]! * (y - mu)) / Math.sqrt(v + eps) + b[i]!);
}

/** RMSNorm: x / √(mean(x²) + eps) · g. */
export function rmsNorm(x: number[], g: ArrayLike<number>, eps: number): number[] {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  return x.map((y, i) => (y / Math.sqrt(ms + eps)) * g[i]!);
}

export const relu = (x: number) => Math.max(x, 0);
export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
export const silu = (x: number) => x * sigmoid(x);

/** erf by its Maclaurin series (|x| < 3) or the continued fraction of erfc; error < 1e-13. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))), evaluated backwards.
  let f = a;
  for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** GELU, exact erf form (torch.nn.GELU()). */
export const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** GELU, tanh approximation (GPT-2, StructuredFFN's fused_gelu). */
export const geluTanh = (x: number) =>
  0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)));

/** The rows (last axis of size n) of a flat array. */
export function rows(data: ArrayLike<number>, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += n)
    out.push(Array.from({ length: n }, (_, j) => data[i + j]!));
  return out;
}
