/** Shorthands for the reference kernel tests. */
import { expect } from "vitest";
import type { Attr, DType } from "../../runtime/graph.js";
import { KERNELS, type OutType } from "../../runtime/reference/kernels.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";

export const f32 = (shape: number[], values?: number[]): Tensor => tensor("f32", shape, values);
export const i32 = (shape: number[], values?: number[]): Tensor => tensor("i32", shape, values);
export const bool = (shape: number[], values?: (number | boolean)[]): Tensor =>
  tensor("bool", shape, values);

export const ty = (dtype: DType, ...shape: number[]): OutType => ({ dtype, shape });

/** Runs the kernel of `op`; returns every output. */
export function runAll(
  op: string,
  inputs: Tensor[],
  attrs: Record<string, Attr>,
  outTypes: OutType[],
): Tensor[] {
  const k = KERNELS[op];
  if (!k) throw new Error(`no kernel ${op}`);
  const outs = k(inputs, attrs, outTypes);
  expect(outs.length).toBe(outTypes.length);
  outs.forEach((t, i) => {
    expect(t.dtype).toBe(outTypes[i]!.dtype);
    expect(t.shape).toEqual(outTypes[i]!.shape);
  });
  return outs;
}

/** Runs the kernel of a one-output op. */
export function run(
  op: string,
  inputs: Tensor[],
  attrs: Record<string, Attr>,
  out: OutType,
): Tensor {
  return runAll(op, inputs, attrs, [out])[0]!;
}

/** The elements of a tensor as plain numbers. */
export function vals(t: Tensor): number[] {
  return Array.from(t.data);
}

/** Elementwise closeness (NaN matches NaN, infinities must be equal). */
export function expectClose(actual: Tensor | ArrayLike<number>, expected: number[], tol = 1e-6) {
  const a = Array.from("data" in actual ? actual.data : actual);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    const e = expected[i]!;
    const ok =
      (Number.isNaN(e) && Number.isNaN(v)) ||
      v === e ||
      (Number.isFinite(e) && Math.abs(v - e) <= tol);
    if (!ok) expect.fail(`element ${i}: got ${v}, expected ${e} (±${tol}); all: [${a.join(", ")}]`);
  });
}

/** `Math.fround` of each value: what f32 storage holds. */
export const f = (...xs: number[]): number[] => xs.map(Math.fround);
