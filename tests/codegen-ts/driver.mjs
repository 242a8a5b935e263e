// Runs a generated model class the way a user would: imported from its directory, with
// `archc/runtime` resolved through the package's exports. Plain JavaScript: it is not compiled.
//   node driver.mjs DIR CLASS WEIGHTS INPUTS OUT KEYS_JSON
// KEYS_JSON maps each .arch input/output name to its property name. Prints one JSON line with
// the errors that bad weights and bad inputs raise.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { readSafetensors, RunError, WeightsError, writeSafetensors } from "archc/runtime";

// Errors are reported by the archc/runtime class they are instances of.
const kind = (e) =>
  e instanceof WeightsError ? "WeightsError" : e instanceof RunError ? "RunError" : "other";

const [dir, className, weightsFile, inputsFile, outFile, keysJson] = process.argv.slice(2);
const keys = JSON.parse(keysJson);
const mod = await import(pathToFileURL(join(dir, "index.js")).href);
const Model = mod[className];
const model = await Model.create();
const report = { parameters: model.parameters(), config: Model.config };
try {
  await model.loadWeights(new Map());
} catch (e) {
  report.emptyWeights = `${kind(e)}: ${e.message}`;
}
await model.loadWeights(new Uint8Array(readFileSync(weightsFile)), weightsFile);
const inputs = readSafetensors(new Uint8Array(readFileSync(inputsFile)), inputsFile).tensors;
const args = {};
for (const [name, t] of inputs) args[keys.inputs[name]] = t;
const out = await model.forward(args);
const byName = new Map(Object.entries(keys.outputs).map(([name, key]) => [name, out[key]]));
writeFileSync(outFile, writeSafetensors(byName));
// A wrong rank: the executor's check names the input.
const [first, t0] = [...inputs][0];
try {
  await model.forward({ ...args, [keys.inputs[first]]: { ...t0, shape: [...t0.shape, 1] } });
} catch (e) {
  report.badInput = `${kind(e)}: ${e.message}`;
}
report.pwned = globalThis.pwned ?? null;
model.dispose();
process.stdout.write(JSON.stringify(report) + "\n");
