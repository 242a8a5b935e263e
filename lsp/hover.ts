/**
 * Hover: what a name is (its declaration as source, its doc comment), and what a position holds
 * when checked: the type of a tensor expression in named dims (from the block checked on its own)
 * and with concrete values (from the first model that uses it); for a layer or a model, the
 * block instance with its hyperparameters and parameter count; for a primitive, its signature.
 */
import type { Hover } from "vscode-languageserver";
import type * as A from "../grammar/ast.js";
import type { Instance } from "../compiler/check/instance.js";
import type { Location } from "../compiler/diagnostics/diagnostic.js";
import { pathAt, type AnyNode } from "./ast.js";
import { toRange } from "./convert.js";
import {
  builtinDoc,
  formatCount,
  instanceLabel,
  paramCount,
  signature,
  valueType,
} from "./describe.js";
import { occurrenceAt, occurrences, type Target } from "./names.js";
import type { Seen } from "./observe.js";
import type { Analysis, Workspace } from "./workspace.js";

const EXPR_KINDS = new Set([
  "Number",
  "String",
  "Bool",
  "Name",
  "Unary",
  "Binary",
  "If",
  "Call",
  "Member",
  "Index",
  "Tuple",
  "List",
]);

const KIND_WORD: Partial<Record<Target["kind"], string>> = {
  hyper: "hyperparameter",
  param: "parameter",
  layer: "layer",
  input: "input",
  output: "output",
  local: "let",
  index: "repeat index",
  dim: "runtime dim",
  fnParam: "function parameter",
  let: "constant",
  import: "import",
  module: "module",
};

export function hover(ws: Workspace, a: Analysis, offset: number): Hover | null {
  const src = a.module.file.source;
  const mod = a.module.file.module;
  const occ = occurrenceAt(occurrences(a.module, a.scopes), offset);
  const path = pathAt(mod as AnyNode, offset);
  const parts: string[] = [];
  let range: A.Span | undefined = occ?.span;

  if (occ) parts.push(...describeTarget(ws, a, occ.target));

  // The checked value at the cursor: the innermost expression with one.
  const value = occ?.decl ? declValue(a, occ.target, path) : innermostValue(a, path);
  if (value) {
    if (!range) range = value.span;
    parts.push(...describeValue(ws, a, value.name, value.generic, value.concrete));
  }

  // A layer or model: its instances.
  const site = instanceSite(occ?.target, path, a);
  if (site) {
    const lines = describeInstances(ws, a, a.obs.at(site));
    if (lines.length > 0) parts.push(...lines);
  }
  if (parts.length === 0) return null;
  const h: Hover = { contents: { kind: "markdown", value: parts.join("\n\n") } };
  if (range) h.range = toRange(src, range);
  return h;
}

function fence(code: string): string {
  return "```arch\n" + code + "\n```";
}

function describeTarget(ws: Workspace, a: Analysis, t: Target): string[] {
  if (t.kind === "builtin") {
    const b = builtinDoc(t.name);
    return b ? [fence(b.signature), b.doc] : [];
  }
  if (t.kind === "import" && t.of) return describeTarget(ws, a, t.of);
  if (t.kind === "module")
    return [fence(`module ${t.name}`) + (t.module ? `\n\n${t.module.displayPath}` : "")];
  const m = ws.program.get(t.path);
  if (!m || !t.decl) return [];
  const text = m.file.text;
  const out: string[] = [];
  const sig = signature(text, t.decl);
  const word = KIND_WORD[t.kind];
  if (sig !== undefined) {
    const head =
      t.kind === "hyper" || t.kind === "fnParam" || t.kind === "input" ? `${word} ${sig}` : sig;
    out.push(fence(head));
  } else if (word) {
    out.push(fence(`${word} ${t.name}`));
  }
  if (t.owner && t.kind !== "block")
    out.push(
      `in ${t.owner.kind === "Fn" ? "fn" : t.owner.kind === "Interface" ? "interface" : "block"} \`${t.owner.name.name}\``,
    );
  const doc = (t.decl as { doc?: string }).doc;
  if (doc) out.push(doc);
  if (m.isStdlib)
    out.push(`from \`std/${m.path.slice(ws.program.stdlib.length + 1).replace(/\.arch$/, "")}\``);
  return out;
}

interface FoundValue {
  name: string;
  span: A.Span;
  generic?: Seen;
  concrete?: Seen;
}

