/** The primitive operations: types, signatures and argument binding, and the table of shape rules. */
export * from "./types.js";
export * from "./signature.js";
export * from "./table.js";
export { broadcast, unifyDtypes, type BroadcastConflict, type Operand } from "./rules.js";
export { parseEinsum, type EinsumPlan } from "./einsum.js";
export { parseRearrange, type RearrangePlan } from "./rearrange.js";
export { formatIndex, type SliceAxis, type SlicePlan } from "./slice.js";
