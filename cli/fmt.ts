/** `archc fmt [--check] PATHS...` */
import { readFileSync, writeFileSync } from "node:fs";
import {
  expandArchPaths,
  formatModule,
  hasErrors,
  loadBytes,
  loadFile,
  type LoadedFile,
} from "../compiler/index.js";
import { printDiagnostics } from "./output.js";

export function fmtCommand(paths: string[], opts: { check: boolean }): number {
  if (paths.length === 1 && paths[0] === "-") return fmtStdin();
  let failed = false;
  const changed: string[] = [];
  for (const path of expandArchPaths(paths)) {
    const loaded = loadFile(path);
    const formatted = formatLoaded(loaded);
    if (formatted === undefined) {
      failed = true;
      continue;
    }
    if (formatted === loaded.text) continue;
    changed.push(path);
    if (!opts.check) writeFileSync(path, formatted);
  }
  if (opts.check) {
    for (const p of changed) process.stdout.write(`${p}: not formatted\n`);
    if (changed.length > 0)
      process.stderr.write(
        `archc fmt --check: ${changed.length} file(s) would change; run archc fmt\n`,
      );
    return failed || changed.length > 0 ? 1 : 0;
  }
  for (const p of changed) process.stdout.write(`formatted ${p}\n`);
  return failed ? 1 : 0;
}

/** The formatted text, or undefined (diagnostics printed) when the file has syntax errors. */
function formatLoaded(loaded: LoadedFile): string | undefined {
  if (hasErrors(loaded.diagnostics)) {
    printDiagnostics(loaded.diagnostics, new Map([[loaded.path, loaded.source]]));
    process.stderr.write(`archc fmt: ${loaded.path} has syntax errors; not formatted\n`);
    return undefined;
  }
  return formatModule(loaded.module, loaded.text);
}

function fmtStdin(): number {
  const loaded = loadBytes("<stdin>", readFileSync(0));
  const formatted = formatLoaded(loaded);
  if (formatted === undefined) return 1;
  process.stdout.write(formatted);
  return 0;
}
