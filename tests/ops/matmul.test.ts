import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import { parseEinsum } from "../../compiler/ops/index.js";
import {
  B,
  S,
  T,
  bool,
  call,
  err,
  expectFlops,
  f32,
  i32,
  msg,
  ok,
  out,
  shapeOf,
  str,
  t,
  unified,
} from "./helpers.js";

describe("matmul", () => {
  it("multiplies matrices and broadcasts batch dims", () => {
    expect(shapeOf("@", f32(B, T, 768), f32(768, "V"))).toBe("f32[B, T, V]");
    expect(shapeOf("matmul", f32(3, 4), f32(4, 5))).toBe("f32[3, 5]");
    expect(shapeOf("@", f32(B, "H", T, "E"), f32(B, "H", "E", T))).toBe("f32[B, H, T, T]");
    expect(shapeOf("@", f32(B, 1, T, 8), f32("H", 8, T))).toBe("f32[B, H, T, T]");
    expect(shapeOf("@", f32(T, 8), f32(B, 8, 4))).toBe("f32[B, T, 4]");
    expect(shapeOf("@", i32(2, 3), i32(3, 2))).toBe("i32[2, 2]");
  });

  it("treats rank-1 operands as NumPy does", () => {
    expect(shapeOf("@", f32(768), f32(768, "V"))).toBe("f32[V]");
    expect(shapeOf("@", f32(B, T, 768), f32(768))).toBe("f32[B, T]");
    expect(shapeOf("@", f32(768), f32(768))).toBe("f32[]");
    expect(shapeOf("@", f32(4), f32(B, 4, 5))).toBe("f32[B, 5]");
  });

  it("names both shapes when the contracted dims differ", () => {
    expect(err("@", f32(B, T, 768), f32(512, "V"))).toEqual({
      message: "matmul: the contracted dims differ: [B, T, 768] @ [512, V] (768 ≠ 512)",
      arg: "b",
      notes: ["the last dim of a must equal the second-to-last dim of b"],
    });
    expect(err("@", f32(B, T, 768), f32(512)).notes).toEqual([
      "the last dim of a must equal the only dim of b",
    ]);
    expect(msg("@", f32(T, S), f32(T, S))).toBe(
      "matmul: the contracted dims differ: [T, S] @ [T, S] (S ≠ T)",
    );
    expect(out(call("@", [f32(T, S), f32(T, S)], unified([S, T])))).toBe("f32[T, S]");
  });

  it("refuses scalars, bool and mixed dtypes, and unbroadcastable batches", () => {
    expect(err("@", f32(), f32(3))).toEqual({
      message: "matmul: a is a scalar f32[]; @ needs rank 1 or more (use * to scale)",
      arg: "a",
    });
    expect(msg("@", f32(3), f32())).toBe(
      "matmul: b is a scalar f32[]; @ needs rank 1 or more (use * to scale)",
    );
    expect(msg("@", bool(2, 2), bool(2, 2))).toBe(
      "matmul: a must be a numeric (f32 or i32) tensor, got bool[2, 2]",
    );
    expect(err("@", f32(2, 2), t("f16", 2, 2))).toEqual({
      message: "matmul: the operands' dtypes differ: f32[2, 2] @ f16[2, 2]",
      arg: "b",
      help: "cast one of them, e.g. cast(b, f32)",
    });
    expect(msg("@", f32(B, T, 8), f32(S, 8, 4))).toBe(
      "matmul: cannot broadcast [B] with [S]: axis 0 has B vs S",
    );
    expect(msg("matmul", f32(3, 8), str("x"))).toBe(
      'matmul: b must be a tensor, got the string "x"',
    );
  });

  it("counts 2·M·N·K·batch FLOPs", () => {
    expectFlops(call("@", [f32(B, T, 768), f32(768, "V")]), "1536*B*T*V");
    expectFlops(call("@", [f32(B, "H", T, 64), f32(B, "H", 64, T)]), "128*B*H*T*T");
    expectFlops(call("@", [f32(3, 4), f32(4, 5)]), "120");
    expectFlops(call("@", [f32(4), f32(4, 5)]), "40");
    expectFlops(call("@", [f32(2, 3, 4), f32(4)]), "48");
    expectFlops(call("@", [f32(4), f32(4)]), "8");
    expectFlops(call("@", [f32(1, 3, 4), f32(B, 4, 2)]), "48*B");
  });
});

