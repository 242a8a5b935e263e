/**
 * fast-check generators of random but syntactically valid `.arch` syntax trees (grammar/ast.ts),
 * for the parser/formatter round-trip properties (tests/grammar/roundtrip.test.ts).
 *
 * Every tree generated here is one that `formatModule` prints as text which `parse` reads back to
 * the same tree (ignoring spans). That rules out some trees the AST types allow but the language
 * does not:
 *
 * - names are identifiers that are not hard keywords (contextual keywords such as `in`, `block`,
 *   `of`, `with` are ordinary names and are generated on purpose);
 * - number literals are non-negative (`-1` is a Unary), and `value`/`isFloat` are what the parser
 *   derives from `raw`; a string's `value` is the decoding of its `raw`;
 * - positional arguments come before keyword arguments; a tensor type has at most one variadic
 *   dim; an index has at least one element; tuple patterns are non-empty;
 * - a block's `forward` has outputs and a body, an interface's has outputs and no body (what the
 *   parser accepts: grammar/parser.ts `forwardDecl`, `forwardSig`);
 * - `doc` only on the node kinds that doc comments attach to (grammar/parse.ts DOC_KINDS), with
 *   lines that survive printing (no line breaks, no trailing whitespace);
 * - no `Error` nodes, no comments (the module's `comments` is empty).
 *
 * Depth and list lengths are bounded so that a property with a few hundred runs stays fast.
 */
import fc from "fast-check";
import type * as A from "../../grammar/ast.js";
import { HARD_KEYWORDS } from "../../grammar/lexer.js";

type Arb<T> = fc.Arbitrary<T>;

/** The span every generated node carries (the formatter does not need real positions). */
function span(): A.Span {
  return { start: 0, end: 0 };
}

/** `obj` without the keys whose value is `undefined` (the parser omits absent fields). */
function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Like `fc.option`, with `undefined` for "absent". */
function opt<T>(arb: Arb<T>, freq = 2): Arb<T | undefined> {
  return fc.option(arb, { nil: undefined, freq });
}

// ---------------------------------------------------------------------------------- lexical

/** The hard keywords: reserved everywhere (spec/language.md §1). */
export const HARD_KEYWORD_WORDS: ReadonlySet<string> = new Set(
  HARD_KEYWORDS.map((t) => (t.PATTERN as RegExp).source),
);

/** Contextual keywords and names the stdlib uses: ordinary names wherever the grammar wants one. */
const COMMON_NAMES = [
  "x",
  "y",
  "d",
  "B",
  "T",
  "S",
  "heads",
  "hidden",
  "_",
  "f32",
  "i32",
  "dim",
  "int",
  "bool",
  "gelu",
  "Linear",
  "block",
  "in",
  "from",
  "as",
  "of",
  "with",
  "inf",
  "pi",
  "Then",
  "If",
  "iff",
  "lets",
  "import_",
  "_fn",
];

/** An identifier that is not a hard keyword. */
export const identName: Arb<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...COMMON_NAMES), weight: 3 },
  {
    arbitrary: fc
      .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/)
      .filter((s) => !HARD_KEYWORD_WORDS.has(s)),
    weight: 2,
  },
);

export const ident: Arb<A.Ident> = identName.map((name) => ({ kind: "Ident", name, span: span() }));

function digits(max: number): Arb<string> {
  // \d(?:_?\d)*, as the lexer's Number token.
  return fc
    .array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 })), { maxLength: max })
    .chain((rest) =>
      fc
        .integer({ min: 0, max: 9 })
        .map((first) => String(first) + rest.map(([u, n]) => (u ? "_" : "") + n).join("")),
    );
}

/** The source text of a non-negative number literal: `0`, `42`, `1_000`, `0.5`, `1e-5`, `2.5E+3`. */
export const numberRaw: Arb<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      "0",
      "1",
      "2",
      "42",
      "1_000",
      "1_000_000",
      "0.5",
      "1.0",
      "1e-5",
      "2.5E+3",
      "1e10",
      "007",
      "0.044715",
      "9007199254740993",
      "1e400",
    ),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        digits(4),
        opt(digits(3), 1),
        opt(fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), fc.nat(30)), 1),
      )
      .map(([i, f, e]) => i + (f !== undefined ? "." + f : "") + (e ? e[0] + e[1] + e[2] : "")),
    weight: 3,
  },
);

