/** Generated .arch sources of a given size, for the front-end benchmarks and stress tests. */

/** A realistic block (hyperparameters, members, forward with lets) with a unique name. */
function block(i: number): string {
  return `/// Block number ${i}: an attention-like mixer with a gated MLP.
block Mixer${i}(d: dim, heads: int = 4, hidden: dim = 4 * d, eps: float = 1e-5) {
  requires d % heads == 0 else "d={d} must split evenly into heads={heads}"
  let hd = d / heads
  param scale: [d] = ones
  layer norm = RMSNorm(d, eps = eps)
  layer qkv = Linear(d, 3 * d, bias = false)
  layer proj = Linear(d, d, bias = false)
  layer w1 = Linear(d, hidden, bias = false)
  layer w2 = Linear(hidden, d, bias = false)

  forward(x: [B, T, d]) -> y: [B, T, d] {
    let (q, k, v) = split(qkv(norm(x)), 3, axis = -1)
    let qh = rearrange(q, "b t (h e) -> b h t e", h = heads)
    let kh = rearrange(k, "b t (h e) -> b h t e", h = heads)
    let vh = rearrange(v, "b t (h e) -> b h t e", h = heads)
    let scores = qh @ transpose(kh, -1, -2) * (1.0 / sqrt(hd))
    let attn = rearrange(softmax(scores, -1) @ vh, "b h t e -> b t (h e)")
    let h = x + proj(attn) * scale
    return h + w2(silu(w1(norm(h))))
  }
}
`;
}

export function generateArch(lines: number): string {
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; count < lines; i++) {
    const b = block(i) + "\n";
    parts.push(b);
    count += b.split("\n").length - 1;
  }
  return parts.join("");
}

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

/**
 * A model of `layers` distinct layer blocks (pre-norm attention and a gated MLP, each its own
 * hidden width) chained after an embedding: the document of the checker and language-server
 * benchmarks.
 */
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
