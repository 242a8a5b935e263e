/** Writing what `archc build --target` generated: one directory, every file listed. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes generated files into `dir` (created if needed) and lists each on standard output;
 * false, with the reason on standard error, when the directory cannot be written.
 */
export function writeGenerated(
  dir: string,
  files: readonly { path: string; text: string }[],
): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.path), f.text);
  } catch (e) {
    process.stderr.write(`archc build: cannot write to ${dir}: ${(e as Error).message}\n`);
    return false;
  }
  for (const f of files) process.stdout.write(`wrote ${join(dir, f.path)}\n`);
  return true;
}
