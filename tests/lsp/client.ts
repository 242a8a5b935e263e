/**
 * A real LSP client for the tests: spawns the built `archc lsp --stdio` and speaks JSON-RPC to it
 * over its stdin and stdout, as an editor does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node.js";
import type { Diagnostic, PublishDiagnosticsParams } from "vscode-languageserver-protocol";

const MAIN = join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");

export class LspClient {
  readonly conn: MessageConnection;
  readonly proc: ChildProcess;
  readonly stderr: string[] = [];
  private readonly diags = new Map<string, PublishDiagnosticsParams[]>();
  private readonly waiters: {
    uri: string;
    version: number;
    resolve: (d: Diagnostic[]) => void;
  }[] = [];
  private versions = new Map<string, number>();

  constructor(readonly root: string) {
    this.proc = spawn(process.execPath, [MAIN, "lsp", "--stdio"], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    // A server that exited makes writes fail: the test's assertions report that, not the pipe.
    this.proc.stdin!.on("error", () => {});
    this.proc.stderr!.on("data", (b: Buffer) => this.stderr.push(b.toString()));
    this.conn = createMessageConnection(
      new StreamMessageReader(this.proc.stdout!),
      new StreamMessageWriter(this.proc.stdin!),
    );
    this.conn.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      this.diags.set(p.uri, [...(this.diags.get(p.uri) ?? []), p]);
      // Diagnostics of an older version (a check that started before the edit) do not count.
      const done = this.waiters.filter(
        (x) => x.uri === p.uri && (p.version === undefined || p.version >= x.version),
      );
      for (const w of done) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(p.diagnostics);
      }
    });
    this.conn.onNotification("window/logMessage", (p: { message: string }) => {
      this.stderr.push(p.message);
    });
    this.conn.listen();
  }

  async initialize(options: Record<string, unknown> = { diagnosticsDelay: 10 }) {
    const r = await this.conn.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(this.root).href,
      capabilities: {},
      initializationOptions: options,
    });
    this.conn.sendNotification("initialized", {});
    return r as { capabilities: Record<string, unknown> };
  }

  uri(rel: string): string {
    return pathToFileURL(join(this.root, rel)).href;
  }

  /** Opens a document and resolves with the first diagnostics published for it. */
  open(rel: string, text: string): Promise<Diagnostic[]> {
    const uri = this.uri(rel);
    this.versions.set(uri, 1);
    const p = this.nextDiagnostics(uri);
    this.conn.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "arch", version: 1, text },
    });
    return p;
  }

  change(rel: string, text: string): Promise<Diagnostic[]> {
    const uri = this.uri(rel);
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    const p = this.nextDiagnostics(uri, v);
    this.conn.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: v },
      contentChanges: [{ text }],
    });
    return p;
  }

  /** The first diagnostics published for `uri` at `version` or later. */
  nextDiagnostics(uri: string, version = 0): Promise<Diagnostic[]> {
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  /** `textDocument/...` at a position of a document. */
  at<R>(
    method: string,
    rel: string,
    line: number,
    character: number,
    extra: object = {},
  ): Promise<R> {
    return this.request<R>(method, {
      textDocument: { uri: this.uri(rel) },
      position: { line, character },
      ...extra,
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => {
      if (this.proc.exitCode !== null) r(undefined);
      else this.proc.once("exit", r);
    });
    try {
      await Promise.race([this.request("shutdown", null), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification("exit");
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    this.conn.dispose();
    this.proc.kill();
  }
}

/** A temporary workspace with the given files. */
export function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "archc-lsp-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** The position (0-based) of the n-th occurrence of `needle` in `text`, plus `delta` characters. */
export function pos(
  text: string,
  needle: string,
  nth = 0,
  delta = 0,
): { line: number; character: number } {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`'${needle}' #${nth} not in text`);
  }
  i += delta;
  const before = text.slice(0, i);
  const line = before.split("\n").length - 1;
  return { line, character: i - (before.lastIndexOf("\n") + 1) };
}
