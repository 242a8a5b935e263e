/**
 * Loads the VS Code extension's TextMate grammar (editors/vscode/syntaxes) with the same engine
 * VS Code uses (vscode-textmate on the oniguruma wasm), so tests see the tokens an editor shows.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

export const GRAMMAR_PATH = fileURLToPath(
  new URL("../../editors/vscode/syntaxes/arch.tmLanguage.json", import.meta.url),
);

/** One token of a line: its text and its scope stack, outermost (`source.arch`) first. */
export interface Token {
  text: string;
  start: number;
  scopes: string[];
}

/** A tokenized line, with the tokenizer state it leaves for the next line. */
export interface LineTokens {
  line: string;
  tokens: Token[];
  state: textmate.StateStack;
}

let grammarPromise: Promise<textmate.IGrammar> | undefined;

async function load(): Promise<textmate.IGrammar> {
  // The wasm ships inside the package: read it from node_modules, nothing is downloaded.
  const wasm = readFileSync(
    createRequire(import.meta.url).resolve("vscode-oniguruma/release/onig.wasm"),
  );
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => oniguruma.createOnigScanner(patterns),
      createOnigString: (s: string) => oniguruma.createOnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === "source.arch"
        ? textmate.parseRawGrammar(readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH)
        : null,
  });
  const grammar = await registry.loadGrammar("source.arch");
  if (grammar === null) throw new Error(`could not load the grammar ${GRAMMAR_PATH}`);
  return grammar;
}

/** The grammar, loaded once per test file. */
export function archGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= load();
  return grammarPromise;
}

export const INITIAL = textmate.INITIAL;

/** Tokenizes `source` line by line, threading the state as an editor does. */
export async function tokenize(source: string): Promise<LineTokens[]> {
  const grammar = await archGrammar();
  let state = textmate.INITIAL;
  const out: LineTokens[] = [];
  for (const line of source.split(/\r?\n/)) {
    const r = grammar.tokenizeLine(line, state);
    const tokens = r.tokens.map((t) => ({
      text: line.slice(t.startIndex, t.endIndex),
      start: t.startIndex,
      scopes: t.scopes,
    }));
    out.push({ line, tokens, state: r.ruleStack });
    state = r.ruleStack;
  }
  return out;
}
