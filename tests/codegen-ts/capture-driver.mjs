// Runs a generated model class with weights given as plain arrays and with captures, the way a
// user would (imported from its directory, `archc/runtime` through the package's exports).
//   node capture-driver.mjs DIR CLASS WEIGHTS INPUTS OUT CAPTURES_JSON
// Writes the outputs and the captured tensors (as `capture:PATH`) to OUT; prints one JSON line
// with the errors that a bad weights map and an unknown capture name raise.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { readSafetensors, RunError, WeightsError, writeSafetensors } from "archc/runtime";

const kind = (e) =>
  e instanceof WeightsError ? "WeightsError" : e instanceof RunError ? "RunError" : "other";

const [dir, className, weightsFile, inputsFile, outFile, capturesJson] = process.argv.slice(2);
const capture = JSON.parse(capturesJson);
const { [className]: Model } = await import(pathToFileURL(join(dir, "index.js")).href);
const model = await Model.create();
const report = {};

// Weights as plain typed arrays by checkpoint name (no dtype, no shape).
const file = readSafetensors(new Uint8Array(readFileSync(weightsFile)), weightsFile).tensors;
const arrays = new Map([...file].map(([name, t]) => [name, t.data]));
// Broken on purpose: one missing, one too short, one of the wrong type, one unknown.
const [first, second, third] = model.parameters();
const bad = new Map(arrays);
bad.delete(first.name);
bad.set(second.name, new Float32Array(3));
bad.set(third.name, new Float64Array(arrays.get(third.name).length));
bad.set("no.such.weight", new Float32Array(4));
try {
  await model.loadWeights(bad);
} catch (e) {
  report.badWeights = { kind: kind(e), problems: e.problems };
}
await model.loadWeights(arrays);

const inputs = readSafetensors(new Uint8Array(readFileSync(inputsFile)), inputsFile).tensors;
const args = Object.fromEntries(inputs);
const plain = await model.forward(args);
report.plainCaptured = Object.keys(plain.captured);
const out = await model.forward(args, { capture });
const tensors = new Map();
for (const [key, value] of Object.entries(out)) if (key !== "captured") tensors.set(key, value);
for (const [path, t] of Object.entries(out.captured)) tensors.set(`capture:${path}`, t);
// The same outputs without captures: bit for bit.
report.sameWithout = Object.keys(plain)
  .filter((k) => k !== "captured")
  .every((k) => Buffer.from(plain[k].data.buffer).equals(Buffer.from(out[k].data.buffer)));
writeFileSync(outFile, writeSafetensors(tensors));
try {
  await model.forward(args, { capture: ["no.such.block"] });
} catch (e) {
  report.badCapture = `${kind(e)}: ${e.message}`;
}
model.dispose();
process.stdout.write(JSON.stringify(report) + "\n");
