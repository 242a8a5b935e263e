/**
 * Elementwise kernels on WebGPU against the reference interpreter: every unary and binary op,
 * where, cast, const and full, on random inputs with broadcasting, size-1 dims, sizes that are not
 * multiples of the workgroup, runtime dims, and the edge cases of spec/ir.md ("Numerics").
 *
 * Tolerances: exact where WGSL computes the same correctly rounded f32 as the reference (add, sub,
 * mul, div, sqrt, comparisons, integer ops, casts, floor, ceil, abs, neg); otherwise the WGSL
 * spec's accuracy for the builtin, measured here with margin: exp/log/pow/tanh/sin/cos/erf within a
 * few ulps (rtol 4e-6 to 1e-5); rsqrt as 1/sqrt, two roundings (rtol 2.5e-7).
 */
import { describe, expect, it } from "vitest";
import type { DType, TensorSpec } from "../../runtime/graph.js";
import { tensor, type Tensor } from "../../runtime/reference/tensor.js";
import { EXACT, expectOpMatches, random, symbolic, type Tolerance } from "./harness.js";

const ulps = (n: number): Tolerance => ({ atol: 0, rtol: n * 2 ** -24 });

/** A [B, T, 5]-shaped case (B = 3, T = 37 as runtime dims) and its broadcast partner [T, 1]. */
function pair(dtype: DType, seed: number, range?: { lo: number; hi: number }) {
  const a = random(dtype, [3, 37, 5], seed, range);
  const b = random(dtype, [37, 1], seed + 1, range);
  return {
    inputs: [a, b],
    inputTypes: [symbolic(a, ["B", "T"]), symbolic(b, ["T"])],
    out: (d: DType): TensorSpec => ({ dtype: d, shape: ["B", "T", 5] }),
  };
}

async function unary(op: string, x: Tensor, tol: Tolerance, names: (string | undefined)[] = []) {
  const t = symbolic(x, names);
  await expectOpMatches({ op, inputs: [x], inputTypes: [t], outputs: [{ ...t }] }, tol);
}

describe("unary ops", () => {
  const x = random("f32", [2, 300], 11, { lo: -6, hi: 6 });
  const pos = random("f32", [2, 300], 12, { lo: 1e-3, hi: 50 });
  const cases: [string, Tensor, Tolerance][] = [
    ["neg", x, EXACT],
    ["abs", x, EXACT],
    ["sign", x, EXACT],
    ["floor", x, EXACT],
    ["ceil", x, EXACT],
    ["exp", x, ulps(32)],
    // WGSL's log: absolute error 2^-21 on [0.5, 2] (the relative error near x = 1 is unbounded).
    ["log", pos, { atol: 2 ** -21, rtol: 32 * 2 ** -24 }],
    ["sqrt", pos, EXACT],
    ["rsqrt", pos, ulps(4)],
    ["sin", x, { atol: 2e-7, rtol: 0 }],
    ["cos", x, { atol: 2e-7, rtol: 0 }],
    ["tanh", x, { atol: 2e-7, rtol: 0 }],
    ["erf", x, { atol: 2.5e-7, rtol: 0 }],
  ];
  for (const [op, input, tol] of cases) {
    it(`${op} (f32, T a runtime dim)`, async () => {
      await unary(op, input, tol, [undefined, "T"]);
    });
  }

  it("neg, abs, sign, floor, ceil of i32, including the wrap of -MIN", async () => {
    const i = tensor("i32", [5], [-2147483648, -7, 0, 7, 2147483647]);
    for (const op of ["neg", "abs", "sign", "floor", "ceil"]) await unary(op, i, EXACT);
  });

  it("not of bool, rank 0 and 257 elements", async () => {
    await unary("not", tensor("bool", [], [1]), EXACT);
    await unary("not", random("bool", [257], 3), EXACT);
  });

  it("edge values: ±0, ±inf, NaN, huge arguments", async () => {
    const e = tensor("f32", [8], [0, -0, Infinity, -Infinity, NaN, 88.7, -103, 1e30]);
    for (const op of ["neg", "abs", "sign", "floor", "exp", "tanh", "erf"])
      await unary(op, e, { atol: 2.5e-7, rtol: 4e-6 });
  });
});

