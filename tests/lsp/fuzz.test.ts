/**
 * Robustness: 2,000 random edits (fast-check) to a real model, sent to `archc lsp --stdio` as an
 * editor would, with every kind of request in between; the server must answer all of them, log
 * no handler failure, and still answer correctly at the end.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect, test } from "vitest";
import { LspClient, workspace } from "./client.js";

const EXAMPLE = readFileSync(
  join(import.meta.dirname, "..", "..", "examples", "tiny_gpt.arch"),
  "utf8",
);
const PIECES = [
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  "=",
  ".",
  "..",
  "...",
  ":",
  "->",
  "=>",
  "@",
  "+",
  "*",
  "/",
  "%",
  "**",
  '"',
  "///",
  "//",
  "/*",
  "\n",
  " ",
  "block",
  "layer",
  "param",
  "forward",
  "return",
  "let",
  "import",
  "model",
  "repeat",
  "stack",
  "if",
  "else",
  "d",
  "T",
  "B",
  "x",
  "Linear(",
  "heads = ",
  "0",
  "7",
  "1e-5",
  "\u00e9",
  "\ud83d",
  "_",
];

const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 12 }),
  insert: fc.array(fc.constantFrom(...PIECES), { maxLength: 4 }).map((p) => p.join("")),
});

test("2,000 random edits: the server still answers", async () => {
  const c = new LspClient(workspace({ "gpt.arch": EXAMPLE }));
  try {
    await c.initialize({ diagnosticsDelay: 5 });
    await c.open("gpt.arch", EXAMPLE);
    const edits = fc.sample(edit, { numRuns: 2000, seed: 42 });
    let text = EXAMPLE;
    const requests: Promise<unknown>[] = [];
    for (let i = 0; i < edits.length; i++) {
      const e = edits[i]!;
      const at = Math.floor(e.at * text.length);
      text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
      void c.change("gpt.arch", text);
      if (i % 50 === 0) {
        const lines = text.split("\n");
        const line = Math.floor(e.at * lines.length);
        const ch = Math.floor(e.at * ((lines[line]?.length ?? 0) + 2));
        const doc = { textDocument: { uri: c.uri("gpt.arch") } };
        const at = { ...doc, position: { line, character: ch } };
        requests.push(
          c.request("textDocument/hover", at),
          c.request("textDocument/completion", at),
          c.request("textDocument/signatureHelp", at),
          c.request("textDocument/definition", at),
          c.request("textDocument/references", { ...at, context: { includeDeclaration: true } }),
          c.request("textDocument/documentSymbol", doc),
          c.request("textDocument/semanticTokens/full", doc),
          c.request("textDocument/foldingRange", doc),
          c.request("textDocument/formatting", {
            ...doc,
            options: { tabSize: 2, insertSpaces: true },
          }),
          c.request("textDocument/codeAction", {
            ...doc,
            range: { start: { line, character: 0 }, end: { line, character: ch } },
            context: { diagnostics: [] },
          }),
        );
      }
    }
    // Every request answered (none rejected): rename may refuse, so it is not among them.
    await Promise.all(requests);
    // Back to the example: the server answers correctly.
    const d = await c.change("gpt.arch", EXAMPLE);
    expect(d).toEqual([]);
    const h = await c.at<{ contents: { value: string } }>("textDocument/hover", "gpt.arch", 12, 8);
    expect(h.contents.value).toContain("model TinyGPT");
    expect(c.proc.exitCode).toBeNull();
    expect(c.stderr.filter((s) => /failed/.test(s))).toEqual([]);
  } finally {
    await c.stop();
  }
}, 240_000);
