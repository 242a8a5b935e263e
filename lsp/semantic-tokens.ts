/**
 * Semantic tokens for names, from the name index: what each identifier is (a block, a
 * hyperparameter, a parameter, a runtime dim, a primitive, ...), which a TextMate grammar cannot
 * know. Keywords, numbers, strings and comments stay with the grammar.
 */
import type { SemanticTokens, SemanticTokensLegend } from "vscode-languageserver";
import { occurrences, type Target } from "./names.js";
import type { Analysis } from "./workspace.js";

export const TOKEN_TYPES = [
  "class",
  "interface",
  "function",
  "variable",
  "parameter",
  "property",
  "typeParameter",
  "namespace",
  "type",
] as const;
export const TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"] as const;

export const TOKEN_LEGEND: SemanticTokensLegend = {
  tokenTypes: [...TOKEN_TYPES],
  tokenModifiers: [...TOKEN_MODIFIERS],
};

type TokenType = (typeof TOKEN_TYPES)[number];

function typeOf(t: Target): TokenType {
  switch (t.kind) {
    case "block":
      return "class";
    case "interface":
      return "interface";
    case "fn":
      return "function";
    case "model":
    case "let":
    case "local":
    case "input":
    case "output":
    case "index":
      return "variable";
    case "hyper":
    case "fnParam":
      return "parameter";
    case "param":
    case "layer":
      return "property";
    case "dim":
      return "typeParameter";
    case "module":
      return "namespace";
    case "import":
      return t.of ? typeOf(t.of) : "variable";
    case "builtin":
      return /^(f32|i32|bool|f16|int|float|dim|string|block)$/.test(t.name) ? "type" : "function";
  }
}

export function semanticTokens(a: Analysis): SemanticTokens {
  const src = a.module.file.source;
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  for (const o of occurrences(a.module, a.scopes)) {
    const start = src.position(o.span.start);
    const end = src.position(o.span.end);
    if (start.line !== end.line) continue; // names never span lines
    const line = start.line - 1;
    const char = start.col - 1;
    let mods = 0;
    if (o.decl) mods |= 1;
    if (o.target.kind === "let" || o.target.kind === "hyper" || o.target.kind === "model")
      mods |= 2;
    if (o.target.kind === "builtin") mods |= 4;
    data.push(
      line - prevLine,
      line === prevLine ? char - prevChar : char,
      end.col - start.col,
      TOKEN_TYPES.indexOf(typeOf(o.target)),
      mods,
    );
    prevLine = line;
    prevChar = char;
  }
  return { data };
}