describe("einsum", () => {
  it("reads letter specs", () => {
    expect(shapeOf("einsum", str("btd,dv->btv"), f32(B, T, 768), f32(768, "V"))).toBe(
      "f32[B, T, V]",
    );
    expect(shapeOf("einsum", str("ij, jk -> ik"), f32(2, 3), f32(3, 4))).toBe("f32[2, 4]");
    expect(shapeOf("einsum", str("ij->ji"), f32(2, 3))).toBe("f32[3, 2]");
    expect(shapeOf("einsum", str("ij->"), f32(2, 3))).toBe("f32[]");
    // Diagonals and traces, as NumPy and the IR.
    expect(shapeOf("einsum", str("ii->i"), f32(3, 3))).toBe("f32[3]");
    expect(shapeOf("einsum", str("bii->b"), f32(B, "d", "d"))).toBe("f32[B]");
    expect(shapeOf("einsum", str(",i->i"), f32(), f32(3))).toBe("f32[3]");
    expect(shapeOf("einsum", str("bhqd,bhkd->bhqk"), f32(B, 4, T, 8), f32(B, 4, S, 8))).toBe(
      "f32[B, 4, T, S]",
    );
    expect(ok("einsum", str("Ab,bC->AC"), f32(2, 3), f32(3, 4)).einsum?.letters).toBe("ab,bc->ac");
  });

  it("reads space-separated name specs", () => {
    const r = ok("einsum", str("b t d, d v -> b t v"), f32(B, T, 768), f32(768, "V"));
    expect(out(r)).toBe("f32[B, T, V]");
    expect(r.einsum?.inputs).toEqual([
      ["b", "t", "d"],
      ["d", "v"],
    ]);
    expect(r.einsum?.output).toEqual(["b", "t", "v"]);
    expect(r.einsum?.letters).toBe("abc,cd->abd");
    expect(r.einsum?.sizes.get("d")?.value).toBe(768);
    expect(
      shapeOf(
        "einsum",
        str("batch head query dim, batch head key dim -> batch head query key"),
        f32(B, 4, T, 8),
        f32(B, 4, S, 8),
      ),
    ).toBe("f32[B, 4, T, S]");
    expect(shapeOf("einsum", str("d_model, d_model v -> v"), f32(8), f32(8, 3))).toBe("f32[3]");
  });

  it("broadcasts the dims under ...", () => {
    expect(shapeOf("einsum", str("...d,dv->...v"), f32(B, T, 8), f32(8, 3))).toBe("f32[B, T, 3]");
    expect(shapeOf("einsum", str("... d, ... d -> ..."), f32(B, 1, 8), f32(T, 8))).toBe(
      "f32[B, T]",
    );
    expect(shapeOf("einsum", str("i...->...i"), f32(3, B, T))).toBe("f32[B, T, 3]");
    expect(shapeOf("einsum", str("...ij->...ji"), f32(2, 3))).toBe("f32[3, 2]");
    expect(shapeOf("einsum", str("ij->...ij"), f32(2, 3))).toBe("f32[2, 3]");
    expect(shapeOf("einsum", str("...i->i"), f32(3))).toBe("f32[3]");
    const r = ok("einsum", str("...d,dv->...v"), f32(B, T, 8), f32(8, 3));
    expect(r.einsum?.ellipsis.map(String)).toEqual(["B", "T"]);
    expect(r.einsum?.letters).toBe("...a,ab->...b");
  });

  it("refuses malformed specs", () => {
    const spec = (s: string, ...ops: ReturnType<typeof f32>[]) => err("einsum", str(s), ...ops);
    expect(spec("ij,jk", f32(2, 3), f32(3, 4))).toEqual({
      message: 'einsum: the spec "ij,jk" has no output: write "inputs -> output"',
      arg: "spec",
    });
    expect(spec("i->i->i", f32(2)).message).toBe(
      'einsum: the spec "i->i->i" has more than one "->"',
    );
    expect(spec("i1->i", f32(2)).message).toBe(
      'einsum: unexpected "1" in the term "i1" (indices are letters, or space-separated names)',
    );
    expect(spec("b t-1, d -> b", f32(2, 3)).message).toBe(
      'einsum: "t-1" is not an index name (in the term "b t-1")',
    );
    // A repeated index in one operand is its diagonal; its two sizes must agree.
    expect(spec("ii->i", f32(3, 4)).message).toMatch(
      /einsum: index i has size 3 in operand 0 .* but 4 in operand 0/,
    );
    expect(spec("ij->ii", f32(3, 3)).message).toBe(
      'einsum: index i appears twice in the output "ii"',
    );
    expect(spec("...i...->i", f32(3, 3)).message).toBe(
      'einsum: operand 0\'s subscripts "...i..." has more than one "..."',
    );
    expect(spec("ij->k", f32(3, 3)).message).toBe(
      "einsum: the output index k does not appear in any operand",
    );
  });

  it("checks operand counts, ranks, dtypes and index sizes", () => {
    expect(err("einsum", str("ij,jk->ik"), f32(2, 3))).toEqual({
      message: 'einsum: the spec "ij,jk->ik" has 2 operands but 1 was given',
      arg: "spec",
    });
    expect(msg("einsum", str("i->i"), f32(2), f32(2))).toBe(
      'einsum: the spec "i->i" has 1 operand but 2 were given',
    );
    expect(msg("einsum", str("->"))).toBe("einsum: needs at least one operand");
    expect(err("einsum", str("btd,dv->btv"), f32(B, T, 768), f32(512, "V"))).toEqual({
      message:
        "einsum: index d has size 768 in operand 0 [B, T, 768] but 512 in operand 1 [512, V]",
      arg: 2,
    });
    expect(err("einsum", str("b t d, d v -> b t v"), f32(B, T, 768), f32(768, "V", 3))).toEqual({
      message: 'einsum: operand 1 is [768, V, 3] (rank 3) but its subscripts "d v" name 2 axes',
      arg: 2,
    });
    expect(msg("einsum", str("...ij->i"), f32(3))).toBe(
      'einsum: operand 0 is [3] (rank 1) but its subscripts "...ij" name at least 2 axes',
    );
    expect(msg("einsum", str("i->i"), f32(3, 4))).toBe(
      'einsum: operand 0 is [3, 4] (rank 2) but its subscripts "i" name 1 axis',
    );
    expect(err("einsum", str("i,i->i"), f32(3), i32(3))).toEqual({
      message: "einsum: the operands' dtypes differ: operand 0 is f32[3], operand 1 is i32[3]",
      arg: 2,
    });
    expect(err("einsum", str("i->i"), bool(3))).toEqual({
      message: "einsum: operand 0 must be a numeric tensor, got bool[3]",
      arg: 1,
    });
    expect(err("einsum", str("...i,...i->...i"), f32(B, 3), f32(S, 3))).toEqual({
      message: "einsum: the dims under ...: cannot broadcast [B] with [S]: axis 0 has B vs S",
      arg: 2,
      notes: [
        "broadcasting aligns shapes from the right; a dim stretches only when it is 1 (operand 0 is [B], operand 1 is [S])",
      ],
    });
    expect(err("einsum", str("...i->i"), f32(B, 3))).toEqual({
      message: 'einsum: the operands\' "..." covers [B] but the output "i" has no "..."',
      arg: "spec",
    });
    expect(out(call("einsum", [str("ij,kj->ik"), f32(2, S), f32(4, T)], unified([S, T])))).toBe(
      "f32[2, 4]",
    );
  });

  it("refuses more indices than letters", () => {
    const names = Array.from({ length: 53 }, (_, i) => `n${i}`);
    const shape = names.map(() => 1);
    expect(msg("einsum", str(`${names.join(" ")} -> n0`), t("f32", ...shape))).toBe(
      "einsum: the spec uses 53 indices; at most 52 are supported",
    );
  });

  it("counts 2·(product of index sizes) for two operands", () => {
    expectFlops(call("einsum", [str("btd,dv->btv"), f32(B, T, 768), f32(768, "V")]), "1536*B*T*V");
    expectFlops(
      call("einsum", [str("b t d, d v -> b t v"), f32(B, T, 768), f32(768, "V")]),
      "1536*B*T*V",
    );
    expectFlops(call("einsum", [str("...d,dv->...v"), f32(B, T, 8), f32(8, 3)]), "48*B*T");
    expectFlops(call("einsum", [str("i,i,i->i"), f32(5), f32(5), f32(5)]), "15");
    expectFlops(call("einsum", [str("ij->i"), f32(B, 3)]), "3*B");
    expectFlops(call("einsum", [str("ij->ji"), f32(B, 3)]), "0");
  });

  it("parses specs on their own", () => {
    expect(parseEinsum("ab , bc->ac").inputs.map((t) => t.names)).toEqual([
      ["a", "b"],
      ["b", "c"],
    ]);
    expect(parseEinsum("  ->  ").output.names).toEqual([]);
    expect(Dim.const(1).value).toBe(1);
  });
});
