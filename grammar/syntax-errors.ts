/**
 * Syntax errors in plain words, with a position a person expects and a hint where a common
 * mistake is recognizable (`^` for powers, `y = ...` without `let`, a missing comma).
 *
 * chevrotain asks an error-message provider for a string when it detects an error. Ours returns
 * the structured problem (JSON) instead, and `explain` turns it into the final diagnostic once the
 * surrounding tokens are known.
 */
import type {
  ILexingError,
  IParserErrorMessageProvider,
  IRecognitionException,
  IToken,
  TokenType,
} from "chevrotain";
import { EOF } from "./chevrotain.js";
import * as T from "./lexer.js";
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import type { Span } from "../compiler/diagnostics/source.js";

/** What the parser reported, before it is put into words. */
type Problem =
  | { kind: "mismatch"; expected: string; rule: string }
  | { kind: "noViableAlt"; rule: string; alternatives: string[] }
  | { kind: "earlyExit"; rule: string; alternatives: string[] }
  | { kind: "notAllInput" };

const TOKENS = new Map<string, TokenType>(T.allTokens.map((t) => [t.name, t]));
TOKENS.set("EOF", EOF);

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ kind: "mismatch", expected: expected.name, rule: ruleName } satisfies Problem),
  buildNotAllInputParsedMessage: () => JSON.stringify({ kind: "notAllInput" } satisfies Problem),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    JSON.stringify({
      kind: "noViableAlt",
      rule: ruleName,
      alternatives: firstTokens(expectedPathsPerAlt.flat()),
    } satisfies Problem),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    JSON.stringify({
      kind: "earlyExit",
      rule: ruleName,
      alternatives: firstTokens(expectedIterationPaths),
    } satisfies Problem),
};

function firstTokens(paths: TokenType[][]): string[] {
  return [...new Set(paths.map((p) => p[0]?.name).filter((n): n is string => n !== undefined))];
}

// ------------------------------------------------------------------ words

export function tokenLabel(t: TokenType | undefined): string {
  if (!t) return "something else";
  if (t === EOF) return "the end of the file";
  return t.LABEL ?? t.name;
}

const HARD = new Set(T.HARD_KEYWORDS);
/** Tokens that can end an expression (so an '=' after them was probably meant as '=='). */
const ENDS_EXPRESSION = new Set([
  T.Ident,
  T.Number,
  T.StringLit,
  T.RParen,
  T.RBracket,
  T.True,
  T.False,
]);
const CONTEXTUAL = new Set(T.CONTEXTUAL_KEYWORDS);

/** How a token found in the input is named in a message. */
export function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return "the end of the file";
  const image = tok.image.length > 30 ? tok.image.slice(0, 30) + "…" : tok.image;
  if (HARD.has(tok.tokenType) || CONTEXTUAL.has(tok.tokenType)) return `keyword '${image}'`;
  if (tok.tokenType === T.Ident) return `name '${image}'`;
  if (tok.tokenType === T.Number) return `number ${image}`;
  if (tok.tokenType === T.StringLit) return `string ${image}`;
  return `'${image}'`;
}

const EXPRESSION_RULES = new Set([
  "expr",
  "ifExpr",
  "binaryExpr",
  "unaryExpr",
  "postfixExpr",
  "primary",
  "arg",
  "sliceTail",
]);

const MEMBER_LIST = "a block member (param, layer, let, requires, tie, if, forward) or '}'";
const STATEMENT_LIST = "a statement (let, requires, return) or '}'";

/** Rules whose closing bracket ends a comma-separated list. */
const LIST_RULES = new Set([
  "argList",
  "paramList",
  "indexSuffix",
  "tensorType",
  "primary",
  "outputs",
  "enumType",
  "tupleType",
  "importDecl",
  "pattern",
]);

const CLOSERS = new Map<TokenType, TokenType>([
  [T.RParen, T.LParen],
  [T.RBracket, T.LBracket],
  [T.RBrace, T.LBrace],
]);

const DESCRIPTIONS: Record<string, string> = {
  module: "a declaration (block, interface, fn, model, let) or an import",
  member: MEMBER_LIST,
  statement: STATEMENT_LIST,
  typeExpr: "a type",
  tensorType: "a tensor type such as [B, T, d]",
  layerValue: "a block value",
  pattern: "a name or a tuple of names",
  outputs: "an output such as y: [B, T, d]",
  outputSpec: "an output such as y: [B, T, d]",
  importDecl: "a module path string or '{'",
  dimElem: "a dim",
  indexElem: "an index or a slice",
  fnDecl: "'=' or '{'",
};

