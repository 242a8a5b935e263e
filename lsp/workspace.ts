/**
 * The server's view of the files: open documents (their text overrides the disk), one Program
 * shared by all of them (stdlib and unchanged imports stay parsed), and the latest check of each
 * document, recomputed only when its text, or the text of any open document, changed.
 */
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkFiles } from "../compiler/check/index.js";
import { buildScopes, type ModuleScope } from "../compiler/check/scope.js";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { expandArchPaths } from "../compiler/load.js";
import { Program, type ModuleInfo } from "../compiler/modules/program.js";
import { Observations } from "./observe.js";

export interface Analysis {
  path: string;
  /** The workspace generation it was computed at. */
  generation: number;
  module: ModuleInfo;
  /** Every diagnostic of the check (this file's and those of the modules it imports). */
  diagnostics: Diagnostic[];
  obs: Observations;
  scopes: Map<string, ModuleScope>;
}

export interface OpenDoc {
  uri: string;
  version: number;
  text: string;
}

export interface WorkspaceOptions {
  root?: string;
  stdlib?: string;
}

export class Workspace {
  readonly program: Program;
  readonly root: string;
  readonly docs = new Map<string, OpenDoc>();
  private readonly uris = new Map<string, string>();
  private readonly analyses = new Map<string, Analysis>();
  private scopeCache?: { generation: number; count: number; scopes: Map<string, ModuleScope> };
  /** Bumped by every edit: any open document may import any other. */
  private generation = 0;
  /** Values computed from the whole workspace, dropped at the next edit (completion's lists). */
  private readonly memo = new Map<string, { generation: number; value: unknown }>();

  /** `compute()`, remembered until the next edit. */
  memoize<T>(key: string, compute: () => T): T {
    const hit = this.memo.get(key);
    if (hit && hit.generation === this.generation) return hit.value as T;
    const value = compute();
    this.memo.set(key, { generation: this.generation, value });
    return value;
  }
  private workspaceLoaded = false;

  constructor(opts: WorkspaceOptions = {}) {
    this.root = opts.root ?? process.cwd();
    this.program = new Program({ cwd: this.root, ...(opts.stdlib ? { stdlib: opts.stdlib } : {}) });
  }

  /** The file path of a URI (documents that are not files get a stable made-up path). */
  pathOf(uri: string): string {
    let p: string;
    if (uri.startsWith("file:")) {
      try {
        p = fileURLToPath(uri);
      } catch {
        p = resolve(this.root, `${encodeURIComponent(uri)}.arch`);
      }
    } else p = resolve(this.root, `${encodeURIComponent(uri)}.arch`);
    if (!this.uris.has(p)) this.uris.set(p, uri);
    return p;
  }

  uriOf(path: string): string {
    return this.uris.get(path) ?? pathToFileURL(path).href;
  }

  /** The absolute path behind a diagnostic's display path. */
  pathOfDisplay(display: string): string {
    const m = this.program.all().find((x) => x.displayPath === display);
    return m ? m.path : resolve(this.root, display);
  }

  open(uri: string, version: number, text: string): void {
    const path = this.pathOf(uri);
    this.docs.set(path, { uri, version, text });
    this.program.update(path, text);
    this.generation++;
  }

  change(uri: string, version: number, text: string): void {
    this.open(uri, version, text);
  }

  /** Files changed on disk (not through the editor): every check is stale. */
  touch(): void {
    this.generation++;
  }

  close(uri: string): void {
    const path = this.pathOf(uri);
    this.docs.delete(path);
    this.analyses.delete(path);
    this.parsed.delete(path);
    this.program.close(path);
    this.generation++;
  }

  /** The parsed module of a file (an open document's current text), with its imports loaded. */
  module(path: string): ModuleInfo {
    return this.program.load(path);
  }

  /** The check of a document at the current text of every open document. */
  analyze(path: string): Analysis {
    const cached = this.analyses.get(path);
    if (cached && cached.generation === this.generation) return cached;
    const obs = new Observations();
    const result = checkFiles(this.program, [path], {}, obs);
    const module = this.program.get(path)!;
    const a: Analysis = {
      path,
      generation: this.generation,
      module,
      diagnostics: result.diagnostics,
      obs,
      scopes: this.scopes(),
    };
    this.analyses.set(path, a);
    return a;
  }

  /**
   * The document parsed and its names resolved, without elaboration: what every feature but
   * hover, diagnostics and code actions needs, so they answer at once after an edit. The full
   * check, when it is current, serves as well.
   */
  syntax(path: string): Analysis {
    const full = this.analyses.get(path);
    if (full && full.generation === this.generation) return full;
    const cached = this.parsed.get(path);
    if (cached && cached.generation === this.generation) return cached;
    const module = this.program.load(path);
    const a: Analysis = {
      path,
      generation: this.generation,
      module,
      diagnostics: module.file.diagnostics,
      obs: new Observations(),
      scopes: this.scopes(),
    };
    this.parsed.set(path, a);
    return a;
  }

  private readonly parsed = new Map<string, Analysis>();

  /** Scopes of every loaded module (names each one sees), rebuilt when anything changed. */
  scopes(): Map<string, ModuleScope> {
    const count = this.program.all().length;
    const c = this.scopeCache;
    if (c && c.generation === this.generation && c.count === count) return c.scopes;
    const { scopes } = buildScopes(this.program, this.program.all());
    this.scopeCache = { generation: this.generation, count, scopes };
    return scopes;
  }

  /**
   * Loads every .arch file under the workspace root and the stdlib (once), so references and
   * workspace symbols see files that are not open.
   */
  loadAll(limit = 2000): void {
    if (!this.workspaceLoaded) {
      this.workspaceLoaded = true;
      const files = [
        ...expandArchPaths([this.program.stdlib]),
        ...expandArchPaths([this.root]).slice(0, limit),
      ];
      for (const f of files) {
        try {
          this.program.load(f);
        } catch {
          // An unreadable file is a diagnostic of its own when opened; skip it here.
        }
      }
    }
    for (const p of this.docs.keys()) this.program.load(p);
  }
}
