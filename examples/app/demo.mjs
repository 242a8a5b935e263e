// What both the Node script and the browser page do with the generated TinyGPT class: load the
// weights, run eight tokens, capture the last layer's output, and summarize what came back.
import { tensor } from "archc/runtime";

/** The same eight tokens everywhere ("archc!!\n" as bytes: TinyGPT reads bytes). */
export const TOKENS = [97, 114, 99, 104, 99, 33, 33, 10];

/**
 * Runs `TinyGPT` (the generated class) with `weights` (safetensors bytes, as `archc init`
 * writes them); `device` is optional (the class acquires one). Returns a JSON-able summary.
 */
export async function demo(TinyGPT, weights, device) {
  const model = await TinyGPT.create(device);
  try {
    await model.loadWeights(weights);
    const tokens = tensor("i32", [1, TOKENS.length], TOKENS);
    const { logits, captured } = await model.forward({ tokens }, { capture: ["layers.1"] });
    const vocab = logits.shape[2];
    // The most likely next byte after each position.
    const next = [];
    for (let t = 0; t < TOKENS.length; t++) {
      const row = logits.data.subarray(t * vocab, (t + 1) * vocab);
      let best = 0;
      for (let v = 1; v < vocab; v++) if (row[v] > row[best]) best = v;
      next.push(best);
    }
    return {
      config: TinyGPT.config,
      parameters: model.parameters().length,
      logitsShape: logits.shape,
      firstLogits: Array.from(logits.data.subarray(0, 4)),
      next,
      capturedShape: captured["layers.1"].shape,
      logits: Array.from(logits.data),
    };
  } finally {
    model.dispose();
  }
}
