/**
 * Layout, index and creation kernels on WebGPU against the reference interpreter: permute,
 * expand, slice, concat, split, take, take_along, arange, eye, roll, pad. Shapes with size-1
 * dims, rank 0 where the op allows it, sizes that are not multiples of 256, runtime dims (in
 * shapes and in dim-valued attributes), and every dtype.
 *
 * Tolerance: EXACT everywhere. These ops only move or fill elements (no arithmetic on the data;
 * arange's i32 additions are exact), so the GPU must produce the same bits.
 */
import { describe, expect, it } from "vitest";
import type { Attr, DimExpr, DType, Graph, GraphNode, TensorSpec } from "../../runtime/graph.js";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { DEFAULT_TARGET } from "../../runtime/schedule.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";
import {
  EXACT,
  expectClose,
  expectOpMatches,
  opGraph,
  random,
  runGpu,
  symbolic,
  type OpCase,
} from "./harness.js";

const DTYPES: DType[] = ["f32", "i32", "bool"];

const add = (a: DimExpr, b: DimExpr): DimExpr => ({ op: "add", args: [a, b] });
const mul = (a: DimExpr, b: DimExpr): DimExpr => ({ op: "mul", args: [a, b] });

/** All orderings of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]),
  );
}

async function exact(c: OpCase): Promise<Tensor[]> {
  return expectOpMatches(c, EXACT);
}

/** One op whose inputs are x0.. with the given types, as `expectOpMatches`, for one output. */
async function unaryCase(
  op: string,
  x: Tensor,
  names: (string | undefined)[],
  attrs: Record<string, Attr>,
  out: TensorSpec,
): Promise<Tensor> {
  const [y] = await exact({
    op,
    inputs: [x],
    inputTypes: [symbolic(x, names)],
    attrs,
    outputs: [out],
  });
  return y!;
}

/**
 * A creation op (no inputs) in a graph whose runtime dims are bound by an unused input `x0`:
 * the only way to give `arange`/`eye` runtime dims. Compared exactly with the reference.
 */
async function expectCreationMatches(
  op: string,
  attrs: Record<string, Attr>,
  out: TensorSpec,
  binder: Tensor,
  binderNames: (string | undefined)[],
): Promise<void> {
  const node: GraphNode = { op, inputs: [], outputs: [1], types: [out], attrs };
  const type = symbolic(binder, binderNames);
  const graph: Graph = {
    version: 1,
    model: op,
    dims: binderNames.filter((n): n is string => n !== undefined),
    inputs: [{ name: "x0", value: 0, type }],
    params: [],
    nodes: [node],
    outputs: [{ name: "y0", value: 1 }],
    checks: [],
  };
  const inputs = new Map([["x0", binder]]);
  const want = execute(graph, new Map(), inputs).get("y0")!;
  const { outputs } = await runGpu(graph, inputs);
  expectClose(outputs.get("y0")!, want, EXACT, op);
}

describe("permute", () => {
  it("every permutation of a rank-3 tensor, with runtime dims", async () => {
    const x = random("f32", [4, 1, 67], 1);
    const names = ["B", undefined, "T"];
    const shape = symbolic(x, names).shape;
    for (const perm of permutations(3)) {
      await unaryCase(
        "permute",
        x,
        names,
        { perm },
        { dtype: "f32", shape: perm.map((p) => shape[p]!) },
      );
    }
  });

  it("every permutation of a rank-4 tensor", async () => {
    const x = random("i32", [2, 3, 1, 5], 2);
    for (const perm of permutations(4)) {
      await unaryCase(
        "permute",
        x,
        [],
        { perm },
        { dtype: "i32", shape: perm.map((p) => x.shape[p]!) },
      );
    }
  });

  it("all dtypes, rank 0, 1 and a transpose over 256 elements", async () => {
    for (const dtype of DTYPES) {
      await unaryCase("permute", random(dtype, [], 3), [], { perm: [] }, { dtype, shape: [] });
      await unaryCase("permute", random(dtype, [7], 4), [], { perm: [0] }, { dtype, shape: [7] });
      const x = random(dtype, [33, 19], 5);
      await unaryCase("permute", x, [], { perm: [1, 0] }, { dtype, shape: [19, 33] });
    }
  });
});

