/**
 * Code actions (quick fixes) for diagnostics in the requested range:
 * - an unknown name (A0301) that a stdlib module or another workspace file declares: import it;
 * - a division with a remainder (A0307) or a failed divisibility requirement (A0308 on
 *   `a % b == 0`), where the divisor is a number literal of this document (written in the
 *   division itself or given as the hyperparameter's value): change it to the nearest divisor
 *   below and above (the closer one preferred).
 */
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic as LspDiagnostic,
  type Range,
} from "vscode-languageserver";
import type * as A from "../grammar/ast.js";
import type { Diagnostic, Location } from "../compiler/diagnostics/diagnostic.js";
import { walk, type AnyNode } from "./ast.js";
import { toOffset, toRange } from "./convert.js";
import { importable, importEdit } from "./imports.js";
import type { Analysis, Workspace } from "./workspace.js";

export function codeActions(
  ws: Workspace,
  a: Analysis,
  _range: Range,
  diags: LspDiagnostic[],
): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diags) {
    if (d.source !== undefined && d.source !== "archc") continue;
    const start = toOffset(a.module.file.source, d.range.start);
    const cd = a.diagnostics.find(
      (x) =>
        x.code === d.code &&
        x.location.file === a.module.displayPath &&
        x.location.span.start === start,
    );
    if (!cd) continue;
    if (cd.code === "A0301") out.push(...importActions(ws, a, cd, d));
    if (cd.code === "A0307" || cd.code === "A0308") out.push(...divisorActions(ws, a, cd, d));
  }
  return out;
}

function importActions(ws: Workspace, a: Analysis, cd: Diagnostic, d: LspDiagnostic): CodeAction[] {
  const name = a.module.file.text.slice(cd.location.span.start, cd.location.span.end);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return [];
  const found = importable(ws, a.module).filter((x) => x.name === name);
  return found.map((x) => ({
    title: `Import '${name}' from "${x.spec}"`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    isPreferred: found.length === 1,
    edit: { changes: { [ws.uriOf(a.module.path)]: [importEdit(a.module, name, x.spec)] } },
  }));
}

/** The `/` or `%` a divisibility diagnostic is about, in its primary or related locations. */
function findDivision(ws: Workspace, cd: Diagnostic): A.Binary | undefined {
  const locs: Location[] = [cd.location, ...cd.related.map((r) => r.location)];
  for (const loc of locs) {
    const m = ws.program.get(ws.pathOfDisplay(loc.file));
    if (!m) continue;
    let found: A.Binary | undefined;
    walk(m.file.module as AnyNode, (n) => {
      if (found) return false;
      if (n.span.end < loc.span.start || n.span.start > loc.span.end) return false;
      if (n.kind === "Binary") {
        const b = n as A.Binary;
        if (
          (b.op === "/" || b.op === "%") &&
          b.span.start >= loc.span.start &&
          b.span.end <= loc.span.end
        ) {
          found = b;
          return false;
        }
      }
      return true;
    });
    if (found) return found;
  }
  return undefined;
}

/** Values the diagnostic states: `768 is not divisible by 10`, `with heads = 10, d = 768`. */
function statedValues(cd: Diagnostic): { a?: number; b?: number; names: Map<string, number> } {
  const names = new Map<string, number>();
  for (const n of cd.notes) {
    if (!n.startsWith("with ")) continue;
    for (const m of n.slice(5).matchAll(/([A-Za-z_][A-Za-z0-9_]*) = (-?\d+)(?=,|$)/g))
      names.set(m[1]!, Number(m[2]));
  }
  const m = /^(-?\d+) is not divisible by (-?\d+)/.exec(cd.message);
  return m ? { a: Number(m[1]), b: Number(m[2]), names } : { names };
}

function divisorActions(
  ws: Workspace,
  a: Analysis,
  cd: Diagnostic,
  d: LspDiagnostic,
): CodeAction[] {
  const bin = findDivision(ws, cd);
  if (!bin) return [];
  const stated = statedValues(cd);
  const valueOf = (e: A.Expr): number | undefined =>
    e.kind === "Number" && !e.isFloat
      ? e.value
      : e.kind === "Name"
        ? stated.names.get(e.name)
        : undefined;
  const dividend = stated.a ?? valueOf(bin.left);
  const divisor = stated.b ?? valueOf(bin.right);
  if (dividend === undefined || divisor === undefined || dividend <= 0) return [];
  const literal = divisorLiteral(ws, a, cd, bin, divisor);
  if (!literal) return [];
  const { lower, upper } = nearestDivisors(dividend, divisor);
  const choices = [lower, upper].filter((x): x is number => x !== undefined);
  const best = choices.reduce(
    (p, c) => (Math.abs(c - divisor) <= Math.abs(p - divisor) ? c : p),
    choices[0]!,
  );
  const what = bin.right.kind === "Name" ? bin.right.name : "the divisor";
  return choices.map((k) => ({
    title: `Change ${what} to ${k} (${dividend} / ${k} = ${dividend / k})`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    isPreferred: k === best,
    edit: {
      changes: {
        [ws.uriOf(a.module.path)]: [
          { range: toRange(a.module.file.source, literal), newText: String(k) },
        ],
      },
    },
  }));
}

/** The number literal of this document that gave the divisor its value. */
function divisorLiteral(
  ws: Workspace,
  a: Analysis,
  cd: Diagnostic,
  bin: A.Binary,
  divisor: number,
): A.Span | undefined {
  const here = a.module.displayPath;
  const text = a.module.file.text;
  const isLiteral = (s: A.Span) => text.slice(s.start, s.end).replace(/_/g, "") === String(divisor);
  const binModule = ws.program
    .all()
    .find((m) =>
      m.file.module.items.some(
        (i) => i.span.start <= bin.span.start && bin.span.end <= i.span.end && containsNode(i, bin),
      ),
    );
  if (bin.right.kind === "Number")
    return binModule?.path === a.module.path && isLiteral(bin.right.span)
      ? bin.right.span
      : undefined;
  if (bin.right.kind !== "Name") return undefined;
  const name = bin.right.name;
  const candidates: A.Span[] = [];
  for (const bv of a.obs.blockValues) {
    const decl = bv.block.decl;
    if (
      !(decl.span.start <= bin.span.start && bin.span.end <= decl.span.end) ||
      bv.block.module !== binModule
    )
      continue;
    const loc = bv.spans?.get(name);
    if (loc && loc.file === here && isLiteral(loc.span)) candidates.push(loc.span);
  }
  // The literal inside the diagnostic's own span first (the use site), else any.
  const own = cd.location.file === here ? cd.location.span : undefined;
  return candidates.find((s) => own && own.start <= s.start && s.end <= own.end) ?? candidates[0];
}

function containsNode(root: A.Node, target: A.Node): boolean {
  let found = false;
  walk(root as AnyNode, (n) => {
    if (found) return false;
    if (n === (target as AnyNode)) found = true;
    return !found && n.span.start <= target.span.start && target.span.end <= n.span.end;
  });
  return found;
}

/** The divisors of `n` nearest to `k` from below and above (not `k` itself). */
export function nearestDivisors(n: number, k: number): { lower?: number; upper?: number } {
  const out: { lower?: number; upper?: number } = {};
  for (let x = Math.min(k - 1, n); x >= 1; x--)
    if (n % x === 0) {
      out.lower = x;
      break;
    }
  for (let x = Math.max(k + 1, 1); x <= n; x++)
    if (n % x === 0) {
      out.upper = x;
      break;
    }
  return out;
}
