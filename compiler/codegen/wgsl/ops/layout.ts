/** Layout and index ops as index arithmetic: permute, expand, slice, concat, split, take, take_along, arange, eye, roll, pad. */
import type { OpEmitter } from "../context.js";

export const LAYOUT: Record<string, OpEmitter> = {};
