/**
 * Reductions and scans on WebGPU against the reference interpreter: sum mean max min prod
 * argmax cumsum topk, on both schedules (one invocation per output folding sequentially, or a
 * workgroup tree per output; see `treeGate` in reduce.ts), any subset of axes, keepdim, empty
 * axes, runtime dims, NaN, ties and i32 wraparound.
 *
 * Tolerances. i32 results, max/min, argmax and topk are exact (no rounding involved). f32 sums
 * accumulate in f32 on the GPU and in double in the reference, so an f32 sum along an addition
 * chain of depth d is off by at most d·u·Σ|x| (u = 2⁻²⁴), plus the reference's own rounding
 * (rtol 1e-6). d is n on the sequential path and ⌈n/W⌉ + log₂W for a tree of width W (a
 * strided chain, then the tree levels); `chainDepth` reads the schedule that actually runs, and
 * `maxAbsSum` computes Σ|x| per output with the reference itself. prod's relative error grows
 * the same way: rtol 2·(d + 1)·u.
 */
import { describe, expect, it } from "vitest";
import { compileSchedule } from "../../compiler/codegen/wgsl/schedule.js";
import { DEFAULT_TARGET } from "../../runtime/schedule.js";
import { evalDim, type Attr, type DimExpr, type TensorSpec } from "../../runtime/graph.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";
import { EXACT, expectOpMatches, opGraph, random, symbolic, type Tolerance } from "./harness.js";

const U = 2 ** -24;

interface ReduceCase {
  x: Tensor;
  axes: number[];
  keepdim?: boolean;
  /** Axes renamed to runtime dims. */
  names?: (string | undefined)[];
}

function specOf(c: ReduceCase): TensorSpec {
  return c.names ? symbolic(c.x, c.names) : { dtype: c.x.dtype, shape: [...c.x.shape] };
}

function outShape(t: TensorSpec, axes: number[], keepdim: boolean): DimExpr[] {
  return t.shape.flatMap((d, i) => (axes.includes(i) ? (keepdim ? [1] : []) : [d]));
}

/** The runtime dims a case binds (each name to its axis's size). */
function dimsOf(c: ReduceCase): Map<string, number> {
  const dims = new Map<string, number>();
  c.names?.forEach((name, i) => name !== undefined && dims.set(name, c.x.shape[i]!));
  return dims;
}

/** The kernels the op's schedule runs at the case's sizes (dispatches with workgroups > 0). */
function runningKernels(op: string, c: ReduceCase): { name: string; workgroupSize: number }[] {
  const spec = specOf(c);
  const keepdim = c.keepdim ?? false;
  const g = opGraph({
    op,
    inputs: [],
    inputTypes: [spec],
    attrs: { axes: c.axes, keepdim },
    outputs: [{ dtype: spec.dtype, shape: outShape(spec, c.axes, keepdim) }],
  });
  const s = compileSchedule(g, DEFAULT_TARGET);
  const dims = dimsOf(c);
  return s.dispatches
    .filter((d) => evalDim(d.workgroups, dims) > 0)
    .map((d) => s.kernels[d.kernel]!);
}

/** The depth of the addition chain of the schedule that runs (see the file comment). */
function chainDepth(op: string, c: ReduceCase): number {
  const n = c.axes.reduce((a, i) => a * c.x.shape[i]!, 1);
  const k = runningKernels(op, c)[0];
  if (!k || !k.name.includes("_tree")) return Math.max(n, 1);
  return Math.ceil(n / k.workgroupSize) + Math.log2(k.workgroupSize);
}

/** The largest Σ|x| over the output elements of a reduction of `x` over `axes`. */
function maxAbsSum(x: Tensor, axes: number[]): number {
  const abs = tensor(x.dtype, x.shape, Array.from(x.data, Math.abs));
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  const g = opGraph({
    op: "sum",
    inputs: [abs],
    attrs: { axes, keepdim: false },
    outputs: [{ dtype: "f32", shape }],
  });
  const s = execute(g, new Map(), new Map([["x0", abs]])).get("y0")!;
  return Math.max(0, ...Array.from(s.data));
}

