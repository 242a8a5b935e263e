/**
 * The VS Code extension's TextMate grammar (editors/vscode/syntaxes/arch.tmLanguage.json),
 * tokenized by vscode-textmate on the oniguruma wasm exactly as VS Code does. The lexer
 * (grammar/lexer.ts) and the parser are the truth: the corpus tests tokenize every file of
 * stdlib/ and examples/ with both and require the grammar to agree with them.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { IToken } from "chevrotain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMPILE_TIME_FUNCTIONS,
  CONSTANTS,
  DTYPE_NAMES,
  INITIALIZERS,
  PRIMITIVE_NAMES,
  TYPE_NAMES,
} from "../../compiler/check/builtins.js";
import {
  archLexer,
  At,
  BlockComment,
  CONTEXTUAL_KEYWORDS,
  CONTEXTUAL_WORDS,
  HARD_KEYWORDS,
  LineComment,
  Number as NumberTok,
  StarStar,
  RESERVED_WORDS,
  StringLit,
} from "../../grammar/lexer.js";
import { parse } from "../../grammar/parse.js";
import { GRAMMAR_PATH, tokenize, type LineTokens, type Token } from "./textmate.js";

// ---------------------------------------------------------------------------------------------
// helpers

const root = new URL("../../", import.meta.url);
const corpus = ["stdlib", "examples"].flatMap((dir) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith(".arch"))
    .sort()
    .map((f) => `${dir}/${f}`),
);

const HARD = [...RESERVED_WORDS];
const CONTEXTUAL = [...CONTEXTUAL_WORDS];

/** The scope each keyword gets where it is a keyword (the last scope of its token). */
const KEYWORD_SCOPE: Record<string, string> = {
  import: "keyword.control.import.arch",
  if: "keyword.control.conditional.arch",
  then: "keyword.control.conditional.arch",
  else: "keyword.control.conditional.arch",
  return: "keyword.control.return.arch",
  repeat: "keyword.control.repeat.arch",
  stack: "keyword.control.stack.arch",
  requires: "keyword.other.requires.arch",
  tie: "keyword.other.tie.arch",
  interface: "storage.type.interface.arch",
  fn: "storage.type.function.arch",
  model: "storage.type.model.arch",
  param: "storage.type.param.arch",
  layer: "storage.type.layer.arch",
  let: "storage.type.let.arch",
  forward: "storage.type.forward.arch",
  enum: "storage.type.enum.arch",
  true: "constant.language.boolean.arch",
  false: "constant.language.boolean.arch",
  block: "storage.type.block.arch",
  in: "keyword.control.in.arch",
  from: "keyword.control.from.arch",
  as: "keyword.control.as.arch",
  of: "keyword.control.of.arch",
  with: "keyword.control.with.arch",
};
const isKeywordScope = (s: string) =>
  /^(keyword\.(control|other)|storage\.type)\./.test(s) || s === "constant.language.boolean.arch";
const DIM = "entity.name.type.dim.arch";

/** The tokens of `source` as [text, innermost scope] pairs, whitespace-only tokens dropped. */
async function pairs(source: string): Promise<[string, string][]> {
  const lines = await tokenize(source);
  return lines.flatMap((l) =>
    l.tokens.filter((t) => t.text.trim() !== "").map((t): [string, string] => [t.text, last(t)]),
  );
}
const last = (t: Token) => t.scopes[t.scopes.length - 1]!;

/** The scope of `text` (its `nth` occurrence in `source`), which must be one whole token. */
async function scopeOf(source: string, text: string, nth = 0): Promise<string[]> {
  const found = (await pairs(source)).filter(([t]) => t === text);
  expect(
    found.length,
    `token ${JSON.stringify(text)} in ${JSON.stringify(source)}`,
  ).toBeGreaterThan(nth);
  const lines = await tokenize(source);
  return lines.flatMap((l) => l.tokens).filter((t) => t.text === text)[nth]!.scopes;
}

/** A tokenized file with a lookup from a source offset to the TextMate token covering it. */
class TokenizedFile {
  private lineStarts: number[] = [];
  constructor(
    readonly text: string,
    readonly lines: LineTokens[],
  ) {
    let offset = 0;
    for (const l of text.split("\n")) {
      this.lineStarts.push(offset);
      offset += l.length + 1;
    }
  }
  static async of(text: string): Promise<TokenizedFile> {
    return new TokenizedFile(text, await tokenize(text));
  }
  at(offset: number): { token: Token; line: number } {
    let line = this.lineStarts.length - 1;
    while (this.lineStarts[line]! > offset) line--;
    const col = offset - this.lineStarts[line]!;
    const tokens = this.lines[line]!.tokens;
    const token = tokens.find((t) => t.start <= col && col < t.start + t.text.length);
    if (token === undefined) throw new Error(`no token at ${line + 1}:${col + 1}`);
    return { token, line: line + 1 };
  }
}

