/**
 * Check speed: `archc check` on a generated 24-layer model (~1,000 lines with the stdlib it
 * imports), after warm-up, as the language server re-checks a document after an edit: the
 * stdlib stays parsed, the edited file is re-parsed, everything is re-checked.
 * Run: `npm run bench:check`.
 */
import { checkFiles, Program } from "../compiler/check/index.js";

/** One distinct block per layer (attention + gated MLP), so every layer is checked on its own. */
function layer(i: number): string {
  return `/// Layer ${i}: pre-norm attention and a gated MLP, with a normalized head-layout
/// round trip so that rearrange, reductions and broadcasting are all checked; each layer has
/// its own hidden width (2, 3 or 4 times d).
block Layer${i}(d: dim, heads: int = 4, hidden: dim = ${2 + (i % 3)} * d) {
  requires d % heads == 0 else "d={d} must split into heads={heads}"
  let hd = d / heads
  layer norm1 = RMSNorm(d)
  layer attn = MultiHeadAttention(d, heads, bias = false)
  layer norm2 = RMSNorm(d)
  layer gate = Linear(d, hidden, bias = false)
  layer up = Linear(d, hidden, bias = false)
  layer down = Linear(hidden, d, bias = false)
  param scale: [d] = ones

  param bias: [d] = zeros

  forward(x: [B, T, d]) -> y: [B, T, d] {
    // attention sub-layer
    let h = x + attn(norm1(x)) * scale
    // gated MLP sub-layer
    let n = norm2(h)
    let g = silu(gate(n)) * up(n)
    // a round trip through the head layout, checked like any other shape
    let q = rearrange(h, "b t (k e) -> b k t e", k = heads)
    let s = sum(q * q, -1, keepdim = true)
    let qn = q * rsqrt(s + 1e-6)
    let back = rearrange(qn, "b k t e -> b t (k e)")
    let mixed = back + down(g)
    let centered = mixed - mean(mixed, -1, keepdim = true)
    return centered + bias
  }
}
`;
}

export function generateModel(layers: number): string {
  const parts = [
    'import { Embedding, Linear, RMSNorm, silu } from "std/nn"',
    'import { MultiHeadAttention } from "std/attention"',
    "",
  ];
  for (let i = 0; i < layers; i++) parts.push(layer(i));
  const members = Array.from({ length: layers }, (_, i) => `  layer l${i} = Layer${i}(d)`).join(
    "\n",
  );
  let chain = "embed(tokens)";
  for (let i = 0; i < layers; i++) chain = `l${i}(${chain})`;
  parts.push(`block Model(vocab: dim, d: dim) {
  layer embed = Embedding(vocab, d)
${members}
  layer head = Linear(d, vocab, bias = false)

  forward(tokens: i32[B, T]) -> logits: [B, T, vocab] {
    return head(${chain})
  }
}

model Big = Model(vocab = 32000, d = 512)
`);
  return parts.join("\n");
}

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
