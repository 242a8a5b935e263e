/** The outline of a document (declarations and their members) and workspace symbol search. */
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from "vscode-languageserver";
import type * as A from "../grammar/ast.js";
import type { ModuleInfo } from "../compiler/modules/program.js";
import { toRange } from "./convert.js";
import { signature } from "./describe.js";
import type { Analysis, Workspace } from "./workspace.js";

function sym(
  m: ModuleInfo,
  name: A.Ident,
  node: A.Node,
  kind: SymbolKind,
  children?: DocumentSymbol[],
): DocumentSymbol {
  const src = m.file.source;
  const s: DocumentSymbol = {
    name: name.name || "?",
    kind,
    range: toRange(src, node.span),
    selectionRange: toRange(src, name.span),
  };
  const detail = signature(m.file.text, node);
  if (detail && node.kind !== "Block" && node.kind !== "Interface") s.detail = detail;
  if (node.kind === "Block" || node.kind === "Interface" || node.kind === "Fn")
    s.detail = `(${node.params.map((p) => p.name.name).join(", ")})`;
  if (children) s.children = children;
  return s;
}

function members(m: ModuleInfo, list: A.Member[]): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const x of list) {
    switch (x.kind) {
      case "Param":
        out.push(sym(m, x.name, x, SymbolKind.Field));
        break;
      case "Layer":
        out.push(sym(m, x.name, x, SymbolKind.Object));
        break;
      case "Let":
        if (x.pattern.kind === "Ident") out.push(sym(m, x.pattern, x, SymbolKind.Constant));
        break;
      case "IfMember":
        out.push(...members(m, x.then), ...members(m, x.else ?? []));
        break;
      case "Forward": {
        const kw: A.Ident = {
          kind: "Ident",
          name: "forward",
          span: { start: x.span.start, end: x.span.start + 7 },
        };
        out.push(
          sym(
            m,
            kw,
            x,
            SymbolKind.Method,
            x.inputs.map((p) => sym(m, p.name, p, SymbolKind.Variable)),
          ),
        );
        break;
      }
    }
  }
  return out;
}

export function moduleSymbols(m: ModuleInfo): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const item of m.file.module.items) {
    switch (item.kind) {
      case "Block":
        out.push(
          sym(m, item.name, item, SymbolKind.Class, [
            ...item.params.map((p) => sym(m, p.name, p, SymbolKind.TypeParameter)),
            ...members(m, item.members),
          ]),
        );
        break;
      case "Interface":
        out.push(
          sym(
            m,
            item.name,
            item,
            SymbolKind.Interface,
            item.params.map((p) => sym(m, p.name, p, SymbolKind.TypeParameter)),
          ),
        );
        break;
      case "Fn":
        out.push(sym(m, item.name, item, SymbolKind.Function));
        break;
      case "Model":
        out.push(sym(m, item.name, item, SymbolKind.Constant));
        break;
      case "Let":
        if (item.pattern.kind === "Ident")
          out.push(sym(m, item.pattern, item, SymbolKind.Constant));
        break;
      case "Import":
        break;
    }
  }
  return out;
}

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  return moduleSymbols(a.module);
}

/** Top-level declarations of every loaded module whose name contains the query (any case). */
export function workspaceSymbols(ws: Workspace, query: string): SymbolInformation[] {
  ws.loadAll();
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const m of ws.program.all()) {
    if (m.path.includes("#")) continue;
    for (const s of moduleSymbols(m)) {
      if (!s.name.toLowerCase().includes(q)) continue;
      out.push({
        name: s.name,
        kind: s.kind,
        location: { uri: ws.uriOf(m.path), range: s.selectionRange },
        containerName: m.displayPath,
      });
    }
  }
  return out.sort(
    (x, y) => x.name.localeCompare(y.name) || x.location.uri.localeCompare(y.location.uri),
  );
}
