/** How the CLI prints diagnostics: rustc-style text on stderr, coloured on a terminal. */
import {
  renderDiagnostics,
  sortDiagnostics,
  type Diagnostic,
  type SourceFile,
} from "../compiler/index.js";

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

export function printDiagnostics(
  diags: Diagnostic[],
  files: ReadonlyMap<string, SourceFile>,
): void {
  if (diags.length === 0) return;
  process.stderr.write(
    renderDiagnostics(sortDiagnostics([...diags]), files, { color: useColor(process.stderr) }),
  );
}

/** "2 errors, 1 warning" */
export function summarize(diags: Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  const parts = [`${errors} error${errors === 1 ? "" : "s"}`];
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.join(", ");
}
