// archc: the CUDA C++ subset that generated code uses, emulated on the CPU, so that CI (which has
// no GPU) compiles and runs the very code the GPU runs: `g++ -std=c++17 -DARCHC_CPU -x c++`, with
// this header included instead of <cuda_runtime.h>.
//
// How a kernel runs (archc::cpu::launch): on one OS thread, the blocks one after another, and in
// each block the threads one after another. So:
//   - `__shared__` is `static`: only one block is alive at a time, so one static variable is
//     exactly that block's shared memory (and, as on a GPU, holds garbage when a block starts);
//   - a kernel that calls __syncthreads() must be launched with barriers = true: its threads then
//     run as fibers (ucontext), and __syncthreads() switches back to a scheduler that resumes the
//     block's threads round-robin, so no thread passes a barrier until every thread of its block
//     has reached it (or returned). With barriers = false, __syncthreads() aborts the program.
//
// Device memory is host memory. New allocations are filled with 0xFF bytes (NaN as f32, -1 as
// i32), so code that reads memory it never wrote fails here as it may on a GPU. Streams and events
// exist but everything is synchronous.
//
// POSIX only (ucontext, mmap). Single-threaded: launch kernels from one host thread.
#pragma once

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <set>
#include <type_traits>

// --- qualifiers --------------------------------------------------------------------------------

#define __host__
#define __device__
#define __global__
// `inline`, as CUDA's is: a header's __forceinline__ function may be defined in several files.
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
// __restrict__ needs nothing: GCC and Clang know it.

// --- vector types and built-ins -----------------------------------------------------------------

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct float2 {
  float x, y;
};
// 16-byte aligned, as CUDA's, so a generated struct holding one has the same layout.
struct alignas(16) float4 {
  float x, y, z, w;
};
inline float2 make_float2(float x, float y) { return float2{x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

namespace archc {
namespace cpu {
namespace detail {
// The indices of the emulated thread that runs now (one program-wide copy: inline variables).
inline uint3 thread_idx{0, 0, 0};
inline uint3 block_idx{0, 0, 0};
inline dim3 block_dim{1, 1, 1};
inline dim3 grid_dim{1, 1, 1};
}  // namespace detail
}  // namespace cpu
}  // namespace archc

// Read-only, as in CUDA; launch() sets what they refer to.
inline const uint3& threadIdx = archc::cpu::detail::thread_idx;
inline const uint3& blockIdx = archc::cpu::detail::block_idx;
inline const dim3& blockDim = archc::cpu::detail::block_dim;
inline const dim3& gridDim = archc::cpu::detail::grid_dim;

// --- bit casts and math ------------------------------------------------------------------------

inline float __int_as_float(int x) {
  float f;
  memcpy(&f, &x, 4);
  return f;
}
inline int __float_as_int(float x) {
  int i;
  memcpy(&i, &x, 4);
  return i;
}
inline float __uint_as_float(unsigned x) {
  float f;
  memcpy(&f, &x, 4);
  return f;
}
inline unsigned __float_as_uint(float x) {
  unsigned u;
  memcpy(&u, &x, 4);
  return u;
}

// CUDA's rsqrtf. A macro, not a global function: a newer libm (C23) declares its own rsqrtf,
// which a second global definition would clash with.
namespace archc {
namespace cpu {
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
}  // namespace cpu
}  // namespace archc
#define rsqrtf(x) ::archc::cpu::rsqrtf(x)

// --- runtime API -------------------------------------------------------------------------------

// CUDA's values for the errors used here.
enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};
struct CUstream_st {};
typedef CUstream_st* cudaStream_t;  // null is the default stream, as in CUDA
struct CUevent_st {
  std::chrono::steady_clock::time_point time;
  bool recorded = false;
};
typedef CUevent_st* cudaEvent_t;
struct cudaDeviceProp {
  char name[256];
};

namespace archc {
namespace cpu {
namespace detail {
inline cudaError_t last_error = cudaSuccess;
inline std::set<void*> allocations;
// Records an error for cudaGetLastError, as every CUDA runtime call does.
inline cudaError_t status(cudaError_t e) {
  if (e != cudaSuccess) last_error = e;
  return e;
}
}  // namespace detail
}  // namespace cpu
}  // namespace archc

inline const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
  }
  return "unrecognized error code";
}
inline cudaError_t cudaGetLastError() {
  cudaError_t e = archc::cpu::detail::last_error;
  archc::cpu::detail::last_error = cudaSuccess;
  return e;
}