describe("expand", () => {
  it("broadcasts size-1 axes, rank 0, and new leading axes, all dtypes", async () => {
    for (const dtype of DTYPES) {
      const x = random(dtype, [3, 1, 37, 1], 10);
      const out: TensorSpec = { dtype, shape: ["B", 4, "T", 5] };
      await unaryCase("expand", x, ["B", undefined, "T"], {}, out);
      const x2 = random(dtype, [37, 5], 13);
      await unaryCase("expand", x2, ["T"], {}, { dtype, shape: [2, "T", 5] });
      await unaryCase("expand", random(dtype, [], 11), [], {}, { dtype, shape: [300] });
      await unaryCase("expand", random(dtype, [1], 12), [], {}, { dtype, shape: [1] });
      // A size with a negative constant (T - 1).
      const x3 = random(dtype, [37, 1], 14);
      await unaryCase("expand", x3, ["T"], {}, { dtype, shape: [2, "T", add("T", -1)] });
    }
  });
});

describe("slice", () => {
  it("index, start/step, negative steps and starts like T-1 (runtime dims), all dtypes", async () => {
    for (const dtype of DTYPES) {
      const x = random(dtype, [3, 37, 11], 20);
      const names = ["B", "T"];
      const T1 = add("T", -1);
      // x[B-1, ::-1, 1::3]
      await unaryCase(
        "slice",
        x,
        names,
        { axes: [{ index: add("B", -1) }, { start: T1, step: -1 }, { start: 1, step: 3 }] },
        { dtype, shape: ["T", 4] },
      );
      // x[:, T-1:, 10:0:-3] (a size-1 kept axis)
      await unaryCase(
        "slice",
        x,
        names,
        {
          axes: [
            { start: 0, step: 1 },
            { start: T1, step: 1 },
            { start: 10, step: -3 },
          ],
        },
        { dtype, shape: ["B", 1, 4] },
      );
    }
  });

  it("x[1:] and x[:-1] with runtime dims: output sizes T - 1", async () => {
    const x = random("f32", [37, 300], 24);
    const out: TensorSpec = { dtype: "f32", shape: [add("T", -1), 300] };
    const keep = { start: 0, step: 1 };
    await unaryCase("slice", x, ["T"], { axes: [{ start: 1, step: 1 }, keep] }, out);
    await unaryCase("slice", x, ["T"], { axes: [keep, keep] }, out);
  });

  it("rank 0, a scalar from a vector, and a large strided slice", async () => {
    await unaryCase("slice", random("f32", [], 21), [], { axes: [] }, { dtype: "f32", shape: [] });
    await unaryCase(
      "slice",
      random("i32", [9], 22),
      [],
      { axes: [{ index: 8 }] },
      { dtype: "i32", shape: [] },
    );
    const x = random("f32", [2, 1, 700], 23);
    await unaryCase(
      "slice",
      x,
      [undefined, undefined, "T"],
      {
        axes: [
          { start: 1, step: -1 },
          { start: 0, step: 1 },
          { start: add("T", -2), step: -2 },
        ],
      },
      { dtype: "f32", shape: [2, 1, 350] },
    );
  });
});

describe("concat", () => {
  it("20 inputs (more than the storage bindings) of unequal sizes, all dtypes", async () => {
    for (const dtype of DTYPES) {
      const sizes = Array.from({ length: 20 }, (_, k) => ((k * 7) % 5) + (k === 3 ? 0 : 1));
      const inputs = sizes.map((n, k) => random(dtype, [2, n, 3], 30 + k));
      const total = sizes.reduce((a, b) => a + b, 0);
      await exact({
        op: "concat",
        inputs,
        attrs: { axis: 1 },
        outputs: [{ dtype, shape: [2, total, 3] }],
      });
    }
  });

  it("runtime dims on and off the axis, size-1 dims, rank 1", async () => {
    const a = random("f32", [3, 37, 1], 40);
    const b = random("f32", [3, 5, 1], 41);
    const c = random("f32", [3, 300, 1], 42);
    await exact({
      op: "concat",
      inputs: [a, b, c],
      inputTypes: [symbolic(a, ["B", "T"]), symbolic(b, ["B"]), symbolic(c, ["B", "S"])],
      attrs: { axis: 1 },
      outputs: [{ dtype: "f32", shape: ["B", add(add("T", 5), "S"), 1] }],
    });
    const d = random("i32", [3, 37, 1], 43);
    await exact({
      op: "concat",
      inputs: [d, d],
      inputTypes: [symbolic(d, ["B", "T"]), symbolic(d, ["B", "T"])],
      attrs: { axis: 2 },
      outputs: [{ dtype: "i32", shape: ["B", "T", 2] }],
    });
    const e = random("bool", [1], 44);
    const f = random("bool", [260], 45);
    await exact({
      op: "concat",
      inputs: [e, f],
      attrs: { axis: 0 },
      outputs: [{ dtype: "bool", shape: [261] }],
    });
  });
});

