/**
 * A model's hyperparameters as compiled, for the config interface of a generated class: every
 * argument of the model's root instance that has a plain value (numbers, booleans, strings, enum
 * members, tuples of numbers). Blocks and functions passed as arguments are left out: they are
 * structure, compiled into the schedule, not settings a caller reads.
 */
import { loadModel, Program } from "../../check/index.js";
import { walk } from "../../check/instance.js";
import type { Value } from "../../check/values.js";

export type ConfigValue = number | boolean | string | number[];

export interface ModelConfig {
  /** Hyperparameters in declaration order. */
  hyperparameters: [string, ConfigValue][];
  /** The model's `with` sizes of its runtime dims (examples, not limits). */
  sizes: [string, ConfigValue][];
  /** The model's `///` doc comment, when it has one. */
  doc?: string;
  /** Every block instance's path, parents before children (`""`, `embed`, `layers.0`, ...). */
  instances: string[];
}

export function modelConfig(file: string, model: string): ModelConfig {
  const program = new Program();
  const loaded = loadModel(program, file, model);
  const hyperparameters: [string, ConfigValue][] = [];
  for (const [k, v] of loaded.instance?.args ?? []) {
    const plain = plainValue(v);
    if (plain !== undefined) hyperparameters.push([k, plain]);
  }
  const sizes: [string, ConfigValue][] = [];
  for (const [k, v] of loaded.sizes) {
    const plain = plainValue(v);
    if (plain !== undefined) sizes.push([k, plain]);
  }
  const declared = loaded.module.file.module.items.find(
    (i) => i.kind === "Model" && i.name.name === model,
  );
  const doc = declared?.kind === "Model" ? declared.doc : undefined;
  const instances = loaded.instance ? [...walk(loaded.instance)].map((i) => i.path) : [];
  return doc === undefined
    ? { hyperparameters, sizes, instances }
    : { hyperparameters, sizes, doc, instances };
}

function plainValue(v: Value): ConfigValue | undefined {
  switch (v.kind) {
    case "int":
      return v.dim.value;
    case "float":
    case "bool":
    case "string":
      return v.value;
    case "enum":
      return v.member;
    case "tuple":
    case "list": {
      const items = v.items.map((x) => (x.kind === "int" ? x.dim.value : undefined));
      return items.every((x): x is number => x !== undefined) ? items : undefined;
    }
    default:
      return undefined;
  }
}
