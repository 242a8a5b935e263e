/**
 * Round-trip properties of the parser and the formatter.
 *
 * - Printing a random tree and parsing the text gives the tree back (spans aside), without
 *   diagnostics: the formatter prints every construct in a form the parser reads as meant
 *   (precedence, associativity, one-element tuples, `else if`, doc comments, escapes, ...).
 * - Formatting is idempotent: on generated programs, on every `.arch` file of the repository, on
 *   programs with comments in awkward places.
 * - Formatting keeps every comment (the same multiset of comment texts) and does not change the
 *   tree: checked on the repository's files, on hand-written inputs, and on generated programs with
 *   comments inserted between random tokens.
 * - Layout does not matter: a printed program with its whitespace changed (spaces, tabs, line
 *   breaks, CRLF) parses to the same tree and formats to the same text.
 *
 * The generator is tests/support/arbitrary-ast.ts. The runs are seeded (the same trees in every
 * run); FC_SEED=<n> picks another seed, FC_SEED=random a fresh one, FC_RUNS_SCALE=<x> multiplies
 * the number of runs. A failure prints its seed and path: FC_SEED=<seed> FC_PATH=<path> replays it.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as A from "../../grammar/ast.js";
import { loadBytes } from "../../compiler/load.js";
import { formatModule } from "../../grammar/format.js";
import { archLexer } from "../../grammar/lexer.js";
import { parse } from "../../grammar/parse.js";
import { moduleArb, stripPositions } from "../support/arbitrary-ast.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const DEFAULT_SEED = 424242;

function settings(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  const scale = Number(process.env.FC_RUNS_SCALE ?? 1);
  return {
    numRuns: Math.max(1, Math.round(numRuns * scale)),
    ...(seed === "random" ? {} : { seed: seed !== undefined ? Number(seed) : DEFAULT_SEED }),
    ...(path !== undefined ? { path } : {}),
  };
}

function diagnosticsOf(text: string): string[] {
  return parse(text, "t.arch").diagnostics.map(
    (d) => `${d.code} at ${d.location.span.start}: ${d.message}`,
  );
}

/** Formats source text (parsed with the text, so comments and blank lines are kept). */
function format(text: string): string {
  return formatModule(parse(text, "t.arch").module, text);
}

/**
 * The comments of a text as a sorted multiset of trimmed texts. A `///` comment is compared as
 * `/// text`: the formatter prints a doc comment from the node's `doc`, normalizing `///x` to
 * `/// x` (deliberately, so that is not counted as a change).
 */
function commentTexts(text: string): string[] {
  return parse(text, "t.arch")
    .module.comments.map((c) =>
      // Whether a `///` comment is a doc comment depends on its place (it must start its line),
      // which formatting may change; its text is compared the same way either way.
      /^\/\/\/(?!\/)/.test(c.text)
        ? `/// ${c.text.slice(3).replace(/^ /, "")}`.trim()
        : c.text.trim(),
    )
    .sort();
}

/**
 * Everything formatting `text` must preserve: it parses without diagnostics, the output parses
 * without diagnostics to the same tree with the same comments, and formatting the output again
 * changes nothing.
 */
function expectFormatPreserves(text: string): void {
  expect(diagnosticsOf(text), text).toEqual([]);
  const once = format(text);
  const context = `input:\n${text}\n--- formatted:\n${once}`;
  expect(diagnosticsOf(once), context).toEqual([]);
  expect(commentTexts(once), context).toEqual(commentTexts(text));
  expect(stripPositions(parse(once, "t.arch").module), context).toEqual(
    stripPositions(parse(text, "t.arch").module),
  );
  expect(format(once), context).toBe(once);
}

// ------------------------------------------------------------------------------ generated trees

