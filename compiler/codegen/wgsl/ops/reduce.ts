/** Reductions and scans: sum, mean, max, min, prod, argmax, cumsum, topk. */
import type { OpEmitter } from "../context.js";

export const REDUCE: Record<string, OpEmitter> = {};
