/**
 * `archc lsp --stdio`: the language server. One Workspace holds the open documents and their
 * checks; every handler runs behind `guard`, which logs an exception and answers with an empty
 * result, so no input can take the server down. Diagnostics are published after a quiet period
 * (`archc.diagnosticsDelay`, 150 ms by default) following the last edit.
 */
import {
  createConnection,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node.js";
import { fileURLToPath } from "node:url";
import { codeActions } from "./actions.js";
import { completion } from "./completion.js";
import { toOffset } from "./convert.js";
import { documentDiagnostics } from "./diagnostics.js";
import { foldingRanges } from "./folding.js";
import { formatting } from "./format.js";
import { hover } from "./hover.js";
import { definition, prepareRename, references, rename, documentHighlights } from "./navigation.js";
import { semanticTokens, TOKEN_LEGEND } from "./semantic-tokens.js";
import { signatureHelp } from "./signature.js";
import { documentSymbols, workspaceSymbols } from "./symbols.js";
import { Workspace } from "./workspace.js";
import type { Analysis } from "./workspace.js";

export interface ServerSettings {
  /** Quiet time after an edit before diagnostics are computed and published (ms). */
  diagnosticsDelay: number;
}

const DEFAULTS: ServerSettings = { diagnosticsDelay: 150 };

export function startServer(connection: Connection): void {
  let ws = new Workspace();
  const settings: ServerSettings = { ...DEFAULTS };
  let timer: NodeJS.Timeout | undefined;
  const dirty = new Set<string>();

  const log = (e: unknown, what: string) => {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    try {
      connection.console.error(`archc lsp: ${what} failed: ${msg}`);
    } catch {
      process.stderr.write(`archc lsp: ${what} failed: ${msg}\n`);
    }
  };

  /** Runs a handler; an exception is logged and answered with `fallback`. */
  function guard<P, R>(what: string, fallback: R, f: (p: P) => R): (p: P) => R {
    return (p: P) => {
      try {
        return f(p);
      } catch (e) {
        log(e, what);
        return fallback;
      }
    };
  }

  /**
   * The document a request is about, at its current text: checked (hover, code actions) or only
   * parsed with its names resolved (everything else, which then answers at once after an edit).
   */
  const withDoc = <R>(uri: string, f: (a: Analysis) => R, checked = false): R | null => {
    const path = ws.pathOf(uri);
    if (!ws.docs.has(path)) return null;
    return f(checked ? ws.analyze(path) : ws.syntax(path));
  };
  const offsetIn = (a: Analysis, pos: { line: number; character: number }) =>
    toOffset(a.module.file.source, pos);

  const publish = () => {
    timer = undefined;
    const paths = [...dirty];
    dirty.clear();
    for (const path of paths) {
      const doc = ws.docs.get(path);
      if (!doc) continue;
      try {
        const a = ws.analyze(path);
        void connection.sendDiagnostics({
          uri: doc.uri,
          version: doc.version,
          diagnostics: documentDiagnostics(ws, a),
        });
      } catch (e) {
        log(e, `checking ${doc.uri}`);
      }
    }
  };
  const schedule = () => {
    // Any open document may import the edited one: re-check them all.
    for (const p of ws.docs.keys()) dirty.add(p);
    if (timer) clearTimeout(timer);
    timer = setTimeout(publish, settings.diagnosticsDelay);
  };

  connection.onInitialize(
    guard("initialize", {} as InitializeResult, (params): InitializeResult => {
      const init = (params.initializationOptions ?? {}) as Partial<ServerSettings>;
      if (typeof init.diagnosticsDelay === "number" && init.diagnosticsDelay >= 0)
        settings.diagnosticsDelay = init.diagnosticsDelay;
      const rootUri = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
      if (rootUri?.startsWith("file:")) ws = new Workspace({ root: fileURLToPath(rootUri) });
      return {
        capabilities: {
          textDocumentSync: TextDocumentSyncKind.Full,
          hoverProvider: true,
          completionProvider: { triggerCharacters: [".", "(", ",", "=", "[", '"', "/", " "] },
          signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [","] },
          definitionProvider: true,
          referencesProvider: true,
          documentHighlightProvider: true,
          renameProvider: { prepareProvider: true },
          documentSymbolProvider: true,
          workspaceSymbolProvider: true,
          documentFormattingProvider: true,
          foldingRangeProvider: true,
          codeActionProvider: { codeActionKinds: ["quickfix"] },
          semanticTokensProvider: { legend: TOKEN_LEGEND, full: true },
        },
        serverInfo: { name: "archc", version: "0.1.0" },
      };
    }),
  );

  connection.onDidOpenTextDocument(
    guard("didOpen", undefined, (p) => {
      ws.open(p.textDocument.uri, p.textDocument.version, p.textDocument.text);
      schedule();
    }),
  );
  connection.onDidChangeTextDocument(
    guard("didChange", undefined, (p) => {
      const doc = ws.docs.get(ws.pathOf(p.textDocument.uri));
      let text = doc?.text ?? "";
      for (const c of p.contentChanges) {
        if ("range" in c) {
          // Incremental changes are not negotiated, but apply them correctly anyway.
          const lines = text.split("\n");
          const at = (pos: { line: number; character: number }) => {
            let o = 0;
            for (let i = 0; i < pos.line && i < lines.length; i++) o += lines[i]!.length + 1;
            return Math.min(text.length, o + pos.character);
          };
          text = text.slice(0, at(c.range.start)) + c.text + text.slice(at(c.range.end));
        } else text = c.text;
      }
      ws.change(p.textDocument.uri, p.textDocument.version, text);
      schedule();
    }),
  );
  connection.onDidCloseTextDocument(
    guard("didClose", undefined, (p) => {
      ws.close(p.textDocument.uri);
      void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
      schedule();
    }),
  );
  // A file changed on disk (a git checkout, another tool): the program re-reads it by mtime.
  connection.onDidChangeWatchedFiles(
    guard("didChangeWatchedFiles", undefined, () => {
      ws.touch();
      schedule();
    }),
  );
  connection.onDidChangeConfiguration(
    guard("didChangeConfiguration", undefined, (p) => {
      const s = (p.settings as { archc?: Partial<ServerSettings> } | undefined)?.archc;
      if (typeof s?.diagnosticsDelay === "number" && s.diagnosticsDelay >= 0)
        settings.diagnosticsDelay = s.diagnosticsDelay;
    }),
  );

  connection.onHover(
    guard("hover", null, (p) =>
      withDoc(p.textDocument.uri, (a) => hover(ws, a, offsetIn(a, p.position)), true),
    ),
  );
  connection.onCompletion(
    guard(
      "completion",
      [],
      (p) => withDoc(p.textDocument.uri, (a) => completion(ws, a, offsetIn(a, p.position))) ?? [],
    ),
  );
  connection.onSignatureHelp(
    guard("signatureHelp", null, (p) =>
      withDoc(p.textDocument.uri, (a) => signatureHelp(ws, a, offsetIn(a, p.position))),
    ),
  );
  connection.onDefinition(
    guard("definition", null, (p) =>
      withDoc(p.textDocument.uri, (a) => definition(ws, a, offsetIn(a, p.position))),
    ),
  );
  connection.onReferences(
    guard("references", null, (p) =>
      withDoc(p.textDocument.uri, (a) =>
        references(ws, a, offsetIn(a, p.position), p.context.includeDeclaration),
      ),
    ),
  );
  connection.onDocumentHighlight(
    guard("documentHighlight", null, (p) =>
      withDoc(p.textDocument.uri, (a) => documentHighlights(a, offsetIn(a, p.position))),
    ),
  );
  connection.onPrepareRename((p) => {
    try {
      return withDoc(p.textDocument.uri, (a) => prepareRename(ws, a, offsetIn(a, p.position)));
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      log(e, "prepareRename");
      return null;
    }
  });
  // Rename errors are answers (a refusal with a message), not crashes: they pass through.
  connection.onRenameRequest((p) => {
    try {
      return withDoc(p.textDocument.uri, (a) => rename(ws, a, offsetIn(a, p.position), p.newName));
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      log(e, "rename");
      return null;
    }
  });
  connection.onDocumentSymbol(
    guard(
      "documentSymbol",
      [],
      (p) => withDoc(p.textDocument.uri, (a) => documentSymbols(a)) ?? [],
    ),
  );
  connection.onWorkspaceSymbol(guard("workspaceSymbol", [], (p) => workspaceSymbols(ws, p.query)));
  connection.onDocumentFormatting(
    guard(
      "formatting",
      [],
      (p) => withDoc(p.textDocument.uri, (a) => formatting(a, p.options)) ?? [],
    ),
  );
  connection.onFoldingRanges(
    guard("foldingRange", [], (p) => withDoc(p.textDocument.uri, (a) => foldingRanges(a)) ?? []),
  );
  connection.onCodeAction(
    guard(
      "codeAction",
      [],
      (p) =>
        withDoc(
          p.textDocument.uri,
          (a) => codeActions(ws, a, p.range, p.context.diagnostics),
          true,
        ) ?? [],
    ),
  );
  connection.languages.semanticTokens.on(
    guard(
      "semanticTokens",
      { data: [] },
      (p) => withDoc(p.textDocument.uri, (a) => semanticTokens(a)) ?? { data: [] },
    ),
  );

  connection.listen();
}

/** Starts the server on stdin/stdout; uncaught errors are logged, never fatal. */
export function runStdio(): void {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  process.on("uncaughtException", (e) => process.stderr.write(`archc lsp: ${e.stack ?? e}\n`));
  process.on("unhandledRejection", (e) => process.stderr.write(`archc lsp: ${String(e)}\n`));
  startServer(connection);
}
