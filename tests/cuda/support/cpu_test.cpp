// The CPU-emulation side of tests/cuda/support.test.ts: CUDA C++ kernels, compiled for the CPU
// (g++ -DARCHC_CPU -x c++, with archc_cpu.h) and run, and compiled by nvcc (compile only), which
// proves they are real CUDA. `cpu_test CASE` prints "ok" or the failed checks (and exits 1).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdexcept>
#include <string>
#include <vector>

#ifdef ARCHC_CPU
#include "archc_cpu.h"
#define ARCHC_LAUNCH(kernel, grid, block, barriers, stream, ...) \
  archc::cpu::launch((grid), (block), (barriers), [&] { kernel(__VA_ARGS__); })
#else
#include <cuda_runtime.h>
#define ARCHC_LAUNCH(kernel, grid, block, barriers, stream, ...) \
  kernel<<<(grid), (block), 0, (stream)>>>(__VA_ARGS__)
#endif

static int failures = 0;
#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) {                                                  \
      printf("%s:%d: failed: %s\n", __FILE__, __LINE__, #cond);     \
      failures++;                                                   \
    }                                                               \
  } while (0)
#define CUDA_OK(call) CHECK((call) == cudaSuccess)

// Device buffers of ints, filled from and read back to host vectors.
static int* to_device(const std::vector<int>& v) {
  int* d = nullptr;
  CUDA_OK(cudaMalloc(&d, v.size() * sizeof(int)));
  CUDA_OK(cudaMemcpy(d, v.data(), v.size() * sizeof(int), cudaMemcpyHostToDevice));
  return d;
}
static std::vector<int> to_host(const int* d, size_t n) {
  std::vector<int> v(n);
  CUDA_OK(cudaMemcpy(v.data(), d, n * sizeof(int), cudaMemcpyDeviceToHost));
  return v;
}

// --- grid-stride arithmetic (no barriers) ------------------------------------------------------

__global__ void __launch_bounds__(128) saxpy(float a, const float* __restrict__ x,
                                             float* __restrict__ y, unsigned n) {
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
    y[i] = a * x[i] + y[i] + float(gridDim.x * 1000 + blockDim.x);
}

