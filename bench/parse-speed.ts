/**
 * Parse speed: lines per second of the front end (lex + parse + AST) on a generated 10,000-line
 * .arch file, and of the formatter on the same tree. Run: `npm run bench:parse`.
 * Figures are wall-clock on this machine: compare them with runs made here, not across machines.
 */
import { parse } from "../grammar/parse.js";
import { formatModule } from "../grammar/format.js";
import { generateArch } from "./generate.js";

function measure(label: string, lines: number, fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up: JIT and chevrotain's lookahead caches
  const runs = 10;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const ms = (performance.now() - t0) / runs;
  const rate = lines / (ms / 1000);
  console.log(
    `${label.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms   ${Math.round(rate).toLocaleString("en-US").padStart(10)} lines/s`,
  );
  return rate;
}

const text = generateArch(10_000);
const lines = text.split("\n").length - 1;
console.log(
  `generated file: ${lines} lines, ${(text.length / 1024).toFixed(0)} KiB (node ${process.version})`,
);
const parsed = parse(text, "bench.arch");
if (parsed.diagnostics.length > 0) throw new Error("the generated file has diagnostics");
measure("parse (lex + CST + AST)", lines, () => parse(text, "bench.arch"));
measure("format (tree -> text)", lines, () => formatModule(parsed.module, text));
