/**
 * Every example file's tiny model: a model named `...Tiny`/`Tiny...` is the CI-sized model of
 * its file, run at its `with` sizes (examples/README.md).
 */
import { readdirSync, readFileSync } from "node:fs";

export interface TinyExample {
  file: string;
  model: string;
}

export function tinyExamples(): TinyExample[] {
  return readdirSync("examples")
    .filter((f) => f.endsWith(".arch"))
    .sort()
    .flatMap((f) =>
      [...readFileSync(`examples/${f}`, "utf8").matchAll(/^model (\w*Tiny\w*)/gm)].map((m) => ({
        file: `examples/${f}`,
        model: m[1]!,
      })),
    );
}
