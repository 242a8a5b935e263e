/** Matrix products: matmul (register-blocked; texture operands where the adapter loads them faster) and einsum. */
import type { OpEmitter } from "../context.js";

export const LINALG: Record<string, OpEmitter> = {};
