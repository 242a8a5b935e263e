/**
 * Go to definition, find references (every loaded module: open documents, the workspace's files,
 * the stdlib), document highlights and rename. Rename is refused, with a message, where it would
 * not be safe: built-ins, declarations of the standard library, names that are not identifiers or
 * are reserved, and a new name that is already used in the same scope.
 */
import {
  ResponseError,
  ErrorCodes,
  type Location,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
  type DocumentHighlight,
  DocumentHighlightKind,
} from "vscode-languageserver";
import { BUILTIN_NAMES } from "../compiler/check/builtins.js";
import { RESERVED_WORDS } from "../grammar/lexer.js";
import { toRange } from "./convert.js";
import { occurrenceAt, occurrences, type Occurrence, type Target } from "./names.js";
import type { Analysis, Workspace } from "./workspace.js";

const RESERVED: ReadonlySet<string> = new Set(RESERVED_WORDS);

function targetAt(a: Analysis, offset: number): Occurrence | undefined {
  return occurrenceAt(occurrences(a.module, a.scopes), offset);
}

function locationOf(ws: Workspace, t: Target): Location | undefined {
  const m = ws.program.get(t.path);
  if (!m) return undefined;
  return { uri: ws.uriOf(t.path), range: toRange(m.file.source, t.span) };
}

export function definition(ws: Workspace, a: Analysis, offset: number): Location | null {
  const occ = targetAt(a, offset);
  if (!occ || occ.target.kind === "builtin") return null;
  let t = occ.target;
  // An import alias leads to what it imports.
  if (t.kind === "import" && t.of && !occ.decl) t = t.of;
  return locationOf(ws, t) ?? null;
}

/** Every occurrence of a target in every loaded module. */
function allOccurrences(
  ws: Workspace,
  a: Analysis,
  t: Target,
): { path: string; occ: Occurrence }[] {
  // Locals cannot be seen from other files: only this one is searched.
  const local = !["block", "interface", "fn", "model", "let", "hyper", "param", "layer"].includes(
    t.kind,
  );
  if (!local) ws.loadAll();
  const scopes = local ? a.scopes : ws.scopes();
  const mods = local ? [a.module] : ws.program.all().filter((m) => !m.path.includes("#"));
  const out: { path: string; occ: Occurrence }[] = [];
  for (const m of mods) {
    for (const o of occurrences(m, scopes))
      if (o.target.key === t.key) out.push({ path: m.path, occ: o });
  }
  return out;
}

export function references(
  ws: Workspace,
  a: Analysis,
  offset: number,
  includeDecl: boolean,
): Location[] | null {
  const occ = targetAt(a, offset);
  if (!occ || occ.target.kind === "builtin") return null;
  const out: Location[] = [];
  for (const { path, occ: o } of allOccurrences(ws, a, occ.target)) {
    if (o.decl && !includeDecl) continue;
    const m = ws.program.get(path);
    if (m) out.push({ uri: ws.uriOf(path), range: toRange(m.file.source, o.span) });
  }
  return out.sort(
    (x, y) =>
      x.uri.localeCompare(y.uri) ||
      x.range.start.line - y.range.start.line ||
      x.range.start.character - y.range.start.character,
  );
}

export function documentHighlights(a: Analysis, offset: number): DocumentHighlight[] | null {
  const occs = occurrences(a.module, a.scopes);
  const occ = occurrenceAt(occs, offset);
  if (!occ || occ.target.kind === "builtin") return null;
  return occs
    .filter((o) => o.target.key === occ.target.key)
    .map((o) => ({
      range: toRange(a.module.file.source, o.span),
      kind: o.decl ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
    }));
}

/** Why a target cannot be renamed, or undefined when it can. */
function refusal(ws: Workspace, t: Target): string | undefined {
  if (t.kind === "builtin") return `'${t.name}' is built into the language and cannot be renamed`;
  const m = t.kind === "module" ? undefined : ws.program.get(t.path);
  if (m?.isStdlib)
    return `'${t.name}' is declared in the standard library (${m.displayPath}), which cannot be renamed from here`;
  return undefined;
}

export function prepareRename(ws: Workspace, a: Analysis, offset: number): Range | null {
  const occ = targetAt(a, offset);
  if (!occ) return null;
  const why = refusal(ws, occ.target);
  if (why) throw new ResponseError(ErrorCodes.InvalidRequest, why);
  return toRange(a.module.file.source, occ.span);
}

export function rename(
  ws: Workspace,
  a: Analysis,
  offset: number,
  newName: string,
): WorkspaceEdit | null {
  const occ = targetAt(a, offset);
  if (!occ) return null;
  const t = occ.target;
  const why = refusal(ws, t);
  if (why) throw new ResponseError(ErrorCodes.InvalidRequest, why);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || newName === "_")
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      `'${newName}' is not a valid name: names are letters, digits and _, not starting with a digit`,
    );
  if (RESERVED.has(newName))
    throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' is a reserved keyword`);
  if (BUILTIN_NAMES.has(newName))
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      `'${newName}' is a built-in name (spec/language.md §7)`,
    );
  if (newName === t.name) return { changes: {} };
  const found = allOccurrences(ws, a, t);
  // A clash: the new name already names something visible where the target is used or declared.
  for (const { path, occ: o } of found) {
    const m = ws.program.get(path)!;
    const clash = conflicting(ws, path, m.file.module.items, o, t, newName);
    if (clash)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        `cannot rename '${t.name}' to '${newName}': ${clash}`,
      );
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const { path, occ: o } of found) {
    const m = ws.program.get(path)!;
    const uri = ws.uriOf(path);
    (changes[uri] ??= []).push({ range: toRange(m.file.source, o.span), newText: newName });
  }
  return { changes };
}

/** A declaration named `newName` that the renamed target would collide with or be shadowed by. */
function conflicting(
  ws: Workspace,
  path: string,
  items: { span: { start: number; end: number } }[],
  o: Occurrence,
  t: Target,
  newName: string,
): string | undefined {
  const scopes = ws.scopes();
  const m = ws.program.get(path)!;
  const top = scopes.get(path)?.names.get(newName);
  const topLevel = ["block", "interface", "fn", "model", "let"].includes(t.kind);
  if (topLevel && top) return `'${newName}' is already visible in ${m.displayPath}`;
  // Same declaration (block, fn) or same top-level item: any declaration of that name in it.
  const item = items.find((i) => i.span.start <= o.span.start && o.span.end <= i.span.end);
  if (!item) return undefined;
  for (const x of occurrences(m, scopes)) {
    if (!x.decl || x.target.name !== newName) continue;
    if (x.span.start < item.span.start || x.span.end > item.span.end) continue;
    if (topLevel) continue;
    return `'${newName}' is already declared in the same declaration (${m.displayPath}:${m.file.source.position(x.span.start).line})`;
  }
  if (!topLevel && top && t.kind !== "hyper") {
    // A local named like a top-level declaration would hide it where it is used.
    const uses = occurrences(m, scopes).some(
      (x) =>
        x.target.name === newName &&
        !x.decl &&
        x.span.start >= item.span.start &&
        x.span.end <= item.span.end,
    );
    if (uses) return `'${newName}' names a declaration used in the same place`;
  }
  return undefined;
}
