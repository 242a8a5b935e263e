// archc: the host side every generated model.cu shares: the Model interface the runner calls,
// weight validation and upload, binding runtime dims from the inputs' shapes, dim arithmetic
// with the reference's semantics, and device buffers freed after their last use.
#pragma once

#include <stdint.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "archc_io.h"
#include "archc_kernel.h"

namespace archc {

using TensorMap = std::map<std::string, Tensor>;

// Throws archc::Error naming the CUDA call that failed and what it said.
#define ARCHC_CUDA(call)                                                                     \
  do {                                                                                       \
    cudaError_t archc_err_ = (call);                                                         \
    if (archc_err_ != cudaSuccess)                                                           \
      throw ::archc::Error(std::string(#call) + ": " + cudaGetErrorString(archc_err_));      \
  } while (0)

// A model compiled by archc: built from its weights, run on inputs.
class Model {
 public:
  virtual ~Model() = default;
  virtual const char* name() const = 0;
  // Runs the model on `inputs` (named as the model's inputs) and returns its outputs.
  virtual TensorMap forward(const TensorMap& inputs, cudaStream_t stream) = 0;
  // How many kernel launches one forward makes (for the runner's report).
  virtual int dispatches() const = 0;
};

// Defined by the generated model.cu: validates and uploads the weights.
std::unique_ptr<Model> create_model(const TensorMap& weights);

// --- dims -------------------------------------------------------------------------------------

// Dim arithmetic as `evalDim` (runtime/graph.ts): floor division and modulo, exact division.
inline int64_t dim_floor_div(int64_t a, int64_t b) {
  if (b == 0) throw Error("a dim expression divides by zero");
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline int64_t dim_ceil_div(int64_t a, int64_t b) { return -dim_floor_div(-a, b); }
inline int64_t dim_mod(int64_t a, int64_t b) { return a - dim_floor_div(a, b) * b; }
inline int64_t dim_exact_div(int64_t a, int64_t b) {
  if (b == 0 || a % b != 0)
    throw Error(std::to_string(a) + " is not divisible by " + std::to_string(b));
  return a / b;
}
inline int64_t dim_max(int64_t a, int64_t b) { return a > b ? a : b; }
inline int64_t dim_min(int64_t a, int64_t b) { return a < b ? a : b; }

// Binds runtime dims from the inputs' shapes, as `bindDims` (runtime/bind.ts): every problem is
// collected, and `finish` reports them all at once.
class DimBinder {
 public:
  // The input `name`, checked for presence, dtype and rank; null when unusable.
  const Tensor* input(const TensorMap& inputs, const char* name, const char* dtype, size_t rank,
                      const char* shape_text) {
    auto it = inputs.find(name);
    if (it == inputs.end()) {
      problems_.push_back(std::string("input '") + name + "' is missing");
      return nullptr;
    }
    const Tensor& t = it->second;
    if (t.dtype != dtype)
      problems_.push_back(std::string("input '") + name + "' must be " + dtype_name(dtype) +
                          ", got " + dtype_name(t.dtype));
    if (t.shape.size() != rank) {
      problems_.push_back(std::string("input '") + name + "' must have rank " +
                          std::to_string(rank) + " (" + shape_text + "), got " + shape_of(t));
      return nullptr;
    }
    return &t;
  }
  // Axis `axis` of input `t` gives runtime dim `dim` (or must agree with it).
  void bind(const Tensor* t, const char* name, size_t axis, const char* dim) {
    if (!t) return;
    int64_t got = t->shape[axis];
    auto it = dims_.find(dim);
    if (it == dims_.end()) {
      dims_[dim] = got;
      where_[dim] = std::string(name) + " axis " + std::to_string(axis);
    } else if (it->second != got) {
      problems_.push_back(std::string("dim ") + dim + " is " + std::to_string(it->second) +
                          " (from " + where_[dim] + ") but " + std::to_string(got) +
                          " in input '" + name + "' axis " + std::to_string(axis));
    }
  }
  bool bound(const char* dim) const { return dims_.count(dim) > 0; }
  int64_t dim(const char* dim) const {
    auto it = dims_.find(dim);
    return it == dims_.end() ? 0 : it->second;
  }
  // Axis `axis` of input `t` must be `want` (a number or an expression of bound dims).
  void expect(const Tensor* t, const char* name, size_t axis, int64_t want) {
    if (t && t->shape[axis] != want)
      problems_.push_back(std::string("input '") + name + "' axis " + std::to_string(axis) +
                          " must be " + std::to_string(want) + ", got " +
                          std::to_string(t->shape[axis]));
  }
  void finish() const {
    if (problems_.empty()) return;
    std::string all;
    for (const auto& p : problems_) all += (all.empty() ? "" : "\n") + p;
    throw Error(all);
  }

 private:
  static std::string dtype_name(const std::string& d) {
    return d == "F32" ? "f32" : d == "I32" ? "i32" : d == "BOOL" ? "bool" : d;
  }
  static std::string shape_of(const Tensor& t) {
    std::string s = "[";
    for (size_t i = 0; i < t.shape.size(); i++)
      s += (i ? ", " : "") + std::to_string(t.shape[i]);
    return s + "]";
  }
  std::map<std::string, int64_t> dims_;
  std::map<std::string, std::string> where_;
  std::vector<std::string> problems_;
};

// A runtime requirement (`requires T <= ctx`). Its message is in the graph's form (spec/ir.md):
// `{name}` is the runtime dim's value, `\c` the character c (a literal brace or backslash).
inline void require(bool ok, const std::string& message,
                    const std::vector<std::pair<std::string, int64_t>>& dims) {
  if (ok) return;
  std::string out;
  for (size_t i = 0; i < message.size(); i++) {
    char c = message[i];
    if (c == '\\' && i + 1 < message.size()) {
      out += message[++i];
      continue;
    }
    size_t end = c == '{' ? message.find('}', i) : std::string::npos;
    bool replaced = false;
    if (end != std::string::npos) {
      std::string name = message.substr(i + 1, end - i - 1);
      for (const auto& d : dims)
        if (d.first == name) {
          out += std::to_string(d.second);
          i = end;
          replaced = true;
          break;
        }
    }
    if (!replaced) out += c;
  }
  throw Error(out);
}

// The kernels index with 32-bit unsigned integers: a larger tensor is refused before anything
// is allocated.
inline void check_elements(int64_t elements, const char* what) {
  if (elements < 0 || elements > int64_t(0xFFFFFFFF))
    throw Error(std::string(what) + " would have " + std::to_string(elements) +
                " elements; the CUDA kernels index with 32 bits (at most 4294967295 per tensor)");
}
inline unsigned grid_of(int64_t workgroups, const char* kernel) {
  if (workgroups < 0 || workgroups > int64_t(0x7FFFFFFF))
    throw Error(std::string(kernel) + ": " + std::to_string(workgroups) +
                " blocks is beyond CUDA's grid limit (2147483647)");
  return unsigned(workgroups);
}

// --- device buffers ---------------------------------------------------------------------------

// Bytes of one element on the device: bool is stored as a u32, as on WebGPU.
inline size_t device_bytes(int64_t elements) { return size_t(elements) * 4; }

// Device buffers of one forward, taken from the stream-ordered allocator and returned after
// their last use; whatever is left is returned when the forward ends (or throws).
class Buffers {
 public:
  explicit Buffers(cudaStream_t s) : stream_(s) {}
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  ~Buffers() {
    for (void* p : live_) cudaFreeAsync(p, stream_);
  }
  template <class T>
  T* alloc(int64_t elements) {
    void* p = nullptr;
    ARCHC_CUDA(cudaMallocAsync(&p, device_bytes(elements > 0 ? elements : 1), stream_));
    live_.push_back(p);
    return static_cast<T*>(p);
  }
  void release(const void* p) {
    for (size_t i = 0; i < live_.size(); i++)
      if (live_[i] == p) {
        ARCHC_CUDA(cudaFreeAsync(live_[i], stream_));
        live_.erase(live_.begin() + long(i));
        return;
      }
  }
  // An input or weight on the device (bool bytes widened to u32).
  template <class T>
  T* upload(const Tensor& t) {
    T* p = alloc<T>(int64_t(t.elements()));
    copy_in(p, t, stream_);
    return p;
  }
  static void copy_in(void* p, const Tensor& t, cudaStream_t stream) {
    if (t.dtype == "BOOL") {
      std::vector<uint32_t> wide(t.data.begin(), t.data.end());
      ARCHC_CUDA(cudaMemcpyAsync(p, wide.data(), wide.size() * 4, cudaMemcpyHostToDevice, stream));
      ARCHC_CUDA(cudaStreamSynchronize(stream));  // `wide` dies here
    } else {
      ARCHC_CUDA(cudaMemcpyAsync(p, t.data.data(), t.data.size(), cudaMemcpyHostToDevice, stream));
    }
  }
  // An output back on the host.
  Tensor download(const void* p, const char* name, const char* dtype, std::vector<int64_t> shape) {
    Tensor t;
    t.name = name;
    t.dtype = dtype;
    t.shape = std::move(shape);
    size_t n = t.elements();
    std::vector<uint32_t> words(n);
    if (n > 0)
      ARCHC_CUDA(cudaMemcpyAsync(words.data(), p, n * 4, cudaMemcpyDeviceToHost, stream_));
    ARCHC_CUDA(cudaStreamSynchronize(stream_));
    if (t.dtype == "BOOL") {
      t.data.resize(n);
      for (size_t i = 0; i < n; i++) t.data[i] = words[i] != 0 ? 1 : 0;
    } else {
      t.data.resize(n * 4);
      if (n > 0) std::memcpy(t.data.data(), words.data(), n * 4);
    }
    return t;
  }

 private:
  cudaStream_t stream_;
  std::vector<void*> live_;
};

// --- weights ----------------------------------------------------------------------------------

struct ParamSpec {
  const char* path;
  const char* dtype;
  std::vector<int64_t> shape;
};

// Checks the weights against the parameters (every problem at once) and uploads them, in the
// parameters' order. Freed by `free_params`.
inline std::vector<void*> upload_params(const TensorMap& weights,
                                        const std::vector<ParamSpec>& params) {
  std::vector<std::string> problems;
  std::map<std::string, bool> known;
  for (const auto& p : params) {
    known[p.path] = true;
    auto it = weights.find(p.path);
    if (it == weights.end()) {
      problems.push_back(std::string("missing parameter '") + p.path + "'");
      continue;
    }
    if (it->second.dtype != p.dtype)
      problems.push_back(std::string("parameter '") + p.path + "' must be " + p.dtype +
                         ", got " + it->second.dtype);
    if (it->second.shape != p.shape) {
      std::string want, got;
      for (auto d : p.shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      for (auto d : it->second.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
      problems.push_back(std::string("parameter '") + p.path + "' must have shape [" + want +
                         "], got [" + got + "]");
    }
  }
  for (const auto& w : weights)
    if (!known.count(w.first))
      problems.push_back("unexpected tensor '" + w.first + "' (not a parameter of the model)");
  if (!problems.empty()) {
    std::string all = "the weights do not match the model:";
    for (const auto& p : problems) all += "\n  " + p;
    throw Error(all);
  }
  std::vector<void*> out;
  for (const auto& p : params) {
    const Tensor& t = weights.at(p.path);
    void* d = nullptr;
    ARCHC_CUDA(cudaMalloc(&d, device_bytes(int64_t(t.elements()) > 0 ? int64_t(t.elements()) : 1)));
    out.push_back(d);
    Buffers::copy_in(d, t, nullptr);
  }
  ARCHC_CUDA(cudaDeviceSynchronize());
  return out;
}

inline void free_params(std::vector<void*>& params) {
  for (void* p : params) cudaFree(p);
  params.clear();
}

}  // namespace archc