describe("printing and parsing generated trees", () => {
  it("the generator covers every node kind and form", () => {
    const seen = new Set<string>();
    const visit = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(visit);
      if (n === null || typeof n !== "object") return;
      const o = n as Record<string, unknown>;
      const kind = o.kind as string | undefined;
      if (kind) seen.add(kind);
      if (kind === "Import")
        seen.add(o.names ? "Import {}" : o.alias ? "Import as" : "Import path");
      if (kind === "Fn") seen.add(o.short ? "Fn =" : "Fn {}");
      if (kind === "Outputs") seen.add(o.parenthesized ? "Outputs ()" : "Outputs bare");
      if (kind === "IfMember" && o.else) seen.add("IfMember else");
      if (kind === "Number") seen.add((o.raw as string).includes("_") ? "Number _" : "Number");
      if (kind === "Arg" && o.name) seen.add("Arg keyword");
      if (o.doc !== undefined) seen.add(`doc on ${kind}`);
      for (const v of Object.values(o)) if (typeof v === "object") visit(v);
    };
    fc.sample(moduleArb, { numRuns: 300, seed: DEFAULT_SEED }).forEach(visit);
    const expected = [
      ..."Import Block Interface Fn Model Let ImportName ParamDecl Binding".split(" "),
      ..."Param Layer Requires Tie IfMember Forward Repeat Stack TuplePattern".split(" "),
      ..."Outputs OutputSpec Return TensorType NamedType EnumType TupleType VariadicDim".split(" "),
      ..."Number String Bool Name Unary Binary If Call Member Index Tuple List".split(" "),
      ..."Arg Slice EllipsisIndex Ident".split(" "),
      ...["Import {}", "Import as", "Import path", "Fn =", "Fn {}", "Outputs ()"],
      ...["Outputs bare", "IfMember else", "Number _", "Arg keyword"],
      ..."Block Interface Fn Model Let Param Layer Forward ParamDecl"
        .split(" ")
        .map((k) => `doc on ${k}`),
    ];
    expect(expected.filter((k) => !seen.has(k))).toEqual([]);
  });

  it("parse(format(tree)) is the tree, without diagnostics", () => {
    fc.assert(
      fc.property(moduleArb, (tree) => {
        const text = formatModule(tree);
        const r = parse(text, "gen.arch");
        expect(
          r.diagnostics.map((d) => `${d.code} at ${d.location.span.start}: ${d.message}`),
          text,
        ).toEqual([]);
        expect(stripPositions(r.module), text).toEqual(stripPositions(tree));
      }),
      settings(1500),
    );
  });

  it("format is idempotent on printed trees: format(parse(x)) == x", () => {
    fc.assert(
      fc.property(moduleArb, (tree) => {
        const text = formatModule(tree);
        const r = parse(text, "gen.arch");
        fc.pre(r.diagnostics.length === 0); // the property above reports those
        expect(formatModule(r.module, text), text).toBe(text);
      }),
      settings(1000),
    );
  });
});

/** `text` with `inserts` (a token index, modulo the token count, and a text) put before tokens. */
function insertBeforeTokens(text: string, inserts: [number, string][]): string {
  const tokens = archLexer.tokenize(text).tokens;
  if (tokens.length === 0) return text;
  const at = new Map<number, string>();
  inserts.forEach(([i, s], k) => {
    const offset = tokens[i % tokens.length]!.startOffset;
    if (!at.has(offset)) at.set(offset, s.replace("#", String(k)));
  });
  let out = text;
  for (const offset of [...at.keys()].sort((a, b) => b - a))
    out = out.slice(0, offset) + at.get(offset)! + " " + out.slice(offset);
  return out;
}

const plainComment = fc.constantFrom(
  "/* c# */",
  "// c#\n",
  "/* c#\n   spanning lines */",
  "\n// own line c#\n",
  "/**/",
  "\n\n// after a blank line c#\n\n",
);
const docComment = fc.constantFrom("/// d#\n", "\n/// own line d#\n", "///d#\n");

describe("comments inserted into printed trees", () => {
  it("// and /* */ comments: formatting keeps them, keeps the tree and is idempotent", () => {
    fc.assert(
      fc.property(
        moduleArb,
        fc.array(fc.tuple(fc.nat(), plainComment), { minLength: 1, maxLength: 4 }),
        (tree, inserts) => expectFormatPreserves(insertBeforeTokens(formatModule(tree), inserts)),
      ),
      settings(600),
    );
  });

  it("/// comments anywhere: formatting keeps them, keeps the tree and is idempotent", () => {
    fc.assert(
      fc.property(
        moduleArb,
        fc.array(fc.tuple(fc.nat(), docComment), { minLength: 1, maxLength: 2 }),
        (tree, inserts) => expectFormatPreserves(insertBeforeTokens(formatModule(tree), inserts)),
      ),
      settings(300),
    );
  });
});

const whitespace = fc.constantFrom(" ", "\t", "\n", "\r\n", "  \n    ", "\n\t", " \r\n ", "\f");

