/**
 * The VS Code extension's manifest and language configuration (editors/vscode), checked against
 * the compiler's lexer so the editor's idea of comments, brackets and indentation is the
 * language's.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { TokenType } from "chevrotain";
import { describe, expect, it } from "vitest";
import {
  archLexer,
  BlockComment,
  LBrace,
  LBracket,
  LineComment,
  LParen,
  RBrace,
  RBracket,
  RParen,
} from "../../grammar/lexer.js";

const ext = new URL("../../editors/vscode/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, ext), "utf8");
const manifest = JSON.parse(read("package.json")) as {
  name: string;
  publisher: string;
  main: string;
  engines: Record<string, string>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  activationEvents: string[];
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    configuration: { properties: Record<string, { type: string; default: unknown }> };
    commands: { command: string }[];
  };
};
interface LanguageConfiguration {
  comments: { lineComment: string; blockComment: [string, string] };
  brackets: [string, string][];
  autoClosingPairs: { open: string; close: string }[];
  wordPattern: string;
  indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
  onEnterRules: { beforeText: string; action: { indent: string; appendText?: string } }[];
}
const config = JSON.parse(read("language-configuration.json")) as LanguageConfiguration;
const root = new URL("../../", import.meta.url);
const corpus = ["stdlib", "examples"].flatMap((dir) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith(".arch"))
    .map((f) => `${dir}/${f}`),
);

describe("the extension manifest", () => {
  it("declares the arch language with its configuration and grammar", () => {
    const [lang] = manifest.contributes.languages;
    expect(lang).toMatchObject({ id: "arch", extensions: [".arch"] });
    expect(existsSync(new URL(lang!.configuration, ext))).toBe(true);
    const [grammar] = manifest.contributes.grammars;
    expect(grammar).toMatchObject({ language: "arch", scopeName: "source.arch" });
    const tm = JSON.parse(read(grammar!.path)) as { scopeName: string };
    expect(tm.scopeName).toBe(grammar!.scopeName);
  });

  it("is a VS Code extension whose entry point is the compiled client", () => {
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(manifest.publisher).not.toBe("");
    expect(manifest.main).toBe("./dist/extension.js");
    expect(existsSync(new URL("src/extension.ts", ext))).toBe(true);
    expect(manifest.activationEvents).toContain("workspaceContains:**/*.arch");
    expect(Object.keys(manifest.dependencies)).toEqual(["vscode-languageclient"]);
    // vscode-languageclient 9 requires VS Code ^1.82, and @types/vscode may not be newer than
    // the engine (vsce refuses to package otherwise).
    expect(manifest.engines.vscode).toBe("^1.82.0");
    expect(manifest.devDependencies["@types/vscode"]).toBe("~1.82.0");
  });

  it("packages with a vsce that runs on Node 20 (4.x needs Node 22)", () => {
    expect(manifest.devDependencies["@vscode/vsce"]).toMatch(/^[~^]?3\./);
    expect(manifest.scripts.package).toContain("vsce package");
    expect(read(".gitignore").split("\n")).toEqual(
      expect.arrayContaining(["node_modules", "dist", "*.vsix"]),
    );
  });

  it("has the serverPath setting and the commands the client registers", () => {
    expect(manifest.contributes.configuration.properties["archc.serverPath"]).toMatchObject({
      type: "string",
      default: "",
    });
    expect(manifest.contributes.configuration.properties["archc.trace.server"]).toBeDefined();
    const client = read("src/extension.ts");
    for (const { command } of manifest.contributes.commands) {
      expect(client).toContain(`"${command}"`);
    }
    // The client id "archc" is what makes vscode-languageclient read archc.trace.server.
    expect(client).toContain('new LanguageClient("archc"');
    expect(read("src/server-command.ts")).toContain('["lsp", "--stdio"]');
  });
});

describe("the language configuration", () => {
  const lexes = (text: string, type: TokenType) => {
    const r = archLexer.tokenize(text);
    const all = [...r.tokens, ...(r.groups.comments ?? [])];
    return all.length === 1 && all[0]!.tokenType === type && all[0]!.image === text;
  };

  it("comments are the lexer's comments", () => {
    const { lineComment, blockComment } = config.comments;
    expect(lexes(`${lineComment} x`, LineComment)).toBe(true);
    expect(lexes(`${blockComment[0]} x ${blockComment[1]}`, BlockComment)).toBe(true);
  });

  it("brackets are the lexer's brackets, and all auto-close", () => {
    const pairs: [TokenType, TokenType][] = [
      [LBrace, RBrace],
      [LBracket, RBracket],
      [LParen, RParen],
    ];
    for (const [open, close] of config.brackets) {
      expect(
        pairs.some(([o, c]) => lexes(open, o) && lexes(close, c)),
        open + close,
      ).toBe(true);
    }
    expect(config.brackets).toHaveLength(pairs.length);
    for (const [open, close] of config.brackets) {
      expect(config.autoClosingPairs).toContainEqual(expect.objectContaining({ open, close }));
    }
    expect(config.autoClosingPairs).toContainEqual(
      expect.objectContaining({ open: '"', close: '"' }),
    );
  });

  it("a word is a name or a number, as the lexer reads them", () => {
    const word = new RegExp(`^(?:${config.wordPattern})$`);
    for (const w of ["x", "_tmp", "gelu_tanh", "d2", "42", "1_000", "0.5", "1e-5", "2.5E+3"]) {
      expect(word.test(w), w).toBe(true);
    }
    for (const w of ["a.b", "x-y", "2x", "a b"]) expect(word.test(w), w).toBe(false);
  });

  it.each(corpus)("indentation rules follow the brackets of %s", (file) => {
    // Lines that leave a bracket open indent the next line; lines that start by closing one
    // dedent. The lexer says where the brackets really are (not in strings or comments).
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    const text = readFileSync(new URL(file, root), "utf8");
    const opens = new Set<TokenType>([LBrace, LBracket, LParen]);
    const closes = new Set<TokenType>([RBrace, RBracket, RParen]);
    const tokens = archLexer.tokenize(text).tokens;
    let offset = 0;
    const problems: string[] = [];
    text.split("\n").forEach((line, i) => {
      const mine = tokens.filter(
        (t) => t.startOffset >= offset && t.startOffset < offset + line.length,
      );
      offset += line.length + 1;
      let depth = 0;
      for (const t of mine) {
        if (opens.has(t.tokenType)) depth++;
        else if (closes.has(t.tokenType) && depth > 0) depth--;
      }
      const leavesOpen = depth > 0;
      const startsClosed = mine[0] !== undefined && closes.has(mine[0].tokenType);
      if (increase.test(line) !== leavesOpen) problems.push(`${i + 1} increase: ${line}`);
      if (decrease.test(line) !== startsClosed) problems.push(`${i + 1} decrease: ${line}`);
    });
    expect(problems).toEqual([]);
  });

  it("continues a /// doc comment on Enter, and only a doc comment", () => {
    const [rule] = config.onEnterRules;
    const before = new RegExp(rule!.beforeText);
    expect(before.test("  /// The hourglass FFN.")).toBe(true);
    expect(before.test("  // a plain comment")).toBe(false);
    expect(before.test("  //// a banner")).toBe(false);
    expect(before.test("  let x = 1 /// trailing")).toBe(false);
    expect(rule!.action).toEqual({ indent: "none", appendText: "/// " });
  });
});
