/**
 * Which command starts the archc language server. Kept free of the `vscode` API so that it can
 * be unit-tested with plain Node (src/test/server-command.test.ts).
 */
import * as path from "node:path";

/** The arguments that make `archc` speak the Language Server Protocol on stdin/stdout. */
export const LSP_ARGS: readonly string[] = ["lsp", "--stdio"];

/** A resolved server command, and where it came from (shown in the output channel). */
export interface ServerCommand {
  command: string;
  args: string[];
  /** Windows `.cmd` shims cannot be spawned without a shell (Node >= 18.20.2 / 20.12.2). */
  shell: boolean;
  source: "setting" | "workspace" | "path";
}

/** What the resolution depends on, injected so tests need no real file system. */
export interface ResolveEnv {
  /** The `archc.serverPath` setting ("" or undefined: not set). */
  configured: string | undefined;
  /** Absolute paths of the open workspace folders, in order. */
  workspaceFolders: readonly string[];
  platform: NodeJS.Platform;
  homeDir: string;
  isFile: (file: string) => boolean;
  /** A file's text, or undefined when it cannot be read. */
  readText: (file: string) => string | undefined;
}

/**
 * The setting if there is one; else the `archc` of the nearest `node_modules/.bin` at or above
 * a workspace folder (how a project that depends on archc pins its version); else, in a
 * checkout of archc itself, its build (`dist/cli/main.js`); else `archc` on PATH.
 */
export function resolveServerCommand(env: ResolveEnv): ServerCommand {
  const p = env.platform === "win32" ? path.win32 : path.posix;
  const configured = env.configured?.trim() ?? "";
  if (configured !== "") return fromSetting(configured, env, p);

  const shim = env.platform === "win32" ? "archc.cmd" : "archc";
  for (const folder of env.workspaceFolders) {
    for (let dir = folder; ; dir = p.dirname(dir)) {
      const candidate = p.join(dir, "node_modules", ".bin", shim);
      if (env.isFile(candidate)) return executable(candidate, "workspace");
      if (p.dirname(dir) === dir) break;
    }
  }
  for (const folder of env.workspaceFolders) {
    const script = p.join(folder, "dist", "cli", "main.js");
    if (isArchcCheckout(folder, env, p) && env.isFile(script)) {
      return { command: "node", args: [script, ...LSP_ARGS], shell: false, source: "workspace" };
    }
  }
  return executable("archc", "path");
}

function isArchcCheckout(folder: string, env: ResolveEnv, p: path.PlatformPath): boolean {
  const text = env.readText(p.join(folder, "package.json"));
  if (text === undefined) return false;
  try {
    return (JSON.parse(text) as { name?: unknown }).name === "archc";
  } catch {
    return false;
  }
}

function fromSetting(configured: string, env: ResolveEnv, p: path.PlatformPath): ServerCommand {
  let file = configured;
  if (file === "~" || file.startsWith("~/") || file.startsWith("~\\")) {
    file = p.join(env.homeDir, file.slice(1));
  }
  // A bare name (`archc`) is looked up on PATH by the spawn; anything with a separator is a path,
  // relative to the first workspace folder when it is not absolute.
  const isBareName = !file.includes("/") && !(env.platform === "win32" && file.includes("\\"));
  if (!isBareName && !p.isAbsolute(file)) {
    const base = env.workspaceFolders[0];
    if (base !== undefined) file = p.join(base, file);
  }
  // archc's own checkout has no node_modules/.bin/archc: allow pointing at dist/cli/main.js.
  if (/\.[cm]?js$/.test(file)) {
    return { command: "node", args: [file, ...LSP_ARGS], shell: false, source: "setting" };
  }
  return executable(file, "setting");
}

function executable(command: string, source: ServerCommand["source"]): ServerCommand {
  return {
    command,
    args: [...LSP_ARGS],
    shell: /\.(cmd|bat)$/i.test(command),
    source,
  };
}

/** The command as a person would type it, for messages. */
export function describeCommand(cmd: ServerCommand): string {
  const quote = (s: string) => (/[\s"']/.test(s) ? JSON.stringify(s) : s);
  return [cmd.command, ...cmd.args].map(quote).join(" ");
}

/** What a pre-flight check needs: the platform, PATH (and PATHEXT on Windows), a file test. */
export interface LookupEnv {
  platform: NodeJS.Platform;
  pathEnv: string | undefined;
  pathExt: string | undefined;
  isFile: (file: string) => boolean;
}

/**
 * Why `cmd` cannot start, or undefined when its program (and script) exist. Checked before
 * starting so that a missing archc gives one actionable message, not the client's generic
 * "couldn't create connection".
 */
export function whyCannotStart(cmd: ServerCommand, env: LookupEnv): string | undefined {
  const win = env.platform === "win32";
  const p = win ? path.win32 : path.posix;
  if (cmd.command === "node" && cmd.args[0] !== undefined && !LSP_ARGS.includes(cmd.args[0])) {
    if (!env.isFile(cmd.args[0])) return `${cmd.args[0]} does not exist`;
  }
  const hasSeparator = cmd.command.includes("/") || (win && cmd.command.includes("\\"));
  if (hasSeparator) return env.isFile(cmd.command) ? undefined : `${cmd.command} does not exist`;
  const exts = win ? ["", ...(env.pathExt ?? ".COM;.EXE;.BAT;.CMD").split(";")] : [""];
  const dirs = (env.pathEnv ?? "").split(win ? ";" : ":").filter((d) => d !== "");
  for (const dir of dirs) {
    for (const ext of exts) {
      if (env.isFile(p.join(dir, cmd.command + ext))) return undefined;
    }
  }
  return `\`${cmd.command}\` is not on PATH`;
}
