/**
 * `npm run smoke [-- ARCHC]`: starts the language server exactly as the extension does (the
 * command from resolveServerCommand, `archc lsp --stdio`), without VS Code, and checks that it
 * answers: initialize, diagnostics for a broken document, hover, shutdown. ARCHC defaults to
 * this repository's build, ../../dist/cli/main.js (run `npm run build` at the root first).
 */
import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import { describeCommand, resolveServerCommand } from "../server-command";

async function main(): Promise<void> {
  const repo = path.resolve(__dirname, "../../../..");
  const configured = process.argv[2] ?? path.join(repo, "dist/cli/main.js");
  const cmd = resolveServerCommand({
    configured,
    workspaceFolders: [repo],
    platform: process.platform,
    homeDir: os.homedir(),
    isFile: (f) => fs.existsSync(f),
    readText: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined),
  });
  console.log(`server: ${describeCommand(cmd)}`);
  const child = spawn(cmd.command, cmd.args, { shell: cmd.shell, cwd: repo });
  child.stderr.on("data", (d: Buffer) => process.stderr.write(`[server] ${d.toString()}`));
  const conn = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const diagnostics = new Promise<{ uri: string; diagnostics: { message: string }[] }>((resolve) =>
    conn.onNotification("textDocument/publishDiagnostics", resolve),
  );
  conn.listen();

  const t0 = Date.now();
  const init = await withTimeout(
    conn.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(repo).href,
      capabilities: {},
      workspaceFolders: [{ uri: pathToFileURL(repo).href, name: "archc" }],
    }),
    "initialize",
  );
  console.log(
    `initialize: ${Date.now() - t0} ms; capabilities: ${Object.keys(init.capabilities).sort().join(", ")}`,
  );
  await conn.sendNotification("initialized", {});

  const file = path.join(repo, "examples", "smoke_broken.arch");
  const uri = pathToFileURL(file).href;
  const text =
    'import { Linear } from "std/nn"\n\nblock B(d: dim) {\n  layer fc = Linear(d, d)\n  forward(x: [T, d]) -> y: [T, d] {\n    return fc(x) @ x\n  }\n}\n';
  await conn.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "arch", version: 1, text },
  });
  const published = await withTimeout(diagnostics, "publishDiagnostics");
  console.log(
    `diagnostics (${published.diagnostics.length}): ${published.diagnostics.map((d) => d.message.split("\n")[0]).join(" | ")}`,
  );
  if (published.uri !== uri) throw new Error(`diagnostics for ${published.uri}, expected ${uri}`);
  if (published.diagnostics.length === 0) throw new Error("no diagnostic for a broken document");

  const hover = await withTimeout(
    conn.sendRequest<{ contents: unknown } | null>("textDocument/hover", {
      textDocument: { uri },
      position: { line: 3, character: 15 },
    }),
    "hover",
  );
  console.log(`hover on Linear: ${JSON.stringify(hover?.contents ?? null).slice(0, 200)}`);
  if (hover === null) throw new Error("no hover on a block name");

  await withTimeout(conn.sendRequest("shutdown"), "shutdown");
  await conn.sendNotification("exit");
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  console.log(`server exited with ${code}`);
  conn.dispose();
  if (code !== 0) process.exitCode = 1;
}

function withTimeout<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
