/** `archc build FILE -m MODEL --emit ir [--set S=1]`: the model's graph in the text form of spec/ir.md. */
import { printGraph } from "../compiler/ir/print.js";
import { serializeGraph } from "../runtime/graph.js";
import { parseSizes } from "./info.js";
import { loadGraph } from "./model-files.js";

export function buildCommand(
  file: string,
  opts: { model: string; emit: string; set: string[] },
): number {
  const set = parseSizes(opts.set);
  if (!set) return 2;
  if (opts.emit !== "ir" && opts.emit !== "ir-json") {
    process.stderr.write(
      `archc build: --emit ${opts.emit} is not available; available: ir, ir-json\n`,
    );
    return 2;
  }
  const loaded = loadGraph(file, opts.model, set);
  if (!loaded) return 1;
  process.stdout.write(
    opts.emit === "ir" ? printGraph(loaded.graph) : serializeGraph(loaded.graph, 1) + "\n",
  );
  return 0;
}