/** The tolerance of an op on a case (see the file comment). */
function tolFor(op: string, c: ReduceCase): Tolerance {
  if (c.x.dtype === "i32" || op === "max" || op === "min") return EXACT;
  const n = c.axes.reduce((a, i) => a * c.x.shape[i]!, 1);
  const d = chainDepth(op, c);
  const sum = { rtol: 1e-6, atol: (d + 1) * U * maxAbsSum(c.x, c.axes) };
  if (op === "sum") return sum;
  if (op === "mean") return { rtol: 1e-6, atol: sum.atol / Math.max(n, 1) };
  return { rtol: 2 * (d + 1) * U, atol: 0 };
}

async function checkReduce(op: string, c: ReduceCase): Promise<void> {
  const spec = specOf(c);
  const keepdim = c.keepdim ?? false;
  const attrs: Record<string, Attr> = { axes: c.axes, keepdim };
  await expectOpMatches(
    {
      op,
      inputs: [c.x],
      inputTypes: [spec],
      attrs,
      outputs: [{ dtype: c.x.dtype, shape: outShape(spec, c.axes, keepdim) }],
    },
    tolFor(op, c),
  );
}

/** Small integers as f32 (many ties), with NaN at the given flat positions. */
function ints(shape: number[], seed: number, nans: number[] = [], lo = -3, hi = 3): Tensor {
  const t = random("f32", shape, seed, { lo, hi });
  const data = Array.from(t.data, Math.floor);
  for (const i of nans) data[i] = NaN;
  return tensor("f32", shape, data);
}

function withNaN(t: Tensor, at: number[]): Tensor {
  const data = Array.from(t.data);
  for (const i of at) data[i] = NaN;
  return tensor(t.dtype, t.shape, data);
}

const EXTENTS = [1, 7, 255, 256, 257, 1000, 4097];