/** Every node of a syntax tree (plain data) with the given kinds. */
function nodesOfKind(
  tree: unknown,
  kinds: ReadonlySet<string>,
): { kind: string; span: { start: number; end: number } }[] {
  const out: { kind: string; span: { start: number; end: number } }[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.kind === "string" && kinds.has(o.kind) && typeof o.span === "object") {
        out.push(o as { kind: string; span: { start: number; end: number } });
      }
      for (const child of Object.values(o)) visit(child);
    }
  };
  visit(tree);
  return out;
}

/** The words of alternations like `\b(a|b|c)\b` in a regex source. */
function wordsOf(regex: string): string[] {
  const m = /\\b\((?:\?:)?([A-Za-z0-9_|]+)\)/.exec(regex);
  if (m === null) throw new Error(`no word list in ${regex}`);
  return m[1]!.split("|");
}

interface RawRule {
  match?: string;
  name?: string;
  patterns?: RawRule[];
}
const rawGrammar = JSON.parse(readFileSync(GRAMMAR_PATH, "utf8")) as {
  scopeName: string;
  repository: Record<string, RawRule>;
};

// ---------------------------------------------------------------------------------------------

describe("the grammar's word lists follow the compiler", () => {
  it("highlights exactly the lexer's reserved keywords as keywords", () => {
    const words = rawGrammar.repository.keywords!.patterns!.flatMap((p) => wordsOf(p.match!));
    expect([...words].sort()).toEqual([...HARD].sort());
    expect(new Set(words).size).toBe(words.length);
  });

  it("has a keyword and a name position for each of the lexer's contextual keywords", () => {
    // CONTEXTUAL_CASES below must cover every contextual keyword of grammar/lexer.ts.
    expect(Object.keys(CONTEXTUAL_CASES).sort()).toEqual([...CONTEXTUAL].sort());
  });

  it("knows the built-in functions, constants, dtypes and hyperparameter types", () => {
    const builtins = rawGrammar.repository.builtins!.patterns!;
    const functions = wordsOf(builtins[0]!.match!);
    expect([...functions].sort()).toEqual(
      [...new Set([...PRIMITIVE_NAMES, ...COMPILE_TIME_FUNCTIONS, ...INITIALIZERS])].sort(),
    );
    expect(wordsOf(builtins[1]!.match!).sort()).toEqual(Object.keys(CONSTANTS).sort());
    expect(wordsOf(builtins[2]!.match!).sort()).toEqual([...DTYPE_NAMES].sort());
    const typeRule = rawGrammar.repository["type-annotation"]!.patterns!.find(
      (p) => p.match !== undefined,
    )!;
    expect(wordsOf(typeRule.match!).sort()).toEqual([...TYPE_NAMES].sort());
  });
});

