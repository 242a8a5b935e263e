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
