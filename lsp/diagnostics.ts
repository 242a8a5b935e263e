/**
 * Checker diagnostics as LSP diagnostics: the code, the message with its notes and help, the
 * primary range, and every related span (often in another file: the standard library) as
 * related information.
 */
import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type DiagnosticRelatedInformation,
} from "vscode-languageserver";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { toRange } from "./convert.js";
import type { Analysis, Workspace } from "./workspace.js";

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
} as const;

/** The diagnostics of the analyzed document itself, converted. */
export function documentDiagnostics(ws: Workspace, a: Analysis): LspDiagnostic[] {
  const own = a.module.displayPath;
  return a.diagnostics.filter((d) => d.location.file === own).map((d) => convert(ws, a, d));
}

export function convert(ws: Workspace, a: Analysis, d: Diagnostic): LspDiagnostic {
  const src = a.module.file.source;
  const lines = [d.message];
  for (const n of d.notes) lines.push(`note: ${n}`);
  if (d.help) lines.push(`help: ${d.help}`);
  const out: LspDiagnostic = {
    range: toRange(src, d.location.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "archc",
    message: lines.join("\n"),
  };
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of d.related) {
    const path = ws.pathOfDisplay(r.location.file);
    const m = ws.program.get(path);
    if (!m) continue;
    related.push({
      location: { uri: ws.uriOf(path), range: toRange(m.file.source, r.location.span) },
      message: r.message,
    });
  }
  if (related.length > 0) out.relatedInformation = related;
  return out;
}
