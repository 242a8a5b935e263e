/**
 * Weights as a generated model class takes them (spec/codegen-ts.md): safetensors bytes, or a map
 * from checkpoint name to a `Tensor` or to a plain typed array (its dtype and shape are the
 * declared ones: a `Float32Array` for f32, an `Int32Array` for i32, a `Uint8Array` of 0/1 for
 * bool, row-major, with exactly as many elements as the shape holds). Every problem is listed at
 * once, one line each, in declaration order, then the names the model does not have.
 */
import type { DType } from "../graph.js";
import { numel, type Tensor } from "../reference/tensor.js";
import { readSafetensors, WeightsError } from "./safetensors.js";
import { checkTensors, type ExpectedTensor } from "./validate.js";

/** A plain array for a tensor of declared dtype and shape. */
export type WeightArray = Float32Array | Int32Array | Uint8Array;

/** What `loadWeights` accepts besides safetensors bytes. */
export type WeightsMap = ReadonlyMap<string, Tensor | WeightArray>;

const ARRAY_OF: Record<DType, string> = {
  f32: "Float32Array",
  i32: "Int32Array",
  bool: "Uint8Array",
};

/**
 * The weights as tensors, checked against `expected`; throws a `WeightsError` listing every
 * missing, unexpected, misshapen or mistyped one (`label` starts each line).
 */
export function checkedWeights(
  weights: Uint8Array | WeightsMap,
  expected: readonly ExpectedTensor[],
  label = "weights",
): Map<string, Tensor> {
  if (weights instanceof Uint8Array) {
    const tensors = readSafetensors(weights, label).tensors as Map<string, Tensor>;
    const problems = checkTensors(tensors, expected, "weights", label);
    if (problems.length > 0) throw new WeightsError(problems);
    return tensors;
  }
  const declared = new Map(expected.map((e) => [e.name, e]));
  const tensors = new Map<string, Tensor>();
  /** Problems with plain arrays, by name (checkTensors sees a well-formed stand-in). */
  const own = new Map<string, string>();
  for (const [name, value] of weights) {
    const e = declared.get(name);
    if (isTensor(value)) {
      tensors.set(name, value);
      continue;
    }
    const kind = arrayKind(value);
    if (!e) {
      // Unknown: shown as checkTensors shows unexpected tensors (and offered as a suggestion).
      if (kind) tensors.set(name, { dtype: kind, shape: [value.length], data: value });
      else
        own.set(
          name,
          `unexpected weight ${describe(value)} (the model has no weight of that name)`,
        );
      continue;
    }
    const spec = `${e.dtype} [${e.shape.join(", ")}]`;
    const n = numel(e.shape);
    if (kind !== e.dtype)
      own.set(
        name,
        `expected ${an(ARRAY_OF[e.dtype])} (${spec}) or a Tensor, got ${describe(value)}`,
      );
    else if (value.length !== n)
      own.set(name, `expected ${n} values (${spec}), got ${value.length}`);
    // A stand-in of the declared dtype and shape when the array is wrong (its line is ours).
    tensors.set(name, {
      dtype: e.dtype,
      shape: [...e.shape],
      data: own.has(name) ? new Float32Array(0) : (value as WeightArray),
    });
  }
  const rank = (line: string): number => {
    const name = line.slice(label.length + 2, line.indexOf(": ", label.length + 2));
    const i = expected.findIndex((e) => e.name === name);
    return i < 0 ? expected.length : i;
  };
  const problems = [
    ...checkTensors(tensors, expected, "weights", label),
    ...[...own].map(([name, message]) => `${label}: ${name}: ${message}`),
  ]
    .map((line, i) => ({ line, rank: rank(line), i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((p) => p.line);
  if (problems.length > 0) throw new WeightsError(problems);
  return tensors;
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && "dtype" in v && "shape" in v && "data" in v;
}

function arrayKind(v: unknown): DType | undefined {
  if (v instanceof Float32Array) return "f32";
  if (v instanceof Int32Array) return "i32";
  if (v instanceof Uint8Array) return "bool";
  return undefined;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) {
    const n = (v as unknown as { length?: number }).length;
    return `${an(v.constructor.name)}${n === undefined ? "" : ` of ${n} values`}`;
  }
  if (Array.isArray(v)) return `an array of ${v.length} values (use a Float32Array)`;
  return v === null ? "null" : `a ${typeof v}`;
}

/** `an Int32Array`, `a Float32Array`. */
const an = (word: string) => `${/^[AEIOU]/i.test(word) ? "an" : "a"} ${word}`;
