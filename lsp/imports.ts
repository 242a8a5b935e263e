/**
 * Where a name could be imported from (the standard library, the workspace's files) and the edit
 * that imports it: a name added to an existing `import { ... } from "spec"`, or a new import line
 * after the last one.
 */
import { readdirSync } from "node:fs";
import { dirname, relative } from "node:path";
import type { TextEdit } from "vscode-languageserver";
import type * as A from "../grammar/ast.js";
import type { ModuleInfo } from "../compiler/modules/program.js";
import { toPosition } from "./convert.js";
import type { Workspace } from "./workspace.js";

export interface Exported {
  name: string;
  /** The import path: `std/nn`, `./blocks`. */
  spec: string;
  decl: A.BlockDecl | A.InterfaceDecl | A.FnDecl | A.ModelDecl | A.LetDecl;
  module: ModuleInfo;
}

/** The stdlib modules, parsed (they stay cached in the program). */
export function stdlibModules(ws: Workspace): ModuleInfo[] {
  let names: string[] = [];
  try {
    names = readdirSync(ws.program.stdlib)
      .filter((n) => n.endsWith(".arch"))
      .sort();
  } catch {
    return [];
  }
  return names.map((n) => ws.program.load(`${ws.program.stdlib}/${n}`));
}

export function specOf(ws: Workspace, from: ModuleInfo, target: ModuleInfo): string {
  if (target.isStdlib)
    return `std/${target.path.slice(ws.program.stdlib.length + 1).replace(/\.arch$/, "")}`;
  let rel = relative(dirname(from.path), target.path).replace(/\.arch$/, "");
  if (!rel.startsWith(".")) rel = `./${rel}`;
  return rel;
}

/** Declarations other modules could import: the stdlib's, then other loaded workspace files'. */
export function importable(ws: Workspace, from: ModuleInfo): Exported[] {
  return ws.memoize(`importable:${from.path}`, () => findImportable(ws, from));
}

function findImportable(ws: Workspace, from: ModuleInfo): Exported[] {
  const out: Exported[] = [];
  const mods = [
    ...stdlibModules(ws),
    ...ws.program.all().filter((m) => !m.isStdlib && m.path !== from.path && !m.path.includes("#")),
  ];
  for (const m of mods) {
    const spec = specOf(ws, from, m);
    for (const item of m.file.module.items) {
      if (item.kind === "Import") continue;
      if (item.kind === "Let") {
        if (item.pattern.kind === "Ident")
          out.push({ name: item.pattern.name, spec, decl: item, module: m });
        continue;
      }
      out.push({ name: item.name.name, spec, decl: item, module: m });
    }
  }
  return out;
}

/** The edit that makes `name` from `spec` visible in `m`. */
export function importEdit(m: ModuleInfo, name: string, spec: string): TextEdit {
  const src = m.file.source;
  const imports = m.file.module.items.filter((i): i is A.ImportDecl => i.kind === "Import");
  const same = imports.find((i) => i.path.value === spec && i.names && !i.alias);
  if (same && same.names) {
    const last = same.names[same.names.length - 1];
    if (last) {
      const p = toPosition(src, last.span.end);
      return { range: { start: p, end: p }, newText: `, ${name}` };
    }
  }
  const line = `import { ${name} } from "${spec}"\n`;
  const lastImport = imports[imports.length - 1];
  if (lastImport) {
    const p = toPosition(src, lastImport.span.end);
    const at = { line: p.line + 1, character: 0 };
    return { range: { start: at, end: at }, newText: line };
  }
  // No import yet: before the first declaration (after a leading doc comment block).
  const first = m.file.module.items[0];
  let start = first?.span.start ?? 0;
  // A doc comment belongs to the declaration after it: insert above the comment.
  for (const c of [...m.file.module.comments].reverse()) {
    if (
      c.kind === "DocComment" &&
      c.span.end <= start &&
      /^\s*$/.test(src.text.slice(c.span.end, start))
    )
      start = c.span.start;
  }
  const p = first ? toPosition(src, start) : { line: 0, character: 0 };
  const at = { line: p.line, character: 0 };
  return { range: { start: at, end: at }, newText: line + "\n" };
}
