/**
 * Renders diagnostics the way rustc and tsc do:
 *
 *   examples/bad.arch:3:12: error[A0101]: expected ')' but found '}'
 *      |
 *    3 |   let y = f(x}
 *      |              ^ expected ')'
 *      = help: ...
 */
import type { Diagnostic } from "./diagnostic.js";
import type { SourceFile } from "./source.js";

export interface RenderOptions {
  /** ANSI colours (only when writing to a terminal). */
  color?: boolean;
}

const ANSI = {
  red: "\x1b[31;1m",
  yellow: "\x1b[33;1m",
  cyan: "\x1b[36;1m",
  bold: "\x1b[1m",
  reset: "\x1b[0m",
};

export function renderDiagnostic(
  d: Diagnostic,
  files: ReadonlyMap<string, SourceFile>,
  opts: RenderOptions = {},
): string {
  const paint = (color: keyof typeof ANSI, s: string) =>
    opts.color ? ANSI[color] + s + ANSI.reset : s;
  const file = files.get(d.location.file);
  const severityColor =
    d.severity === "error" ? "red" : d.severity === "warning" ? "yellow" : "cyan";
  const pos = file ? file.position(d.location.span.start) : { line: 1, col: 1 };
  const head =
    `${d.location.file}:${pos.line}:${pos.col}: ` +
    paint(severityColor, `${d.severity}[${d.code}]`) +
    paint("bold", `: ${d.message}`);
  const lines = [head];
  if (file) lines.push(...snippet(file, d.location.span, d.label, paint, severityColor));
  for (const r of d.related) {
    const rf = files.get(r.location.file);
    const rp = rf ? rf.position(r.location.span.start) : { line: 1, col: 1 };
    lines.push(
      `  ${paint("cyan", "=")} note: ${r.message} (${r.location.file}:${rp.line}:${rp.col})`,
    );
    if (rf) lines.push(...snippet(rf, r.location.span, undefined, paint, "cyan"));
  }
  for (const n of d.notes) lines.push(`  ${paint("cyan", "=")} note: ${n}`);
  if (d.help) lines.push(`  ${paint("cyan", "=")} help: ${d.help}`);
  return lines.join("\n");
}

export function renderDiagnostics(
  diags: readonly Diagnostic[],
  files: ReadonlyMap<string, SourceFile>,
  opts: RenderOptions = {},
): string {
  return diags.map((d) => renderDiagnostic(d, files, opts) + "\n").join("\n");
}

/** The source line of a span's start with a caret underline (long lines are windowed). */
function snippet(
  file: SourceFile,
  span: { start: number; end: number },
  label: string | undefined,
  paint: (c: keyof typeof ANSI, s: string) => string,
  color: keyof typeof ANSI,
): string[] {
  const start = file.position(span.start);
  const end = file.position(Math.max(span.start, span.end));
  // Tabs would misalign the caret: show them as two spaces on both lines.
  const raw = file.lineText(start.line).replace(/\t/g, "  ");
  const rawBefore = file.lineText(start.line).slice(0, start.col - 1);
  const col0 = rawBefore.replace(/\t/g, "  ").length;
  const lastCol = end.line === start.line ? end.col : file.lineText(start.line).length + 1;
  const spanText = file
    .lineText(start.line)
    .slice(start.col - 1, lastCol - 1)
    .replace(/\t/g, "  ");
  // Very long lines (minified or generated input) are shown as a window around the caret.
  const from = raw.length > MAX_LINE ? Math.max(0, col0 - 40) : 0;
  const shown =
    (from > 0 ? "… " : "") +
    raw.slice(from, from + MAX_LINE) +
    (raw.length > from + MAX_LINE ? " …" : "");
  const caretAt = col0 - from + (from > 0 ? 2 : 0);
  const width = Math.max(1, Math.min(spanText.length, MAX_LINE - (col0 - from)));
  const gutter = String(start.line).length;
  const pad = " ".repeat(gutter);
  const underline = "^".repeat(width) + (label ? " " + label : "");
  return [
    `${pad} ${paint("cyan", "|")}`,
    `${paint("cyan", String(start.line))} ${paint("cyan", "|")} ${shown}`,
    `${pad} ${paint("cyan", "|")} ${" ".repeat(caretAt)}${paint(color, underline)}`,
  ];
}

const MAX_LINE = 160;
