/**
 * Signature help inside a call: the block's hyperparameters (or the fn's or primitive's
 * parameters) with the active one: the positional index, or the keyword being written.
 */
import type {
  ParameterInformation,
  SignatureHelp,
  SignatureInformation,
} from "vscode-languageserver";
import { OPS } from "../compiler/ops/table.js";
import { formatValue } from "../compiler/ops/signature.js";
import type { TopDecl } from "../compiler/check/scope.js";
import { openBracket } from "./context.js";
import { paramText } from "./describe.js";
import type { Analysis, Workspace } from "./workspace.js";

export function signatureHelp(ws: Workspace, a: Analysis, offset: number): SignatureHelp | null {
  const text = a.module.file.text;
  const b = openBracket(text, offset);
  if (!b || b.char !== "(" || !b.callee) return null;
  const args = splitArgs(b.inside);
  const current = args[args.length - 1] ?? "";
  const kw = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(current)?.[1];
  let names: string[] = [];
  let label = "";
  let params: ParameterInformation[] = [];
  let doc: string | undefined;
  const scope = a.scopes.get(a.module.path);
  const parts = b.callee.split(".");
  let d: TopDecl | undefined = scope?.names.get(parts[0]!);
  if (parts.length === 2)
    d = d?.kind === "module" ? a.scopes.get(d.target.path)?.own.get(parts[1]!) : undefined;
  if (d && (d.kind === "block" || d.kind === "fn")) {
    const src = ws.program.get(d.module.path)?.file.text ?? "";
    const texts = d.decl.params.map((p) => paramText(src, p));
    names = d.decl.params.map((p) => p.name.name);
    const head = `${d.kind === "block" ? "" : "fn "}${d.decl.name.name}(`;
    label = head + texts.join(", ") + ")";
    let at = head.length;
    params = texts.map((t, i) => {
      const range: [number, number] = [at, at + t.length];
      at += t.length + 2;
      const p: ParameterInformation = { label: range };
      const pd = d.decl.params[i]?.doc;
      if (pd) p.documentation = pd;
      return p;
    });
    doc = d.decl.doc;
  } else if (Object.hasOwn(OPS, b.callee)) {
    const op = OPS[b.callee]!;
    const texts = op.params.map(
      (p) =>
        `${p.variadic ? "..." : ""}${p.name}: ${p.kind}${p.default ? ` = ${formatValue(p.default)}` : ""}`,
    );
    names = op.params.map((p) => p.name);
    const head = `${op.name}(`;
    label = head + texts.join(", ") + ")";
    let at = head.length;
    params = texts.map((t) => {
      const range: [number, number] = [at, at + t.length];
      at += t.length + 2;
      return { label: range };
    });
    doc = op.doc;
  } else return null;
  let active = kw
    ? names.indexOf(kw)
    : args.filter((x) => !/^\s*[A-Za-z_][A-Za-z0-9_]*\s*=(?!=)/.test(x)).length - 1;
  if (active < 0 || active >= names.length)
    active = kw ? -1 : Math.min(Math.max(active, 0), names.length - 1);
  const sig: SignatureInformation = { label, parameters: params };
  if (doc) sig.documentation = { kind: "markdown", value: doc };
  const help: SignatureHelp = {
    signatures: [sig],
    activeSignature: 0,
    activeParameter: Math.max(active, 0),
  };
  return help;
}

/** Top-level commas of the text after `(`. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