static void grid_stride() {
  const unsigned n = 10007, grid = 13, block = 128;
  std::vector<float> x(n), y(n);
  for (unsigned i = 0; i < n; i++) x[i] = float(i % 97), y[i] = float(i % 13);
  float *dx, *dy;
  CUDA_OK(cudaMalloc(&dx, n * 4));
  CUDA_OK(cudaMalloc(&dy, n * 4));
  CUDA_OK(cudaMemcpy(dx, x.data(), n * 4, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(dy, y.data(), n * 4, cudaMemcpyHostToDevice));
  ARCHC_LAUNCH(saxpy, grid, block, false, nullptr, 2.0f, dx, dy, n);
  CUDA_OK(cudaGetLastError());
  std::vector<float> out(n);
  CUDA_OK(cudaMemcpy(out.data(), dy, n * 4, cudaMemcpyDeviceToHost));
  for (unsigned i = 0; i < n; i++) CHECK(out[i] == 2.0f * x[i] + y[i] + 13128.0f);
  CUDA_OK(cudaFree(dx));
  CUDA_OK(cudaFree(dy));
}

// --- a shared-memory tree reduction -------------------------------------------------------------

// Block b sums x[b*block + t + k*block*grid] over its threads t and all k; any block size.
__global__ void block_sums(const int* x, unsigned n, int* out) {
  __shared__ int sh[1024];
  const unsigned t = threadIdx.x;
  int acc = 0;
  for (unsigned i = blockIdx.x * blockDim.x + t; i < n; i += blockDim.x * gridDim.x) acc += x[i];
  sh[t] = acc;
  __syncthreads();
  // Interleaved pairs: works for block sizes that are not powers of two.
  for (unsigned s = 1; s < blockDim.x; s *= 2) {
    if (t % (2 * s) == 0 && t + s < blockDim.x) sh[t] += sh[t + s];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = sh[0];
}

static void reduce() {
  const unsigned grid = 5;
  for (unsigned block : {1u, 7u, 256u, 1024u}) {
    const unsigned n = grid * block * 3 + 5;
    std::vector<int> x(n);
    long long serial = 0;
    for (unsigned i = 0; i < n; i++) serial += x[i] = int((i * 7919u) % 1000u) - 500;
    int* dx = to_device(x);
    int* dout = to_device(std::vector<int>(grid, 0));
    ARCHC_LAUNCH(block_sums, grid, block, true, nullptr, dx, n, dout);
    CUDA_OK(cudaGetLastError());
    std::vector<int> sums = to_host(dout, grid);
    long long total = 0;
    for (unsigned b = 0; b < grid; b++) {
      long long want = 0;
      for (unsigned i = b * block; i < n; i += block * grid)
        for (unsigned t = 0; t < block && i + t < n; t++) want += x[i + t];
      if (sums[b] != want)
        printf("block size %u, block %u: %d, want %lld\n", block, b, sums[b], want);
      CHECK(sums[b] == want);
      total += sums[b];
    }
    CHECK(total == serial);
    CUDA_OK(cudaFree(dx));
    CUDA_OK(cudaFree(dout));
  }
}

// --- a barrier that orders threads ---------------------------------------------------------------

// Each thread reads what the mirror thread wrote before the barrier: without a real barrier, the
// first half of the threads would read values not yet written (or the previous block's).
__global__ void mirror(int* out) {
  __shared__ int s[1024];
  const unsigned t = threadIdx.x, b = blockIdx.x, n = blockDim.x;
  s[t] = int(b * 100003u + t * 7u + 1u);
  __syncthreads();
  out[b * n + t] = s[n - 1 - t];
}

static void run_mirror() {
  const unsigned grid = 4, block = 64;
  int* dout = to_device(std::vector<int>(grid * block, 0));
  ARCHC_LAUNCH(mirror, grid, block, true, nullptr, dout);
  CUDA_OK(cudaGetLastError());
  std::vector<int> out = to_host(dout, grid * block);
  int wrong = 0;
  for (unsigned b = 0; b < grid; b++)
    for (unsigned t = 0; t < block; t++)
      wrong += out[b * block + t] != int(b * 100003u + (block - 1 - t) * 7u + 1u);
  if (wrong) printf("mirror: %d of %u threads read the wrong value\n", wrong, grid * block);
  CHECK(wrong == 0);
  CUDA_OK(cudaFree(dout));
}

// --- vector types, bit casts, math ---------------------------------------------------------------

static_assert(sizeof(float4) == 16 && alignof(float4) == 16, "float4 is 16 bytes, 16-aligned");
static_assert(sizeof(float2) == 8, "float2 is 8 bytes");

__global__ void scalars(float* f, unsigned* u) {
  float4 v = make_float4(1.0f, 2.0f, 3.0f, 4.0f);
  float2 w = make_float2(5.0f, 6.0f);
  f[0] = v.x + v.y + v.z + v.w + w.x + w.y;
  f[1] = rsqrtf(4.0f);
  f[2] = __int_as_float(0x40490fdb);
  f[3] = __uint_as_float(0xff800000u);
  f[4] = expf(0.0f) + logf(1.0f) + sqrtf(9.0f) + tanhf(0.0f) + floorf(1.5f) + ceilf(1.5f) +
         fabsf(-1.0f) + fminf(1.0f, 2.0f) + fmaxf(1.0f, 2.0f) + powf(2.0f, 3.0f) + exp2f(1.0f) +
         log2f(8.0f) + erff(0.0f) + fmaf(2.0f, 3.0f, 1.0f) + truncf(-1.5f) + roundf(2.5f) +
         sinf(0.0f) + cosf(0.0f);
  u[0] = __float_as_uint(-0.0f);
  u[1] = unsigned(__float_as_int(1.0f));
}

static void types() {
  float* df;
  unsigned* du;
  CUDA_OK(cudaMalloc(&df, 5 * 4));
  CUDA_OK(cudaMalloc(&du, 2 * 4));
  ARCHC_LAUNCH(scalars, 1, 1, false, nullptr, df, du);
  float f[5];
  unsigned u[2];
  CUDA_OK(cudaMemcpy(f, df, sizeof f, cudaMemcpyDeviceToHost));
  CUDA_OK(cudaMemcpy(u, du, sizeof u, cudaMemcpyDeviceToHost));
  CHECK(f[0] == 21.0f);
  CHECK(f[1] == 0.5f);
  CHECK(f[2] == 3.14159274101257324f);
  CHECK(f[3] < 0 && f[3] * 0 != 0);  // -inf
  CHECK(f[4] == 1 + 0 + 3 + 0 + 1 + 2 + 1 + 1 + 2 + 8 + 2 + 3 + 0 + 7 - 1 + 3 + 0 + 1);
  CHECK(u[0] == 0x80000000u);
  CHECK(u[1] == 0x3f800000u);
  CUDA_OK(cudaFree(df));
  CUDA_OK(cudaFree(du));
}

// --- the runtime API -----------------------------------------------------------------------------

__global__ void nothing() {}

static void api() {
  CUDA_OK(cudaSetDevice(0));
  cudaDeviceProp prop;
  CUDA_OK(cudaGetDeviceProperties(&prop, 0));
  CHECK(strcmp(cudaGetErrorString(cudaSuccess), "no error") == 0);
  CHECK(strcmp(cudaGetErrorString(cudaErrorMemoryAllocation), "out of memory") == 0);

  cudaStream_t stream;
  CUDA_OK(cudaStreamCreate(&stream));
  void* p = nullptr;
  CUDA_OK(cudaMallocAsync(&p, 64, stream));
  CHECK(reinterpret_cast<uintptr_t>(p) % 256 == 0);
  CUDA_OK(cudaMemsetAsync(p, 7, 64, stream));
  void* q = nullptr;
  CUDA_OK(cudaMalloc(&q, 64));
  CUDA_OK(cudaMemcpyAsync(q, p, 64, cudaMemcpyDeviceToDevice, stream));
  unsigned char host[64];
  CUDA_OK(cudaMemcpyAsync(host, q, 64, cudaMemcpyDeviceToHost, stream));
  CUDA_OK(cudaStreamSynchronize(stream));
  for (unsigned char c : host) CHECK(c == 7);
  CUDA_OK(cudaMemset(q, 0, 64));
  CUDA_OK(cudaMemcpy(host, q, 64, cudaMemcpyDeviceToHost));
  for (unsigned char c : host) CHECK(c == 0);
  CUDA_OK(cudaFreeAsync(p, stream));
  CUDA_OK(cudaFree(q));
  CUDA_OK(cudaDeviceSynchronize());

  cudaEvent_t start, stop;
  CUDA_OK(cudaEventCreate(&start));
  CUDA_OK(cudaEventCreate(&stop));
  CUDA_OK(cudaEventRecord(start, stream));
  ARCHC_LAUNCH(nothing, 1, 1, false, stream);
  CUDA_OK(cudaEventRecord(stop, stream));
  CUDA_OK(cudaEventSynchronize(stop));
  float ms = -1;
  CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
  CHECK(ms >= 0);
  CUDA_OK(cudaEventDestroy(start));
  CUDA_OK(cudaEventDestroy(stop));
  CUDA_OK(cudaStreamDestroy(stream));

  // Errors are returned, and remembered by cudaGetLastError until read.
  void* huge = nullptr;
  CHECK(cudaMalloc(&huge, size_t(1) << 62) == cudaErrorMemoryAllocation);
  CHECK(cudaGetLastError() == cudaErrorMemoryAllocation);
  CHECK(cudaGetLastError() == cudaSuccess);
  ARCHC_LAUNCH(nothing, 1, 1025, false, nullptr);
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  ARCHC_LAUNCH(nothing, 0, 32, false, nullptr);
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  CHECK(cudaSetDevice(1) == cudaErrorInvalidDevice);
  CHECK(cudaGetLastError() == cudaErrorInvalidDevice);

#ifdef ARCHC_CPU
  // What only the emulation promises.
  CHECK(strcmp(prop.name, "archc CPU emulation") == 0);
  int* fresh = nullptr;
  CUDA_OK(cudaMalloc(&fresh, 8));
  CUDA_OK(cudaMemcpy(host, fresh, 8, cudaMemcpyDeviceToHost));
  for (int i = 0; i < 8; i++) CHECK(host[i] == 0xFF);  // new memory is garbage, visibly
  CUDA_OK(cudaFree(fresh));
  CHECK(cudaFree(fresh) == cudaErrorInvalidValue);  // twice
  CHECK(cudaGetLastError() == cudaErrorInvalidValue);
  void* none = &host;
  CUDA_OK(cudaMalloc(&none, 0));
  CHECK(none == nullptr);
#endif
}

#ifdef ARCHC_CPU
// --- what only the emulation can check -----------------------------------------------------------

__global__ void syncs() { __syncthreads(); }

// Thread 5 of block 1 throws between two barriers, the other threads wait at the second.
__global__ void throws(int* out) {
  out[blockIdx.x * blockDim.x + threadIdx.x] = 1;
  __syncthreads();
  if (blockIdx.x == 1 && threadIdx.x == 5) throw std::runtime_error("thread 5 of block 1 failed");
  __syncthreads();
}

static void exceptions() {
  int* dout = to_device(std::vector<int>(3 * 32, 0));
  for (bool barriers : {true, false}) {
    std::string caught;
    try {
      if (barriers) ARCHC_LAUNCH(throws, 3, 32, true, nullptr, dout);
      else archc::cpu::launch(3, 32, false, [&] {
        if (blockIdx.x == 1 && threadIdx.x == 5) throw std::runtime_error("serial thread failed");
      });
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    CHECK(caught == (barriers ? "thread 5 of block 1 failed" : "serial thread failed"));
  }
  // The fibers' stacks and the launch state survive: barrier kernels still run correctly.
  run_mirror();
  reduce();
  CUDA_OK(cudaFree(dout));
}
#endif

int main(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "";
  if (which == "grid-stride") grid_stride();
  else if (which == "reduce") reduce();
  else if (which == "mirror") run_mirror();
  else if (which == "types") types();
  else if (which == "api") api();
#ifdef ARCHC_CPU
  else if (which == "exceptions") exceptions();
  else if (which == "misuse-no-barriers") ARCHC_LAUNCH(syncs, 2, 4, false, nullptr);
  else if (which == "misuse-outside") __syncthreads();
#endif
  else {
    fprintf(stderr, "unknown case '%s'\n", which.c_str());
    return 2;
  }
  if (failures) return 1;
  printf("ok\n");
  return 0;
}
