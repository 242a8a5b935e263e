import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import { formatShape, parseRearrange, type RearrangePlan } from "../../compiler/ops/index.js";
import {
  B,
  S,
  T,
  call,
  err,
  expectFlops,
  f32,
  i32,
  int,
  kw,
  msg,
  ok,
  out,
  shapeOf,
  str,
  sz,
  unified,
} from "./helpers.js";

const d = Dim.sym("d");

function plan(r: { rearrange?: RearrangePlan }) {
  const p = r.rearrange!;
  return { split: formatShape(p.split), axes: p.axes, perm: p.perm, out: formatShape(p.out) };
}

describe("rearrange: shapes", () => {
  it("splits a group with a keyword size and permutes", () => {
    const r = ok("rearrange", f32(B, T, 768), str("b t (h e) -> b h t e"), kw("h", int(12)));
    expect(out(r)).toBe("f32[B, 12, T, 64]");
    expect(plan(r)).toEqual({
      split: "[B, T, 12, 64]",
      axes: ["b", "t", "h", "e"],
      perm: [0, 2, 1, 3],
      out: "[B, 12, T, 64]",
    });
  });

  it("solves sizes symbolically by exact division", () => {
    expect(
      shapeOf("rearrange", f32(B, T, 768), str("b t (h e) -> b h t e"), kw("h", sz("heads"))),
    ).toBe("f32[B, heads, T, 768/heads]");
    expect(
      shapeOf("rearrange", f32(B, T, d), str("b t (h e) -> b h t e"), kw("h", sz("heads"))),
    ).toBe("f32[B, heads, T, d/heads]");
    expect(shapeOf("rearrange", f32(B, T, d), str("b t (h e) -> b h t e"), kw("e", int(64)))).toBe(
      "f32[B, d/64, T, 64]",
    );
    expect(
      shapeOf(
        "rearrange",
        f32(B, T, d.mul(Dim.const(3))),
        str("b t (three h e) -> three b h t e"),
        kw("three", int(3)),
        kw("h", int(4)),
      ),
    ).toBe("f32[3, B, 4, T, d/4]");
    expect(
      shapeOf(
        "rearrange",
        f32(B, T, d),
        str("b t (h e) -> b h t e"),
        kw("h", sz(Dim.sym("heads"))),
      ),
    ).toBe("f32[B, heads, T, d/heads]");
  });

  it("merges groups on the right, and round-trips", () => {
    const r = ok("rearrange", f32(B, "H", T, "E"), str("b h t e -> b t (h e)"));
    expect(out(r)).toBe("f32[B, T, E*H]");
    expect(plan(r)).toEqual({
      split: "[B, H, T, E]",
      axes: ["b", "h", "t", "e"],
      perm: [0, 2, 1, 3],
      out: "[B, T, E*H]",
    });
    const split = ok("rearrange", f32(B, T, d), str("b t (h e) -> b h t e"), kw("h", sz("heads")));
    if (Array.isArray(split.out)) throw new Error("one output expected");
    const back = call("rearrange", [
      { kind: "tensor", type: split.out },
      str("b h t e -> b t (h e)"),
    ]);
    expect(out(back)).toBe("f32[B, T, d]");
  });

  it("handles ellipsis, unit axes and ()", () => {
    const r = ok("rearrange", f32(B, T, 8), str("... i -> ... i 1"));
    expect(out(r)).toBe("f32[B, T, 8, 1]");
    expect(plan(r)).toEqual({
      split: "[B, T, 8]",
      axes: ["...0", "...1", "i"],
      perm: [0, 1, 2],
      out: "[B, T, 8, 1]",
    });
    expect(shapeOf("rearrange", f32(B, T, 8, 2), str("... i two -> ... (i two)"))).toBe(
      "f32[B, T, 16]",
    );
    expect(shapeOf("rearrange", f32(8), str("... i -> ... i 1"))).toBe("f32[8, 1]");
    expect(shapeOf("rearrange", f32(B, 1, T), str("b 1 t -> t b"))).toBe("f32[T, B]");
    expect(shapeOf("rearrange", f32(B, 1, T), str("b () t -> t () b ()"))).toBe("f32[T, 1, B, 1]");
    expect(shapeOf("rearrange", f32(B, T, 4), str("b ... -> b (...)"))).toBe("f32[B, 4*T]");
    expect(shapeOf("rearrange", f32(B, T, 4), str("b ... c -> (b c) ..."))).toBe("f32[4*B, T]");
    expect(shapeOf("rearrange", f32(B, 4), str("b ... c -> c ... b"))).toBe("f32[4, B]");
    expect(shapeOf("rearrange", f32(B, T), str("b t -> (b 1 t)"))).toBe("f32[B*T]");
    expect(shapeOf("rearrange", f32(B, T), str("(b) t -> t b"))).toBe("f32[T, B]");
    expect(shapeOf("rearrange", i32(2, 3), str("a b -> b a"))).toBe("i32[3, 2]");
    const perm = ok("rearrange", f32(2, B, T), str("c ... -> ... c"));
    expect(plan(perm).perm).toEqual([1, 2, 0]);
    expectFlops(call("rearrange", [f32(B, T), str("b t -> t b")]), "0");
  });

  it("checks keyword sizes of axes that are alone against the input", () => {
    expect(shapeOf("rearrange", f32(B, 4), str("b c -> c b"), kw("c", int(4)))).toBe("f32[4, B]");
    expect(err("rearrange", f32(B, 4), str("b c -> c b"), kw("c", int(5)))).toEqual({
      message: "rearrange: axis c is 4 (axis 1 of [B, 4]) but c = 5 was given",
      arg: "c",
    });
    expect(
      out(call("rearrange", [f32(B, T), str("b t -> t b"), kw("t", sz(S))], unified([S, T]))),
    ).toBe("f32[T, B]");
  });

  it("checks fully given groups", () => {
    expect(
      shapeOf(
        "rearrange",
        f32(B, 768),
        str("b (h e) -> b h e"),
        kw("h", int(12)),
        kw("e", int(64)),
      ),
    ).toBe("f32[B, 12, 64]");
    expect(
      err("rearrange", f32(B, 768), str("b (h e) -> b h e"), kw("h", int(4)), kw("e", int(16))),
    ).toEqual({
      message:
        "rearrange: the group (h e) is 768 (axis 1 of [B, 768]) but h = 4, e = 16 multiply to 64",
      arg: "h",
    });
  });
});

