/**
 * The registry of diagnostic codes. Every code archc can emit is listed here once, with a one-line
 * summary; spec/diagnostics.md documents each with an example and a fix (a test keeps the two in
 * step). Ranges: A00xx lexical and file-level, A01xx syntax.
 */
export const CODES = {
  A0001: "source is not valid UTF-8",
  A0002: "unexpected character",
  A0003: "unterminated string literal",
  A0004: "unterminated block comment",
  A0005: "invalid escape sequence in a string",
  A0006: "brackets nested too deeply",
  A0007: "too many diagnostics; the rest are not shown",
  A0008: "file too large",
  A0009: "cannot read file",
  A0010: "not a text file",
  A0101: "unexpected token",
  A0102: "expected a declaration",
  A0103: "expected an expression",
  A0104: "expression nested too deeply",
  A0105: "positional argument after a keyword argument",
  A0106: "comparison operators cannot be chained",
  A0107: "malformed slice",
  A0108: "more than one variadic dim in a shape",
  A0109: "invalid let pattern",
  A0111: "reserved keyword used as a name",
  A0112: "declaration in the wrong place",
} as const;

export type Code = keyof typeof CODES;