describe("keywords", () => {
  it.each(HARD)("reserved keyword %s", async (kw) => {
    // A reserved keyword is a keyword wherever it appears, even where the parser expected a name.
    for (const src of [`${kw}`, `  ${kw} x`, `f(${kw})`, `let y = ${kw}`]) {
      const scopes = await scopeOf(src, kw);
      expect(scopes.at(-1), src).toBe(KEYWORD_SCOPE[kw]);
    }
  });

  it("declaration keywords and the names they declare", async () => {
    expect(await pairs("block GPT(d: dim) {")).toEqual([
      ["block", "storage.type.block.arch"],
      ["GPT", "entity.name.type.block.arch"],
      ["(", "meta.brace.arch"],
      ["d", "variable.parameter.arch"],
      [":", "punctuation.separator.type.arch"],
      ["dim", "support.type.primitive.arch"],
      [")", "meta.brace.arch"],
      ["{", "meta.brace.arch"],
    ]);
    expect((await pairs("fn gelu(x) = x"))[1]).toEqual(["gelu", "entity.name.function.arch"]);
    expect((await pairs("model Tiny = GPT(d = 4)"))[1]).toEqual([
      "Tiny",
      "entity.name.type.model.arch",
    ]);
    expect((await pairs("interface FFN(d: dim) {"))[1]).toEqual([
      "FFN",
      "entity.name.type.interface.arch",
    ]);
    expect((await pairs("  param w: [d] = ones"))[1]).toEqual([
      "w",
      "variable.other.property.arch",
    ]);
    expect((await pairs("  layer fc = Linear(d, d)"))[1]).toEqual([
      "fc",
      "variable.other.property.arch",
    ]);
    expect((await pairs("  let hd = d / heads"))[1]).toEqual([
      "hd",
      "variable.other.constant.arch",
    ]);
  });

  it("if / then / else, requires ... else, forward, return", async () => {
    expect(await pairs("return if bias then y + b else y")).toEqual([
      ["return", "keyword.control.return.arch"],
      ["if", "keyword.control.conditional.arch"],
      ["bias", "variable.other.arch"],
      ["then", "keyword.control.conditional.arch"],
      ["y", "variable.other.arch"],
      ["+", "keyword.operator.arithmetic.arch"],
      ["b", "variable.other.arch"],
      ["else", "keyword.control.conditional.arch"],
      ["y", "variable.other.arch"],
    ]);
    expect((await pairs('requires d > 0 else "no"')).map((p) => p[1])).toEqual([
      "keyword.other.requires.arch",
      "variable.other.arch",
      "keyword.operator.comparison.arch",
      "constant.numeric.integer.arch",
      "keyword.control.conditional.arch",
      "punctuation.definition.string.begin.arch",
      "string.quoted.double.arch",
      "punctuation.definition.string.end.arch",
    ]);
    expect((await pairs("forward(x: [B]) -> [B] {"))[0]).toEqual([
      "forward",
      "storage.type.forward.arch",
    ]);
  });
});

/** For each contextual keyword: sources where it is a keyword, and sources where it is a name. */
const CONTEXTUAL_CASES: Record<string, { keyword: string[]; name: string[] }> = {
  block: {
    keyword: [
      "block Linear(in: dim) {",
      "block Empty {",
      "block Pending",
      "/// d\nblock X(a: int)",
    ],
    name: [
      "  layer layers = stack layers of block",
      "  block: SameShape(d),",
      "  block = gpt2_block,",
      "let y = if c then block else other",
      "let y = if c then block else\n  other",
      "f(block)",
    ],
  },
  in: {
    keyword: ["layer l = repeat i in 0..L => B(i)", "  layer l = repeat  j  in 1..3 => B"],
    name: [
      "block Linear(in: dim, out: dim) {",
      "  forward(x: [...S, in]) -> y: [...S, out] {",
      "let b = 1.0 / sqrt(in)",
      "layer fc = Linear(in = 3, out = 4)",
    ],
  },
  from: {
    keyword: ['import { Linear } from "std/nn"', 'import {\n  A,\n  B as C,\n} from "./x.arch"'],
    name: ["let from = 3", "f(from, to)", "f(from = 1)"],
  },
  as: {
    keyword: ['import "std/attention" as attn', 'import { SwiGLU as GLU } from "std/ffn"'],
    name: ["let as = 3", "f(as)", "f(as = 2)", "let y = as + 1"],
  },
  of: {
    keyword: ["layer layers = stack L of Block(d)", "layer l = stack 2 * n of B"],
    name: ["let of = 3", "f(of = 2)", "let y = of"],
  },
  with: {
    keyword: [
      "model M = B(d = 4) with T = 16",
      ") with B = 2, T = 16",
      "model M = B with S = (2, 3)",
    ],
    name: ["let with = 3", "f(with = 2)", "f(a, with = 2)", "let y = with"],
  },
};

