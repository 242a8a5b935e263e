/** Windows and transforms: avg_pool2d, conv2d_depthwise, dct_matrix, rfft, irfft, bspline_basis. */
import type { OpEmitter } from "../context.js";

export const WINDOWS: Record<string, OpEmitter> = {};
