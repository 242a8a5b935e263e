/**
 * Names every module sees without importing them: the primitive operations (spec/language.md
 * §7), compile-time functions and constants, dtypes, hyperparameter types and initializers.
 * Declarations cannot reuse them (A0205), so a name means the same thing in every file.
 */

/** The primitive operations of spec/language.md §7, by the name they are called with. */
export const PRIMITIVE_NAMES = [
  "abs",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "sin",
  "cos",
  "tanh",
  "erf",
  "sign",
  "floor",
  "ceil",
  "maximum",
  "minimum",
  "where",
  "cast",
  "sum",
  "mean",
  "max",
  "min",
  "prod",
  "argmax",
  "matmul",
  "einsum",
  "reshape",
  "permute",
  "transpose",
  "rearrange",
  "expand",
  "concat",
  "split",
  "take",
  "take_along",
  "cumsum",
  "topk",
  "arange",
  "full",
  "zeros",
  "ones",
  "eye",
  "roll",
  "pad",
  "avg_pool2d",
  "conv2d_depthwise",
  "dct_matrix",
  "rfft",
  "irfft",
  "bspline_basis",
] as const;

/** Functions evaluated at compile time on numbers (some are also tensor primitives). */
export const COMPILE_TIME_FUNCTIONS = [
  "sqrt",
  "exp",
  "log",
  "abs",
  "maximum",
  "minimum",
  "floor_div",
  "ceil_div",
  "round_up",
  "int",
  "float",
] as const;

export const CONSTANTS: Record<string, number> = { inf: Infinity, pi: Math.PI };

export const DTYPE_NAMES = ["f32", "i32", "bool", "f16"] as const;

export const TYPE_NAMES = ["int", "float", "bool", "dim", "string", "block"] as const;

/** Parameter initializers (only meaningful after `param name: [...] =`). */
export const INITIALIZERS = ["normal", "trunc_normal", "uniform", "zeros", "ones"] as const;

export const BUILTIN_NAMES: ReadonlySet<string> = new Set<string>([
  ...PRIMITIVE_NAMES,
  ...COMPILE_TIME_FUNCTIONS,
  ...Object.keys(CONSTANTS),
  ...DTYPE_NAMES,
  ...TYPE_NAMES,
  ...INITIALIZERS,
]);