describe("split", () => {
  it("unequal pieces, including size 1, all dtypes", async () => {
    for (const dtype of DTYPES) {
      const x = random(dtype, [3, 10, 4], 50);
      const outputs = [1, 6, 3].map((n): TensorSpec => ({ dtype, shape: [3, n, 4] }));
      await exact({ op: "split", inputs: [x], attrs: { axis: 1 }, outputs });
    }
  });

  it("more pieces than storage bindings, and runtime dims", async () => {
    const sizes = Array.from({ length: 20 }, (_, k) => ((k * 3) % 4) + 1);
    const total = sizes.reduce((a, b) => a + b, 0);
    const x = random("f32", [2, total, 3], 51);
    const c: OpCase = {
      op: "split",
      inputs: [x],
      attrs: { axis: 1 },
      outputs: sizes.map((n): TensorSpec => ({ dtype: "f32", shape: [2, n, 3] })),
    };
    await exact(c);
    // 20 outputs and x: two dispatches at 16 storage buffers, three at WebGPU's default 8.
    expect(
      compileSchedule(opGraph(c), { ...DEFAULT_TARGET, maxStorageBuffers: 16 }).dispatches,
    ).toHaveLength(2);
    expect(compileSchedule(opGraph(c), DEFAULT_TARGET).dispatches).toHaveLength(3);
    const y = random("i32", [37, 301], 52);
    await exact({
      op: "split",
      inputs: [y],
      inputTypes: [symbolic(y, ["T"])],
      attrs: { axis: 1 },
      outputs: [300, 1].map((n): TensorSpec => ({ dtype: "i32", shape: ["T", n] })),
    });
    const z = random("f32", [37, 2], 53);
    await exact({
      op: "split",
      inputs: [z],
      inputTypes: [symbolic(z, ["T"])],
      attrs: { axis: 0 },
      outputs: [
        { dtype: "f32", shape: [add("T", -1), 2] },
        { dtype: "f32", shape: [1, 2] },
      ],
    });
  });
});

