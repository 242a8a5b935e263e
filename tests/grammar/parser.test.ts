import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import type * as A from "../../grammar/ast.js";

function module(text: string): A.Module {
  const r = parse(text, "t.arch");
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.module;
}

/** The expression of `let x = <expr>`, fully parenthesized. */
function shape(expr: string): string {
  const m = module(`let x = ${expr}`);
  const item = m.items[0] as A.LetDecl;
  return show(item.value);
}

function show(e: A.Expr): string {
  switch (e.kind) {
    case "Binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "Unary":
      return `(${e.op}${show(e.operand)})`;
    case "If":
      return `(if ${show(e.cond)} then ${show(e.then)} else ${show(e.else)})`;
    case "Name":
      return e.name;
    case "Number":
      return e.raw;
    case "Bool":
      return String(e.value);
    case "Call":
      return `${show(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}=` : "") + show(a.value)).join(", ")})`;
    case "Member":
      return `${show(e.object)}.${e.name.name}`;
    case "Tuple":
      return `tuple(${e.elems.map(show).join(", ")})`;
    case "List":
      return `list(${e.elems.map(show).join(", ")})`;
    case "Index":
      return `${show(e.object)}[${e.indices
        .map((i) =>
          i.kind === "Slice"
            ? `${i.start ? show(i.start) : ""}:${i.stop ? show(i.stop) : ""}${i.step ? ":" + show(i.step) : ""}`
            : i.kind === "EllipsisIndex"
              ? "..."
              : show(i),
        )
        .join(", ")}]`;
    default:
      return e.kind;
  }
}

describe("operator precedence (spec/language.md §6)", () => {
  it.each([
    ["a + b * c", "(a + (b * c))"],
    ["a - b - c", "((a - b) - c)"],
    ["a / b * c % d", "(((a / b) * c) % d)"],
    ["x @ w + b", "((x @ w) + b)"],
    ["a ** b ** c", "(a ** (b ** c))"],
    ["-x ** 2", "(-(x ** 2))"],
    ["2 ** -1", "(2 ** (-1))"],
    ["-a * b", "((-a) * b)"],
    ["!a && b || c", "(((!a) && b) || c)"],
    ["a || b && c", "(a || (b && c))"],
    ["a == b + 1", "(a == (b + 1))"],
    ["a < b && b < c", "((a < b) && (b < c))"],
    ["(a < b) == c", "((a < b) == c)"],
    ["if a then b else c + d", "(if a then b else (c + d))"],
    ["(if a then b else c) + d", "((if a then b else c) + d)"],
    ["if a then b else if c then d else e", "(if a then b else (if c then d else e))"],
    ["f(x)(y).z[0]", "f(x)(y).z[0]"],
    ["-f(x).w", "(-f(x).w)"],
    ["x[..., 0:h / 2, ::2, 1:]", "x[..., 0:(h / 2), ::2, 1:]"],
    ["(a)", "a"],
    ["(a,)", "tuple(a)"],
    ["()", "tuple()"],
    ["[1, 2,]", "list(1, 2)"],
    ["Linear(d, 3 * d, bias = false)", "Linear(d, (3 * d), bias=false)"],
  ])("%s", (src, expected) => {
    expect(shape(src)).toBe(expected);
  });

  it("refuses chained comparisons (A0106)", () => {
    const r = parse("let x = a < b < c", "t.arch");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["A0106"]);
  });

  it("builds long sums without deep recursion, and refuses trees deeper than the limit", () => {
    const sum = Array.from({ length: 400 }, (_, i) => `x${i}`).join(" + ");
    expect(parse(`let s = ${sum}`, "t.arch").diagnostics).toEqual([]);
    const huge = Array.from({ length: 5000 }, (_, i) => `x${i}`).join(" + ");
    expect(parse(`let s = ${huge}`, "t.arch").diagnostics.map((d) => d.code)).toContain("A0104");
  });
});

describe("literals", () => {
  it("keeps the written form of numbers and decodes their value", () => {
    const m = module("let a = 1_000\nlet b = 1e-5\nlet c = 2.5E+3\nlet d = 7");
    const nums = m.items.map((i) => (i as A.LetDecl).value as A.NumberLit);
    expect(nums.map((n) => [n.raw, n.value, n.isFloat])).toEqual([
      ["1_000", 1000, false],
      ["1e-5", 1e-5, true],
      ["2.5E+3", 2500, true],
      ["7", 7, false],
    ]);
  });

  it("decodes string escapes and reports invalid ones (A0005)", () => {
    const m = module(String.raw`let s = "a\"b\\c\n\{x\}"`);
    expect(((m.items[0] as A.LetDecl).value as A.StringLit).value).toBe('a"b\\c\n{x}');
    const bad = parse(String.raw`let s = "\q"`, "t.arch");
    expect(bad.diagnostics.map((d) => [d.code, d.location.span])).toEqual([
      ["A0005", { start: 9, end: 11 }],
    ]);
  });

  it("lexes ranges next to integers", () => {
    const m = module("block B(L: int) { layer l = repeat i in 0..L => X(i) }");
    const layer = (m.items[0] as A.BlockDecl).members[0] as A.LayerMember;
    expect(layer.value.kind).toBe("Repeat");
  });
});

describe("declarations", () => {
  it("accepts contextual keywords as names (the stdlib contract needs Linear(in, out) and block =)", () => {
    const m = module(
      "block Linear(in: dim, out: dim) {}\nblock D(block: block, from: int, as: int, of: int, with: int) {}\nlet x = D(block = Linear(in = 1, out = 2))",
    );
    expect((m.items[0] as A.BlockDecl).params.map((p) => p.name.name)).toEqual(["in", "out"]);
    expect((m.items[1] as A.BlockDecl).params.map((p) => p.name.name)).toEqual([
      "block",
      "from",
      "as",
      "of",
      "with",
    ]);
  });

  it("reports a reserved keyword used as a name once and keeps parsing (A0111)", () => {
    const r = parse(
      "block A {\n  param model: [d] = zeros\n  layer ok = Linear(d, d)\n}",
      "t.arch",
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(["A0111"]);
    expect(
      (r.module.items[0] as A.BlockDecl).members.map((m) => (m as A.ParamMember).name.name),
    ).toEqual(["model", "ok"]);
  });

  it("attaches /// comments to the declaration, member or hyperparameter right below them", () => {
    const m = module(`/// The block.