function describeRule(rule: string): string {
  return EXPRESSION_RULES.has(rule) ? "an expression" : (DESCRIPTIONS[rule] ?? rule);
}

// ------------------------------------------------------------------ explaining parse errors

interface Context {
  file: string;
  text: string;
  tokens: IToken[];
}

interface Explained {
  code: string;
  message: string;
  help?: string;
  /** Where the caret goes: on the token found, or just after the token before it. */
  at: "found" | "afterPrevious";
  related?: { span: Span; message: string };
}

export function parseDiagnostic(e: IRecognitionException, ctx: Context): Diagnostic {
  const found = e.token;
  const i = found.tokenType === EOF ? ctx.tokens.length : indexOfToken(ctx.tokens, found);
  // The token before the one found, from the stream (chevrotain's own idea of it is unreliable
  // after recovery has skipped tokens).
  const prev = i > 0 ? ctx.tokens[i - 1] : (e as { previousToken?: IToken }).previousToken;
  let problem: Problem;
  try {
    problem = JSON.parse(e.message) as Problem;
  } catch {
    problem = { kind: "noViableAlt", rule: "", alternatives: [] };
  }
  const ex = explain(problem, found, prev, ctx);
  const span =
    ex.at === "afterPrevious" && prev && validOffset(prev)
      ? after(prev)
      : tokenSpan(found, ctx.text.length);
  const init: Parameters<typeof diagnostic>[3] = {};
  if (ex.help) init.help = ex.help;
  if (ex.related)
    init.related = [
      { location: { file: ctx.file, span: ex.related.span }, message: ex.related.message },
    ];
  return diagnostic(ex.code, ex.message, { file: ctx.file, span }, init);
}

function validOffset(t: IToken): boolean {
  return Number.isFinite(t.startOffset) && !t.isInsertedInRecovery;
}

function tokenSpan(t: IToken, textLength: number): Span {
  if (t.tokenType === EOF || !Number.isFinite(t.startOffset))
    return { start: textLength, end: textLength };
  return { start: t.startOffset, end: t.startOffset + Math.max(1, t.image.length) };
}

function after(t: IToken): Span {
  const end = t.startOffset + t.image.length;
  return { start: end, end };
}

/** True when a line break separates the two tokens (the found one starts a later line). */
function onLaterLine(prev: IToken | undefined, found: IToken, text: string): boolean {
  if (!prev || !validOffset(prev)) return false;
  if (found.tokenType === EOF) return true;
  return text.slice(prev.startOffset + prev.image.length, found.startOffset).includes("\n");
}

/** The token after `tok` in the stream. */
function nextToken(tok: IToken, tokens: IToken[]): IToken | undefined {
  const i = indexOfToken(tokens, tok);
  return i >= 0 ? tokens[i + 1] : undefined;
}

