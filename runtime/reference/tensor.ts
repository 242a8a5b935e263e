/**
 * Tensors of the reference interpreter: a dtype, a concrete shape and a row-major typed array
 * (f32 → Float32Array, i32 → Int32Array, bool → Uint8Array of 0/1). Plus the index arithmetic
 * the kernels share: strides, flat ↔ multi-index, NumPy broadcasting.
 */
import type { DType } from "../graph.js";

export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  /** Row-major; bool is 0/1. */
  data: TensorData;
}

/** The number of elements of a shape (1 for a scalar, `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A zero-filled typed array of `n` elements of `dtype`. */
export function allocData(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case "f32":
      return new Float32Array(n);
    case "i32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/**
 * A tensor of `shape`: zeros, or `values` in row-major order (their count must match). Values
 * are stored as the typed array stores them: f32 rounds to nearest, i32 wraps modulo 2^32 after
 * truncation; bool takes `true`/nonzero as 1.
 */
export function tensor(
  dtype: DType,
  shape: readonly number[],
  values?: ArrayLike<number | boolean>,
): Tensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(", ")}]`);
  }
  const n = numel(shape);
  const data = allocData(dtype, n);
  if (values !== undefined) {
    if (values.length !== n) {
      throw new Error(
        `${values.length} values given for shape [${shape.join(", ")}] (${n} elements)`,
      );
    }
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      data[i] = dtype === "bool" ? (v ? 1 : 0) : typeof v === "boolean" ? Number(v) : v;
    }
  }
  return { dtype, shape: [...shape], data };
}

/** A rank-0 tensor. */
export function scalar(dtype: DType, value: number | boolean): Tensor {
  return tensor(dtype, [], [value]);
}

/** Zeros of `t`'s dtype and shape. */
export function zerosLike(t: Tensor): Tensor {
  return tensor(t.dtype, t.shape);
}

/** Row-major strides: `strides([2, 3, 4])` is `[12, 4, 1]`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** The flat offset of a multi-index, given strides. */
export function offsetOf(stride: readonly number[], index: readonly number[]): number {
  let o = 0;
  for (let i = 0; i < index.length; i++) o += index[i]! * stride[i]!;
  return o;
}

/** The multi-index of the flat (row-major) offset `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    index[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return index;
}

/** The element at a multi-index, as a number (bool as 0/1). */
export function get(t: Tensor, index: readonly number[]): number {
  return t.data[offsetOf(strides(t.shape), index)]!;
}

/**
 * `shape` split around `axis`: `outer` (product of the dims before), `n` (the axis) and `inner`
 * (product of the dims after). Element `(o, i, j)` is at `(o * n + i) * inner + j`.
 */
export function aroundAxis(
  shape: readonly number[],
  axis: number,
): { outer: number; n: number; inner: number } {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new Error(`axis ${axis} is out of range for shape [${shape.join(", ")}]`);
  }
  return {
    outer: numel(shape.slice(0, axis)),
    n: shape[axis]!,
    inner: numel(shape.slice(axis + 1)),
  };
}

/**
 * The NumPy broadcast of shapes: right-aligned, a dim of 1 stretches, other dims must be equal.
 * Throws naming the shapes when they do not broadcast.
 */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let j = 1; j <= rank; j++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - j];
      if (e === undefined || e === 1) continue;
      if (d !== 1 && e !== d) {
        throw new Error(
          `cannot broadcast ${shapes.map((x) => `[${x.join(", ")}]`).join(" with ")}`,
        );
      }
      d = e;
    }
    out.unshift(d);
  }
  return out;
}

/**
 * Strides for reading a tensor of shape `inShape` broadcast to `outShape` (right-aligned): the
 * input's stride where the dims are equal, 0 where the input dim is 1 or missing. Throws when
 * `inShape` does not broadcast to `outShape`.
 */
export function broadcastStrides(
  inShape: readonly number[],
  outShape: readonly number[],
): number[] {
  const lead = outShape.length - inShape.length;
  const bad = () =>
    new Error(`cannot broadcast [${inShape.join(", ")}] to [${outShape.join(", ")}]`);
  if (lead < 0) throw bad();
  const s = strides(inShape);
  return outShape.map((d, i) => {
    if (i < lead) return 0;
    const e = inShape[i - lead]!;
    if (e === d) return e === 1 ? 0 : s[i - lead]!;
    if (e === 1) return 0;
    throw bad();
  });
}

/**
 * Visits every multi-index of `shape` in row-major order, keeping one offset per stride vector
 * up to date: `fn(offsets)` is called `numel(shape)` times with `offsets[t]` the offset of the
 * current index under `strideSets[t]`. (The index itself is `index`, updated in place.)
 */
export function forEachIndex(
  shape: readonly number[],
  strideSets: readonly (readonly number[])[],
  fn: (offsets: number[], index: number[]) => void,
): void {
  const rank = shape.length;
  const total = numel(shape);
  const index = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(strideSets.length).fill(0);
  for (let k = 0; k < total; k++) {
    fn(offsets, index);
    for (let ax = rank - 1; ax >= 0; ax--) {
      const i = index[ax]! + 1;
      if (i < shape[ax]!) {
        index[ax] = i;
        for (let t = 0; t < strideSets.length; t++) offsets[t]! += strideSets[t]![ax]!;
        break;
      }
      index[ax] = 0;
      for (let t = 0; t < strideSets.length; t++) offsets[t]! -= strideSets[t]![ax]! * (i - 1);
    }
  }
}

/**
 * For each element of `outShape` (row-major), the offset of the element of a tensor of shape
 * `inShape` that broadcasts to it.
 */
export function broadcastOffsets(
  inShape: readonly number[],
  outShape: readonly number[],
): Float64Array {
  const s = broadcastStrides(inShape, outShape);
  const out = new Float64Array(numel(outShape));
  let k = 0;
  forEachIndex(outShape, [s], (o) => {
    out[k++] = o[0]!;
  });
  return out;
}
