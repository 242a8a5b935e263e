// The generated TinyGPT class in a Node program. Build first (see README.md):
//   node examples/app/build.mjs
//   npx archc init examples/tiny_gpt.arch -m TinyGPT -o tiny.safetensors
//   node examples/app/node.mjs tiny.safetensors [--json]
import { readFileSync } from "node:fs";
import { TinyGPT } from "./build/index.js";
import { demo } from "./demo.mjs";

const [weightsFile, flag] = process.argv.slice(2);
if (!weightsFile) {
  process.stderr.write("usage: node examples/app/node.mjs WEIGHTS.safetensors [--json]\n");
  process.exit(2);
}
const result = await demo(TinyGPT, new Uint8Array(readFileSync(weightsFile)));
if (flag === "--json") {
  process.stdout.write(JSON.stringify(result) + "\n");
} else {
  const { logits, ...summary } = result;
  console.log(`TinyGPT (${result.parameters} parameter tensors) on ${weightsFile}`);
  console.log(
    `logits: f32 [${result.logitsShape.join(", ")}], first values ${result.firstLogits.map((x) => x.toFixed(4)).join(", ")}`,
  );
  console.log(`captured layers.1: f32 [${result.capturedShape.join(", ")}]`);
  console.log(`next bytes: ${result.next.join(" ")}`);
  void logits;
  void summary;
}
