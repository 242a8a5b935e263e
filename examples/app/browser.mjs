// The generated TinyGPT class in a browser page (index.html). Bundled by build.mjs into
// build/web/browser.js. It fetches `w.safetensors` next to the page, runs the model and shows the
// result; when the page was opened with `?report=/result`, it also POSTs the result (or the
// error) as JSON there, which is how tests/codegen-ts/browser.test.ts reads it.
import { TinyGPT } from "./build/index.js";
import { demo } from "./demo.mjs";

const out = document.getElementById("result");
const report = new URLSearchParams(location.search).get("report");
let message;
try {
  const response = await fetch("w.safetensors");
  if (!response.ok) throw new Error(`cannot fetch w.safetensors: HTTP ${response.status}`);
  const result = await demo(TinyGPT, new Uint8Array(await response.arrayBuffer()));
  const { logits, ...summary } = result;
  void logits;
  out.textContent = JSON.stringify(summary, null, 2);
  message = { ok: true, result };
} catch (e) {
  out.textContent = `${e.name}: ${e.message}`;
  message = { ok: false, error: `${e.name}: ${e.message}` };
}
document.body.dataset.done = "true";
if (report) await fetch(report, { method: "POST", body: JSON.stringify(message) });
