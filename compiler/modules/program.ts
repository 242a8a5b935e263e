/**
 * A program: the .arch modules reachable from the files being checked, with their imports
 * resolved. `import "std/NAME"` is stdlib/NAME.arch of this installation; `"./x"` and `"../x"`
 * are relative to the importing file (`.arch` may be left out).
 *
 * Modules are cached by absolute path and re-parsed only when their text changes, so the language
 * server can re-check one edited document cheaply (`update`).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type * as A from "../../grammar/ast.js";
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/source.js";
import { loadFile, loadText, type LoadedFile } from "../load.js";

export interface ResolvedImport {
  decl: A.ImportDecl;
  /** Absolute path of the imported module, when it was found. */
  target?: string;
}

export interface ModuleInfo {
  /** Absolute path (the cache key). */
  path: string;
  /** The path shown in diagnostics: relative to the working directory when inside it. */
  displayPath: string;
  file: LoadedFile;
  imports: ResolvedImport[];
  /** True for modules of the standard library. */
  isStdlib: boolean;
}

/** Where stdlib/ is: next to the package.json of archc, found by walking up from this file. */
export function stdlibDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "stdlib")))
      return join(dir, "stdlib");
    dir = dirname(dir);
  }
  throw new Error("archc installation is incomplete: stdlib/ not found");
}

export interface ProgramOptions {
  /** Directory of the standard library (default: this installation's stdlib/). */
  stdlib?: string;
  /** Working directory for display paths (default: process.cwd()). */
  cwd?: string;
  /** Open documents whose text overrides the disk (the language server's buffers). */
  overlays?: Map<string, string>;
}

export class Program {
  private readonly modules = new Map<string, ModuleInfo>();
  readonly stdlib: string;
  readonly cwd: string;
  private readonly overlays: Map<string, string>;

  constructor(opts: ProgramOptions = {}) {
    this.stdlib = opts.stdlib ?? stdlibDir();
    this.cwd = opts.cwd ?? process.cwd();
    this.overlays = opts.overlays ?? new Map();
  }

  /** Loads a module and everything it imports (transitively). */
  load(path: string): ModuleInfo {
    const abs = resolve(this.cwd, path);
    const root = this.loadOne(abs);
    const pending = [root];
    const seen = new Set([abs]);
    while (pending.length > 0) {
      const m = pending.pop()!;
      for (const imp of m.imports) {
        if (!imp.target || seen.has(imp.target)) continue;
        seen.add(imp.target);
        pending.push(this.loadOne(imp.target));
      }
    }
    return root;
  }

  /** Replaces a module's text (an editor buffer) and drops the cached parse. */
  update(path: string, text: string): void {
    const abs = resolve(this.cwd, path);
    this.overlays.set(abs, text);
    this.modules.delete(abs);
  }

  /** Forgets an overlay (the editor closed the document). */
  close(path: string): void {
    const abs = resolve(this.cwd, path);
    this.overlays.delete(abs);
    this.modules.delete(abs);
  }

  /**
   * A module that exists only in memory (a `--model` expression), shown as `displayPath` in
   * diagnostics. It imports nothing itself.
   */
  addVirtual(key: string, displayPath: string, file: LoadedFile): ModuleInfo {
    const m: ModuleInfo = { path: key, displayPath, file, imports: [], isStdlib: false };
    this.modules.set(key, m);
    return m;
  }

  get(path: string): ModuleInfo | undefined {
    return this.modules.get(resolve(this.cwd, path));
  }

  all(): ModuleInfo[] {
    return [...this.modules.values()];
  }

  /** Source files by display path, for rendering diagnostics. */
  sources(): Map<string, SourceFile> {
    return new Map(this.all().map((m) => [m.displayPath, m.file.source]));
  }

  displayPath(abs: string): string {
    const rel = relative(this.cwd, abs);
    return rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
  }

  private loadOne(abs: string): ModuleInfo {
    const overlay = this.overlays.get(abs);
    const cached = this.modules.get(abs);
    if (
      cached &&
      (overlay === undefined || overlay === cached.file.text) &&
      !this.changedOnDisk(cached)
    )
      return cached;
    const display = this.displayPath(abs);
    // The mtime of what is read (taken first, so a write during the read is seen next time):
    // without it, the first change on disk after loading would go unnoticed.
    if (overlay === undefined) {
      try {
        this.mtimes.set(abs, statSync(abs).mtimeMs);
      } catch {
        this.mtimes.delete(abs);
      }
    }
    const file = overlay !== undefined ? loadText(display, overlay) : loadFile(abs, display);
    const m: ModuleInfo = {
      path: abs,
      displayPath: display,
      file,
      imports: [],
      isStdlib: abs.startsWith(this.stdlib + "/"),
    };
    m.imports = file.module.items
      .filter((i): i is A.ImportDecl => i.kind === "Import")
      .map((decl) => this.resolveImport(m, decl));
    this.modules.set(abs, m);
    return m;
  }

  private readonly mtimes = new Map<string, number>();

  private changedOnDisk(m: ModuleInfo): boolean {
    if (this.overlays.has(m.path)) return false;
    try {
      const t = statSync(m.path).mtimeMs;
      const before = this.mtimes.get(m.path);
      this.mtimes.set(m.path, t);
      return before !== undefined && before !== t;
    } catch {
      return false;
    }
  }

  /** Resolves an import's path; a missing module is reported (A0201) on the import. */
  private resolveImport(from: ModuleInfo, decl: A.ImportDecl): ResolvedImport {
    const spec = decl.path.value;
    const candidates: string[] = [];
    if (spec.startsWith("std/")) {
      candidates.push(join(this.stdlib, spec.slice(4)));
    } else if (spec.startsWith("./") || spec.startsWith("../")) {
      candidates.push(resolve(dirname(from.path), spec));
    }
    for (const c of candidates) {
      for (const p of c.endsWith(".arch") ? [c] : [c + ".arch", c]) {
        if (this.overlays.has(p) || (existsSync(p) && statSync(p).isFile()))
          return { decl, target: p };
      }
    }
    const help = spec.startsWith("std/")
      ? `the standard library has: ${this.stdlibModules().join(", ")}`
      : spec.startsWith("./") || spec.startsWith("../")
        ? `no file ${this.displayPath(candidates[0]! + (candidates[0]!.endsWith(".arch") ? "" : ".arch"))}`
        : 'paths are "std/NAME" for the standard library or start with "./" or "../"';
    from.file.diagnostics.push(
      diagnostic(
        "A0201",
        `cannot find module "${spec}"`,
        { file: from.displayPath, span: decl.path.span },
        { help },
      ),
    );
    return { decl };
  }

  private stdlibModules(): string[] {
    try {
      return readdirSync(this.stdlib)
        .filter((n) => n.endsWith(".arch"))
        .sort()
        .map((n) => `std/${n.slice(0, -5)}`);
    } catch {
      return [];
    }
  }
}
