/**
 * The VS Code client for `.arch`: starts `archc lsp --stdio` and connects it to the editor.
 * Everything language-aware (diagnostics, hover, completion, ...) lives in the server; the
 * TextMate grammar (syntaxes/) colors the text before the server answers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import {
  describeCommand,
  resolveServerCommand,
  whyCannotStart,
  type ServerCommand,
} from "./server-command";

let client: LanguageClient | undefined;
let watcher: vscode.FileSystemWatcher | undefined;
let output: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("archc");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("archc.restartServer", () => restart()),
    vscode.commands.registerCommand("archc.showOutput", () => output?.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("archc.serverPath")) void restart();
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function currentServerCommand(): ServerCommand {
  return resolveServerCommand({
    configured: vscode.workspace.getConfiguration("archc").get<string>("serverPath"),
    workspaceFolders: (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === "file")
      .map((f) => f.uri.fsPath),
    platform: process.platform,
    homeDir: os.homedir(),
    isFile,
    readText: (file) => {
      try {
        return fs.readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
    },
  });
}

async function start(): Promise<void> {
  const cmd = currentServerCommand();
  output?.appendLine(`Starting the archc language server (${cmd.source}): ${describeCommand(cmd)}`);
  const problem = whyCannotStart(cmd, {
    platform: process.platform,
    pathEnv: process.env.PATH,
    pathExt: process.env.PATHEXT,
    isFile,
  });
  if (problem !== undefined) {
    await reportStartFailure(cmd, problem);
    return;
  }
  const run = { command: cmd.command, args: cmd.args, options: { shell: cmd.shell } };
  const serverOptions: ServerOptions = { run, debug: run };
  watcher = vscode.workspace.createFileSystemWatcher("**/*.arch");
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "arch" },
      { scheme: "untitled", language: "arch" },
    ],
    // Imported files change on disk too: the server re-checks the files that import them.
    synchronize: { fileEvents: watcher },
    ...(output === undefined ? {} : { outputChannel: output }),
  };
  // The id "archc" makes the client read the `archc.trace.server` setting.
  const next = new LanguageClient("archc", "archc language server", serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
  } catch (err) {
    // A client whose start failed still holds its output and watchers: release them.
    await next.stop().catch(() => undefined);
    await reportStartFailure(cmd, err instanceof Error ? err.message : String(err));
  }
}

async function reportStartFailure(cmd: ServerCommand, detail: string): Promise<void> {
  output?.appendLine(`Could not start the language server: ${detail}`);
  const open = "Open Settings";
  const choice = await vscode.window.showErrorMessage(
    `archc: could not start the language server \`${describeCommand(cmd)}\`: ${detail}. ` +
      "Install archc in the workspace (npm install --save-dev archc) or on PATH, or set archc.serverPath.",
    open,
  );
  if (choice === open) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "archc.serverPath");
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  watcher?.dispose();
  watcher = undefined;
  if (running !== undefined) await running.stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