export function indexOfToken(tokens: IToken[], tok: IToken): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = tokens[mid]!.startOffset;
    if (o === tok.startOffset) return mid;
    if (o < tok.startOffset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The unmatched opening bracket before `before` for a closer of type `closer`, if any. */
function unclosedOpener(closer: TokenType, before: IToken, tokens: IToken[]): IToken | undefined {
  const opener = CLOSERS.get(closer);
  if (!opener) return undefined;
  let i = before.tokenType === EOF ? tokens.length - 1 : indexOfToken(tokens, before) - 1;
  let depth = 0;
  for (; i >= 0; i--) {
    const t = tokens[i]!.tokenType;
    if (t === closer) depth++;
    else if (t === opener) {
      if (depth === 0) return tokens[i];
      depth--;
    }
  }
  return undefined;
}

function adjacent(a: IToken, b: IToken): boolean {
  return a.startOffset + a.image.length === b.startOffset;
}

/** True when `tok` follows a `with` on its line (the example sizes of a model). */
function inWithClause(tok: IToken, ctx: Context): boolean {
  for (let i = indexOfToken(ctx.tokens, tok) - 1; i >= 0; i--) {
    const t = ctx.tokens[i]!;
    if (ctx.text.slice(t.startOffset, tok.startOffset).includes("\n")) return false;
    if (t.tokenType === T.With) return true;
  }
  return false;
}

/** Hints keyed on what was found where something else was expected. */
function commonMistake(found: IToken, prev: IToken | undefined, ctx: Context): string | undefined {
  const next = nextToken(found, ctx.tokens);
  if (found.tokenType === T.Equals && prev && ENDS_EXPRESSION.has(prev.tokenType))
    return "to compare two values, use '=='";
  if (found.tokenType === T.Ident && ["and", "or", "not"].includes(found.image)) {
    return "logical operators are written &&, || and !";
  }
  if (
    found.tokenType === T.Ident &&
    prev?.tokenType === T.Number &&
    adjacent(prev, found) &&
    !/^([eE]\d*|_.*)$/.test(found.image)
  ) {
    return `a number is directly followed by a name: write '${prev.image} * ${found.image}' for a product`;
  }
  if (found.tokenType === T.Ident && prev?.tokenType === T.Number && adjacent(prev, found)) {
    if (/^[eE]\d*$/.test(found.image))
      return `malformed number: an exponent needs digits, as in ${prev.image}e-5`;
    if (found.image.startsWith("_"))
      return "malformed number: '_' may only separate digits, as in 1_000";
  }
  if (found.tokenType === T.Ident && next?.tokenType === T.Equals) {
    if (inWithClause(found, ctx))
      return "separate the sizes after 'with' with commas: with B = 2, T = 16";
    return `values are declared with let: 'let ${found.image} = ...'`;
  }
  return undefined;
}

function explain(p: Problem, found: IToken, prev: IToken | undefined, ctx: Context): Explained {
  const what = describeToken(found);
  const later = onLaterLine(prev, found, ctx.text);
  const mistake = () => commonMistake(found, prev, ctx);
  const withHelp = (ex: Explained, help: string | undefined): Explained =>
    help ? { ...ex, help } : ex;

  if (p.kind === "notAllInput" || (p.kind === "mismatch" && p.expected === "EOF")) {
    const help =
      mistake() ??
      (CLOSERS.has(found.tokenType)
        ? `this '${found.image}' closes nothing: remove it or add the opening bracket`
        : "top-level items are: import, block, interface, fn, model, let");
    return withHelp(
      {
        code: "A0102",
        message: `expected ${describeRule("module")} but found ${what}`,
        at: "found",
      },
      help,
    );
  }

  if (p.kind === "mismatch") {
    const expected = TOKENS.get(p.expected);
    // A container of members or statements ends with '}': whatever was found instead does not belong.
    if (
      expected === T.RBrace &&
      (p.rule === "blockDecl" ||
        p.rule === "ifMember" ||
        p.rule === "body" ||
        p.rule === "interfaceDecl")
    ) {
      const list =
        p.rule === "body"
          ? STATEMENT_LIST
          : p.rule === "interfaceDecl"
            ? "a forward signature or '}'"
            : MEMBER_LIST;
      const unmatched = CLOSERS.has(found.tokenType) && found.tokenType !== T.RBrace;
      return withHelp(
        {
          code: "A0101",
          message: unmatched ? `unmatched '${found.image}'` : `expected ${list} but found ${what}`,
          at: "found",
        },
        unmatched ? "remove it, or add the bracket it should close" : mistake(),
      );
    }
    if (expected && CLOSERS.has(expected) && LIST_RULES.has(p.rule)) {
      if (p.rule === "indexSuffix" && found.tokenType === T.Colon) {
        return {
          code: "A0107",
          message: "a slice has at most three parts, start:stop:step",
          at: "found",
        };
      }
      const opener = unclosedOpener(expected, found, ctx.tokens);
      const ex: Explained = {
        code: "A0101",
        message: `expected ',' or ${tokenLabel(expected)} but found ${what}`,
        at: later ? "afterPrevious" : "found",
      };
      if (opener)
        ex.related = {
          span: tokenSpan(opener, ctx.text.length),
          message: `the unclosed '${opener.image}' is here`,
        };
      const help =
        p.rule === "paramList" && (found.tokenType === T.Ident || found.tokenType === T.Fn)
          ? "a parameter is written 'name: type = default'"
          : later
            ? undefined
            : `separate the items with ','`;
      return withHelp(ex, help);
    }
    if (
      (p.rule === "forwardDecl" && expected === T.Arrow) ||
      (p.rule === "body" && expected === T.LBrace)
    ) {
      const help =
        found.tokenType === T.Gt || found.tokenType === T.Minus
          ? "the outputs follow '->'"
          : found.tokenType === T.Comma
            ? "several outputs need parentheses: -> (y: [B, T, d], w: [B, T])"
            : "a forward is written: forward(x: [B, T, d]) -> y: [B, T, d] { ... }";
      return {
        code: "A0101",
        message: `expected ${tokenLabel(expected)} but found ${what}`,
        at: later ? "afterPrevious" : "found",
        help,
      };
    }
    if (expected === T.NameLike || expected === T.Ident) {
      const reserved = HARD.has(found.tokenType) && !later;
      return withHelp(
        {
          code: "A0101",
          message: `expected a name but found ${what}`,
          at: later ? "afterPrevious" : "found",
        },
        reserved
          ? `'${found.image}' is a reserved keyword; rename it, for example '${found.image}_'`
          : undefined,
      );
    }
    return withHelp(
      {
        code: "A0101",
        message: `expected ${tokenLabel(expected)} but found ${what}`,
        at: later ? "afterPrevious" : "found",
      },
      later ? undefined : mistake(),
    );
  }

  // No alternative matched (or a mandatory repetition did not start).
  const expectation =
    DESCRIPTIONS[p.rule] !== undefined || EXPRESSION_RULES.has(p.rule)
      ? describeRule(p.rule)
      : alternatives(p.alternatives);
  const code = EXPRESSION_RULES.has(p.rule) ? "A0103" : p.rule === "module" ? "A0102" : "A0101";
  // In a list of members or statements, the token found is itself what does not belong.
  const culprit = p.rule === "member" || p.rule === "statement";
  return withHelp(
    {
      code,
      message: `expected ${expectation} but found ${what}`,
      at: later && !culprit ? "afterPrevious" : "found",
    },
    later && !culprit ? undefined : mistake(),
  );
}

function alternatives(names: string[]): string {
  const labels = [...new Set(names.map((n) => tokenLabel(TOKENS.get(n))))];
  if (labels.length === 0) return "something else";
  if (labels.length > 6) return labels.slice(0, 6).join(", ") + ", …";
  if (labels.length === 1) return labels[0]!;
  return labels.slice(0, -1).join(", ") + " or " + labels[labels.length - 1];
}

// ------------------------------------------------------------------ lexical errors

const CHAR_HINTS: Record<string, string> = {
  "^": "powers are written x ** 2",
  "?": "a conditional is written 'if c then a else b'",
  "'": 'strings use double quotes: "..."',
  "“": 'use straight double quotes: "..."',
  "”": 'use straight double quotes: "..."',
  "‘": 'use straight double quotes: "..."',
  "’": 'use straight double quotes: "..."',
  "#": "comments start with //",
  "&": "logical and is written &&",
  "|": "logical or is written ||",
  "~": "logical not is written !",
  "\\": "a backslash is only meaningful inside strings",
};

export function lexDiagnostic(e: ILexingError, file: string, text: string): Diagnostic {
  const chars = text.slice(e.offset, e.offset + e.length);
  const first = chars.codePointAt(0) ?? 0;
  const firstChar = String.fromCodePoint(first);
  let shown: string;
  let help: string;
  if (first === 0xfffd) {
    shown = "an invalid UTF-8 byte";
    help = "save the file as UTF-8";
  } else if (first < 0x20 || first === 0x7f) {
    const hex = first.toString(16).toUpperCase().padStart(4, "0");
    shown = `control character U+${hex}`;
    help = "remove it (only spaces, tabs and line breaks may separate tokens)";
  } else {
    shown = `'${chars.length > 20 ? chars.slice(0, 20) + "…" : chars}'`;
    help =
      CHAR_HINTS[firstChar] ??
      (/\p{L}/u.test(firstChar)
        ? "names use only ASCII letters, digits and _"
        : "this character has no meaning in .arch");
  }
  return diagnostic(
    "A0002",
    `unexpected character${e.length > 1 ? "s" : ""}: ${shown}`,
    { file, span: { start: e.offset, end: e.offset + e.length } },
    { help },
  );
}
