/**
 * The WGSL helper functions generated code may call: infinities and NaN, dim arithmetic with
 * floor semantics, and the elementwise helpers that give the reference's numerics. A kernel
 * just calls them; `preludeFor` finds the calls and the assembler adds the definitions.
 */

/**
 * Module-scope helpers that generated code may call; `assemble` adds the ones a module calls.
 * Infinities and NaN: the bits pass through a private variable so that Tint cannot fold them
 * into a (rejected) constant. dim_floor_div and dim_mod: Python's floor semantics, as `evalDim`.
 */
export const PRELUDE: Readonly<Record<string, string>> = {
  div_i32: `fn div_i32(a: i32, b: i32) -> i32 {
  // Floor division; by zero gives 0; MIN / -1 wraps to MIN.
  if (b == 0i) { return 0i; }
  if (b == -1i) { return 0i - a; }
  let q = a / b;
  if (a % b != 0i && ((a < 0i) != (b < 0i))) { return q - 1i; }
  return q;
}`,
  mod_i32: `fn mod_i32(a: i32, b: i32) -> i32 {
  // The divisor's sign (Python); by zero gives 0.
  if (b == 0i || b == -1i) { return 0i; }
  let r = a % b;
  if (r != 0i && ((r < 0i) != (b < 0i))) { return r + b; }
  return r;
}`,
  pow_i32: `fn pow_i32(a: i32, b: i32) -> i32 {
  // Repeated squaring, wrapping; a negative exponent truncates the true value toward zero.
  if (b < 0i) {
    if (a == 1i) { return 1i; }
    if (a == -1i) { return select(-1i, 1i, b % 2i == 0i); }
    return 0i;
  }
  var r = 1i;
  var base = a;
  var e = b;
  loop {
    if (e == 0i) { break; }
    if ((e & 1i) == 1i) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  pow_f32: `fn pow_f32(a: f32, b: f32) -> f32 {
  // WGSL's pow is undefined for a < 0 and gives NaN for pow(0, 0); C's rules instead.
  if (a == 1.0f || b == 0.0f) { return 1.0f; }
  if (b != b || a != a) { return a + b; }
  let ab = abs(b);
  let inf = inf_f32();
  if (a == -1.0f && ab == inf) { return 1.0f; }
  if (a == 0.0f) {
    let odd = floor(b) == b && ab < 16777216.0f && (i32(ab) & 1i) == 1i;
    if (b > 0.0f) { return select(0.0f, a, odd); }
    return select(inf, select(inf, -inf, bitcast<u32>(a) == 0x80000000u), odd);
  }
  let r = exp2(b * log2(abs(a)));
  if (a > 0.0f) { return r; }
  if (floor(b) != b) { return nan_f32(); }
  // An odd integer exponent keeps the sign (|b| ≥ 2^24 is always even in f32).
  let odd = ab < 16777216.0f && (i32(ab) & 1i) == 1i;
  return select(r, -r, odd);
}`,
  maximum_f32: `fn maximum_f32(a: f32, b: f32) -> f32 {
  if (a != a || b != b) { return a + b; }
  return max(a, b);
}`,
  minimum_f32: `fn minimum_f32(a: f32, b: f32) -> f32 {
  if (a != a || b != b) { return a + b; }
  return min(a, b);
}`,
  sign_f32: `fn sign_f32(x: f32) -> f32 {
  if (x != x) { return x; }
  return sign(x);
}`,
  tanh_f32: `fn tanh_f32(x: f32) -> f32 {
  // tanh(±10) is ±1 in f32; clamping keeps implementations that go through exp from overflowing.
  // clamp would turn NaN into a bound, so NaN passes through untouched.
  return select(tanh(clamp(x, -10.0f, 10.0f)), x, x != x);
}`,
  erf_f32: `fn erf_f32(x: f32) -> f32 {
  // erf from erfc(|x|) = t·exp(−x² + P(t)), t = 1/(1 + |x|/2) (Numerical Recipes' erfcc,
  // fractional error below 1.2e−7 everywhere), and the Taylor series near 0, where
  // 1 − erfc loses digits.
  let ax = abs(x);
  if (ax < 0.5f) {
    let x2 = x * x;
    return x * (1.1283791671f + x2 * (-0.3761263890f + x2 * (0.1128379167f + x2 * (-0.0268661706f + x2 * (0.0052239776f + x2 * -0.0008548327f)))));
  }
  let t = 1.0f / (1.0f + 0.5f * ax);
  let p = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  let r = 1.0f - t * exp(-ax * ax + p);
  return select(r, -r, x < 0.0f);
}`,
  f32_to_i32: `fn f32_to_i32(x: f32) -> i32 {
  // Truncation toward zero, saturating at the i32 range; NaN gives 0.
  if (x != x) { return 0i; }
  if (x >= 2147483648.0f) { return 2147483647i; }
  if (x <= -2147483648.0f) { return i32(-2147483647 - 1); }
  return i32(x);
}`,
  dim_floor_div: `fn dim_floor_div(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  let q = a / b;
  if (a % b != 0i && ((a < 0i) != (b < 0i))) { return q - 1i; }
  return q;
}`,
  dim_mod: `fn dim_mod(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  let r = a % b;
  if (r != 0i && ((r < 0i) != (b < 0i))) { return r + b; }
  return r;
}`,
  inf_f32:
    "var<private> inf_bits: u32 = 0x7f800000u;\nfn inf_f32() -> f32 { return bitcast<f32>(inf_bits); }",
  nan_f32:
    "var<private> nan_bits: u32 = 0x7fc00000u;\nfn nan_f32() -> f32 { return bitcast<f32>(nan_bits); }",
};

/**
 * The prelude declarations a module's text needs: those of `PRELUDE` it calls, and those they
 * call in turn (pow_f32 calls inf_f32).
 */
export function preludeFor(text: string): string[] {
  const calls = (t: string) =>
    Object.keys(PRELUDE).filter((name) => new RegExp(`\\b${name}\\(`).test(t));
  const needed = new Set<string>();
  const queue = calls(text);
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (needed.has(name)) continue;
    needed.add(name);
    queue.push(...calls(PRELUDE[name]!));
  }
  return Object.keys(PRELUDE)
    .filter((name) => needed.has(name))
    .map((name) => PRELUDE[name]!);
}