export function numberLit(raw: string): A.NumberLit {
  return {
    kind: "Number",
    raw,
    value: Number(raw.replace(/_/g, "")),
    isFloat: /[.eE]/.test(raw),
    span: span(),
  };
}

/** One piece of a string literal: its source text and what it decodes to. */
const stringPiece: Arb<{ raw: string; value: string }> = fc.oneof(
  {
    // Printable ASCII except the quote and the backslash.
    arbitrary: fc
      .integer({ min: 0x20, max: 0x7e })
      .filter((c) => c !== 0x22 && c !== 0x5c)
      .map((c) => ({ raw: String.fromCharCode(c), value: String.fromCharCode(c) })),
    weight: 6,
  },
  {
    arbitrary: fc
      .constantFrom("\t", "é", "中", "😀", "{", "}", "//", "/*", "*/", "'")
      .map((s) => ({ raw: s, value: s })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(
      { raw: '\\"', value: '"' },
      { raw: "\\\\", value: "\\" },
      { raw: "\\n", value: "\n" },
      { raw: "\\t", value: "\t" },
      { raw: "\\{", value: "{" },
      { raw: "\\}", value: "}" },
    ),
    weight: 2,
  },
);

export const stringLit: Arb<A.StringLit> = fc
  .array(stringPiece, { maxLength: 8 })
  .map((pieces) => ({
    kind: "String",
    raw: '"' + pieces.map((p) => p.raw).join("") + '"',
    value: pieces.map((p) => p.value).join(""),
    span: span(),
  }));

/** A doc comment's text: lines without line breaks or trailing whitespace (the formatter trims). */
export const docText: Arb<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constant(""), weight: 1 },
      {
        arbitrary: fc
          .string({
            unit: fc.oneof(
              fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
              fc.constantFrom("é", "—", "∑", "\t"),
            ),
            minLength: 1,
            maxLength: 20,
          })
          .filter((s) => !/[ \t]$/.test(s)),
        weight: 5,
      },
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((lines) => lines.join("\n"));

const doc: Arb<string | undefined> = opt(docText, 3);

// ---------------------------------------------------------------------------------- expressions

const BINARY_OPS: A.BinaryOp[] = [
  "||",
  "&&",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "@",
  "**",
];

const leafExpr: Arb<A.Expr> = fc.oneof(
  { arbitrary: numberRaw.map(numberLit), weight: 3 },
  { arbitrary: stringLit, weight: 1 },
  {
    arbitrary: fc.boolean().map((value): A.BoolLit => ({ kind: "Bool", value, span: span() })),
    weight: 1,
  },
  {
    arbitrary: identName.map((name): A.Name => ({ kind: "Name", name, span: span() })),
    weight: 4,
  },
);

const exprCache = new Map<number, Arb<A.Expr>>();

