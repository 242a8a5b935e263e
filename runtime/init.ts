/**
 * `archc init`: a model's parameters drawn from their initializers, and random example inputs of
 * the right names, dtypes and shapes, all from the documented deterministic PRNG (random.ts).
 */
import { evalDim, type DType, type Graph } from "./graph.js";
import { fillInit, Random } from "./random.js";
import type { Tensor } from "./reference/tensor.js";

export function allocate(dtype: DType, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data =
    dtype === "f32" ? new Float32Array(n) : dtype === "i32" ? new Int32Array(n) : new Uint8Array(n);
  return { dtype, shape: [...shape], data };
}

/** Every parameter, initialized. `onTensor` reports progress (elements done, elements in all). */
export function initParams(
  graph: Graph,
  seed: number,
  onTensor?: (done: number, total: number) => void,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const total = graph.params.reduce((n, p) => n + p.type.shape.reduce((a, b) => a * b, 1), 0);
  let done = 0;
  for (const p of graph.params) {
    const t = allocate(p.type.dtype, p.type.shape);
    fillInit(t.data, p.init, seed, p.path);
    out.set(p.path, t);
    done += t.data.length;
    onTensor?.(done, total);
  }
  return out;
}

/**
 * The exclusive upper bound of the ids an i32 input may hold: the size of the table a `take`
 * looks them up in (a vocabulary), or undefined when the input is not used as ids.
 */
export function idBound(graph: Graph, input: string): number | undefined {
  const value = graph.inputs.find((i) => i.name === input)?.value;
  if (value === undefined) return undefined;
  for (const n of graph.nodes) {
    if (n.op !== "take" || n.inputs[1] !== value) continue;
    const table = graph.params.find((p) => p.value === n.inputs[0]);
    const axis = typeof n.attrs.axis === "number" ? n.attrs.axis : 0;
    if (table) return table.type.shape[axis];
  }
  return undefined;
}

/**
 * Random inputs for the given runtime sizes: f32 from N(0, 1), ids uniform in [0, bound) (token
 * ids within the vocabulary), other i32 in [0, 100), bools 0/1. Each input has its own stream.
 */
export function exampleInputs(
  graph: Graph,
  dims: ReadonlyMap<string, number>,
  seed: number,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const input of graph.inputs) {
    const shape = input.type.shape.map((d) => evalDim(d, dims));
    const t = allocate(input.type.dtype, shape);
    const rng = new Random(seed, `input:${input.name}`);
    const bound = idBound(graph, input.name) ?? 100;
    for (let i = 0; i < t.data.length; i++) {
      t.data[i] =
        input.type.dtype === "f32"
          ? rng.normal()
          : input.type.dtype === "i32"
            ? rng.below(bound)
            : rng.below(2);
    }
    out.set(input.name, t);
  }
  return out;
}
