import { describe, expect, it } from "vitest";
import { parseEinsumSpec } from "../../runtime/reference/kernels.js";
import { f32, i32, run, ty, vals } from "./helpers.js";

// a = [[1, 2, 3], [4, 5, 6]], b = [[7, 8], [9, 10], [11, 12]]
const a = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const b = f32([3, 2], [7, 8, 9, 10, 11, 12]);
// a @ b = [[1·7 + 2·9 + 3·11, 1·8 + 2·10 + 3·12], [4·7 + 5·9 + 6·11, 4·8 + 5·10 + 6·12]]
const ab = [58, 64, 139, 154];

describe("matmul", () => {
  it("multiplies matrices", () => {
    expect(vals(run("matmul", [a, b], {}, ty("f32", 2, 2)))).toEqual(ab);
    const ai = i32([2, 3], [1, 2, 3, 4, 5, 6]);
    const bi = i32([3, 2], [7, 8, 9, 10, 11, 12]);
    expect(vals(run("matmul", [ai, bi], {}, ty("i32", 2, 2)))).toEqual(ab);
  });

  it("treats a rank-1 a as a row and a rank-1 b as a column, dropping that axis", () => {
    const v = f32([3], [1, 2, 3]);
    const w = f32([3], [4, 5, 6]);
    expect(vals(run("matmul", [v, w], {}, ty("f32")))).toEqual([32]);
    expect(vals(run("matmul", [v, b], {}, ty("f32", 2)))).toEqual([58, 64]);
    expect(vals(run("matmul", [a, f32([3], [1, 0, -1])], {}, ty("f32", 2)))).toEqual([-2, -2]);
    // A rank-1 a against a batch of matrices: [2] @ [3, 2, 1] → [3, 1].
    const bs = f32([3, 2, 1], [0, 1, 1, 1, 2, 1]); // b_j = [[j], [1]]
    expect(vals(run("matmul", [f32([2], [10, 1]), bs], {}, ty("f32", 3, 1)))).toEqual([1, 11, 21]);
  });

  it("broadcasts batch dims", () => {
    // a: [2, 1, 1, 2] (a_i = [[1, 2]], [[3, 4]]), b: [3, 2, 1] (b_j = [[j], [1]]) → [2, 3, 1, 1]
    const x = f32([2, 1, 1, 2], [1, 2, 3, 4]);
    const y = f32([3, 2, 1], [0, 1, 1, 1, 2, 1]);
    // out[i, j] = a_i0 · j + a_i1
    expect(vals(run("matmul", [x, y], {}, ty("f32", 2, 3, 1, 1)))).toEqual([2, 3, 4, 4, 7, 10]);
    // A plain matrix against a batch: [2, 3] @ [2, 3, 2].
    const bb = f32([2, 3, 2], [7, 8, 9, 10, 11, 12, 1, 0, 0, 1, 0, 0]);
    expect(vals(run("matmul", [a, bb], {}, ty("f32", 2, 2, 2)))).toEqual([...ab, 1, 2, 4, 5]);
  });

  it("rejects mismatched operands", () => {
    expect(() => run("matmul", [a, a], {}, ty("f32", 2, 3))).toThrow(/contracted dims differ/);
    expect(() => run("matmul", [f32([]), a], {}, ty("f32", 3))).toThrow(/rank 0/);
    expect(() => run("matmul", [f32([2, 2, 3]), f32([3, 3, 2])], {}, ty("f32", 2, 2, 2))).toThrow(
      /cannot broadcast/,
    );
  });

  it("handles empty contractions", () => {
    expect(vals(run("matmul", [f32([2, 0]), f32([0, 2])], {}, ty("f32", 2, 2)))).toEqual([
      0, 0, 0, 0,
    ]);
  });
});

