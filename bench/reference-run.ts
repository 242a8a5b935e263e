/**
 * Reference interpreter speed: GPT-2 small (examples/tiny_gpt.arch, 124 M parameters) built,
 * initialized in memory and run forward on one sequence of T tokens (default 8) by the CPU
 * interpreter, timed per phase. The interpreter is the oracle, not a fast backend: this is how
 * long a test against it takes, and it names the kernels that dominate.
 * Run: `npm run bench:reference [-- T]`.
 */
import { Program } from "../compiler/check/index.js";
import { buildGraph } from "../compiler/ir/build.js";
import { exampleInputs, initParams } from "../runtime/init.js";
import { execute } from "../runtime/reference/execute.js";

const T = Number(process.argv[2] ?? 8);
if (!Number.isInteger(T) || T < 1 || T > 1024) {
  process.stderr.write(
    `bench:reference: T must be an integer in 1..1024, got ${process.argv[2]}\n`,
  );
  process.exit(2);
}
const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

let t0 = performance.now();
const { graph, diagnostics } = buildGraph(new Program(), "examples/tiny_gpt.arch", "GPT2Small");
if (!graph) throw new Error(diagnostics.map((d) => d.message).join("\n"));
process.stdout.write(`build graph (${graph.nodes.length} nodes): ${ms(t0)}\n`);

t0 = performance.now();
const params = initParams(graph, 0);
process.stdout.write(`init ${params.size} parameters: ${ms(t0)}\n`);

const inputs = exampleInputs(
  graph,
  new Map([
    ["B", 1],
    ["T", T],
  ]),
  0,
);
const byOp = new Map<string, number>();
let last = performance.now();
t0 = last;
execute(graph, params, inputs, {
  onNode: (done) => {
    const now = performance.now();
    const op = graph.nodes[done - 1]!.op;
    byOp.set(op, (byOp.get(op) ?? 0) + (now - last));
    last = now;
  },
});
const total = performance.now() - t0;
process.stdout.write(`forward at B=1, T=${T}: ${total.toFixed(0)} ms\n`);
for (const [op, t] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 5))
  process.stdout.write(
    `  ${op.padEnd(10)} ${t.toFixed(0).padStart(6)} ms (${((100 * t) / total).toFixed(0)} %)\n`,
  );
