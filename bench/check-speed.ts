/**
 * Check speed: `archc check` on a generated 24-layer model (~1,000 lines with the stdlib it
 * imports), after warm-up, as the language server re-checks a document after an edit: the
 * stdlib stays parsed, the edited file is re-parsed, everything is re-checked.
 * Run: `npm run bench:check`.
 */
import { checkFiles, Program } from "../compiler/check/index.js";
import { generateModel } from "./generate.js";

/** One distinct block per layer (attention + gated MLP), so every layer is checked on its own. */
const text = generateModel(24);
const file = "bench-24-layers.arch";
const program = new Program();
program.update(file, text);
const first = checkFiles(program, [file]);
if (first.diagnostics.length > 0)
  throw new Error(`the generated model has diagnostics: ${first.diagnostics[0]!.message}`);
const lines = program.all().reduce((n, m) => n + m.file.source.lineCount, 0);
console.log(
  `generated model: ${text.split("\n").length} lines; with the stdlib it imports: ${lines} lines (node ${process.version})`,
);
for (let i = 0; i < 5; i++) {
  program.update(file, text + `\n// edit ${i}\n`);
  checkFiles(program, [file]);
}
const runs = 20;
const t0 = performance.now();
for (let i = 0; i < runs; i++) {
  program.update(file, text + `\n// edit ${i}\n`);
  checkFiles(program, [file]);
}
const ms = (performance.now() - t0) / runs;
console.log(`check after an edit (parse the file, check everything): ${ms.toFixed(1)} ms`);
