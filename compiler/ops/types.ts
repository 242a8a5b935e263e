/**
 * The types the primitive operations work on: a tensor type is a dtype and a shape of dims.
 * Shared by the checker (shape inference), the IR and the backends.
 */
import { Dim } from "../shapes/dim.js";

export type DType = "f32" | "i32" | "bool" | "f16";

export const DTYPES: readonly DType[] = ["f32", "i32", "bool", "f16"];

/** Bytes of one element in storage (safetensors, GPU buffers before packing). */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { f32: 4, i32: 4, bool: 1, f16: 2 };

export interface TensorType {
  dtype: DType;
  shape: Dim[];
}

/** `f32[B, T, 768]` */
export function formatType(t: TensorType): string {
  return `${t.dtype}[${t.shape.map((d) => d.toString()).join(", ")}]`;
}

/** `[B, T, 768]` */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map((d) => d.toString()).join(", ")}]`;
}

/** Number of elements: the product of the dims. */
export function numel(shape: readonly Dim[]): Dim {
  return shape.reduce((acc, d) => acc.mul(d), Dim.const(1));
}

/**
 * How shape rules compare dims: syntactic equality of the canonical forms, extended by the
 * equalities the checker has established between runtime dims (`requires S == T`).
 */
export interface DimEquality {
  equal(a: Dim, b: Dim): boolean;
}

export const SYNTACTIC: DimEquality = { equal: (a, b) => a.equals(b) };
