/**
 * Completion, by what the text before the cursor says the position is:
 * - in an import's string: module paths (`std/...`, relative `.arch` files);
 * - in `import { ... } from "m"`: the declarations of `m`;
 * - after `a.`: the declarations of module alias `a`, or the members of the block layer `a` is;
 * - in a call of a block, fn or primitive: its hyperparameters or arguments not yet given, with
 *   their types and defaults (then the names in scope, for the values);
 * - in a shape `[...]`: dims (hyperparameters and lets, the forward's runtime dims, `...S`);
 * - elsewhere: names in scope, primitives, keywords, and stdlib declarations not yet imported
 *   (accepting one adds the import).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CompletionItemKind, type CompletionItem } from "vscode-languageserver";
import type * as A from "../grammar/ast.js";
import { CONTEXTUAL_WORDS, RESERVED_WORDS } from "../grammar/lexer.js";
import {
  PRIMITIVE_NAMES,
  COMPILE_TIME_FUNCTIONS,
  CONSTANTS,
  DTYPE_NAMES,
  TYPE_NAMES,
  INITIALIZERS,
} from "../compiler/check/builtins.js";
import type { TopDecl } from "../compiler/check/scope.js";
import { OPS } from "../compiler/ops/table.js";
import { formatValue } from "../compiler/ops/signature.js";
import {
  importBraceModule,
  importPathPrefix,
  isShapeBracket,
  openBracket,
  wordBefore,
} from "./context.js";
import { builtinDoc, paramText, signature } from "./describe.js";
import { importable, importEdit, stdlibModules } from "./imports.js";
import { occurrences, topTarget, type Occurrence, type Target } from "./names.js";
import type { Analysis, Workspace } from "./workspace.js";

const KEYWORDS: readonly string[] = [...RESERVED_WORDS, ...CONTEXTUAL_WORDS];

const KIND: Partial<Record<Target["kind"], CompletionItemKind>> = {
  block: CompletionItemKind.Class,
  interface: CompletionItemKind.Interface,
  fn: CompletionItemKind.Function,
  model: CompletionItemKind.Constant,
  let: CompletionItemKind.Constant,
  import: CompletionItemKind.Reference,
  module: CompletionItemKind.Module,
  hyper: CompletionItemKind.TypeParameter,
  param: CompletionItemKind.Field,
  layer: CompletionItemKind.Field,
  input: CompletionItemKind.Variable,
  output: CompletionItemKind.Variable,
  local: CompletionItemKind.Variable,
  index: CompletionItemKind.Variable,
  dim: CompletionItemKind.TypeParameter,
  fnParam: CompletionItemKind.Variable,
};

export function completion(ws: Workspace, a: Analysis, offset: number): CompletionItem[] {
  const text = a.module.file.text;
  const pathPrefix = importPathPrefix(text, offset);
  if (pathPrefix !== undefined) return importPaths(ws, a, pathPrefix);
  const braceModule = importBraceModule(text, offset);
  if (braceModule !== undefined) return importNames(ws, a, braceModule);

  const { start } = wordBefore(text, offset);
  if (text[start - 1] === ".") return memberItems(a, start - 1);

  const b = openBracket(text, offset);
  if (b?.char === "[" && isShapeBracket(text, b)) return dimItems(a, offset);
  const items: CompletionItem[] = [];
  if (b?.char === "(" && b.callee) {
    // Keywords are for the argument's name, not after `=` where a value goes.
    const arg = b.inside.split(",").pop() ?? "";
    if (!arg.includes("=")) items.push(...argumentItems(ws, a, b.callee, b.inside));
  }
  items.push(...scopeItems(ws, a, offset));
  return items;
}

// ------------------------------------------------------------------ imports

function importPaths(ws: Workspace, a: Analysis, prefix: string): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const m of stdlibModules(ws)) {
    const spec = `std/${m.path.slice(ws.program.stdlib.length + 1).replace(/\.arch$/, "")}`;
    const first = m.file.module.comments.find((c) => c.kind === "DocComment");
    const item: CompletionItem = {
      label: spec,
      kind: CompletionItemKind.Module,
      detail: m.displayPath,
    };
    if (first) item.documentation = first.text.replace(/^\/\/\/\s?/, "");
    out.push(item);
  }
  // Relative files: `./`, `../`, `./sub/`.
  const dir = dirname(a.module.path);
  const rel = /^(\.{1,2}\/(?:[^"]*\/)?)/.exec(prefix)?.[1] ?? (prefix === "" ? "./" : undefined);
  if (rel !== undefined) {
    const base = resolve(dir, rel);
    let names: string[] = [];
    try {
      names = existsSync(base) ? readdirSync(base).sort() : [];
    } catch {
      names = [];
    }
    for (const n of names) {
      if (n.startsWith(".") || n === "node_modules") continue;
      const full = join(base, n);
      const isDir = (() => {
        try {
          return statSync(full).isDirectory();
        } catch {
          return false;
        }
      })();
      if (isDir) out.push({ label: `${rel}${n}/`, kind: CompletionItemKind.Folder });
      else if (n.endsWith(".arch") && full !== a.module.path)
        out.push({ label: `${rel}${n.slice(0, -5)}`, kind: CompletionItemKind.File, detail: n });
    }
  }
  return out;
}

function importNames(ws: Workspace, a: Analysis, spec: string): CompletionItem[] {
  const imp = a.module.imports.find((i) => i.decl.path.value === spec);
  const target = imp?.target ? ws.program.get(imp.target) : undefined;
  if (!target) return [];
  const out: CompletionItem[] = [];
  for (const item of target.file.module.items) {
    if (item.kind === "Import") continue;
    const name =
      item.kind === "Let"
        ? item.pattern.kind === "Ident"
          ? item.pattern.name
          : ""
        : item.name.name;
    if (!name) continue;
    out.push(declItem(name, item, target.file.text, kindOfItem(item)));
  }
  return out;
}

function kindOfItem(item: A.TopLevel): CompletionItemKind {
  switch (item.kind) {
    case "Block":
      return CompletionItemKind.Class;
    case "Interface":
      return CompletionItemKind.Interface;
    case "Fn":
      return CompletionItemKind.Function;
    default:
      return CompletionItemKind.Constant;
  }
}

function declItem(
  name: string,
  decl: A.Node,
  text: string,
  kind: CompletionItemKind,
): CompletionItem {
  const item: CompletionItem = { label: name, kind };
  const sig = signature(text, decl);
  if (sig) item.detail = sig;
  const doc = (decl as { doc?: string }).doc;
  if (doc) item.documentation = { kind: "markdown", value: doc };
  return item;
}

// ------------------------------------------------------------------ members

function memberItems(a: Analysis, dot: number): CompletionItem[] {
  const occs = occurrences(a.module, a.scopes);
  const obj = occs.find((o) => o.span.end === dot);
  if (!obj) return [];
  const t = obj.target;
  if (t.kind === "module" && t.module) {
    return t.module.file.module.items
      .filter((i) => i.kind !== "Import" && i.kind !== "Let")
      .map((i) => {
        const d = i as A.BlockDecl | A.InterfaceDecl | A.FnDecl | A.ModelDecl;
        return declItem(d.name.name, d, t.module!.file.text, kindOfItem(i));
      });
  }
  if (t.kind === "layer") {
    // The members of the block it instantiates: find it through an occurrence in its value.
    const layer = t.decl as A.LayerMember | undefined;
    if (!layer) return [];
    const v = layer.value;
    let e: A.Expr = v.kind === "Repeat" || v.kind === "Stack" ? v.body : v;
    while (e.kind === "Call") e = e.callee;
    const calleeEnd = e.span.end;
    const callee = occs.find((o) => o.span.end === calleeEnd && o.span.start >= e.span.start);
    let bt = callee?.target;
    if (bt?.kind === "import") bt = bt.of;
    if (bt?.kind !== "block" || bt.decl?.kind !== "Block") return [];
    const out: CompletionItem[] = [];
    const block = bt.decl;
    const collect = (list: A.Member[]) => {
      for (const m of list) {
        if (m.kind === "Param" || m.kind === "Layer")
          out.push({
            label: m.name.name,
            kind: CompletionItemKind.Field,
            detail: m.kind === "Param" ? `param ${m.name.name}` : `layer ${m.name.name}`,
          });
        else if (m.kind === "IfMember") {
          collect(m.then);
          if (m.else) collect(m.else);
        }
      }
    };
    collect(block.members);
    return out;
  }
  return [];
}

// ------------------------------------------------------------------ calls

/** Hyperparameters of a block (or arguments of a fn or primitive) not given yet. */
function argumentItems(
  ws: Workspace,
  a: Analysis,
  callee: string,
  inside: string,
): CompletionItem[] {
  const given = new Set(
    [...inside.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/g)].map((m) => m[1]!),
  );
  const positional = inside.split(",").length - 1 - given.size;
  const t = resolveCallee(ws, a, callee);
  const out: CompletionItem[] = [];
  const add = (name: string, detail: string, doc: string | undefined, index: number) => {
    if (given.has(name)) return;
    const item: CompletionItem = {
      label: `${name} =`,
      filterText: name,
      insertText: `${name} = `,
      kind: CompletionItemKind.Property,
      detail,
      sortText: `0${String(index).padStart(3, "0")}`,
    };
    if (doc) item.documentation = { kind: "markdown", value: doc };
    // Hyperparameters already given positionally come last.
    if (index < positional) item.sortText = `1${String(index).padStart(3, "0")}`;
    out.push(item);
  };
  if (t && t.decl && (t.decl.kind === "Block" || t.decl.kind === "Fn")) {
    const text = ws.program.get(t.path)?.file.text ?? "";
    t.decl.params.forEach((p, i) => add(p.name.name, paramText(text, p), p.doc, i));
  } else if (Object.hasOwn(OPS, callee)) {
    OPS[callee]!.params.forEach((p, i) => {
      if (p.variadic) return;
      const detail = `${p.name}: ${p.kind}${p.default ? ` = ${formatValue(p.default)}` : ""}`;
      add(p.name, detail, undefined, i);
    });
  }
  return out;
}

