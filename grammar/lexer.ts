/**
 * The .arch lexer: token definitions (the vocabulary of spec/language.md §1) and one shared
 * chevrotain Lexer instance.
 */
import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

// Comments go to their own group: the parser never sees them, the formatter and doc-comment
// attachment do.
export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\n\r]*/,
  group: "comments",
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
});
/** An unterminated `/*`: lexed (to the end of the file) so it can be reported precisely. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
});
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
});

/**
 * What a declaration's name position accepts: identifiers and also the reserved keywords, so that
 * `let model = 3` parses (and is reported as a reserved name, A0111) instead of derailing
 * recovery for the rest of the block.
 */
export const NameLike = createToken({ name: "NameLike", pattern: Lexer.NA, label: "a name" });
export const Ident = createToken({
  name: "Ident",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
  categories: [NameLike],
});

function keyword(word: string, contextual = false): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Ident,
    label: `'${word}'`,
    // A contextual keyword is also an identifier wherever the grammar expects a name.
    categories: contextual ? [Ident, NameLike] : [NameLike],
  });
}

export const Import = keyword("import");
export const Interface = keyword("interface");
export const Fn = keyword("fn");
export const Model = keyword("model");
export const Param = keyword("param");
export const Layer = keyword("layer");
export const Let = keyword("let");
export const Requires = keyword("requires");
export const Else = keyword("else");
export const Tie = keyword("tie");
export const If = keyword("if");
export const Then = keyword("then");
export const Forward = keyword("forward");
export const Return = keyword("return");
export const Repeat = keyword("repeat");
export const Stack = keyword("stack");
export const Enum = keyword("enum");
export const True = keyword("true");
export const False = keyword("false");
export const BlockKw = keyword("block", true);
export const In = keyword("in", true);
export const From = keyword("from", true);
export const As = keyword("as", true);
export const Of = keyword("of", true);
export const With = keyword("with", true);

export const HARD_KEYWORDS = [
  Import,
  Interface,
  Fn,
  Model,
  Param,
  Layer,
  Let,
  Requires,
  Else,
  Tie,
  If,
  Then,
  Forward,
  Return,
  Repeat,
  Stack,
  Enum,
  True,
  False,
];
export const CONTEXTUAL_KEYWORDS = [BlockKw, In, From, As, Of, With];

/** The words of the reserved and of the contextual keywords (for editors and the language server). */
export const RESERVED_WORDS: readonly string[] = HARD_KEYWORDS.map(
  (t) => (t.PATTERN as RegExp).source,
);
export const CONTEXTUAL_WORDS: readonly string[] = CONTEXTUAL_KEYWORDS.map(
  (t) => (t.PATTERN as RegExp).source,
);

export const Number = createToken({
  name: "Number",
  pattern: /\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d+)?/,
  label: "a number",
});
export const StringLit = createToken({
  name: "String",
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: "a string",
});
/** A string without its closing quote on the same line: lexed so it can be reported. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\.)*/,
  label: "a string",
});

function punct(name: string, text: string, categories: TokenType[] = []): TokenType {
  const escaped = text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return createToken({ name, pattern: new RegExp(escaped), label: `'${text}'`, categories });
}

/** Every binary operator (precedence is applied when the AST is built: grammar/build-ast.ts). */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA, label: "an operator" });

export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LBrace = punct("LBrace", "{");
export const RBrace = punct("RBrace", "}");
export const Comma = punct("Comma", ",");
export const Semicolon = punct("Semicolon", ";");
export const Colon = punct("Colon", ":");
export const Ellipsis = punct("Ellipsis", "...");
export const DotDot = punct("DotDot", "..");
export const Dot = punct("Dot", ".");
export const FatArrow = punct("FatArrow", "=>");
export const Arrow = punct("Arrow", "->");
export const EqEq = punct("EqEq", "==", [BinaryOp]);
export const NotEq = punct("NotEq", "!=", [BinaryOp]);
export const Equals = punct("Equals", "=");
export const Le = punct("Le", "<=", [BinaryOp]);
export const Ge = punct("Ge", ">=", [BinaryOp]);
export const Lt = punct("Lt", "<", [BinaryOp]);
export const Gt = punct("Gt", ">", [BinaryOp]);
export const AndAnd = punct("AndAnd", "&&", [BinaryOp]);
export const OrOr = punct("OrOr", "||", [BinaryOp]);
export const Bang = punct("Bang", "!");
export const StarStar = punct("StarStar", "**", [BinaryOp]);
export const Star = punct("Star", "*", [BinaryOp]);
export const Slash = punct("Slash", "/", [BinaryOp]);
export const Percent = punct("Percent", "%", [BinaryOp]);
export const At = punct("At", "@", [BinaryOp]);
export const Plus = punct("Plus", "+", [BinaryOp]);
export const Minus = punct("Minus", "-", [BinaryOp]);

/** Order matters: longer tokens first, keywords before identifiers. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLit,
  UnterminatedString,
  Number,
  ...HARD_KEYWORDS,
  ...CONTEXTUAL_KEYWORDS,
  Ident,
  Ellipsis,
  DotDot,
  Dot,
  FatArrow,
  Arrow,
  EqEq,
  NotEq,
  Le,
  Ge,
  AndAnd,
  OrOr,
  Equals,
  Lt,
  Gt,
  Bang,
  StarStar,
  Star,
  Slash,
  Percent,
  At,
  Plus,
  Minus,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semicolon,
  Colon,
  BinaryOp,
  NameLike,
];

export const archLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
});