describe("take", () => {
  it("rows of a table by ids of rank 0, 1, 2 (runtime dims), all dtypes", async () => {
    for (const dtype of DTYPES) {
      const table = random(dtype, [50, 7], 60);
      const ids = random("i32", [3, 37], 61, { lo: 0, hi: 50 });
      await exact({
        op: "take",
        inputs: [table, ids],
        inputTypes: [symbolic(table, []), symbolic(ids, ["B", "T"])],
        attrs: { axis: 0 },
        outputs: [{ dtype, shape: ["B", "T", 7] }],
      });
      const scalar = tensor("i32", [], [49]);
      await exact({
        op: "take",
        inputs: [table, scalar],
        attrs: { axis: 0 },
        outputs: [{ dtype, shape: [7] }],
      });
    }
  });

  it("along a middle and the last axis, size-1 dims", async () => {
    const table = random("f32", [2, 9, 1, 3], 62);
    const ids = random("i32", [5], 63, { lo: 0, hi: 9 });
    await exact({
      op: "take",
      inputs: [table, ids],
      attrs: { axis: 1 },
      outputs: [{ dtype: "f32", shape: [2, 5, 1, 3] }],
    });
    const last = random("i32", [300, 1], 64, { lo: 0, hi: 3 });
    await exact({
      op: "take",
      inputs: [table, last],
      attrs: { axis: 3 },
      outputs: [{ dtype: "f32", shape: [2, 9, 1, 300, 1] }],
    });
    const one = random("i32", [1, 1], 65, { lo: 0, hi: 1 });
    await exact({
      op: "take",
      inputs: [random("f32", [1], 66), one],
      attrs: { axis: 0 },
      outputs: [{ dtype: "f32", shape: [1, 1] }],
    });
  });

  it("out-of-range ids give 0 and do not crash (the reference throws)", async () => {
    // Along a middle axis, so that reading one row too far would land in the table (on the next
    // outer block) and be seen.
    const table = tensor("f32", [2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const ids = tensor("i32", [6], [2, -1, 3, 1000000, -2147483648, 0]);
    const graph = opGraphFor("take", [table, ids], { axis: 1 }, { dtype: "f32", shape: [2, 6, 2] });
    const { outputs } = await runGpu(
      graph,
      new Map([
        ["x0", table],
        ["x1", ids],
      ]),
    );
    expect(Array.from(outputs.get("y0")!.data)).toEqual([
      5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 11, 12, 0, 0, 0, 0, 0, 0, 0, 0, 7, 8,
    ]);
  });
});

describe("take_along", () => {
  it("gathers along each axis, ids smaller than x off the axis, all dtypes", async () => {
    for (const dtype of DTYPES) {
      const x = random(dtype, [4, 9, 3], 70);
      const ids1 = random("i32", [3, 37, 2], 71, { lo: 0, hi: 9 });
      await exact({
        op: "take_along",
        inputs: [x, ids1],
        attrs: { axis: 1 },
        outputs: [{ dtype, shape: [3, 37, 2] }],
      });
      const ids0 = random("i32", [5, 9, 3], 72, { lo: 0, hi: 4 });
      await exact({
        op: "take_along",
        inputs: [x, ids0],
        attrs: { axis: 0 },
        outputs: [{ dtype, shape: [5, 9, 3] }],
      });
    }
  });

  it("runtime dims, size-1 dims, rank 1, over 256 elements", async () => {
    const x = random("f32", [3, 37, 1], 73);
    const ids = random("i32", [3, 300, 1], 74, { lo: 0, hi: 37 });
    await exact({
      op: "take_along",
      inputs: [x, ids],
      inputTypes: [symbolic(x, ["B", "T"]), symbolic(ids, ["B"])],
      attrs: { axis: 1 },
      outputs: [{ dtype: "f32", shape: ["B", 300, 1] }],
    });
    const v = random("i32", [1], 75);
    await exact({
      op: "take_along",
      inputs: [v, tensor("i32", [4], [0, 0, 0, 0])],
      attrs: { axis: 0 },
      outputs: [{ dtype: "i32", shape: [4] }],
    });
  });

  it("out-of-range ids give 0 and do not crash (the reference throws)", async () => {
    const x = tensor("i32", [2, 3], [1, 2, 3, 4, 5, 6]);
    // ids[0, 0] = 3 is one past row 0: reading it would land on x[1, 0] and be seen.
    const ids = tensor("i32", [2, 2], [3, -1, 2, 0]);
    const graph = opGraphFor("take_along", [x, ids], { axis: 1 }, { dtype: "i32", shape: [2, 2] });
    const { outputs } = await runGpu(
      graph,
      new Map([
        ["x0", x],
        ["x1", ids],
      ]),
    );
    expect(Array.from(outputs.get("y0")!.data)).toEqual([0, 0, 6, 4]);
  });
});

describe("arange", () => {
  it("constant and runtime starts, lengths 1 and over 256", async () => {
    await exact({
      op: "arange",
      inputs: [],
      attrs: { start: 0 },
      outputs: [{ dtype: "i32", shape: [300] }],
    });
    await exact({
      op: "arange",
      inputs: [],
      attrs: { start: -5 },
      outputs: [{ dtype: "i32", shape: [1] }],
    });
    const t = random("f32", [37], 80);
    await expectCreationMatches(
      "arange",
      { start: add("T", -1) },
      { dtype: "i32", shape: ["T"] },
      t,
      ["T"],
    );
    await expectCreationMatches(
      "arange",
      { start: mul("T", -3) },
      { dtype: "i32", shape: [add("T", 263)] },
      t,
      ["T"],
    );
  });
});

describe("eye", () => {
  it("square and non-square, all dtypes, runtime dims", async () => {
    for (const dtype of DTYPES) {
      for (const shape of [
        [5, 7],
        [7, 5],
        [1, 1],
        [300, 3],
      ]) {
        await exact({ op: "eye", inputs: [], outputs: [{ dtype, shape }] });
      }
      await expectCreationMatches("eye", {}, { dtype, shape: ["T", 40] }, random("f32", [37], 81), [
        "T",
      ]);
    }
  });
});

describe("roll", () => {
  it("positive, negative, zero and oversized shifts, all dtypes", async () => {
    for (const dtype of DTYPES) {
      const x = random(dtype, [3, 37, 5], 90);
      for (const shift of [3, -5, 0, 100, -100, 37]) {
        await unaryCase("roll", x, [], { axis: 1, shift }, { dtype, shape: [3, 37, 5] });
      }
    }
  });

  it("runtime dims in the shape and the shift, size-1 axes, rank 1 over 256", async () => {
    const x = random("f32", [3, 37, 1], 91);
    const out: TensorSpec = { dtype: "f32", shape: ["B", "T", 1] };
    for (const shift of [add("T", -1), add(1, mul("T", -2)), 4, -40, "B"]) {
      await unaryCase("roll", x, ["B", "T"], { axis: 1, shift }, out);
    }
    await unaryCase("roll", x, ["B", "T"], { axis: 2, shift: 3 }, out);
    await unaryCase(
      "roll",
      random("i32", [300], 92),
      [],
      { axis: 0, shift: -257 },
      { dtype: "i32", shape: [300] },
    );
  });
});

describe("pad", () => {
  it("before/after on each axis with special values, all dtypes", async () => {
    const x = random("f32", [3, 37], 100);
    for (const value of [0, NaN, -Infinity, 1.5]) {
      await unaryCase(
        "pad",
        x,
        [],
        { axis: 1, before: 2, value },
        { dtype: "f32", shape: [3, 45] },
      );
    }
    await unaryCase(
      "pad",
      x,
      [],
      { axis: 0, before: 0, value: 7 },
      { dtype: "f32", shape: [4, 37] },
    );
    const i = random("i32", [1, 5], 101);
    await unaryCase(
      "pad",
      i,
      [],
      { axis: 0, before: 1, value: -7 },
      { dtype: "i32", shape: [3, 5] },
    );
    const b = random("bool", [300], 102);
    await unaryCase(
      "pad",
      b,
      [],
      { axis: 0, before: 3, value: true },
      { dtype: "bool", shape: [303] },
    );
    await unaryCase(
      "pad",
      b,
      [],
      { axis: 0, before: 0, value: false },
      { dtype: "bool", shape: [300] },
    );
  });

  it("runtime dims in the shape and in before", async () => {
    const x = random("f32", [3, 37], 103);
    // before T, then x, then 2: [B, 2T + 2]
    await unaryCase(
      "pad",
      x,
      ["B", "T"],
      { axis: 1, before: "T", value: -1 },
      { dtype: "f32", shape: ["B", add(mul("T", 2), 2)] },
    );
    await unaryCase(
      "pad",
      x,
      ["B", "T"],
      { axis: 0, before: add("B", -2), value: 0 },
      { dtype: "f32", shape: [add("B", 5), "T"] },
    );
  });
});

/** A one-node graph for runs that the reference would reject (out-of-range ids). */
function opGraphFor(
  op: string,
  inputs: Tensor[],
  attrs: Record<string, Attr>,
  out: TensorSpec,
): Graph {
  const types = inputs.map((t) => ({ dtype: t.dtype, shape: [...t.shape] }));
  return {
    version: 1,
    model: op,
    dims: [],
    inputs: types.map((type, i) => ({ name: `x${i}`, value: i, type })),
    params: [],
    nodes: [{ op, inputs: types.map((_, i) => i), outputs: [types.length], types: [out], attrs }],
    outputs: [{ name: "y0", value: types.length }],
    checks: [],
  };
}