inline cudaError_t cudaMalloc(void** p, size_t bytes) {
  using namespace archc::cpu::detail;
  if (!p) return status(cudaErrorInvalidValue);
  *p = nullptr;
  if (bytes == 0) return cudaSuccess;  // CUDA gives a null pointer too
  // 256-byte aligned, as cudaMalloc's memory is.
  void* q = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!q) return status(cudaErrorMemoryAllocation);
  memset(q, 0xFF, bytes);
  allocations.insert(q);
  *p = q;
  return cudaSuccess;
}
template <class T>
cudaError_t cudaMalloc(T** p, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(p), bytes);
}
inline cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  // Freeing what cudaMalloc did not give (or freeing twice) is an error, not a heap corruption.
  if (archc::cpu::detail::allocations.erase(p) == 0)
    return archc::cpu::detail::status(cudaErrorInvalidValue);
  free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMallocAsync(void** p, size_t bytes, cudaStream_t) {
  return cudaMalloc(p, bytes);
}
template <class T>
cudaError_t cudaMallocAsync(T** p, size_t bytes, cudaStream_t) {
  return cudaMalloc(reinterpret_cast<void**>(p), bytes);
}
inline cudaError_t cudaFreeAsync(void* p, cudaStream_t) { return cudaFree(p); }

inline cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (unsigned(kind) > unsigned(cudaMemcpyDefault) || (bytes > 0 && (!dst || !src)))
    return archc::cpu::detail::status(cudaErrorInvalidValue);
  if (bytes > 0) memcpy(dst, src, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                                   cudaStream_t = nullptr) {
  return cudaMemcpy(dst, src, bytes, kind);
}
inline cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  if (bytes > 0 && !p) return archc::cpu::detail::status(cudaErrorInvalidValue);
  if (bytes > 0) memset(p, value, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t = nullptr) {
  return cudaMemset(p, value, bytes);
}

inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : archc::cpu::detail::status(cudaErrorInvalidDevice);
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (!prop) return archc::cpu::detail::status(cudaErrorInvalidValue);
  if (device != 0) return archc::cpu::detail::status(cudaErrorInvalidDevice);
  memset(prop, 0, sizeof *prop);
  snprintf(prop->name, sizeof prop->name, "%s", "archc CPU emulation");
  return cudaSuccess;
}

inline cudaError_t cudaStreamCreate(cudaStream_t* s) {
  if (!s) return archc::cpu::detail::status(cudaErrorInvalidValue);
  *s = new CUstream_st;
  return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete s;
  return cudaSuccess;
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

inline cudaError_t cudaEventCreate(cudaEvent_t* e) {
  if (!e) return archc::cpu::detail::status(cudaErrorInvalidValue);
  *e = new CUevent_st;
  return cudaSuccess;
}
inline cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}
inline cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t = nullptr) {
  if (!e) return archc::cpu::detail::status(cudaErrorInvalidResourceHandle);
  e->time = std::chrono::steady_clock::now();
  e->recorded = true;
  return cudaSuccess;
}
inline cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  return e ? cudaSuccess : archc::cpu::detail::status(cudaErrorInvalidResourceHandle);
}
// Wall-clock milliseconds between two recorded events.
inline cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms) return archc::cpu::detail::status(cudaErrorInvalidValue);
  if (!start || !end || !start->recorded || !end->recorded)
    return archc::cpu::detail::status(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}

// --- kernel launch -----------------------------------------------------------------------------