describe("layout", () => {
  it("changing the whitespace between tokens changes neither the tree nor the formatted text", () => {
    fc.assert(
      fc.property(
        moduleArb,
        fc.array(fc.option(whitespace, { nil: undefined }), { minLength: 64, maxLength: 64 }),
        (tree, spaces) => {
          const text = formatModule(tree);
          const r = parse(text, "gen.arch");
          fc.pre(r.diagnostics.length === 0);
          // Gaps with a blank line (kept by the formatter) or a comment stay as they are.
          const tokens = archLexer.tokenize(text).tokens;
          let respaced = "";
          let prev = 0;
          tokens.forEach((t, i) => {
            const gap = text.slice(prev, t.startOffset);
            const ws = spaces[i % spaces.length];
            respaced += ws === undefined || /\n[ \t\r]*\n|\//.test(gap) ? gap : ws;
            respaced += t.image;
            prev = t.startOffset + t.image.length;
          });
          respaced += text.slice(prev);
          const again = parse(respaced, "gen.arch");
          expect(again.diagnostics, respaced).toEqual([]);
          expect(stripPositions(again.module), respaced).toEqual(stripPositions(r.module));
          expect(formatModule(again.module, respaced), respaced).toBe(text);
        },
      ),
      settings(400),
    );
  });
});

// ------------------------------------------------------------------------------ repository files

function archFilesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.sort().flatMap((name) => {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) return archFilesUnder(relative(ROOT, p));
    return name.endsWith(".arch") ? [relative(ROOT, p)] : [];
  });
}

const repoFiles = ["stdlib", "examples", "tests/golden"].flatMap(archFilesUnder);
/** The files without any diagnostic (also no invalid UTF-8), as loaded from disk. */
const validRepoFiles = repoFiles.filter(
  (f) => loadBytes(f, readFileSync(join(ROOT, f))).diagnostics.length === 0,
);

describe("formatting the repository's .arch files", () => {
  it("finds the stdlib and the examples", () => {
    expect(validRepoFiles.filter((f) => f.startsWith("stdlib/")).length).toBeGreaterThan(0);
    expect(validRepoFiles.filter((f) => f.startsWith("examples/")).length).toBeGreaterThan(0);
  });

  it.each(validRepoFiles)("%s: idempotent, keeps comments and the tree", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    expectFormatPreserves(text);
    // The same file with CRLF line endings formats the same way (comments' inner line breaks
    // aside, which are kept as written).
    const crlf = text.replace(/\n/g, "\r\n");
    expect(diagnosticsOf(crlf)).toEqual([]);
    expect(stripPositions(parse(crlf, file).module)).toEqual(
      stripPositions(parse(text, file).module),
    );
    if (!/\/\*[^]*?\n[^]*?\*\//.test(text)) expect(format(crlf)).toBe(format(text));
  });
});

// ------------------------------------------------------------------------------ awkward comments

/** Valid programs with comments in places the formatter has no slot for. */
const AWKWARD: Record<string, string> = {
  "inside argument lists": `
block A(d: dim) {
  layer l = Linear(d, // in
    3 * d /* out */, bias = /* no bias */ false, // trailing
  )
  layer m = Linear(
    // only a comment before the first argument
    d, d)
  layer n = Linear(/* empty list next */)
}
`,
  "after { and before }": `
block A { // after the brace
  param w: [4] = zeros
  // before the closing brace
}

interface I(d: dim) { /* after */
  // nothing but comments
}

block Empty { // lonely
}

fn f(x) { // here
  return x // there
  // and before }
}
`,
  "between if branches": `
block A(flag: bool, other: bool) {
  if flag { // then
    param a: [1]
  } // after then
  // before else
  else if other {
    param b: [1]
  }
  /* before the last else */ else {
    // empty else
  }
}
`,
  "inside expressions": `
let x = 1 + // one
  2 * /* two */ 3
let y = if x > 0 // cond
  then /* a */ x
  else -x // negative
let z = f(a, (b, // in a tuple
  c), [d, /* in a list */ e])[0 /* index */ : /* slice */ 2]
let w = -(/* inside parentheses */ a + b) ** (c /* in a power */)
model M = Net(d = 4 /* d */) with B = 2, /* between sizes */ T = 3 // end
`,
  "in shapes, types and parameter lists": `
block A(
  d: dim, // the width
  /* before */ heads: int = 4,
  act: fn = gelu, // last
  kind: enum { a, /* b? */ b } = a,
  pair: (int, /* second */ float) = (1, 2.0),
) {
  param w: [d /* rows */, // cols
    d] = normal(std = /* small */ 0.02)
  forward(x: [...S, d] /* in */, // input
  ) -> (y: [...S, d], // output
  ) {
    let (a, /* b */ b) = split(x, 2, -1)
    return y
  }
}
`,
  "in layer values and ties": `
block A(n: int) {
  layer l = repeat /* index */ i in 0 /* from */ .. n /* to */ => B(i) // per layer
  layer s = stack /* count */ n of /* body */ B(0)
  tie /* target */ l.weight = /* source */ s.weight // tied
  requires n > 0 /* cond */ else /* message */ "n must be positive"
}
`,
  "end of file without a newline": `let a = 1 // last`,
  "block comments spanning lines": `
/* a header
   spanning
     three lines */
block A {
  /*
   * a starred
   * block comment
   */
  param w: [2]
  layer l = B(/* multi
  line */ 1)
}
/* trailing
block comment */`,
  "doc comments and ordinary comments mixed": `
/// The block.
// not a doc
/// The second block.
block A(
  /// the width
  d: dim,
) {
  /// the weight
  param w: [d]
  //// four slashes: not a doc comment
  param v: [d]
}

/// a doc comment followed by a blank line is an ordinary comment

let z = 0
`,
  "comments between declarations and imports": `
import "std/nn" // all of nn
// between imports
import { a, // first
  b as c /* renamed */ } from "x"
/* before a fn */ fn g(x) = x // short fn
`,
  "only comments": `// one
/* two */
/// three
`,
  "blank lines around comments": `


// after leading blank lines


let a = 1


// between, after two blank lines
let b = 2
// at the end


`,
};