/** An expression at most `depth` levels deep. */
export function expr(depth: number): Arb<A.Expr> {
  const cached = exprCache.get(depth);
  if (cached) return cached;
  if (depth <= 0) return leafExpr;
  const sub = expr(depth - 1);
  const arb: Arb<A.Expr> = fc.oneof(
    { arbitrary: leafExpr, weight: 4 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom<A.UnaryOp>("-", "!"), sub)
        .map(([op, operand]): A.Unary => ({ kind: "Unary", op, operand, span: span() })),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...BINARY_OPS), sub, sub)
        .map(([op, left, right]): A.Binary => ({ kind: "Binary", op, left, right, span: span() })),
      weight: 4,
    },
    {
      arbitrary: fc.tuple(sub, sub, sub).map(([cond, then, els]): A.IfExpr => ({
        kind: "If",
        cond,
        then,
        else: els,
        span: span(),
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(sub, args(depth - 1))
        .map(([callee, a]): A.Call => ({ kind: "Call", callee, args: a, span: span() })),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(sub, ident)
        .map(([object, name]): A.Member_ => ({ kind: "Member", object, name, span: span() })),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(sub, fc.array(indexElem(depth - 1), { minLength: 1, maxLength: 3 }))
        .map(([object, indices]): A.Index => ({ kind: "Index", object, indices, span: span() })),
      weight: 2,
    },
    {
      arbitrary: fc
        .array(sub, { maxLength: 3 })
        .map((elems): A.TupleExpr => ({ kind: "Tuple", elems, span: span() })),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(sub, { maxLength: 3 })
        .map((elems): A.ListExpr => ({ kind: "List", elems, span: span() })),
      weight: 1,
    },
  );
  exprCache.set(depth, arb);
  return arb;
}

/** Call arguments: positional ones, then keyword ones. */
export function args(depth: number): Arb<A.Arg[]> {
  const e = expr(depth);
  return fc
    .tuple(fc.array(e, { maxLength: 2 }), fc.array(fc.tuple(ident, e), { maxLength: 2 }))
    .map(([pos, kw]) => [
      ...pos.map((value): A.Arg => ({ kind: "Arg", value, span: span() })),
      ...kw.map(([name, value]): A.Arg => ({ kind: "Arg", name, value, span: span() })),
    ]);
}

function indexElem(depth: number): Arb<A.IndexElem> {
  const e = expr(depth);
  return fc.oneof(
    { arbitrary: e, weight: 3 },
    {
      arbitrary: fc
        .tuple(opt(e), opt(e), opt(e, 1))
        .map(([start, stop, step]) =>
          compact<A.Slice>({ kind: "Slice", start, stop, step, span: span() }),
        ),
      weight: 2,
    },
    { arbitrary: fc.constant<A.EllipsisIndex>({ kind: "EllipsisIndex", span: span() }), weight: 1 },
  );
}

// ---------------------------------------------------------------------------------- types

const variadicDim: Arb<A.VariadicDim> = opt(ident).map((name) =>
  compact<A.VariadicDim>({ kind: "VariadicDim", name, span: span() }),
);

/** `DTYPE[dims]` with at most one `...S` / `...`. */
export const tensorType: Arb<A.TensorType> = fc
  .tuple(opt(ident, 1), fc.array(expr(1), { maxLength: 3 }), opt(fc.tuple(variadicDim, fc.nat(3))))
  .map(([dtype, fixed, variadic]) => {
    const dims: A.DimElem[] = [...fixed];
    if (variadic) dims.splice(Math.min(variadic[1], dims.length), 0, variadic[0]);
    return compact<A.TensorType>({ kind: "TensorType", dtype, dims, span: span() });
  });

const namedType: Arb<A.NamedType> = fc
  .tuple(
    fc.oneof(
      ident,
      fc.constant<A.Ident>({ kind: "Ident", name: "fn", span: { start: 0, end: 0 } }),
    ),
    opt(args(1), 1),
  )
  .map(([name, a]) => compact<A.NamedType>({ kind: "NamedType", name, args: a, span: span() }));

const enumType: Arb<A.EnumType> = fc
  .array(ident, { maxLength: 3 })
  .map((members) => ({ kind: "EnumType", members, span: span() }));

const typeCache = new Map<number, Arb<A.TypeExpr>>();

/** Any type: tensor, named (`int`, `fn`, `FFN(d)`), enum, or a tuple of types. */
export function typeExpr(depth: number): Arb<A.TypeExpr> {
  const cached = typeCache.get(depth);
  if (cached) return cached;
  const base: fc.WeightedArbitrary<A.TypeExpr>[] = [
    { arbitrary: tensorType, weight: 2 },
    { arbitrary: namedType, weight: 3 },
    { arbitrary: enumType, weight: 1 },
  ];
  if (depth > 0) {
    base.push({
      arbitrary: fc
        .array(typeExpr(depth - 1), { maxLength: 3 })
        .map((elems): A.TupleType => ({ kind: "TupleType", elems, span: span() })),
      weight: 1,
    });
  }
  const arb = fc.oneof(...base);
  typeCache.set(depth, arb);
  return arb;
}

// ---------------------------------------------------------------------------------- declarations

const EXPR_DEPTH = 4;

const paramDecl: Arb<A.ParamDecl> = fc
  .tuple(ident, opt(typeExpr(1)), opt(expr(2), 1), doc)
  .map(([name, type, dflt, d]) =>
    compact<A.ParamDecl>({ kind: "ParamDecl", name, type, default: dflt, doc: d, span: span() }),
  );

const paramList: Arb<A.ParamDecl[]> = fc.array(paramDecl, { maxLength: 3 });

const outputSpec: Arb<A.OutputSpec> = fc
  .tuple(opt(ident), tensorType)
  .map(([name, type]) => compact<A.OutputSpec>({ kind: "OutputSpec", name, type, span: span() }));

/** `-> y: [..]`, `-> [..]` or `-> (a: [..], b: [..])` (also `()` and one item in parentheses). */
export const outputs: Arb<A.Outputs> = fc.oneof(
  outputSpec.map((s): A.Outputs => ({
    kind: "Outputs",
    items: [s],
    parenthesized: false,
    span: span(),
  })),
  fc
    .array(outputSpec, { maxLength: 3 })
    .map((items): A.Outputs => ({ kind: "Outputs", items, parenthesized: true, span: span() })),
);

const pattern: Arb<A.Pattern> = fc.oneof(
  { arbitrary: ident, weight: 3 },
  {
    arbitrary: fc
      .array(ident, { minLength: 1, maxLength: 3 })
      .map((names): A.TuplePattern => ({ kind: "TuplePattern", names, span: span() })),
    weight: 1,
  },
);

export const letDecl: Arb<A.LetDecl> = fc
  .tuple(pattern, opt(typeExpr(1), 1), expr(EXPR_DEPTH), doc)
  .map(([p, type, value, d]) =>
    compact<A.LetDecl>({ kind: "Let", pattern: p, type, value, doc: d, span: span() }),
  );

const requiresDecl: Arb<A.RequiresDecl> = fc
  .tuple(expr(EXPR_DEPTH), opt(stringLit))
  .map(([cond, message]) =>
    compact<A.RequiresDecl>({ kind: "Requires", cond, message, span: span() }),
  );

const returnStmt: Arb<A.ReturnStmt> = expr(EXPR_DEPTH).map((value) => ({
  kind: "Return",
  value,
  span: span(),
}));

const statements: Arb<A.Stmt[]> = fc.array(
  fc.oneof(
    { arbitrary: letDecl, weight: 3 },
    { arbitrary: requiresDecl, weight: 1 },
    { arbitrary: returnStmt, weight: 1 },
  ),
  { maxLength: 4 },
);

/** A block's forward (outputs and a body). */
const forwardDecl: Arb<A.ForwardDecl> = fc
  .tuple(paramList, outputs, statements, doc)
  .map(([inputs, outs, body, d]) =>
    compact<A.ForwardDecl>({ kind: "Forward", inputs, outputs: outs, body, doc: d, span: span() }),
  );

/** An interface's forward signature (outputs, no body). */
const forwardSig: Arb<A.ForwardDecl> = fc
  .tuple(paramList, outputs, doc)
  .map(([inputs, outs, d]) =>
    compact<A.ForwardDecl>({ kind: "Forward", inputs, outputs: outs, doc: d, span: span() }),
  );

const layerValue: Arb<A.LayerValue> = fc.oneof(
  { arbitrary: expr(EXPR_DEPTH), weight: 3 },
  {
    arbitrary: fc
      .tuple(ident, expr(2), expr(2), expr(2))
      .map(([index, from, to, body]): A.RepeatValue => ({
        kind: "Repeat",
        index,
        from,
        to,
        body,
        span: span(),
      })),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(expr(2), expr(2))
      .map(([count, body]): A.StackValue => ({ kind: "Stack", count, body, span: span() })),
    weight: 1,
  },
);

const memberCache = new Map<number, Arb<A.Member>>();

/** A block member; `depth` bounds the nesting of `if` members. */
export function member(depth: number): Arb<A.Member> {
  const cached = memberCache.get(depth);
  if (cached) return cached;
  const choices: fc.WeightedArbitrary<A.Member>[] = [
    {
      arbitrary: fc
        .tuple(ident, tensorType, opt(expr(2)), doc)
        .map(([name, type, init, d]) =>
          compact<A.ParamMember>({ kind: "Param", name, type, init, doc: d, span: span() }),
        ),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(ident, layerValue, doc)
        .map(([name, value, d]) =>
          compact<A.LayerMember>({ kind: "Layer", name, value, doc: d, span: span() }),
        ),
      weight: 3,
    },
    { arbitrary: letDecl, weight: 2 },
    { arbitrary: requiresDecl, weight: 1 },
    {
      arbitrary: fc
        .tuple(expr(2), expr(2))
        .map(([target, source]): A.TieDecl => ({ kind: "Tie", target, source, span: span() })),
      weight: 1,
    },
    { arbitrary: forwardDecl, weight: 1 },
  ];
  if (depth > 0) choices.push({ arbitrary: ifMember(depth - 1), weight: 1 });
  const arb = fc.oneof(...choices);
  memberCache.set(depth, arb);
  return arb;
}

/** `if c { .. }`, with no else, `else { .. }` or an `else if` chain. */
function ifMember(depth: number): Arb<A.IfMember> {
  const members = fc.array(member(depth), { maxLength: 3 });
  const elseIf: Arb<A.Member[]> =
    depth > 0 ? ifMember(depth - 1).map((m): A.Member[] => [m]) : members;
  return fc
    .tuple(expr(2), members, fc.oneof(fc.constant(undefined), members, elseIf))
    .map(([cond, then, els]) =>
      compact<A.IfMember>({
        kind: "IfMember",
        cond,
        then,
        else: els,
        thenSpan: span(),
        span: span(),
      }),
    );
}

export const blockDecl: Arb<A.BlockDecl> = fc
  .tuple(ident, paramList, fc.array(member(2), { maxLength: 5 }), doc)
  .map(([name, params, members, d]) =>
    compact<A.BlockDecl>({ kind: "Block", name, params, members, doc: d, span: span() }),
  );

export const interfaceDecl: Arb<A.InterfaceDecl> = fc
  .tuple(ident, paramList, opt(forwardSig, 4), doc)
  .map(([name, params, forward, d]) =>
    compact<A.InterfaceDecl>({ kind: "Interface", name, params, forward, doc: d, span: span() }),
  );

export const fnDecl: Arb<A.FnDecl> = fc
  .tuple(ident, paramList, opt(outputs, 1), fc.boolean(), expr(EXPR_DEPTH), statements, doc)
  .map(([name, params, outs, short, value, body, d]) =>
    compact<A.FnDecl>({
      kind: "Fn",
      name,
      params,
      outputs: outs,
      body: short ? [{ kind: "Return", value, span: span() }] : body,
      short,
      doc: d,
      span: span(),
    }),
  );

export const modelDecl: Arb<A.ModelDecl> = fc
  .tuple(
    ident,
    expr(EXPR_DEPTH),
    fc.array(
      fc
        .tuple(ident, expr(2))
        .map(([name, value]): A.Binding => ({ kind: "Binding", name, value, span: span() })),
      { maxLength: 3 },
    ),
    doc,
  )
  .map(([name, value, sizes, d]) =>
    compact<A.ModelDecl>({ kind: "Model", name, value, sizes, doc: d, span: span() }),
  );

export const importDecl: Arb<A.ImportDecl> = fc.oneof(
  // import "path"
  stringLit.map((path): A.ImportDecl => ({ kind: "Import", path, span: span() })),
  // import "path" as alias
  fc
    .tuple(stringLit, ident)
    .map(([path, alias]): A.ImportDecl => ({ kind: "Import", path, alias, span: span() })),
  // import { a, b as c } from "path"
  fc
    .tuple(
      fc.array(
        fc
          .tuple(ident, opt(ident))
          .map(([name, alias]) =>
            compact<A.ImportName>({ kind: "ImportName", name, alias, span: span() }),
          ),
        { maxLength: 3 },
      ),
      stringLit,
    )
    .map(([names, path]): A.ImportDecl => ({ kind: "Import", path, names, span: span() })),
);

export const topLevel: Arb<A.TopLevel> = fc.oneof(
  { arbitrary: importDecl, weight: 1 },
  { arbitrary: blockDecl, weight: 3 },
  { arbitrary: interfaceDecl, weight: 1 },
  { arbitrary: fnDecl, weight: 2 },
  { arbitrary: modelDecl, weight: 1 },
  { arbitrary: letDecl, weight: 1 },
);

/** A whole module: imports and declarations in any order. */
export const moduleArb: Arb<A.Module> = fc
  .array(topLevel, { maxLength: 5 })
  .map((items) => ({ kind: "Module", file: "gen.arch", items, comments: [], span: span() }));

/**
 * A tree with its positional and bookkeeping fields removed, for comparing trees: `span`,
 * `thenSpan`, a comment's `attached`, the module's `file` and `comments`, and fields whose value is
 * `undefined`.
 */
export function stripPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripPositions);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  const isModule = (node as { kind?: string }).kind === "Module";
  for (const [k, v] of Object.entries(node)) {
    if (v === undefined || k === "span" || k === "thenSpan" || k === "attached") continue;
    if (isModule && (k === "file" || k === "comments")) continue;
    out[k] = stripPositions(v);
  }
  return out;
}
