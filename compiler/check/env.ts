/**
 * Evaluation environments: which names an expression sees (spec/language.md §3.3). Compile-time
 * positions see only static names (hyperparameters, lets, module declarations, built-ins);
 * tensor positions in a forward see its locals and the block's members first.
 */
import type { Location } from "../diagnostics/diagnostic.js";
import type { ModuleInfo } from "../modules/program.js";
import type { Frame, Instance } from "./instance.js";
import type { Value } from "./values.js";

export interface Env {
  module: ModuleInfo;
  /** Hyperparameters, block-level lets, static function parameters. */
  statics: Map<string, Value>;
  /** Forward or fn locals: inputs and lets (tensor positions only). */
  locals?: Map<string, Value>;
  /** The instance's parameters and layers (tensor positions only). */
  members?: Map<string, Value>;
  /** Runtime dims bound by the current call's inputs (`B`, `T`), as int values. */
  dims?: Map<string, Value>;
  instance?: Instance;
  /** Instantiation chain, outermost first (for messages). */
  chain: Frame[];
  /** Function inlining depth (guards against a fn that calls itself). */
  depth: number;
}

/**
 * The environment of a compile-time position inside `env`. Locals and members stay attached
 * (name lookup skips them at compile time) so an error can say what such a name is.
 */
export function staticEnv(env: Env): Env {
  const out: Env = { module: env.module, statics: env.statics, chain: env.chain, depth: env.depth };
  if (env.dims) out.dims = env.dims;
  if (env.instance) out.instance = env.instance;
  if (env.locals) out.locals = env.locals;
  if (env.members) out.members = env.members;
  return out;
}

export function at(module: ModuleInfo, span: { start: number; end: number }): Location {
  return { file: module.displayPath, span };
}