namespace archc {
namespace cpu {

constexpr unsigned kMaxBlock = 1024;  // CUDA's limit of threads per block
// Each fiber's stack. Only the pages a kernel touches are ever backed by memory, so this can be
// generous (a kernel's local arrays live here); a guard page below each catches an overflow.
constexpr size_t kFiberStack = 256 * 1024;

namespace detail {

[[noreturn]] inline void die(const char* what) {
  fprintf(stderr, "archc_cpu: %s\n", what);
  fflush(stderr);
  abort();
}

enum class Mode { None, Serial, Fibers };

// The state of the launch in progress (fibers need globals: makecontext passes only ints).
struct Launch {
  Mode mode = Mode::None;
  void (*invoke)(void*) = nullptr;  // calls the thread body
  void* body = nullptr;
  ucontext_t scheduler;
  ucontext_t fibers[kMaxBlock];
  bool done[kMaxBlock];
  unsigned current = 0;  // the fiber running now
  std::exception_ptr error;
  char* stacks = nullptr;  // kMaxBlock × (guard page + kFiberStack), mapped once
  size_t page = 0;
};
inline Launch launch_state;

inline void fiber_main() {
  Launch& L = launch_state;
  // Exceptions stop here: they cannot unwind past a fiber's first frame. launch() rethrows.
  try {
    L.invoke(L.body);
  } catch (...) {
    if (!L.error) L.error = std::current_exception();
  }
  L.done[L.current] = true;
}  // returns to L.scheduler (uc_link)

inline char* stack_of(unsigned t) {
  Launch& L = launch_state;
  if (!L.stacks) {
    L.page = size_t(sysconf(_SC_PAGESIZE));
    size_t each = L.page + kFiberStack;
    void* m = mmap(nullptr, each * kMaxBlock, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) die("cannot map the fiber stacks");
    L.stacks = static_cast<char*>(m);
    for (unsigned i = 0; i < kMaxBlock; i++) mprotect(L.stacks + i * each, L.page, PROT_NONE);
  }
  return L.stacks + t * (L.page + kFiberStack) + L.page;
}

// getcontext and swapcontext return twice; kept out of line, so that no caller's locals are live
// across them (which GCC rightly warns about: -Wclobbered).
[[gnu::noinline]] inline void init_fiber(ucontext_t* c, char* stack) {
  getcontext(c);
  c->uc_stack.ss_sp = stack;
  c->uc_stack.ss_size = kFiberStack;
  c->uc_link = &launch_state.scheduler;
  makecontext(c, fiber_main, 0);
}
[[gnu::noinline]] inline void switch_context(ucontext_t* save, ucontext_t* to) {
  swapcontext(save, to);
}

// Runs one block's threads as fibers until all have returned; rethrows a thread's exception
// (the other fibers are abandoned mid-kernel: their stacks are simply reused next time).
inline void run_block_fibers(unsigned block) {
  Launch& L = launch_state;
  for (unsigned t = 0; t < block; t++) {
    init_fiber(&L.fibers[t], stack_of(t));
    L.done[t] = false;
  }
  // Each round resumes every live thread once, and each runs to its next barrier or its end:
  // a thread waiting at a barrier goes on only in the next round, after all have arrived.
  for (unsigned live = block; live > 0;) {
    live = 0;
    for (unsigned t = 0; t < block; t++) {
      if (L.done[t]) continue;
      L.current = t;
      thread_idx.x = t;
      switch_context(&L.scheduler, &L.fibers[t]);
      if (L.error) std::rethrow_exception(L.error);
      if (!L.done[t]) live++;
    }
  }
}

template <class F>
void invoke_body(void* f) {
  (*static_cast<F*>(f))();
}

}  // namespace detail

// Runs a kernel: for each block b in [0, grid), each thread t in [0, block) calls thread_body()
// with blockIdx.x = b and threadIdx.x = t. `barriers` must be true when the kernel calls
// __syncthreads(). As in CUDA, an invalid configuration (no blocks, no threads or more than 1024)
// runs nothing and is reported by cudaGetLastError.
template <class F>
void launch(unsigned grid, unsigned block, bool barriers, F&& thread_body) {
  using namespace detail;
  Launch& L = launch_state;
  if (L.mode != Mode::None) die("a kernel launch inside a kernel (not supported)");
  if (grid == 0 || block == 0 || block > kMaxBlock) {
    status(cudaErrorInvalidConfiguration);
    return;
  }
  using Body = typename std::remove_reference<F>::type;
  L.invoke = &invoke_body<Body>;
  L.body = const_cast<void*>(static_cast<const void*>(&thread_body));
  L.error = nullptr;
  L.mode = barriers ? Mode::Fibers : Mode::Serial;
  // Whatever happens, the next launch starts from a clean state.
  struct Reset {
    ~Reset() {
      launch_state.mode = Mode::None;
      launch_state.error = nullptr;
      thread_idx = uint3{0, 0, 0};
      block_idx = uint3{0, 0, 0};
    }
  } reset;
  grid_dim = dim3(grid);
  block_dim = dim3(block);
  for (unsigned b = 0; b < grid; b++) {
    block_idx.x = b;
    if (barriers) {
      run_block_fibers(block);
    } else {
      for (unsigned t = 0; t < block; t++) {
        thread_idx.x = t;
        thread_body();
      }
    }
  }
}

}  // namespace cpu
}  // namespace archc

// Waits until every thread of the block has reached it (or returned).
inline void __syncthreads() {
  using namespace archc::cpu::detail;
  Launch& L = launch_state;
  if (L.mode == Mode::None) die("__syncthreads() called outside a kernel launch");
  if (L.mode == Mode::Serial)
    die("__syncthreads() called in a kernel launched with barriers = false (the kernel must be "
        "launched with barriers = true)");
  archc::cpu::detail::switch_context(&L.fibers[L.current], &L.scheduler);
}
