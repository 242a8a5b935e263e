/** Every IR op's kernel generator, by op name (spec/ir.md's table; a test keeps them equal). */
import type { OpEmitter } from "../context.js";
import { ELEMENTWISE } from "./elementwise.js";
import { LAYOUT } from "./layout.js";
import { LINALG } from "./linalg.js";
import { REDUCE } from "./reduce.js";
import { WINDOWS } from "./windows.js";

/** `reshape` is a view: the output shares the input's buffer (row-major order is unchanged). */
const reshape: OpEmitter = (ctx) => ctx.view(ctx.node.outputs[0]!, ctx.node.inputs[0]!);

export const EMITTERS: Record<string, OpEmitter> = {
  ...ELEMENTWISE,
  ...REDUCE,
  ...LINALG,
  ...LAYOUT,
  ...WINDOWS,
  reshape,
};