describe("binary ops", () => {
  const exact = [
    "add",
    "sub",
    "mul",
    "div",
    "maximum",
    "minimum",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
  ];
  for (const op of exact) {
    it(`${op} (f32 and i32, broadcast [B, T, 5] with [T, 1])`, async () => {
      for (const dtype of ["f32", "i32"] as const) {
        const p = pair(dtype, 21);
        const bool = ["eq", "ne", "lt", "le", "gt", "ge"].includes(op);
        await expectOpMatches(
          {
            op,
            inputs: p.inputs,
            inputTypes: p.inputTypes,
            outputs: [p.out(bool ? "bool" : dtype)],
          },
          EXACT,
        );
      }
    });
  }

  it("mod: f32 within an ulp of |b| (a - floor(a/b)*b in f32), i32 exact with the divisor's sign", async () => {
    const f = pair("f32", 31, { lo: -9, hi: 9 });
    await expectOpMatches(
      { op: "mod", inputs: f.inputs, inputTypes: f.inputTypes, outputs: [f.out("f32")] },
      { atol: 2e-6, rtol: 0 },
    );
    const i = pair("i32", 32, { lo: -9, hi: 9 });
    await expectOpMatches(
      { op: "mod", inputs: i.inputs, inputTypes: i.inputTypes, outputs: [i.out("i32")] },
      EXACT,
    );
  });

  it("i32 div and mod: floor division, by zero gives 0, MIN / -1 wraps", async () => {
    const a = tensor("i32", [8], [7, -7, 7, -7, 5, -2147483648, -2147483648, 0]);
    const b = tensor("i32", [8], [2, 2, -2, -2, 0, -1, 3, 0]);
    for (const op of ["div", "mod"])
      await expectOpMatches({ op, inputs: [a, b], outputs: [{ dtype: "i32", shape: [8] }] }, EXACT);
  });

  it("i32 add and mul wrap modulo 2^32", async () => {
    const a = tensor("i32", [3], [2147483647, -2147483648, 65536]);
    const b = tensor("i32", [3], [1, -1, 65536]);
    for (const op of ["add", "sub", "mul"])
      await expectOpMatches({ op, inputs: [a, b], outputs: [{ dtype: "i32", shape: [3] }] }, EXACT);
  });

  it("pow: f32 on positive bases, C's rules at the edges, i32 by squaring", async () => {
    const base = random("f32", [65], 41, { lo: 0.01, hi: 4 });
    const exp = random("f32", [65], 42, { lo: -3, hi: 3 });
    await expectOpMatches(
      { op: "pow", inputs: [base, exp], outputs: [{ dtype: "f32", shape: [65] }] },
      ulps(64),
    );
    const a = tensor("f32", [12], [-2, -2, -0, -0, 0, 1, -1, -1, 0, -8, 2, NaN]);
    const b = tensor("f32", [12], [3, 0.5, -1, 3, 0, NaN, Infinity, 2, -2, 1 / 3, -Infinity, 0]);
    await expectOpMatches(
      { op: "pow", inputs: [a, b], outputs: [{ dtype: "f32", shape: [12] }] },
      ulps(4),
    );
    const ia = tensor("i32", [7], [3, -3, 2, 1, -1, -1, 5]);
    const ib = tensor("i32", [7], [4, 3, 31, -5, -3, -4, -1]);
    await expectOpMatches(
      { op: "pow", inputs: [ia, ib], outputs: [{ dtype: "i32", shape: [7] }] },
      EXACT,
    );
  });

  it("maximum and minimum propagate NaN", async () => {
    const a = tensor("f32", [4], [NaN, 1, NaN, -0]);
    const b = tensor("f32", [4], [1, NaN, NaN, 0]);
    for (const op of ["maximum", "minimum"])
      await expectOpMatches({ op, inputs: [a, b], outputs: [{ dtype: "f32", shape: [4] }] }, EXACT);
  });

  it("and, or, eq, ne on bool; comparisons of bool with a rank-0 operand", async () => {
    const a = random("bool", [300], 51);
    const b = random("bool", [300], 52);
    for (const op of ["and", "or", "eq", "ne"])
      await expectOpMatches(
        { op, inputs: [a, b], outputs: [{ dtype: "bool", shape: [300] }] },
        EXACT,
      );
    await expectOpMatches(
      {
        op: "and",
        inputs: [a, tensor("bool", [], [1])],
        outputs: [{ dtype: "bool", shape: [300] }],
      },
      EXACT,
    );
  });
});

describe("where, cast, const, full", () => {
  it("where broadcasts all three operands", async () => {
    const c = random("bool", [37, 1], 61);
    const a = random("f32", [3, 37, 5], 62);
    const b = tensor("f32", [], [-Infinity]);
    await expectOpMatches(
      {
        op: "where",
        inputs: [c, a, b],
        inputTypes: [symbolic(c, ["T"]), symbolic(a, ["B", "T"]), symbolic(b, [])],
        outputs: [{ dtype: "f32", shape: ["B", "T", 5] }],
      },
      EXACT,
    );
  });

  it("cast between every pair of dtypes; f32 → i32 truncates, saturates, NaN → 0", async () => {
    const f = tensor("f32", [9], [1.7, -1.7, 0, -0, 3e9, -3e9, NaN, Infinity, 2147483520]);
    const i = tensor("i32", [4], [0, 5, -2147483648, 16777217]);
    const b = tensor("bool", [3], [0, 1, 1]);
    for (const x of [f, i, b])
      for (const to of ["f32", "i32", "bool"] as const)
        await expectOpMatches(
          {
            op: "cast",
            inputs: [x],
            attrs: { dtype: to },
            outputs: [{ dtype: to, shape: x.shape }],
          },
          EXACT,
        );
  });

  it("const and full, including -inf and runtime-sized outputs", async () => {
    await expectOpMatches(
      { op: "const", inputs: [], attrs: { value: 0.1 }, outputs: [{ dtype: "f32", shape: [] }] },
      EXACT,
    );
    await expectOpMatches(
      { op: "const", inputs: [], attrs: { value: true }, outputs: [{ dtype: "bool", shape: [] }] },
      EXACT,
    );
    await expectOpMatches(
      {
        op: "full",
        inputs: [],
        attrs: { value: -Infinity },
        outputs: [{ dtype: "f32", shape: [3, 257] }],
      },
      EXACT,
    );
    await expectOpMatches(
      { op: "full", inputs: [], attrs: { value: -3 }, outputs: [{ dtype: "i32", shape: [70000] }] },
      EXACT,
    );
  });

  it("an empty tensor dispatches nothing and returns an empty result", async () => {
    const [y] = await expectOpMatches(
      { op: "exp", inputs: [random("f32", [0, 4], 1)], outputs: [{ dtype: "f32", shape: [0, 4] }] },
      EXACT,
    );
    expect(y!.data.length).toBe(0);
  });
});
