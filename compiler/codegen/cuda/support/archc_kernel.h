// archc: what every generated CUDA kernel stands on.
//
// archc's kernels are generated once, in the small C-like subset of WGSL that every kernel
// generator writes (spec/runtime.md, "CUDA"), and printed for CUDA by compiler/codegen/cuda.
// The printer keeps WGSL's names (`f32`, `select`, `min`, `exp`, ...); this header gives each the
// meaning WGSL gives it, so a kernel means the same on WebGPU, on a CUDA GPU and, with
// -DARCHC_CPU, on the CPU emulation that CI runs (archc_cpu.h).
//
// The helpers live in namespace archc::kernels and every kernel in a namespace inside it, so an
// unqualified `min` or `exp` in a kernel finds these and never CUDA's or libm's overloads.
#pragma once

#ifdef ARCHC_CPU
#include "archc_cpu.h"
#else
#include <cuda_runtime.h>
#endif
#include <math.h>
#include <stdint.h>

#ifdef ARCHC_CPU
// One emulated block at a time; `barriers` says whether the kernel calls __syncthreads.
#define ARCHC_LAUNCH(kernel, grid, block, barriers, stream, ...) \
  archc::cpu::launch((grid), (block), (barriers), [&] { kernel(__VA_ARGS__); })
#else
#define ARCHC_LAUNCH(kernel, grid, block, barriers, stream, ...) \
  kernel<<<(grid), (block), 0, (stream)>>>(__VA_ARGS__)
#endif