describe("rearrange: errors", () => {
  it("names both numbers when a split is not exact", () => {
    expect(err("rearrange", f32(B, T, 768), str("b t (h e) -> b h t e"), kw("h", int(5)))).toEqual({
      message:
        "rearrange: cannot split axis 2 of [B, T, 768], of size 768, into (h e) with h = 5: 768 is not divisible by 5",
      arg: "h",
    });
  });

  it("refuses a group with two unknown sizes", () => {
    expect(err("rearrange", f32(B, 768), str("b (h e) -> b h e"))).toEqual({
      message:
        "rearrange: cannot infer both h and e from the group (h e) of size 768 (axis 1 of [B, 768])",
      arg: "pattern",
      help: "give all but one of them as keywords, e.g. h = ...",
    });
    expect(msg("rearrange", f32(24), str("(a b c) -> a b c"), kw("b", int(2)))).toBe(
      "rearrange: cannot infer both a and c from the group (a b c) of size 24 (axis 0 of [24])",
    );
    expect(msg("rearrange", f32(24), str("(a b c) -> a b c"))).toBe(
      "rearrange: cannot infer both a, b and c from the group (a b c) of size 24 (axis 0 of [24])",
    );
  });

  it("refuses unknown keyword sizes", () => {
    expect(err("rearrange", f32(B, T), str("b t -> t b"), kw("h", int(4)))).toEqual({
      message: "rearrange: the size h = 4 names no axis of the pattern",
      arg: "h",
      notes: ["the pattern's axes are b, t"],
    });
    expect(err("rearrange", f32(B), str("... -> ..."), kw("h", sz("heads"))).notes).toEqual([
      "the pattern's axes are (none)",
    ]);
  });

  it("refuses axes on one side only, and repeated axes", () => {
    expect(err("rearrange", f32(B, T), str("b t -> b"))).toEqual({
      message:
        "rearrange: axis t is on the left side but not on the right (rearrange cannot drop an axis; use a reduction)",
      arg: "pattern",
    });
    expect(msg("rearrange", f32(B), str("b -> b c"))).toBe(
      "rearrange: axis c is on the right side but not on the left (rearrange cannot create an axis; use expand)",
    );
    expect(msg("rearrange", f32(B, B), str("b b -> b"))).toBe(
      "rearrange: axis b appears twice on the left side",
    );
    expect(msg("rearrange", f32(B, T), str("b t -> (b b) t"))).toBe(
      "rearrange: axis b appears twice on the right side",
    );
  });

  it("refuses malformed patterns", () => {
    const bad = (p: string) => msg("rearrange", f32(B, T), str(p));
    expect(bad("b t")).toBe(
      'rearrange: the pattern "b t" must have exactly one "->" (input -> output)',
    );
    expect(bad("b t -> t -> b")).toBe(
      'rearrange: the pattern "b t -> t -> b" must have exactly one "->" (input -> output)',
    );
    expect(bad("b ((t)) -> b t")).toBe('rearrange: nested parentheses in the left side "b ((t))"');
    expect(bad("b t) -> b t")).toBe('rearrange: unmatched ")" in the left side "b t)"');
    expect(bad("b t -> (b t")).toBe('rearrange: unclosed "(" in the right side "(b t"');
    expect(bad("b t -> b t 2")).toBe(
      'rearrange: the number 2 in the right side "b t 2" is not an axis: only 1 (a unit axis) may be written; name the axis and give its size as a keyword',
    );
    expect(bad("b t -> b t*")).toBe('rearrange: unexpected "*" in the right side "b t*"');
    expect(bad("b (... t) -> b t ...")).toBe(
      'rearrange: "..." cannot be inside a group on the left side',
    );
    expect(bad("... b ... -> b")).toBe('rearrange: "..." appears more than once on the left side');
    expect(bad("b ... -> b")).toBe('rearrange: "..." must appear on both sides or on neither');
    expect(err("rearrange", f32(B, T), str("b t")).arg).toBe("pattern");
  });

  it("refuses a pattern that does not match the input's rank or unit dims", () => {
    expect(err("rearrange", f32(B, T), str("b t (h e) -> b h t e"), kw("h", int(2)))).toEqual({
      message: 'rearrange: the left side "b t (h e)" has 3 axes but the input is [B, T] (rank 2)',
      arg: "pattern",
    });
    expect(msg("rearrange", f32(B), str("b t ... -> b t ..."))).toBe(
      'rearrange: the left side "b t ..." has at least 2 axes but the input is [B] (rank 1)',
    );
    expect(msg("rearrange", f32(B), str("b t c d -> b t c d"))).toBe(
      'rearrange: the left side "b t c d" has 4 axes but the input is [B] (rank 1)',
    );
    expect(msg("rearrange", f32(4), str("a b -> a b"))).toBe(
      'rearrange: the left side "a b" has 2 axes but the input is [4] (rank 1)',
    );
    expect(msg("rearrange", f32(B), str("-> "))).toBe(
      'rearrange: the left side "" has 0 axes but the input is [B] (rank 1)',
    );
    expect(msg("rearrange", f32(B), str("x -> "))).toBe(
      "rearrange: axis x is on the left side but not on the right (rearrange cannot drop an axis; use a reduction)",
    );
    expect(err("rearrange", f32(B, 3), str("b 1 -> b"))).toEqual({
      message: "rearrange: the unit axis 1 matches axis 1 of [B, 3], whose size 3 is not 1",
      arg: "pattern",
    });
    expect(msg("rearrange", f32(B, "K"), str("b 1 -> b"))).toBe(
      "rearrange: the unit axis 1 matches axis 1 of [B, K], whose size K is not 1",
    );
    expect(out(call("rearrange", [f32(B, "K"), str("b 1 -> b")], unified(["K", 1])))).toBe(
      "f32[B]",
    );
  });

  it("parses patterns on their own", () => {
    const p = parseRearrange("b t (h e) -> b h t e");
    expect(p.left.map((e) => e.kind)).toEqual(["axis", "axis", "group"]);
    expect(p.right.length).toBe(4);
  });
});
