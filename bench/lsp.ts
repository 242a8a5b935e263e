/**
 * Language server latency: hover and completion on a generated 1,000-line document, measured by
 * a real client over JSON-RPC to `archc lsp --stdio` (round trip included), after warm-up.
 * Also: the first hover after an edit, which re-checks the document first.
 * Run: `npm run build && npm run bench:lsp`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node.js";
import { generateModel } from "./generate.js";

const text = generateModel(32);
const lines = text.split("\n");
const root = mkdtempSync(join(tmpdir(), "archc-bench-lsp-"));
const file = join(root, "big.arch");
writeFileSync(file, text);
const uri = pathToFileURL(file).href;
const main = join(fileURLToPath(new URL(".", import.meta.url)), "..", "cli", "main.js");
const proc = spawn(process.execPath, [main, "lsp", "--stdio"], { cwd: root, stdio: "pipe" });
const conn = createMessageConnection(
  new StreamMessageReader(proc.stdout),
  new StreamMessageWriter(proc.stdin),
);
let onDiags: ((n: number) => void) | undefined;
conn.onNotification("textDocument/publishDiagnostics", (p: { diagnostics: unknown[] }) =>
  onDiags?.(p.diagnostics.length),
);
conn.listen();
await conn.sendRequest("initialize", {
  processId: process.pid,
  rootUri: pathToFileURL(root).href,
  capabilities: {},
  // The default quiet time before a re-check (150 ms), as in an editor.
  initializationOptions: {},
});
conn.sendNotification("initialized", {});
const diagnostics = new Promise<number>((r) => (onDiags = r));
conn.sendNotification("textDocument/didOpen", {
  textDocument: { uri, languageId: "arch", version: 1, text },
});
const n = await diagnostics;
if (n !== 0) throw new Error(`the generated document has ${n} diagnostics`);

/** Positions spread over the document: names inside forwards and layer values. */
const targets: { line: number; character: number }[] = [];
lines.forEach((l, i) => {
  for (const needle of ["attn(norm1", "up(n)", "Linear(d, hidden", "rearrange(h"]) {
    const c = l.indexOf(needle);
    if (c >= 0) targets.push({ line: i, character: c + 1 });
  }
});
const completionAt: { line: number; character: number }[] = [];
lines.forEach((l, i) => {
  const c = l.indexOf("Linear(d, hidden");
  if (c >= 0) completionAt.push({ line: i, character: c + "Linear(d, hidden, ".length });
});

async function time(method: string, at: { line: number; character: number }): Promise<number> {
  const t0 = performance.now();
  await conn.sendRequest(method, { textDocument: { uri }, position: at });
  return performance.now() - t0;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, max ${s[s.length - 1]!.toFixed(2)} ms (${s.length} requests)`;
}

// Warm-up: every code path JIT-compiled.
for (let i = 0; i < 20; i++) {
  await time("textDocument/hover", targets[i % targets.length]!);
  await time("textDocument/completion", completionAt[i % completionAt.length]!);
}
const hover: number[] = [];
const completion: number[] = [];
for (let round = 0; round < 2; round++) {
  for (const t of targets) hover.push(await time("textDocument/hover", t));
  for (const t of completionAt) completion.push(await time("textDocument/completion", t));
}
// The first hover after an edit waits for the re-check of the document.
const afterEdit: number[] = [];
for (let i = 0; i < 10; i++) {
  conn.sendNotification("textDocument/didChange", {
    textDocument: { uri, version: i + 2 },
    contentChanges: [{ text: text + `\n// edit ${i}\n` }],
  });
  afterEdit.push(await time("textDocument/hover", targets[i]!));
}
// Completion needs no re-check: the document is parsed and its names resolved.
const completionAfterEdit: number[] = [];
for (let i = 0; i < 10; i++) {
  conn.sendNotification("textDocument/didChange", {
    textDocument: { uri, version: i + 20 },
    contentChanges: [{ text: text + `\n// edit ${i + 20}\n` }],
  });
  completionAfterEdit.push(await time("textDocument/completion", completionAt[i]!));
  // Let the debounced re-check run before the next edit, as between keystrokes.
  await new Promise((r) => setTimeout(r, 1500));
}
console.log(`document: ${lines.length} lines (node ${process.version})`);
console.log(`hover:              ${stats(hover)}`);
console.log(`completion:         ${stats(completion)}`);
console.log(`hover after an edit (re-check included): ${stats(afterEdit)}`);
console.log(`completion after an edit: ${stats(completionAfterEdit)}`);
await conn.sendRequest("shutdown");
conn.sendNotification("exit");
setTimeout(() => {
  proc.kill();
  process.exit(0);
}, 200);