describe("webgpu sum/mean/max/min/prod", () => {
  it("picks the schedule by the stated rule, at compile time or at run time", () => {
    const path = (shape: number[], axes: number[], names?: (string | undefined)[]) => {
      const ks = runningKernels("sum", { x: tensor("f32", shape), axes, names });
      expect(ks).toHaveLength(1);
      return ks[0]!.name.replace(/.*_(seq|tree\d+)$/, "$1");
    };
    // Sequential below 256 reduced elements or from 1024 outputs; a tree otherwise, its width
    // about n / 16 (32 to 256).
    expect(path([3, 255], [1])).toBe("seq");
    expect(path([3, 256], [1])).toBe("tree32");
    expect(path([3, 1000], [1])).toBe("tree32");
    expect(path([3, 4097], [1])).toBe("tree256");
    expect(path([1024, 300], [1])).toBe("seq");
    expect(path([16, 16, 3], [0, 1])).toBe("tree32");
    // Runtime sizes: both kernels are compiled, and the sizes pick the one that runs.
    expect(path([3, 300], [1], [undefined, "T"])).toBe("tree256");
    expect(path([3, 7], [1], [undefined, "T"])).toBe("seq");
    expect(path([2000, 300], [1], ["B", "T"])).toBe("seq");
    expect(path([5, 300], [1], ["B"])).toBe("tree32");
    expect(path([5000, 300], [1], ["B"])).toBe("seq");
  });

  it("reduces one axis of every extent on both schedules", async () => {
    for (const n of EXTENTS) {
      const x = random("f32", [3, n], n);
      for (const op of ["sum", "mean", "max", "min"]) await checkReduce(op, { x, axes: [1] });
    }
  });

  it("reduces first, middle, last, several, all and no axes, keepdim both ways", async () => {
    const x = random("f32", [3, 5, 7, 2], 11);
    const axesList = [[0], [1], [3], [0, 2], [1, 3], [0, 1, 2, 3], []];
    for (const axes of axesList)
      for (const keepdim of [false, true])
        for (const op of ["sum", "max"]) await checkReduce(op, { x, axes, keepdim });
    // A strided middle axis and a non-contiguous pair on the tree path.
    const y = random("f32", [2, 300, 3], 12);
    await checkReduce("sum", { x: y, axes: [1], keepdim: true });
    await checkReduce("min", { x: y, axes: [1] });
    const z = random("f32", [40, 3, 20, 2], 13);
    await checkReduce("sum", { x: z, axes: [0, 2] });
    await checkReduce("mean", { x: z, axes: [0, 2], keepdim: true });
  });

  it("handles rank 0 and size-1 dims", async () => {
    const s = random("f32", [], 21);
    for (const op of ["sum", "mean", "max", "prod"]) await checkReduce(op, { x: s, axes: [] });
    const x = random("f32", [1, 257, 1], 22);
    await checkReduce("sum", { x, axes: [1], keepdim: true });
    await checkReduce("max", { x, axes: [0, 2] });
  });

  it("gives the identity over empty axes", async () => {
    const x = random("f32", [4, 0, 3], 31);
    for (const op of ["sum", "mean", "max", "min", "prod"])
      await checkReduce(op, { x, axes: [1], keepdim: true });
    const i = random("i32", [2, 0], 32);
    for (const op of ["sum", "max", "min", "prod"]) await checkReduce(op, { x: i, axes: [1] });
    // A runtime extent that is 0.
    for (const op of ["mean", "max"])
      await checkReduce(op, { x, axes: [1], names: [undefined, "T"] });
    // An empty kept axis: no output element at all.
    await checkReduce("sum", { x, axes: [2] });
  });

  it("takes runtime dims in reduced and kept axes", async () => {
    // Small output counts with a large reduced extent: the tree (a runtime extent: width 256).
    const x = random("f32", [3, 300, 7], 41);
    await checkReduce("sum", { x, axes: [1], names: ["B", "T"] });
    await checkReduce("mean", { x, axes: [0, 1], names: ["B", "T"], keepdim: true });
    await checkReduce("max", { x, axes: [1], names: ["B"] });
    // The same kernels at sizes where the sequential one runs.
    const small = random("f32", [3, 5, 7], 42);
    await checkReduce("sum", { x: small, axes: [1], names: ["B", "T"] });
    await checkReduce("max", { x: small, axes: [1], names: ["B"] });
    const many = random("f32", [1100, 260], 43);
    await checkReduce("sum", { x: many, axes: [1], names: ["B", "T"] });
    // Kept runtime dims around constant reduced axes.
    await checkReduce("sum", { x: small, axes: [2], names: ["B", "T"] });
    await checkReduce("min", { x: small, axes: [1], names: ["B", undefined, "C"] });
  });

  it("propagates NaN through max and min", async () => {
    for (const n of [7, 1000]) {
      const x = withNaN(random("f32", [3, n], 51), [2, n + 5]);
      await checkReduce("max", { x, axes: [1] });
      await checkReduce("min", { x, axes: [1] });
    }
  });

  it("computes prod without overflow", async () => {
    for (const n of [7, 255, 257, 1000]) {
      const x = random("f32", [2, n], 61, { lo: 0.5, hi: 1.5 });
      await checkReduce("prod", { x, axes: [1] });
    }
    await checkReduce("prod", {
      x: random("f32", [2, 4097], 62, { lo: 0.95, hi: 1.05 }),
      axes: [1],
    });
    await checkReduce("prod", {
      x: random("f32", [3, 5, 7], 63, { lo: -1.5, hi: 1.5 }),
      axes: [0, 2],
    });
  });

  it("wraps i32 sums and products", async () => {
    for (const n of [7, 1000]) {
      const big = random("i32", [3, n], 71, { lo: -(2 ** 30), hi: 2 ** 30 });
      for (const op of ["sum", "max", "min"]) await checkReduce(op, { x: big, axes: [1] });
      // Odd factors: the product never collapses to 0 mod 2³², so wrapping shows.
      const odd = random("i32", [3, n], 72, { lo: -10, hi: 10 });
      await checkReduce("prod", {
        x: tensor(
          "i32",
          odd.shape,
          odd.data.map((v) => 2 * v + 1),
        ),
        axes: [1],
      });
      const x = random("i32", [3, n], 73);
      await checkReduce("sum", { x, axes: [0, 1] });
    }
  });
});

// ------------------------------------------------------------------------------ argmax

async function checkArgmax(x: Tensor, axis: number, names?: (string | undefined)[]) {
  const spec = names ? symbolic(x, names) : { dtype: x.dtype, shape: [...x.shape] };
  await expectOpMatches(
    {
      op: "argmax",
      inputs: [x],
      inputTypes: [spec],
      attrs: { axis },
      outputs: [{ dtype: "i32", shape: spec.shape.filter((_, i) => i !== axis) }],
    },
    EXACT,
  );
}