describe("einsum", () => {
  const es = (spec: string, ops: ReturnType<typeof f32>[], ...shape: number[]) =>
    vals(run("einsum", ops, { spec }, ty(ops[0]!.dtype, ...shape)));
  const m = f32([2, 2], [1, 2, 3, 4]);

  it("matrix product, transpose, trace, diagonal, sums", () => {
    expect(es("ij,jk->ik", [a, b], 2, 2)).toEqual(ab);
    expect(es("ij->ji", [a], 3, 2)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(es("ii->", [m])).toEqual([5]);
    expect(es("ii->i", [m], 2)).toEqual([1, 4]);
    expect(es("ij->", [a])).toEqual([21]);
    expect(es("ij->j", [a], 3)).toEqual([5, 7, 9]);
    expect(es(" ij , jk -> ik ", [a, b], 2, 2)).toEqual(ab);
  });

  it("dot, outer and three operands", () => {
    const v = f32([3], [1, 2, 3]);
    const w = f32([3], [4, 5, 6]);
    expect(es("i,i->", [v, w])).toEqual([32]);
    expect(es("i,j->ij", [v, f32([2], [1, 10])], 3, 2)).toEqual([1, 10, 2, 20, 3, 30]);
    // Σ v_i w_i u_i = 1·4·1 + 2·5·0 + 3·6·2
    expect(es("i,i,i->", [v, w, f32([3], [1, 0, 2])])).toEqual([40]);
    // (a b) v' with three operands: ij,jk,k->i; b @ [1, 1] = [15, 19, 23]; a @ that
    expect(es("ij,jk,k->i", [a, b, f32([2], [1, 1])], 2)).toEqual([122, 293]);
  });

  it("batched matrix product", () => {
    const x = f32([2, 1, 2], [1, 2, 3, 4]);
    const y = f32([2, 2, 1], [1, 1, 2, 0]);
    // batch 0: [1, 2]·[1, 1] = 3; batch 1: [3, 4]·[2, 0] = 6
    expect(es("bij,bjk->bik", [x, y], 2, 1, 1)).toEqual([3, 6]);
    expect(es("bij,bjk->bki", [x, y], 2, 1, 1)).toEqual([3, 6]);
  });

  it("ellipsis, broadcasting its dims", () => {
    const x = f32([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(es("...ij->...ji", [x], 2, 3, 2)).toEqual([1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12]);
    // [2, 3] and [3]: the second operand's "..." is empty.
    expect(es("...i,...i->...", [a, f32([3], [1, 1, 1])], 2)).toEqual([6, 15]);
    // size-1 ellipsis dims stretch: [1, 3] with [2, 3].
    expect(es("...i,...i->...", [f32([1, 3], [1, 0, 1]), a], 2)).toEqual([4, 10]);
    expect(es("i...->...", [a], 3)).toEqual([5, 7, 9]);
  });

  it("i32 einsum", () => {
    const x = i32([2, 2], [1, 2, 3, 4]);
    expect(vals(run("einsum", [x, x], { spec: "ij,jk->ik" }, ty("i32", 2, 2)))).toEqual([
      7, 10, 15, 22,
    ]);
  });

  it("rejects bad specs", () => {
    expect(() => es("ij,jk", [a, b], 2, 2)).toThrow(/needs one "->"/);
    expect(() => es("ij->ij", [a, b], 2, 3)).toThrow(/1 operand terms but there are 2/);
    expect(() => es("ijk->i", [a], 2)).toThrow(/rank 2 but its subscripts "ijk" name 3/);
    expect(() => es("ij,ij->i", [a, b], 2)).toThrow(/index i has size 2 and 3/);
    expect(() => es("...i->i", [a], 3)).toThrow(/output has no "..."/);
    expect(() => es("ij->ik", [a], 2, 2)).toThrow(/output index k is not in any operand/);
    expect(() => es("ij->ii", [a], 2, 2)).toThrow(/appears twice in the output/);
    expect(() => es("ij->i", [a], 3)).toThrow(/output type says \[3\]/);
  });

  it("labels ellipsis dims right-aligned", () => {
    expect(parseEinsumSpec("...ij,...j->...i", [4, 2])).toEqual({
      inputs: [
        [".0", ".1", "i", "j"],
        [".1", "j"], // its one "..." dim aligns with the first operand's last
      ],
      output: [".0", ".1", "i"],
    });
  });
});
