/** `archc info FILE --model NAME [--set T=1024] [--json]` */
import { Program } from "../compiler/check/index.js";
import { hasErrors } from "../compiler/index.js";
import { formatInfo, modelInfo } from "../compiler/info.js";
import { printDiagnostics } from "./output.js";

/** `B=2,T=16` (also repeated --set options) -> sizes; undefined after printing an error. */
export function parseSizes(specs: string[]): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const spec of specs.flatMap((s) => s.split(","))) {
    if (spec.trim() === "") continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)\s*$/.exec(spec);
    if (!m) {
      process.stderr.write(`archc: --set expects NAME=SIZE (a positive integer), got '${spec}'\n`);
      return undefined;
    }
    const n = Number(m[2]);
    if (!Number.isSafeInteger(n) || n <= 0) {
      process.stderr.write(
        `archc: --set ${m[1]} must be a positive integer below 2^53, got ${m[2]}\n`,
      );
      return undefined;
    }
    out[m[1]!] = n;
  }
  return out;
}

export function infoCommand(
  file: string,
  opts: { model: string; set: string[]; json: boolean },
): number {
  const sizes = parseSizes(opts.set);
  if (!sizes) return 2;
  const program = new Program();
  const r = modelInfo(program, file, opts.model, sizes);
  printDiagnostics(r.diagnostics, program.sources());
  if (hasErrors(r.diagnostics) || !r.report) return 1;
  if (opts.json) {
    process.stdout.write(JSON.stringify(r.report, null, 2) + "\n");
  } else {
    process.stdout.write(formatInfo(r.report));
    if (r.missingSizes.length > 0) {
      process.stdout.write(
        `FLOPs: give the runtime sizes with --set ${r.missingSizes.map((s) => `${s}=...`).join(",")}\n`,
      );
    }
  }
  return 0;
}
