/** `archc check PATHS...` */
import {
  expandArchPaths,
  hasErrors,
  loadFile,
  type Diagnostic,
  type SourceFile,
} from "../compiler/index.js";
import { printDiagnostics, summarize } from "./output.js";

export function checkCommand(paths: string[]): number {
  const files = expandArchPaths(paths);
  const sources = new Map<string, SourceFile>();
  const diags: Diagnostic[] = [];
  for (const path of files) {
    const loaded = loadFile(path);
    sources.set(path, loaded.source);
    diags.push(...loaded.diagnostics);
  }
  printDiagnostics(diags, sources);
  const n = `${files.length} file${files.length === 1 ? "" : "s"}`;
  if (hasErrors(diags)) {
    process.stderr.write(`archc check: ${summarize(diags)} in ${n}\n`);
    return 1;
  }
  process.stdout.write(`archc check: ${n} ok\n`);
  return 0;
}