function innermostValue(a: Analysis, path: AnyNode[]): FoundValue | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i]!;
    if (!EXPR_KINDS.has(n.kind)) continue;
    const e = n as A.Expr;
    const g = a.obs.generic.get(e);
    const c = a.obs.concrete.get(e);
    if (g || c) {
      const name = e.kind === "Name" ? e.name : e.kind === "Member" ? e.name.name : "";
      const v: FoundValue = { name, span: e.span };
      if (g) v.generic = g;
      if (c) v.concrete = c;
      return v;
    }
  }
  return undefined;
}

/** At a `let` name: the value of its expression; at an input: the value of its first use. */
function declValue(a: Analysis, t: Target, _path: AnyNode[]): FoundValue | undefined {
  if (t.kind === "input" || t.kind === "fnParam") {
    const uses = occurrences(a.module, a.scopes).filter((o) => !o.decl && o.target.key === t.key);
    for (const u of uses) {
      const inner = pathAt(a.module.file.module as AnyNode, u.span.start);
      const found = innermostValue(a, inner);
      if (found && found.span.start === u.span.start && found.span.end === u.span.end)
        return { ...found, span: t.span };
    }
    return undefined;
  }
  if (
    (t.kind === "local" || t.kind === "let") &&
    t.decl?.kind === "Let" &&
    t.decl.pattern.kind === "Ident"
  ) {
    const e = t.decl.value;
    const v: FoundValue = { name: t.name, span: t.span };
    const g = a.obs.generic.get(e);
    const c = a.obs.concrete.get(e);
    if (g) v.generic = g;
    if (c) v.concrete = c;
    return g || c ? v : undefined;
  }
  return undefined;
}

function describeValue(ws: Workspace, a: Analysis, name: string, g?: Seen, c?: Seen): string[] {
  const label = name ? `${name}: ` : "";
  const out: string[] = [];
  const shown = (v: Seen["value"]) => !["block", "layer", "layers", "module"].includes(v.kind);
  if (g && shown(g.value)) out.push(fence(label + valueType(g.value)));
  if (c && shown(c.value)) {
    const where = c.root ? rootName(ws, a, c.root) : "a model";
    const text = valueType(c.value);
    if (!g || text !== valueType(g.value)) out.push(`in ${where}: \`${text}\``);
  }
  return out;
}

/** `model GPT2Small` for a model's value, else the instance label of the outermost block. */
function rootName(ws: Workspace, a: Analysis, loc: Location): string {
  const path = ws.pathOfDisplay(loc.file);
  const m = ws.program.get(path) ?? a.module;
  for (const item of m.file.module.items) {
    if (item.kind === "Model" && item.value.span.start === loc.span.start)
      return `model \`${item.name.name}\``;
  }
  return `\`${loc.file}:${m.file.source.position(loc.span.start).line}\``;
}

/** Where the instances of a layer or model at the cursor were made. */
function instanceSite(t: Target | undefined, path: AnyNode[], a: Analysis): Location | undefined {
  const file = a.module.displayPath;
  let layer: A.LayerMember | undefined;
  if (t?.kind === "layer" && t.decl?.kind === "Layer" && t.path === a.module.path) layer = t.decl;
  if (t?.kind === "model" && t.decl?.kind === "Model" && t.path === a.module.path)
    return { file, span: t.decl.value.span };
  if (!layer && !t) {
    // On the layer's value (`Linear(d, 4 * d)`) itself.
    const m = [...path].reverse().find((n) => n.kind === "Layer") as A.LayerMember | undefined;
    const inner = path[path.length - 1];
    if (m && inner && (inner.kind === "Call" || inner === (m.value as AnyNode))) layer = m;
  }
  if (!layer) return undefined;
  const v = layer.value;
  return { file, span: v.kind === "Repeat" || v.kind === "Stack" ? v.body.span : v.span };
}

function describeInstances(ws: Workspace, a: Analysis, list: Instance[]): string[] {
  const out: string[] = [];
  const generic = list.find((i) => i.generic);
  const concrete = list.filter((i) => !i.generic);
  const show = (i: Instance, where: string) => {
    const n = paramCount(i);
    out.push(`${where}\`${instanceLabel(i)}\`: ${formatCount(n)} parameters`);
  };
  if (generic) show(generic, "");
  const seen = new Set<string>();
  for (const i of concrete) {
    const root = i.chain[0]?.location;
    const where = root ? rootName(ws, a, root) : "a model";
    if (seen.has(where)) continue; // a stack's layers are alike; one per model
    seen.add(where);
    show(i, `in ${where}: `);
    if (seen.size >= 3) break;
  }
  const block = list[0]?.block.decl;
  if (block?.doc && out.length > 0) out.push(block.doc);
  return out;
}