describe("contextual keywords are keywords only where the grammar makes them keywords", () => {
  for (const [kw, cases] of Object.entries(CONTEXTUAL_CASES)) {
    it.each(cases.keyword)(`${kw} is a keyword in %j`, async (src) => {
      expect((await scopeOf(src, kw)).at(-1)).toBe(KEYWORD_SCOPE[kw]);
    });
    it.each(cases.name)(`${kw} is a name in %j`, async (src) => {
      const scopes = await scopeOf(src, kw);
      expect(scopes.filter(isKeywordScope), scopes.join(" ")).toEqual([]);
    });
  }

  it("a hyperparameter named block, and block as a hyperparameter type", async () => {
    expect(await pairs("block DecoderLM(block: SameShape(d), norm: block = LayerNorm) {")).toEqual([
      ["block", "storage.type.block.arch"],
      ["DecoderLM", "entity.name.type.block.arch"],
      ["(", "meta.brace.arch"],
      ["block", "variable.parameter.arch"],
      [":", "punctuation.separator.colon.arch"],
      ["SameShape", "entity.name.type.arch"],
      ["(", "meta.brace.arch"],
      ["d", "variable.other.arch"],
      [")", "meta.brace.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["norm", "variable.parameter.arch"],
      [":", "punctuation.separator.type.arch"],
      ["block", "support.type.primitive.arch"],
      ["=", "keyword.operator.assignment.arch"],
      ["LayerNorm", "variable.other.arch"],
      [")", "meta.brace.arch"],
      ["{", "meta.brace.arch"],
    ]);
  });

  it("the whole of `stack ... of` and `repeat ... in`", async () => {
    expect(await pairs("layer h = stack depth of Sub(d, narrow)")).toEqual([
      ["layer", "storage.type.layer.arch"],
      ["h", "variable.other.property.arch"],
      ["=", "keyword.operator.assignment.arch"],
      ["stack", "keyword.control.stack.arch"],
      ["depth", "variable.other.arch"],
      ["of", "keyword.control.of.arch"],
      ["Sub", "entity.name.type.arch"],
      ["(", "meta.brace.arch"],
      ["d", "variable.other.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["narrow", "variable.other.arch"],
      [")", "meta.brace.arch"],
    ]);
    expect(await pairs("repeat i in 0..L => B(window = if i % 2 == 0 then 7 else 0)")).toEqual([
      ["repeat", "keyword.control.repeat.arch"],
      ["i", "variable.other.constant.arch"],
      ["in", "keyword.control.in.arch"],
      ["0", "constant.numeric.integer.arch"],
      ["..", "keyword.operator.range.arch"],
      ["L", "variable.other.arch"],
      ["=>", "keyword.operator.arrow.arch"],
      ["B", "entity.name.type.arch"],
      ["(", "meta.brace.arch"],
      ["window", "variable.other.arch"],
      ["=", "keyword.operator.assignment.arch"],
      ["if", "keyword.control.conditional.arch"],
      ["i", "variable.other.arch"],
      ["%", "keyword.operator.arithmetic.arch"],
      ["2", "constant.numeric.integer.arch"],
      ["==", "keyword.operator.comparison.arch"],
      ["0", "constant.numeric.integer.arch"],
      ["then", "keyword.control.conditional.arch"],
      ["7", "constant.numeric.integer.arch"],
      ["else", "keyword.control.conditional.arch"],
      ["0", "constant.numeric.integer.arch"],
      [")", "meta.brace.arch"],
    ]);
  });

  it("imports: names, aliases, the path", async () => {
    expect(await pairs('import { Linear, SwiGLU as GLU } from "std/ffn"')).toEqual([
      ["import", "keyword.control.import.arch"],
      ["{", "punctuation.definition.block.begin.arch"],
      ["Linear", "variable.other.readwrite.alias.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["SwiGLU", "variable.other.readwrite.alias.arch"],
      ["as", "keyword.control.as.arch"],
      ["GLU", "variable.other.readwrite.alias.arch"],
      ["}", "punctuation.definition.block.end.arch"],
      ["from", "keyword.control.from.arch"],
      ['"', "punctuation.definition.string.begin.arch"],
      ["std/ffn", "string.quoted.double.arch"],
      ['"', "punctuation.definition.string.end.arch"],
    ]);
    expect(await pairs('import "std/attention" as attn')).toEqual([
      ["import", "keyword.control.import.arch"],
      ['"', "punctuation.definition.string.begin.arch"],
      ["std/attention", "string.quoted.double.arch"],
      ['"', "punctuation.definition.string.end.arch"],
      ["as", "keyword.control.as.arch"],
      ["attn", "entity.name.namespace.arch"],
    ]);
    // The import ends with its path: what follows on the line is ordinary code again.
    expect((await pairs('import "./x.arch" let a = from'))[4]).toEqual([
      "let",
      "storage.type.let.arch",
    ]);
    expect(
      (await scopeOf('import "./x.arch" let a = from', "from")).filter(isKeywordScope),
    ).toEqual([]);
  });
});

describe("shape annotations", () => {
  it("names in a tensor type are dims", async () => {
    expect(await pairs("forward(x: [B, T, d]) -> y: [B, T, vocab] {")).toEqual([
      ["forward", "storage.type.forward.arch"],
      ["(", "meta.brace.arch"],
      ["x", "variable.parameter.arch"],
      [":", "punctuation.separator.type.arch"],
      ["[", "punctuation.definition.shape.begin.arch"],
      ["B", DIM],
      [",", "punctuation.separator.comma.arch"],
      ["T", DIM],
      [",", "punctuation.separator.comma.arch"],
      ["d", DIM],
      ["]", "punctuation.definition.shape.end.arch"],
      [")", "meta.brace.arch"],
      ["->", "keyword.operator.arrow.arch"],
      ["y", "variable.parameter.arch"],
      [":", "punctuation.separator.type.arch"],
      ["[", "punctuation.definition.shape.begin.arch"],
      ["B", DIM],
      [",", "punctuation.separator.comma.arch"],
      ["T", DIM],
      [",", "punctuation.separator.comma.arch"],
      ["vocab", DIM],
      ["]", "punctuation.definition.shape.end.arch"],
      ["{", "meta.brace.arch"],
    ]);
  });

  it("dtypes, variadic runs, dim arithmetic, outputs without a name", async () => {
    expect(
      await pairs("fn f(ids: i32[...S], w: [(2 * k - 1) ** 2, d / h]) -> [...S, 3] = ids"),
    ).toEqual([
      ["fn", "storage.type.function.arch"],
      ["f", "entity.name.function.arch"],
      ["(", "meta.brace.arch"],
      ["ids", "variable.parameter.arch"],
      [":", "punctuation.separator.type.arch"],
      ["i32", "support.type.dtype.arch"],
      ["[", "punctuation.definition.shape.begin.arch"],
      ["...", "keyword.operator.variadic.arch"],
      ["S", "entity.name.type.dim.variadic.arch"],
      ["]", "punctuation.definition.shape.end.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["w", "variable.parameter.arch"],
      [":", "punctuation.separator.type.arch"],
      ["[", "punctuation.definition.shape.begin.arch"],
      ["(", "meta.brace.arch"],
      ["2", "constant.numeric.integer.arch"],
      ["*", "keyword.operator.arithmetic.arch"],
      ["k", DIM],
      ["-", "keyword.operator.arithmetic.arch"],
      ["1", "constant.numeric.integer.arch"],
      [")", "meta.brace.arch"],
      ["**", "keyword.operator.arithmetic.power.arch"],
      ["2", "constant.numeric.integer.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["d", DIM],
      ["/", "keyword.operator.arithmetic.arch"],
      ["h", DIM],
      ["]", "punctuation.definition.shape.end.arch"],
      [")", "meta.brace.arch"],
      ["->", "keyword.operator.arrow.arch"],
      ["[", "punctuation.definition.shape.begin.arch"],
      ["...", "keyword.operator.variadic.arch"],
      ["S", "entity.name.type.dim.variadic.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["3", "constant.numeric.integer.arch"],
      ["]", "punctuation.definition.shape.end.arch"],
      ["=", "keyword.operator.assignment.arch"],
      ["ids", "variable.other.arch"],
    ]);
  });

  it("list literals and indexing are not shapes", async () => {
    const p = await pairs("let v = reshape(i, [T, 1]) + x[..., 0:hd / 2] + y[a:b]");
    expect(p.filter(([, s]) => s === DIM || s.startsWith("punctuation.definition.shape"))).toEqual(
      [],
    );
  });
});

describe("numbers", () => {
  it.each([
    ["0", "integer"],
    ["42", "integer"],
    ["1_000_000", "integer"],
    ["0.5", "float"],
    ["1e-5", "float"],
    ["2.5E+3", "float"],
    ["1e5", "float"],
    ["10000.0", "float"],
    ["0.7978845608028654", "float"],
  ])("%s is a %s", async (n, kind) => {
    expect(await pairs(`let x = ${n}`)).toContainEqual([n, `constant.numeric.${kind}.arch`]);
    expect(await pairs(`let x = -${n} * y`)).toContainEqual([n, `constant.numeric.${kind}.arch`]);
  });

  it("a range of ints is two ints, and digits in a name are part of the name", async () => {
    expect(await pairs("0..12")).toEqual([
      ["0", "constant.numeric.integer.arch"],
      ["..", "keyword.operator.range.arch"],
      ["12", "constant.numeric.integer.arch"],
    ]);
    expect(await pairs("w1(x2)")).toEqual([
      ["w1", "entity.name.function.arch"],
      ["(", "meta.brace.arch"],
      ["x2", "variable.other.arch"],
      [")", "meta.brace.arch"],
    ]);
  });
});

describe("strings", () => {
  it("interpolate {expr} and escape quotes and braces", async () => {
    const src = String.raw`requires d % h == 0 else "d={d} \"must\" split into {h * 2} \{h\}"`;
    const tokens = (await tokenize(src))[0]!.tokens.filter((t) => t.text.trim() !== "");
    const fromString = tokens.slice(tokens.findIndex((t) => t.text === '"'));
    expect(fromString.map((t) => [t.text, t.scopes.slice(1)])).toEqual([
      ['"', ["string.quoted.double.arch", "punctuation.definition.string.begin.arch"]],
      ["d=", ["string.quoted.double.arch"]],
      [
        "{",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "punctuation.definition.template-expression.begin.arch",
        ],
      ],
      [
        "d",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "meta.embedded.line.arch",
          "variable.other.arch",
        ],
      ],
      [
        "}",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "punctuation.definition.template-expression.end.arch",
        ],
      ],
      ['\\"', ["string.quoted.double.arch", "constant.character.escape.arch"]],
      ["must", ["string.quoted.double.arch"]],
      ['\\"', ["string.quoted.double.arch", "constant.character.escape.arch"]],
      [" split into ", ["string.quoted.double.arch"]],
      [
        "{",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "punctuation.definition.template-expression.begin.arch",
        ],
      ],
      [
        "h",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "meta.embedded.line.arch",
          "variable.other.arch",
        ],
      ],
      [
        "*",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "meta.embedded.line.arch",
          "keyword.operator.arithmetic.arch",
        ],
      ],
      [
        "2",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "meta.embedded.line.arch",
          "constant.numeric.integer.arch",
        ],
      ],
      [
        "}",
        [
          "string.quoted.double.arch",
          "meta.template.expression.arch",
          "punctuation.definition.template-expression.end.arch",
        ],
      ],
      ["\\{", ["string.quoted.double.arch", "constant.character.escape.arch"]],
      ["h", ["string.quoted.double.arch"]],
      ["\\}", ["string.quoted.double.arch", "constant.character.escape.arch"]],
      ['"', ["string.quoted.double.arch", "punctuation.definition.string.end.arch"]],
    ]);
  });

  it("an unterminated string or interpolation ends with its line", async () => {
    for (const src of [
      'let s = "abc\nlet t = 1',
      'let s = "a {b\nlet t = 1',
      'let s = "x\\\nlet t = 1',
    ]) {
      const lines = await tokenize(src);
      expect(lines[0]!.state.depth, src).toBe(1);
      expect(lines[1]!.tokens[0]!.scopes.at(-1)).toBe("storage.type.let.arch");
    }
  });

  it("an interpolation cannot swallow the closing quote", async () => {
    const lines = await tokenize('let s = "{a" + x');
    expect(lines[0]!.tokens.find((t) => t.text === "x")!.scopes.at(-1)).toBe("variable.other.arch");
  });
});

