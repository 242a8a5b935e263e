/**
 * std/nn's softmax run through the whole pipeline (checker → graph → reference interpreter):
 * it equals exp(xᵢ − max x) / Σ exp(xⱼ − max x), stays finite on large logits, and a row that is
 * entirely masked (−inf) gives zeros instead of NaN (spec: stdlib/nn.arch).
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Program } from "../../compiler/check/index.js";
import { buildGraph } from "../../compiler/ir/build.js";
import { execute } from "../../runtime/reference/execute.js";
import { tensor } from "../../runtime/reference/tensor.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FILE = join(ROOT, "tests/run/softmax.virtual.arch");
const SOURCE = `import { softmax } from "std/nn"

block Soft {
  forward(x: [R, N]) -> y: [R, N] {
    return softmax(x, -1)
  }
}

model M = Soft()
`;

function runSoftmax(rows: number[][]): number[][] {
  const program = new Program({ cwd: ROOT, overlays: new Map([[FILE, SOURCE]]) });
  const { graph, diagnostics } = buildGraph(program, FILE, "M");
  expect(diagnostics).toEqual([]);
  const n = rows[0]!.length;
  const x = tensor("f32", [rows.length, n], rows.flat());
  const y = execute(graph!, new Map(), new Map([["x", x]])).get("y")!;
  expect(y.shape).toEqual([rows.length, n]);
  return rows.map((_, r) => Array.from(y.data.slice(r * n, r * n + n)));
}

/** The equation, in double. */
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("softmax (std/nn) end to end", () => {
  it("matches the equation on random rows, stays finite on large logits, zeroes masked entries", () => {
    const random = Array.from({ length: 4 }, (_, r) =>
      Array.from({ length: 7 }, (_, i) => Math.sin(13 * r + 7 * i) * 5),
    );
    const large = [1000, 999, -1000, 0, 998, 1000, 3];
    const partlyMasked = [0.5, -Infinity, 2, -Infinity, -1, 0, -Infinity];
    const rows = [...random, large, partlyMasked];
    const got = runSoftmax(rows);
    rows.forEach((row, r) => {
      const want = softmax(row);
      got[r]!.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6));
      expect(got[r]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });
    expect(got[5]![1]).toBe(0);
  });

  it("gives zeros, not NaN, for a fully masked row, leaving the other rows alone", () => {
    const got = runSoftmax([
      [-Infinity, -Infinity, -Infinity],
      [1, 2, 3],
    ]);
    expect(got[0]).toEqual([0, 0, 0]);
    const want = softmax([1, 2, 3]);
    got[1]!.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6));
  });
});