namespace archc {
namespace kernels {

typedef float f32;
typedef int32_t i32;
typedef uint32_t u32;

#define ARCHC_FN __device__ __forceinline__

// Conversions with WGSL's rules: float → integer truncates and saturates (NaN → 0); integer ↔
// integer keeps the bits; bool → number is 0 or 1.
ARCHC_FN f32 to_f32(f32 x) { return x; }
ARCHC_FN f32 to_f32(i32 x) { return (f32)x; }
ARCHC_FN f32 to_f32(u32 x) { return (f32)x; }
ARCHC_FN f32 to_f32(bool x) { return x ? 1.0f : 0.0f; }
ARCHC_FN i32 to_i32(i32 x) { return x; }
ARCHC_FN i32 to_i32(u32 x) { return (i32)x; }
ARCHC_FN i32 to_i32(bool x) { return x ? 1 : 0; }
ARCHC_FN i32 to_i32(f32 x) {
  if (x != x) return 0;
  if (x >= 2147483647.0f) return 2147483647;
  if (x <= -2147483648.0f) return -2147483647 - 1;
  return (i32)x;
}
ARCHC_FN u32 to_u32(u32 x) { return x; }
ARCHC_FN u32 to_u32(i32 x) { return (u32)x; }
ARCHC_FN u32 to_u32(bool x) { return x ? 1u : 0u; }
ARCHC_FN u32 to_u32(f32 x) {
  if (!(x > 0.0f)) return 0u;  // NaN too
  if (x >= 4294967295.0f) return 4294967295u;
  return (u32)x;
}

ARCHC_FN f32 bitcast_f32(u32 x) { return __uint_as_float(x); }
ARCHC_FN f32 bitcast_f32(i32 x) { return __int_as_float(x); }
ARCHC_FN f32 bitcast_f32(f32 x) { return x; }
ARCHC_FN u32 bitcast_u32(f32 x) { return __float_as_uint(x); }
ARCHC_FN u32 bitcast_u32(i32 x) { return (u32)x; }
ARCHC_FN u32 bitcast_u32(u32 x) { return x; }
ARCHC_FN i32 bitcast_i32(f32 x) { return __float_as_int(x); }
ARCHC_FN i32 bitcast_i32(u32 x) { return (i32)x; }
ARCHC_FN i32 bitcast_i32(i32 x) { return x; }

// select(f, t, c): t where c, else f (both evaluated, as in WGSL).
template <class T>
ARCHC_FN T select(T f, T t, bool c) {
  return c ? t : f;
}

// min/max: WGSL leaves NaN operands to the implementation; archc's kernels call maximum_f32 and
// minimum_f32 where NaN must propagate.
ARCHC_FN f32 min(f32 a, f32 b) { return fminf(a, b); }
ARCHC_FN f32 max(f32 a, f32 b) { return fmaxf(a, b); }
ARCHC_FN i32 min(i32 a, i32 b) { return a < b ? a : b; }
ARCHC_FN i32 max(i32 a, i32 b) { return a > b ? a : b; }
ARCHC_FN u32 min(u32 a, u32 b) { return a < b ? a : b; }
ARCHC_FN u32 max(u32 a, u32 b) { return a > b ? a : b; }
ARCHC_FN f32 clamp(f32 x, f32 lo, f32 hi) { return min(max(x, lo), hi); }
ARCHC_FN i32 clamp(i32 x, i32 lo, i32 hi) { return min(max(x, lo), hi); }
ARCHC_FN u32 clamp(u32 x, u32 lo, u32 hi) { return min(max(x, lo), hi); }

ARCHC_FN f32 abs(f32 x) { return fabsf(x); }
// abs(i32::MIN) is i32::MIN in WGSL: computed in u32, where it cannot overflow.
ARCHC_FN i32 abs(i32 x) { return x < 0 ? (i32)(0u - (u32)x) : x; }
ARCHC_FN u32 abs(u32 x) { return x; }
ARCHC_FN i32 sign(i32 x) { return (x > 0) - (x < 0); }
ARCHC_FN f32 sign(f32 x) { return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x; }

ARCHC_FN f32 exp(f32 x) { return expf(x); }
ARCHC_FN f32 exp2(f32 x) { return exp2f(x); }
ARCHC_FN f32 log(f32 x) { return logf(x); }
ARCHC_FN f32 log2(f32 x) { return log2f(x); }
ARCHC_FN f32 sqrt(f32 x) { return sqrtf(x); }
ARCHC_FN f32 inverseSqrt(f32 x) { return rsqrtf(x); }
ARCHC_FN f32 sin(f32 x) { return sinf(x); }
ARCHC_FN f32 cos(f32 x) { return cosf(x); }
ARCHC_FN f32 tanh(f32 x) { return tanhf(x); }
ARCHC_FN f32 floor(f32 x) { return floorf(x); }
ARCHC_FN f32 ceil(f32 x) { return ceilf(x); }
ARCHC_FN f32 trunc(f32 x) { return truncf(x); }
ARCHC_FN f32 pow(f32 a, f32 b) { return powf(a, b); }
ARCHC_FN f32 fma(f32 a, f32 b, f32 c) { return fmaf(a, b, c); }

// vec2<f32> and vec4<f32>, with WGSL's constructors, componentwise arithmetic and indexing.
// vec4f is 16-byte aligned like CUDA's float4, so a load of one is one 16-byte transaction.
// Their default constructors are trivial (`__shared__` arrays of them are allowed) and `= {}`
// zero-fills, as WGSL does for every variable.
struct vec2f {
  f32 x, y;
  vec2f() = default;
  ARCHC_FN explicit vec2f(f32 a) : x(a), y(a) {}
  ARCHC_FN vec2f(f32 a, f32 b) : x(a), y(b) {}
  ARCHC_FN f32& operator[](u32 i) { return i == 0 ? x : y; }
  ARCHC_FN f32 operator[](u32 i) const { return i == 0 ? x : y; }
};
struct alignas(16) vec4f {
  f32 x, y, z, w;
  vec4f() = default;
  ARCHC_FN explicit vec4f(f32 a) : x(a), y(a), z(a), w(a) {}
  ARCHC_FN vec4f(f32 a, f32 b, f32 c, f32 d) : x(a), y(b), z(c), w(d) {}
  ARCHC_FN f32& operator[](u32 i) { return i == 0 ? x : i == 1 ? y : i == 2 ? z : w; }
  ARCHC_FN f32 operator[](u32 i) const { return i == 0 ? x : i == 1 ? y : i == 2 ? z : w; }
};

#define ARCHC_VEC_OP(op)                                                                    \
  ARCHC_FN vec4f operator op(vec4f a, vec4f b) {                                            \
    return vec4f(a.x op b.x, a.y op b.y, a.z op b.z, a.w op b.w);                           \
  }                                                                                         \
  ARCHC_FN vec4f operator op(vec4f a, f32 b) { return vec4f(a.x op b, a.y op b, a.z op b, a.w op b); } \
  ARCHC_FN vec4f operator op(f32 a, vec4f b) { return vec4f(a op b.x, a op b.y, a op b.z, a op b.w); } \
  ARCHC_FN vec2f operator op(vec2f a, vec2f b) { return vec2f(a.x op b.x, a.y op b.y); }    \
  ARCHC_FN vec2f operator op(vec2f a, f32 b) { return vec2f(a.x op b, a.y op b); }          \
  ARCHC_FN vec2f operator op(f32 a, vec2f b) { return vec2f(a op b.x, a op b.y); }
ARCHC_VEC_OP(+)
ARCHC_VEC_OP(-)
ARCHC_VEC_OP(*)
ARCHC_VEC_OP(/)
#undef ARCHC_VEC_OP
ARCHC_FN vec4f operator-(vec4f a) { return vec4f(-a.x, -a.y, -a.z, -a.w); }
ARCHC_FN vec2f operator-(vec2f a) { return vec2f(-a.x, -a.y); }
ARCHC_FN f32 dot(vec4f a, vec4f b) { return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w; }
ARCHC_FN f32 dot(vec2f a, vec2f b) { return a.x * b.x + a.y * b.y; }

// Infinities and NaN: WGSL has no literal for them (the WGSL prelude goes through a variable).
ARCHC_FN f32 inf_f32() { return __uint_as_float(0x7f800000u); }
ARCHC_FN f32 nan_f32() { return __uint_as_float(0x7fc00000u); }

}  // namespace kernels
}  // namespace archc