describe("comments in awkward places", () => {
  it.each(Object.entries(AWKWARD))("%s", (_name, text) => {
    expectFormatPreserves(text);
  });
});

// ------------------------------------------------------------------------------ found bugs

/**
 * Minimal reproductions of the bugs these properties found. Each states the expected behaviour;
 * they fail until the bug is fixed.
 */
describe("regressions (minimal reproductions of bugs found by the properties above)", () => {
  it("a string ending in an escaped backslash decodes to that backslash", () => {
    // `"a\\"` is the two characters `a\`; the parser decodes it as `a\"` (it mistakes the
    // escaped backslash before the closing quote for an escaped quote: build-ast.ts stringLit).
    const r = parse('let s = "a\\\\"', "t.arch");
    expect(r.diagnostics).toEqual([]);
    const value = (r.module.items[0] as A.LetDecl).value as A.StringLit;
    expect(value.raw).toBe('"a\\\\"');
    expect(value.value).toBe("a\\");
  });

  it("a comment inside an empty import list is kept", () => {
    // format.ts importDecl prints `{}` for an empty list, dropping the comments list() consumed.
    expect(format('import { /* c */ } from "x"\n')).toContain("/* c */");
    expect(format('import /* c */ {} from "x"\n')).toContain("/* c */");
  });

  it("a comment inside a list item ending in ')' formats idempotently", () => {
    // The comment becomes a trailing comment after `-(...)`, `a - (...)` or `a ** (...)`; on the
    // next run it moves to its own line, because the item's span ends before its ')' (expression
    // spans exclude their parentheses) so the ')' looks like code between item and comment.
    expectFormatPreserves("let v = [a - (/* c */ b - c), d]\n");
    expectFormatPreserves("let v = [-(x /* c */ || y), z]\n");
  });

  it("a trailing comment after a list item ending in ')' stays on its line", () => {
    // As after any other item (`[\n  a - b, // c` stays); same cause as above.
    const text = "let v = [\n  a - (b - c), // c\n  d,\n]\n";
    expect(format(text)).toBe(text);
    const dims = "block A {\n  param w: [\n    d - (h - 1), // c\n    e,\n  ]\n}\n";
    expect(format(dims)).toBe(dims);
  });

  it("moving a /// comment does not make it the doc of another declaration", () => {
    // The formatter moves a `///` comment from inside an expression to the end of the line (as a
    // trailing comment); the parser then attaches it to the declaration on the next line as its
    // doc, and the next run prints it as that doc: the tree changes and format is not idempotent.
    expectFormatPreserves("let a = 1 + /// x\n  2\nlet b = 3\n");
    expectFormatPreserves("fn f(a /// d\n, b) = a\n");
    // Moved into a parameter list, it becomes a hyperparameter's doc.
    expectFormatPreserves("block A /// d\n(x: int) {}\n");
  });

  it("formatting a valid program never produces one nested too deeply to parse", () => {
    // `if if ... c then a else b ...` needs no brackets; the formatter parenthesizes an `if` in
    // condition (and `then`) position, so 300 levels become 300 nested parentheses (> 256, A0006).
    const depth = 300;
    const text = `let x = ${"if ".repeat(depth)}c${" then a else b".repeat(depth)}\n`;
    expect(diagnosticsOf(text)).toEqual([]);
    expect(diagnosticsOf(format(text))).toEqual([]);
  });
});
