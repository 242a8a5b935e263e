/**
 * Parser error messages in plain words ("expected ')' but found '}'") instead of chevrotain's
 * defaults, which name internal token types and rule names.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";
import { CONTEXTUAL_KEYWORDS, HARD_KEYWORDS, Ident } from "./lexer.js";

/** What a rule parses, for "expected ..." messages. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  module: "a declaration (block, interface, fn, model, let) or an import",
  member: "a block member (param, layer, let, requires, tie, if, forward) or '}'",
  statement: "a statement (let, requires, return) or '}'",
  typeExpr: "a type",
  tensorType: "a tensor type such as [B, T, d]",
  layerValue: "a block value",
  pattern: "a name or a tuple of names",
  outputs: "an output such as y: [B, T, d]",
  importDecl: "a module path string or '{'",
  dimElem: "a dim",
  indexElem: "an index or a slice",
  fnDecl: "'=' or '{'",
};

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

export function describeRule(ruleName: string): string {
  if (EXPRESSION_RULES.has(ruleName)) return "an expression";
  return RULE_DESCRIPTIONS[ruleName] ?? ruleName;
}

export function tokenLabel(t: TokenType): string {
  if (t === EOF) return "the end of the file";
  return t.LABEL ?? t.name;
}

const HARD = new Set(HARD_KEYWORDS);
const CONTEXTUAL = new Set(CONTEXTUAL_KEYWORDS);

/** How a token found in the input is named in a message. */
export function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return "the end of the file";
  const image = tok.image.length > 30 ? tok.image.slice(0, 30) + "…" : tok.image;
  if (HARD.has(tok.tokenType) || CONTEXTUAL.has(tok.tokenType)) return `keyword '${image}'`;
  if (tok.tokenType === Ident) return `name '${image}'`;
  return `'${image}'`;
}

function mismatch(expected: TokenType, actual: IToken): string {
  const found = describeToken(actual);
  // chevrotain's top-level repetition recovery "expects" the end of the file.
  if (expected === EOF) return `expected ${describeRule("module")} but found ${found}`;
  if (expected === Ident && HARD.has(actual.tokenType)) {
    return `expected a name but found ${found}, which is reserved and cannot be used as a name`;
  }
  return `expected ${tokenLabel(expected)} but found ${found}`;
}

/** "a, b or c" of the distinct first tokens of each alternative path. */
function listAlternatives(paths: TokenType[][]): string {
  const labels = [...new Set(paths.map((p) => (p[0] ? tokenLabel(p[0]) : "")).filter((s) => s))];
  if (labels.length > 6) return labels.slice(0, 6).join(", ") + ", …";
  if (labels.length <= 1) return labels[0] ?? "something else";
  return labels.slice(0, -1).join(", ") + " or " + labels[labels.length - 1];
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return mismatch(expected, actual);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${describeRule("module")} but found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0];
    const found = first ? describeToken(first) : "the end of the file";
    const known = RULE_DESCRIPTIONS[ruleName] !== undefined || EXPRESSION_RULES.has(ruleName);
    const what = known ? describeRule(ruleName) : listAlternatives(expectedPathsPerAlt.flat());
    return `expected ${what} but found ${found}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const first = actual[0];
    const found = first ? describeToken(first) : "the end of the file";
    const known = RULE_DESCRIPTIONS[ruleName] !== undefined;
    return `expected ${known ? describeRule(ruleName) : listAlternatives(expectedIterationPaths)} but found ${found}`;
  },
};
