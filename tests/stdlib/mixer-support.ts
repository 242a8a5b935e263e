/**
 * What the mixer, memory and higher-order block tests share: a block built in-process into a
 * graph, seeded random parameters and inputs, the reference interpreter and the WebGPU runtime
 * on it, the parameter listing of `archc info`, and small array helpers for the plain-TypeScript
 * transcriptions of the equations (../shared/blocks/), which use doubles throughout.
 */
import { expect } from "vitest";
import { Program } from "../../compiler/check/index.js";
import { buildGraph } from "../../compiler/ir/build.js";
import { modelInfo, type InfoReport } from "../../compiler/info.js";
import { evalDim, type Graph } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import type { Tensor } from "../../runtime/reference/tensor.js";
import { random, rng } from "../webgpu/harness.js";

export { rng };

export interface Built {
  graph: Graph;
  params: Map<string, Tensor>;
  inputs: Map<string, Tensor>;
}

/** The graph of `model` (a block expression or a model of `file`); fails the test on errors. */
export function graphOf(file: string, model: string, ranks: Record<string, number> = {}): Graph {
  const built = buildGraph(new Program(), file, model, { ranks: new Map(Object.entries(ranks)) });
  const errors = built.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => d.message)).toEqual([]);
  return built.graph!;
}

/**
 * Random parameters (uniform in ±`scale`, overridable per path) and inputs (uniform in ±1) of
 * the given runtime sizes, each tensor from its own seed.
 */
export function randomize(
  graph: Graph,
  dims: Record<string, number>,
  seed: number,
  opts: { scale?: number; params?: Record<string, { lo: number; hi: number }> } = {},
): Built {
  const sizes = new Map(Object.entries(dims));
  const params = new Map<string, Tensor>();
  graph.params.forEach((p, k) => {
    const range = opts.params?.[p.path] ?? { lo: -(opts.scale ?? 0.5), hi: opts.scale ?? 0.5 };
    params.set(p.path, random(p.type.dtype, p.type.shape, seed * 1000 + k, range));
  });
  const inputs = new Map<string, Tensor>();
  graph.inputs.forEach((i, k) => {
    const shape = i.type.shape.map((d) => evalDim(d, sizes));
    inputs.set(i.name, random(i.type.dtype, shape, seed * 1000 + 500 + k, { lo: -1, hi: 1 }));
  });
  return { graph, params, inputs };
}

/** The reference interpreter's single output. */
export function reference(b: Built): Tensor {
  const out = execute(b.graph, b.params, b.inputs);
  return out.get(b.graph.outputs[0]!.name)!;
}

/** max |got − want| / (1 + |want|) over all elements (a mixed absolute/relative error). */
export function worstError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

/** The `archc info` report of a model; fails the test on errors. */
export function infoOf(file: string, model: string): InfoReport {
  const r = modelInfo(new Program(), file, model, {});
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => d.message)).toEqual([]);
  return r.report!;
}

/** Every parameter path with its shape, as `archc info` lists them (`path: [a, b]`). */
export function paramShapes(report: InfoReport): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of report.rows)
    for (const p of row.params) out[row.path ? `${row.path}.${p.name}` : p.name] = p.shape;
  return out;
}

/**
 * The error diagnostics of checking `source` (a file importing the stdlib) in-process, as if it
 * were the unsaved file `file` (relative imports resolve from there).
 */
export function checkErrors(source: string, file = "/virtual/case.arch"): string[] {
  const program = new Program();
  program.update(file, source);
  const messages: string[] = [];
  for (const model of [...source.matchAll(/^model (\w+)/gm)].map((m) => m[1]!)) {
    const r = modelInfo(program, file, model, {});
    for (const d of r.diagnostics) if (d.severity === "error") messages.push(d.message);
  }
  return messages;
}

/** A row-major view: flat data and its shape, read by multi-index. */
export class Nd {
  readonly strides: number[];
  constructor(
    readonly shape: number[],
    readonly data: Float64Array = new Float64Array(shape.reduce((a, b) => a * b, 1)),
  ) {
    this.strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  }
  static of(t: Tensor): Nd {
    return new Nd([...t.shape], Float64Array.from(t.data));
  }
  at(...idx: number[]): number {
    return this.data[this.off(idx)]!;
  }
  set(v: number, ...idx: number[]): void {
    this.data[this.off(idx)] = v;
  }
  private off(idx: number[]): number {
    let o = 0;
    idx.forEach((v, i) => (o += v * this.strides[i]!));
    return o;
  }
}

/** torch.nn.Linear on the last axis of rows: y[o] = Σ_i x[i]·w[o, i] (+ b[o]). */
export function linearRow(x: ArrayLike<number>, w: Nd, b?: Nd): number[] {
  const [out, inp] = w.shape as [number, number];
  const y: number[] = [];
  for (let o = 0; o < out; o++) {
    let s = b ? b.data[o]! : 0;
    for (let i = 0; i < inp; i++) s += x[i]! * w.data[o * inp + i]!;
    y.push(s);
  }
  return y;
}

/** LayerNorm of one row: γ(x − μ)/√(σ² + eps) + β, biased variance. */
export function layerNormRow(x: ArrayLike<number>, g: Nd, b: Nd, eps = 1e-5): number[] {
  const n = x.length;
  let mu = 0;
  for (let i = 0; i < n; i++) mu += x[i]!;
  mu /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - mu) ** 2;
  v /= n;
  return Array.from(
    { length: n },
    (_, i) => (g.data[i]! * (x[i]! - mu)) / Math.sqrt(v + eps) + b.data[i]!,
  );
}

export function softmaxRow(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
export const geluErf = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** erf to ~1e-15 (series for small |x|, continued fraction for large), enough for 1e-5 tests. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc continued fraction (Lentz), accurate for |x| ≥ 3.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}