function resolveCallee(ws: Workspace, a: Analysis, callee: string): Target | undefined {
  const scope = a.scopes.get(a.module.path);
  const parts = callee.split(".");
  let d: TopDecl | undefined = scope?.names.get(parts[0]!);
  if (parts.length === 2 && d?.kind === "module")
    d = a.scopes.get(d.target.path)?.own.get(parts[1]!);
  else if (parts.length === 2) d = undefined;
  if (!d) {
    // Not imported yet: a stdlib block of that name still gets its hyperparameters.
    const found = importable(ws, a.module).find((x) => x.name === parts[parts.length - 1]);
    if (found && (found.decl.kind === "Block" || found.decl.kind === "Fn"))
      return {
        key: "",
        name: found.name,
        kind: found.decl.kind === "Block" ? "block" : "fn",
        path: found.module.path,
        span: found.decl.name.span,
        decl: found.decl,
      };
    return undefined;
  }
  return topTarget(d, a.module.path);
}

// ------------------------------------------------------------------ shapes

function dimItems(a: Analysis, offset: number): CompletionItem[] {
  const out: CompletionItem[] = [];
  const seen = new Set<string>();
  const item = a.module.file.module.items.find(
    (i) => i.span.start <= offset && offset <= i.span.end,
  );
  for (const o of localDecls(a, item)) {
    const k = o.target.kind;
    if (k !== "hyper" && k !== "let" && k !== "dim" && k !== "index" && k !== "fnParam") continue;
    if (seen.has(o.target.name)) continue;
    seen.add(o.target.name);
    out.push({
      label: o.target.name,
      kind: CompletionItemKind.TypeParameter,
      detail: k === "dim" ? "runtime dim" : k === "hyper" ? "hyperparameter" : "compile-time value",
    });
  }
  for (const n of ["B", "T"]) {
    if (!seen.has(n))
      out.push({ label: n, kind: CompletionItemKind.TypeParameter, detail: "runtime dim (new)" });
  }
  out.push({
    label: "...S",
    kind: CompletionItemKind.TypeParameter,
    detail: "variadic run of dims",
  });
  return out;
}

