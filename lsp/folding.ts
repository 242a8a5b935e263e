/** Folding ranges: declarations and members that span lines, runs of imports, comment blocks. */
import { FoldingRangeKind, type FoldingRange } from "vscode-languageserver";
import { walk, type AnyNode } from "./ast.js";
import type { Analysis } from "./workspace.js";

const FOLDABLE = new Set([
  "Block",
  "Interface",
  "Fn",
  "Model",
  "Forward",
  "IfMember",
  "Layer",
  "Let",
  "Call",
  "List",
]);

export function foldingRanges(a: Analysis): FoldingRange[] {
  const src = a.module.file.source;
  const out: FoldingRange[] = [];
  const seen = new Set<number>();
  const add = (start: number, end: number, kind?: FoldingRangeKind) => {
    const s = src.position(start).line - 1;
    const e = src.position(end).line - 1;
    if (e <= s || seen.has(s)) return;
    seen.add(s);
    const r: FoldingRange = { startLine: s, endLine: e };
    if (kind) r.kind = kind;
    out.push(r);
  };
  const mod = a.module.file.module;
  const imports = mod.items.filter((i) => i.kind === "Import");
  if (imports.length > 1)
    add(imports[0]!.span.start, imports[imports.length - 1]!.span.end, FoldingRangeKind.Imports);
  walk(mod as AnyNode, (n) => {
    if (FOLDABLE.has(n.kind)) add(n.span.start, n.span.end - 1);
  });
  // Consecutive line comments (doc comments included) fold together.
  let run: { start: number; end: number; line: number } | undefined;
  const flush = () => {
    if (run) add(run.start, run.end, FoldingRangeKind.Comment);
    run = undefined;
  };
  for (const c of mod.comments) {
    const line = src.position(c.span.start).line;
    if (c.kind === "BlockComment") {
      flush();
      add(c.span.start, c.span.end, FoldingRangeKind.Comment);
      continue;
    }
    if (run && line === run.line + 1) {
      run.end = c.span.end;
      run.line = line;
    } else {
      flush();
      run = { start: c.span.start, end: c.span.end, line };
    }
  }
  flush();
  return out.sort((x, y) => x.startLine - y.startLine);
}