describe("webgpu argmax", () => {
  it("picks the first maximum on both schedules", async () => {
    for (const n of [1, 7, 257, 4097]) await checkArgmax(ints([3, n], n), 1);
    const x = ints([4, 6, 5], 81);
    for (const axis of [0, 1, 2]) await checkArgmax(x, axis);
    await checkArgmax(random("f32", [5, 300], 82), 1);
  });

  it("counts NaN as the largest, the first NaN winning", async () => {
    await checkArgmax(ints([3, 7], 91, [2, 4, 10, 20]), 1);
    await checkArgmax(ints([3, 1000], 92, [5, 700, 1400, 1401, 2999]), 1);
    await checkArgmax(ints([6, 4], 93, [1, 5, 9]), 0);
  });

  it("takes i32 and runtime dims", async () => {
    await checkArgmax(random("i32", [5, 9], 101, { lo: -3, hi: 3 }), 1);
    await checkArgmax(random("i32", [2, 600], 102, { lo: -3, hi: 3 }), 1, ["B", "T"]);
    await checkArgmax(ints([3, 5, 4], 103), 1, ["B", undefined, "C"]);
  });
});

// ------------------------------------------------------------------------------ cumsum

async function checkCumsum(x: Tensor, axis: number, names?: (string | undefined)[]) {
  const spec = names ? symbolic(x, names) : { dtype: x.dtype, shape: [...x.shape] };
  // A sequential f32 chain of up to n additions: n·u·Σ|x| along the row, plus rounding.
  const tol =
    x.dtype === "i32"
      ? EXACT
      : { rtol: 1e-6, atol: (x.shape[axis]! + 1) * U * maxAbsSum(x, [axis]) };
  await expectOpMatches(
    {
      op: "cumsum",
      inputs: [x],
      inputTypes: [spec],
      attrs: { axis },
      outputs: [{ dtype: x.dtype, shape: spec.shape }],
    },
    tol,
  );
}

describe("webgpu cumsum", () => {
  it("scans any axis of f32 and i32", async () => {
    const x = random("f32", [4, 7, 5], 111);
    for (const axis of [0, 1, 2]) await checkCumsum(x, axis);
    await checkCumsum(random("f32", [2, 1000], 112), 1);
    await checkCumsum(random("f32", [1], 113), 0);
    await checkCumsum(random("i32", [3, 257], 114, { lo: -(2 ** 30), hi: 2 ** 30 }), 1);
    await checkCumsum(random("f32", [3, 0, 2], 115), 1);
  });

  it("takes runtime dims", async () => {
    await checkCumsum(random("f32", [3, 300, 2], 121), 1, ["B", "T"]);
    await checkCumsum(random("i32", [3, 5, 2], 122), 0, ["B", undefined, "C"]);
  });
});

// ------------------------------------------------------------------------------ topk

async function checkTopk(x: Tensor, axis: number, k: number, names?: (string | undefined)[]) {
  const spec = names ? symbolic(x, names) : { dtype: x.dtype, shape: [...x.shape] };
  const shape = spec.shape.map((d, i) => (i === axis ? k : d));
  await expectOpMatches(
    {
      op: "topk",
      inputs: [x],
      inputTypes: [spec],
      attrs: { axis },
      outputs: [
        { dtype: x.dtype, shape },
        { dtype: "i32", shape },
      ],
    },
    EXACT,
  );
}

describe("webgpu topk", () => {
  it("selects in the reference's order with ties and NaN", async () => {
    await checkTopk(ints([3, 7], 131, [3, 9]), 1, 7);
    await checkTopk(ints([3, 257], 132, [10, 11, 300]), 1, 5);
    await checkTopk(ints([6, 4, 3], 133, [2, 7, 40]), 0, 3);
    await checkTopk(ints([4, 9, 3], 134), 1, 1);
    await checkTopk(random("f32", [2, 1000], 135), 1, 16);
    await checkTopk(ints([5, 3], 136), 1, 0);
  });

  it("takes i32 and runtime dims", async () => {
    await checkTopk(random("i32", [4, 50], 141, { lo: -5, hi: 5 }), 1, 10);
    await checkTopk(ints([3, 20, 2], 142, [7]), 1, 4, ["B", "T", "C"]);
  });
});
