/** `archc check PATHS...`: syntax, names, types and shapes of every block and model. */
import { checkFiles, Program } from "../compiler/check/index.js";
import { expandArchPaths, hasErrors } from "../compiler/index.js";
import { printDiagnostics, summarize } from "./output.js";

export function checkCommand(paths: string[]): number {
  const files = expandArchPaths(paths);
  const program = new Program();
  const { diagnostics } = checkFiles(program, files);
  printDiagnostics(diagnostics, program.sources());
  const n = `${files.length} file${files.length === 1 ? "" : "s"}`;
  if (hasErrors(diagnostics)) {
    process.stderr.write(`archc check: ${summarize(diagnostics)} in ${n}\n`);
    return 1;
  }
  process.stdout.write(`archc check: ${n} ok\n`);
  return 0;
}