/// Second line.
block A(
  /// width
  d: dim,
) {
  /// the weight
  param w: [d] = zeros

  /// not attached: a blank line follows

  param v: [d] = zeros
}`);
    const b = m.items[0] as A.BlockDecl;
    expect(b.doc).toBe("The block.\nSecond line.");
    expect(b.params[0]!.doc).toBe("width");
    expect((b.members[0] as A.ParamMember).doc).toBe("the weight");
    expect((b.members[1] as A.ParamMember).doc).toBeUndefined();
    expect(
      m.comments.filter((c) => c.kind === "DocComment" && !c.attached).map((c) => c.text),
    ).toEqual(["/// not attached: a blank line follows"]);
  });

  it("gives every node a span that covers its source text", () => {
    const text = "model M = DecoderLM(vocab = 256, block = B(d = 4)) with B = 2";
    const m = module(text);
    const model = m.items[0] as A.ModelDecl;
    expect(text.slice(model.span.start, model.span.end)).toBe(text);
    expect(text.slice(model.value.span.start, model.value.span.end)).toBe(
      "DecoderLM(vocab = 256, block = B(d = 4))",
    );
    const arg = (model.value as A.Call).args[1]!;
    expect(text.slice(arg.span.start, arg.span.end)).toBe("block = B(d = 4)");
    expect(text.slice(model.sizes[0]!.span.start, model.sizes[0]!.span.end)).toBe("B = 2");
  });

  it("parses every form of import", () => {
    const m = module(
      'import "std/nn"\nimport "std/attention" as attn\nimport { A, B as C, } from "./x.arch"',
    );
    const [a, b, c] = m.items as A.ImportDecl[];
    expect([a!.path.value, a!.alias, a!.names]).toEqual(["std/nn", undefined, undefined]);
    expect(b!.alias!.name).toBe("attn");
    expect(c!.names!.map((n) => [n.name.name, n.alias?.name])).toEqual([
      ["A", undefined],
      ["B", "C"],
    ]);
  });

  it("parses forward signatures with named, unnamed and tuple outputs", () => {
    const m = module(`interface I(d: dim) { forward(x: [...S, d]) -> [...S, d] }
block A { forward(x: i32[B, T], m: bool[B]) -> (y: [B, T, 4], w: [...]) { return (x, m) } }
fn f(x) -> y: [] = x`);
    const i = m.items[0] as A.InterfaceDecl;
    expect(i.forward!.body).toBeUndefined();
    expect(i.forward!.outputs!.items[0]!.name).toBeUndefined();
    const f = (m.items[1] as A.BlockDecl).members[0] as A.ForwardDecl;
    expect(f.inputs.map((p) => (p.type as A.TensorType).dtype?.name)).toEqual(["i32", "bool"]);
    expect(f.outputs!.parenthesized).toBe(true);
    expect(f.outputs!.items.map((o) => o.name!.name)).toEqual(["y", "w"]);
    const fn = m.items[2] as A.FnDecl;
    expect(fn.short).toBe(true);
    expect(fn.body[0]!.kind).toBe("Return");
  });
});

describe("error recovery", () => {
  // A missing token at the end of a line is shown right after the line's last token.
  it("reports each of five independent mistakes, with line:col", () => {
    const text = `block A(d: dim, h: int = ) {
  param w: [d, d] = normal(std = 0.02
  layer l = Linear(d, d)
}

block B {
  forward(x: [B, T]) -> [B, T] {
    let y = x +
    return y
  }
}

model M = A(d = 4, 3)
let q = a < b < c
`;
    const r = parse(text, "t.arch");
    const at = r.diagnostics.map((d) => {
      const p = r.source.position(d.location.span.start);
      return `${p.line}:${p.col} ${d.code}`;
    });
    expect(at).toEqual(["1:26 A0103", "2:38 A0101", "8:16 A0103", "13:20 A0105", "14:9 A0106"]);
    expect(r.module.items.map((i) => i.kind)).toEqual(["Block", "Block", "Model", "Let"]);
  });

  it("resumes at the next top-level declaration after junk", () => {
    const r = parse("}}} forward(x) {}\nblock A {}\n$$$\nmodel M = A()", "t.arch");
    expect(r.module.items.map((i) => i.kind)).toEqual(["Block", "Model"]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["A0102", "A0112", "A0002"]);
  });
});