/** Declarations inside one top-level item (hyperparameters, members, lets, dims, inputs). */
function localDecls(a: Analysis, item: A.TopLevel | undefined): Occurrence[] {
  if (!item) return [];
  return occurrences(a.module, a.scopes).filter(
    (o) =>
      o.decl &&
      o.span.start >= item.span.start &&
      o.span.end <= item.span.end &&
      o.target.path === a.module.path &&
      o.target.kind !== "block" &&
      o.target.kind !== "fn" &&
      o.target.kind !== "interface" &&
      o.target.kind !== "model",
  );
}

// ------------------------------------------------------------------ names in scope

function scopeItems(ws: Workspace, a: Analysis, offset: number): CompletionItem[] {
  const out: CompletionItem[] = [];
  const seen = new Set<string>();
  const push = (item: CompletionItem) => {
    if (seen.has(item.label)) return;
    seen.add(item.label);
    out.push(item);
  };
  const item = a.module.file.module.items.find(
    (i) => i.span.start <= offset && offset <= i.span.end,
  );
  for (const o of localDecls(a, item)) {
    if (o.span.start > offset && (o.target.kind === "local" || o.target.kind === "dim")) continue;
    const text = a.module.file.text;
    const ci: CompletionItem = {
      label: o.target.name,
      kind: KIND[o.target.kind] ?? CompletionItemKind.Variable,
    };
    const sig = o.target.decl ? signature(text, o.target.decl) : undefined;
    ci.detail = sig ?? o.target.kind;
    push(ci);
  }
  const scope = a.scopes.get(a.module.path);
  for (const [name, d] of scope?.names ?? []) {
    const t = topTarget(d, a.module.path);
    if (!t) continue;
    const m = ws.program.get(t.path);
    if (t.decl && m)
      push(declItem(name, t.decl, m.file.text, KIND[t.kind] ?? CompletionItemKind.Constant));
    else push({ label: name, kind: KIND[t.kind] ?? CompletionItemKind.Module });
  }
  for (const p of PRIMITIVE_NAMES) {
    const b = builtinDoc(p);
    const ci: CompletionItem = {
      label: p,
      kind: CompletionItemKind.Function,
      detail: b?.signature ?? p,
    };
    if (b) ci.documentation = b.doc;
    push(ci);
  }
  for (const n of [
    ...COMPILE_TIME_FUNCTIONS,
    ...Object.keys(CONSTANTS),
    ...DTYPE_NAMES,
    ...TYPE_NAMES,
    ...INITIALIZERS,
  ])
    push({ label: n, kind: CompletionItemKind.Function, detail: builtinDoc(n)?.doc ?? "built-in" });
  for (const k of KEYWORDS) push({ label: k, kind: CompletionItemKind.Keyword });
  // Declarations of the stdlib and other files, with the import they need.
  for (const x of importable(ws, a.module)) {
    if (seen.has(x.name)) continue;
    const ci = declItem(x.name, x.decl, x.module.file.text, kindOfItem(x.decl));
    ci.detail = `${ci.detail ?? x.name}  (import from "${x.spec}")`;
    ci.additionalTextEdits = [importEdit(a.module, x.name, x.spec)];
    ci.sortText = `z${x.name}`;
    push(ci);
  }
  return out;
}
