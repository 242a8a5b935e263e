/** checkTensors: every problem with a file's tensors against a model's declaration, at once. */
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../runtime/reference/tensor.js";
import { checkTensors, editDistance, type ExpectedTensor } from "../../runtime/weights/validate.js";

const L = "w.safetensors";

function t(dtype: Tensor["dtype"], shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data =
    dtype === "f32" ? new Float32Array(n) : dtype === "i32" ? new Int32Array(n) : new Uint8Array(n);
  return { dtype, shape, data };
}

describe("checkTensors", () => {
  const expected: ExpectedTensor[] = [
    { name: "wte.weight", dtype: "f32", shape: [50257, 768] },
    { name: "layers.0.attn.qkv.weight", dtype: "f32", shape: [2304, 768] },
    { name: "layers.0.attn.qkv.bias", dtype: "f32", shape: [2304] },
    { name: "layers.0.ln.weight", dtype: "f32", shape: [768] },
    { name: "lm_head.weight", dtype: "f32", shape: [50257, 768] },
    { name: "mask", dtype: "bool", shape: [4, 4] },
    { name: "count", dtype: "i32", shape: [] },
  ];

  it("a matching file has no problems", () => {
    const actual = new Map(expected.map((e) => [e.name, t(e.dtype, e.shape)]));
    expect(checkTensors(actual, expected, "weights", L)).toEqual([]);
  });

  it("lists missing, mismatched and unexpected tensors together", () => {
    const actual = new Map<string, Tensor>([
      ["model.wte.weight", t("f32", [50257, 768])], // a prefix too many
      ["layers.0.attn.qkv.weight", t("f32", [768, 2304])], // transposed
      ["layers.0.attn.qkv.bias", t("f32", [2305])],
      ["layers.0.ln.weight", t("i32", [768])],
      ["lm_haed.weight", t("f32", [50257, 768])], // misspelt
      ["mask", t("f32", [4])],
      ["extra.scale", t("f32", [])],
    ]);
    expect(checkTensors(actual, expected, "weights", L)).toEqual([
      `${L}: wte.weight: missing weight (did you mean 'model.wte.weight'?)`,
      `${L}: layers.0.attn.qkv.weight: expected [2304, 768], got [768, 2304] (transposed?)`,
      `${L}: layers.0.attn.qkv.bias: expected [2304], got [2305]`,
      `${L}: layers.0.ln.weight: expected dtype f32, got i32`,
      `${L}: lm_head.weight: missing weight (did you mean 'lm_haed.weight'?)`,
      `${L}: mask: expected bool [4, 4], got f32 [4]`,
      `${L}: count: missing weight`,
      `${L}: model.wte.weight: unexpected weight f32 [50257, 768] (the model has no weight of that name)`,
      `${L}: lm_haed.weight: unexpected weight f32 [50257, 768] (the model has no weight of that name)`,
      `${L}: extra.scale: unexpected weight f32 [] (the model has no weight of that name)`,
    ]);
  });

  it("suggests a name with fewer leading segments, and says input for inputs", () => {
    const actual = new Map([["ids", t("i32", [1, 8])]]);
    expect(
      checkTensors(
        actual,
        [{ name: "x.ids", dtype: "i32", shape: [1, 8] }],
        "inputs",
        "in.safetensors",
      ),
    ).toEqual([
      "in.safetensors: x.ids: missing input (did you mean 'ids'?)",
      "in.safetensors: ids: unexpected input i32 [1, 8] (the model has no input of that name)",
    ]);
  });

  it("suggests nothing far away, nor a name the model already uses", () => {
    const actual = new Map([
      ["b", t("f32", [1])],
      ["completely.different.name", t("f32", [1])],
    ]);
    const exp: ExpectedTensor[] = [
      { name: "a", dtype: "f32", shape: [1] },
      { name: "b", dtype: "f32", shape: [1] },
      { name: "encoder.weight", dtype: "f32", shape: [1] },
    ];
    const problems = checkTensors(actual, exp, "weights", L);
    expect(problems.slice(0, 2)).toEqual([
      `${L}: a: missing weight`,
      `${L}: encoder.weight: missing weight`,
    ]);
  });

  it("stays fast when every name differs (thousands of weights)", () => {
    const exp: ExpectedTensor[] = Array.from({ length: 3000 }, (_, i) => ({
      name: `transformer.h.${i}.mlp.c_fc.weight`,
      dtype: "f32",
      shape: [1],
    }));
    const actual = new Map(
      Array.from(
        { length: 3000 },
        (_, i) => [`model.layers.${i}.ffn.up.kernel`, t("f32", [1])] as const,
      ),
    );
    const start = performance.now();
    const problems = checkTensors(actual, exp, "weights", L);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(problems).toHaveLength(6000);
  });
});

describe("editDistance", () => {
  it("is the Levenshtein distance, cut off above the limit", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("lm_head", "lm_haed")).toBe(2);
    expect(editDistance("abcdef", "uvwxyz", 2)).toBeGreaterThan(2);
  });
});