describe("comments", () => {
  it("doc comments start with exactly ///", async () => {
    expect(await pairs("/// Linear layer.")).toEqual([
      ["///", "punctuation.definition.comment.arch"],
      [" Linear layer.", "comment.line.triple-slash.documentation.arch"],
    ]);
    expect(await pairs("//// banner")).toEqual([
      ["//", "punctuation.definition.comment.arch"],
      ["// banner", "comment.line.double-slash.arch"],
    ]);
    expect(await pairs("  layer w = Linear(d, d) // gate")).toContainEqual([
      " gate",
      "comment.line.double-slash.arch",
    ]);
  });

  it("block comments span lines and end", async () => {
    const lines = await tokenize("let a = 1 /* one\n two */ let b = 2");
    expect(lines[0]!.state.depth).toBeGreaterThan(1);
    expect(lines[1]!.state.depth).toBe(1);
    expect(lines[1]!.tokens[0]!.scopes.at(-1)).toBe("comment.block.arch");
    expect(lines[1]!.tokens.find((t) => t.text === "let")!.scopes.at(-1)).toBe(
      "storage.type.let.arch",
    );
  });

  it("keywords, strings and brackets in comments are comment text", async () => {
    expect(await pairs('// block "x" [B, T]')).toEqual([
      ["//", "punctuation.definition.comment.arch"],
      [' block "x" [B, T]', "comment.line.double-slash.arch"],
    ]);
  });
});

