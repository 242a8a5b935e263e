/**
 * Diagnostics: every error archc reports is one of these, with a stable code (listed in
 * spec/diagnostics.md), a message a person can act on, a primary span and related spans.
 */
import type { Span } from "./source.js";

export type Severity = "error" | "warning" | "note";

/** A span in a named file. */
export interface Location {
  file: string;
  span: Span;
}

export interface RelatedInfo {
  location: Location;
  message: string;
}

/** A text edit that fixes the problem (applied by `archc fix` and LSP code actions). */
export interface TextEdit {
  location: Location;
  newText: string;
}

export interface FixIt {
  message: string;
  edits: TextEdit[];
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  location: Location;
  /** Short text printed under the caret. */
  label?: string;
  related: RelatedInfo[];
  /** Extra lines printed as `= note: ...`. */
  notes: string[];
  /** How to fix it, printed as `= help: ...`. */
  help?: string;
  fix?: FixIt;
}

export interface DiagnosticInit {
  label?: string;
  related?: RelatedInfo[];
  notes?: string[];
  help?: string;
  fix?: FixIt;
  severity?: Severity;
}

export function diagnostic(
  code: string,
  message: string,
  location: Location,
  init: DiagnosticInit = {},
): Diagnostic {
  const d: Diagnostic = {
    code,
    severity: init.severity ?? "error",
    message,
    location,
    related: init.related ?? [],
    notes: init.notes ?? [],
  };
  if (init.label !== undefined) d.label = init.label;
  if (init.help !== undefined) d.help = init.help;
  if (init.fix !== undefined) d.fix = init.fix;
  return d;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Orders diagnostics by file, then position, then code: the order users read them in. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags.sort(
    (a, b) =>
      a.location.file.localeCompare(b.location.file) ||
      a.location.span.start - b.location.span.start ||
      a.code.localeCompare(b.code),
  );
}
