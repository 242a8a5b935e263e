/** archc's compiler API: what the CLI, the language server and tests build on. */
export * from "./diagnostics/index.js";
export * from "./load.js";
export { parse, decodeSource, LIMITS, type ParseResult } from "../grammar/parse.js";
export { formatModule } from "../grammar/format.js";
export type * as ast from "../grammar/ast.js";