describe("operators", () => {
  it("@ is matmul, ** is power, and the rest", async () => {
    expect(
      await pairs("a @ b ** 2 * c / d % e + f - g == h != i <= j >= k < l > m && n || !o"),
    ).toEqual([
      ["a", "variable.other.arch"],
      ["@", "keyword.operator.arithmetic.matmul.arch"],
      ["b", "variable.other.arch"],
      ["**", "keyword.operator.arithmetic.power.arch"],
      ["2", "constant.numeric.integer.arch"],
      ["*", "keyword.operator.arithmetic.arch"],
      ["c", "variable.other.arch"],
      ["/", "keyword.operator.arithmetic.arch"],
      ["d", "variable.other.arch"],
      ["%", "keyword.operator.arithmetic.arch"],
      ["e", "variable.other.arch"],
      ["+", "keyword.operator.arithmetic.arch"],
      ["f", "variable.other.arch"],
      ["-", "keyword.operator.arithmetic.arch"],
      ["g", "variable.other.arch"],
      ["==", "keyword.operator.comparison.arch"],
      ["h", "variable.other.arch"],
      ["!=", "keyword.operator.comparison.arch"],
      ["i", "variable.other.arch"],
      ["<=", "keyword.operator.comparison.arch"],
      ["j", "variable.other.arch"],
      [">=", "keyword.operator.comparison.arch"],
      ["k", "variable.other.arch"],
      ["<", "keyword.operator.comparison.arch"],
      ["l", "variable.other.arch"],
      [">", "keyword.operator.comparison.arch"],
      ["m", "variable.other.arch"],
      ["&&", "keyword.operator.logical.arch"],
      ["n", "variable.other.arch"],
      ["||", "keyword.operator.logical.arch"],
      ["!", "keyword.operator.logical.arch"],
      ["o", "variable.other.arch"],
    ]);
  });

  it("built-in calls, constants, members", async () => {
    expect(await pairs("where(m == -inf, 0.0, x.weight) * pi + softmax(x)")).toEqual([
      ["where", "support.function.builtin.arch"],
      ["(", "meta.brace.arch"],
      ["m", "variable.other.arch"],
      ["==", "keyword.operator.comparison.arch"],
      ["-", "keyword.operator.arithmetic.arch"],
      ["inf", "constant.language.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["0.0", "constant.numeric.float.arch"],
      [",", "punctuation.separator.comma.arch"],
      ["x", "variable.other.arch"],
      [".", "punctuation.accessor.arch"],
      ["weight", "variable.other.property.arch"],
      [")", "meta.brace.arch"],
      ["*", "keyword.operator.arithmetic.arch"],
      ["pi", "constant.language.arch"],
      ["+", "keyword.operator.arithmetic.arch"],
      ["softmax", "entity.name.function.arch"],
      ["(", "meta.brace.arch"],
      ["x", "variable.other.arch"],
      [")", "meta.brace.arch"],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(corpus)("%s agrees with the lexer and the parser", (file) => {
  const text = readFileSync(new URL(file, root), "utf8");

  it("leaves no line in an unterminated state", async () => {
    const lines = await tokenize(text);
    const open = lines.filter((l) => l.state.depth !== 1).map((l, i) => `${i + 1}: ${l.line}`);
    expect(open).toEqual([]);
  });

  it("gives every lexer token its scope", async () => {
    const tf = await TokenizedFile.of(text);
    const lexed = archLexer.tokenize(text);
    expect(lexed.errors).toEqual([]);
    const comments = (lexed.groups.comments ?? []) as IToken[];
    const problems: string[] = [];
    const check = (tok: IToken, ok: (scopes: string[]) => boolean, what: string) => {
      // Every character of the lexer token must carry the expected scope.
      for (let o = tok.startOffset; o < tok.startOffset + tok.image.length; o++) {
        const { token, line } = tf.at(o);
        if (!ok(token.scopes)) {
          problems.push(
            `${file}:${line} ${JSON.stringify(tok.image)} is not ${what}: ${token.scopes.join(" ")}`,
          );
          return;
        }
      }
    };
    let counts = { keyword: 0, number: 0, string: 0, comment: 0, doc: 0, matmul: 0, power: 0 };
    for (const tok of [...lexed.tokens, ...comments]) {
      const t = tok.tokenType;
      if (HARD_KEYWORDS.includes(t)) {
        counts.keyword++;
        check(tok, (s) => s.at(-1) === KEYWORD_SCOPE[tok.image], KEYWORD_SCOPE[tok.image]!);
      } else if (t === NumberTok) {
        counts.number++;
        const kind = /[.eE]/.test(tok.image) ? "float" : "integer";
        check(tok, (s) => s.at(-1) === `constant.numeric.${kind}.arch`, kind);
      } else if (t === StringLit) {
        counts.string++;
        check(tok, (s) => s.includes("string.quoted.double.arch"), "a string");
      } else if (t === LineComment) {
        const doc = /^\/\/\/(?!\/)/.test(tok.image);
        counts[doc ? "doc" : "comment"]++;
        const scope = doc
          ? "comment.line.triple-slash.documentation.arch"
          : "comment.line.double-slash.arch";
        check(tok, (s) => s.includes(scope), scope);
      } else if (t === BlockComment) {
        counts.comment++;
        check(tok, (s) => s.includes("comment.block.arch"), "a block comment");
      } else if (t === At) {
        counts.matmul++;
        check(tok, (s) => s.at(-1) === "keyword.operator.arithmetic.matmul.arch", "matmul");
      } else if (t === StarStar) {
        counts.power++;
        check(tok, (s) => s.at(-1) === "keyword.operator.arithmetic.power.arch", "power");
      }
    }
    expect(problems).toEqual([]);
    counts = { ...counts };
    expect(counts.keyword + counts.number).toBeGreaterThan(0);
  });

  it("highlights contextual keywords exactly where the parser reads them as keywords", async () => {
    const parsed = parse(text, file);
    expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const names = new Set(
      nodesOfKind(parsed.module, new Set(["Ident", "Name"])).map((n) => n.span.start),
    );
    const tf = await TokenizedFile.of(text);
    const problems: string[] = [];
    for (const tok of archLexer.tokenize(text).tokens) {
      if (!CONTEXTUAL_KEYWORDS.includes(tok.tokenType)) continue;
      const { token, line } = tf.at(tok.startOffset);
      const asName = names.has(tok.startOffset);
      const highlighted = token.scopes.some(isKeywordScope);
      if (asName === highlighted) {
        problems.push(
          `${file}:${line} ${tok.image} is a ${asName ? "name" : "keyword"}: ${token.scopes.join(" ")}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it("marks as dims exactly the names inside tensor types", async () => {
    const parsed = parse(text, file);
    const tf = await TokenizedFile.of(text);
    const shapes = nodesOfKind(parsed.module, new Set(["TensorType"]));
    const inShape = (o: number) => shapes.some((s) => s.span.start <= o && o < s.span.end);
    const callees = new Set(
      nodesOfKind(parsed.module, new Set(["Call"])).map(
        (c) => (c as unknown as { callee: { span: { start: number } } }).callee.span.start,
      ),
    );
    const problems: string[] = [];
    let dims = 0;
    for (const n of nodesOfKind(parsed.module, new Set(["Name", "VariadicDim"]))) {
      const start =
        n.kind === "VariadicDim"
          ? (n as unknown as { name?: { span: { start: number } } }).name?.span.start
          : n.span.start;
      if (start === undefined || callees.has(start)) continue;
      const { token, line } = tf.at(start);
      const isDim = token.scopes.some((s) => s.startsWith(DIM.replace(/\.arch$/, "")));
      if (inShape(start)) dims++;
      if (isDim !== inShape(start))
        problems.push(`${file}:${line} ${token.text}: ${token.scopes.join(" ")}`);
    }
    expect(problems).toEqual([]);
    if (shapes.length > 0) expect(dims).toBeGreaterThan(0);
  });
});

describe("robustness", () => {
  const pieces = [
    "block",
    "B",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '"',
    "{x}",
    "\\",
    "//",
    "///",
    "/*",
    "*/",
    ":",
    "->",
    "...",
    "..",
    "=",
    "import",
    "from",
    "as",
    "stack",
    "of",
    "repeat",
    "in",
    "with",
    "1e-5",
    "0..3",
    "@",
    "**",
    " ",
    "\n",
    "i32",
    "f(",
    "x",
    ",",
  ];
  it("tokenizes any mix of fragments, covering every line, and recovers at the next line", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), async (parts) => {
        const src = parts.join("");
        const lines = await tokenize(src + '\n*/\n"\nlet z = 1');
        for (const l of lines) {
          // Tokens tile the line: no gaps, no overlaps.
          let at = 0;
          for (const t of l.tokens) {
            expect(t.start).toBe(at);
            at += t.text.length;
          }
          expect(at).toBeGreaterThanOrEqual(l.line.length);
        }
        // Whatever came before, a fresh declaration on its own line is highlighted again (a block
        // comment is closed by the `*/` line, a string by the end of the `"` line).
        expect(lines.at(-1)!.tokens[0]!.scopes.at(-1)).toBe("storage.type.let.arch");
      }),
      { numRuns: 500 },
    );
  });
});
