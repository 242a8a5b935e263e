/**
 * Renders diagnostics the way rustc and tsc do:
 *
 *   examples/bad.arch:3:12: error[A0101]: expected ')' but found '}'
 *     |
 *   3 |   let y = f(x}
 *     |              ^
 *     = help: ...
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
type Color = keyof typeof ANSI;

/** Longer source lines are shown as a window around the caret. */
const MAX_LINE = 160;

export function renderDiagnostic(
  d: Diagnostic,
  files: ReadonlyMap<string, SourceFile>,
  opts: RenderOptions = {},
): string {
  const paint = (color: Color, s: string) => (opts.color ? ANSI[color] + s + ANSI.reset : s);
  const file = files.get(d.location.file);
  const severityColor: Color =
    d.severity === "error" ? "red" : d.severity === "warning" ? "yellow" : "cyan";
  const pos = file ? file.position(d.location.span.start) : { line: 1, col: 1 };
  const lines = [
    `${d.location.file}:${pos.line}:${pos.col}: ` +
      paint(severityColor, `${d.severity}[${d.code}]`) +
      paint("bold", `: ${d.message}`),
  ];
  // The gutter is as wide as the largest line number shown; notes line up with its '|'.
  const shownLines = [
    pos.line,
    ...d.related.map((r) => files.get(r.location.file)?.position(r.location.span.start).line ?? 1),
  ];
  const gutter = Math.max(...shownLines.map((n) => String(n).length));
  const eq = `${" ".repeat(gutter)} ${paint("cyan", "=")}`;
  if (file) lines.push(...snippet(file, d.location.span, d.label, paint, severityColor, gutter));
  for (const r of d.related) {
    const rf = files.get(r.location.file);
    const rp = rf ? rf.position(r.location.span.start) : { line: 1, col: 1 };
    lines.push(`${eq} note: ${r.message} (${r.location.file}:${rp.line}:${rp.col})`);
    // A related span on the primary's own line is already in view.
    const sameLine = r.location.file === d.location.file && rp.line === pos.line;
    if (rf && !sameLine)
      lines.push(...snippet(rf, r.location.span, undefined, paint, "cyan", gutter));
  }
  for (const n of d.notes) lines.push(`${eq} note: ${n}`);
  if (d.help) lines.push(`${eq} help: ${d.help}`);
  return lines.join("\n");
}

export function renderDiagnostics(
  diags: readonly Diagnostic[],
  files: ReadonlyMap<string, SourceFile>,
  opts: RenderOptions = {},
): string {
  return diags.map((d) => renderDiagnostic(d, files, opts) + "\n").join("\n");
}

/** The source line of a span's start with a caret underline. */
function snippet(
  file: SourceFile,
  span: { start: number; end: number },
  label: string | undefined,
  paint: (c: Color, s: string) => string,
  color: Color,
  gutter: number,
): string[] {
  const start = file.position(span.start);
  const end = file.position(Math.max(span.start, span.end));
  const text = file.lineText(start.line);
  const line = visible(text);
  const col0 = visible(text.slice(0, start.col - 1)).length;
  const lastCol = end.line === start.line ? end.col : text.length + 1;
  const spanWidth = visible(text.slice(start.col - 1, lastCol - 1)).length;
  const from = line.length > MAX_LINE ? Math.max(0, col0 - 40) : 0;
  const shown =
    (from > 0 ? "… " : "") +
    line.slice(from, from + MAX_LINE) +
    (line.length > from + MAX_LINE ? " …" : "");
  const caretAt = col0 - from + (from > 0 ? 2 : 0);
  const width = Math.max(1, Math.min(spanWidth, MAX_LINE - (col0 - from)));
  const pad = " ".repeat(gutter);
  const bar = paint("cyan", "|");
  return [
    `${pad} ${bar}`,
    `${paint("cyan", String(start.line).padStart(gutter))} ${bar} ${shown}`,
    `${pad} ${bar} ${" ".repeat(caretAt)}${paint(color, "^".repeat(width) + (label ? " " + label : ""))}`,
  ];
}

/**
 * A source line as shown: tabs become two spaces (so the caret lines up) and control characters
 * their visible symbols (U+2400 block), so a stray NUL or escape cannot garble the terminal.
 */
function visible(s: string): string {
  return s
    .replace(/\t/g, "  ")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) =>
      c === "\u007f" ? "\u2421" : String.fromCharCode(0x2400 + c.charCodeAt(0)),
    );
}
