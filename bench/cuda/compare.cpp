// archc bench: compares a runner's outputs with the reference interpreter's.
//
//   compare GOT.safetensors WANT.safetensors [--tol 1e-4]
//
// Every tensor of WANT must be in GOT with the same dtype and shape. F32 elements must satisfy
// |got - want| <= tol * max|want| + tol * |want| (max over WANT's finite elements, as the CUDA and
// WebGPU tests do); a NaN or an infinity in either must be matched exactly by the other. I32 and
// BOOL must be equal. One line per tensor with its largest error; exit 0 when all match, 1 on a
// mismatch, 2 on bad usage or an unreadable file.
//
// Build: g++ -O2 -std=c++17 -o compare compare.cpp   (archc_io.h beside it)
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "archc_io.h"

namespace {

int usage(const char* why) {
  fprintf(stderr, "compare: %s\nusage: compare GOT.safetensors WANT.safetensors [--tol 1e-4]\n",
          why);
  return 2;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The multi-index of flat element `i` of `shape`, as "[0, 3, 7]".
std::string index_text(size_t i, const std::vector<int64_t>& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t a = shape.size(); a-- > 0;) {
    idx[a] = int64_t(i % size_t(shape[a]));
    i /= size_t(shape[a]);
  }
  return shape_text(idx);
}

template <class T>
T element(const archc::Tensor& t, size_t i) {
  T v;
  std::memcpy(&v, t.data.data() + i * sizeof(T), sizeof(T));
  return v;
}

// Compares one tensor; prints its line; returns whether it matches.
bool compare(const std::string& name, const archc::Tensor& got, const archc::Tensor& want,
             double tol) {
  const char* n = name.c_str();
  if (got.dtype != want.dtype) {
    printf("FAIL %s: dtype %s, want %s\n", n, got.dtype.c_str(), want.dtype.c_str());
    return false;
  }
  if (got.shape != want.shape) {
    printf("FAIL %s: shape %s, want %s\n", n, shape_text(got.shape).c_str(),
           shape_text(want.shape).c_str());
    return false;
  }
  const size_t count = want.elements();
  const std::string what = want.dtype + " " + shape_text(want.shape);
  size_t bad = 0, first_bad = 0;
  std::string first_text;
  if (want.dtype == "F32") {
    double scale = 0;
    for (size_t i = 0; i < count; i++) {
      double w = element<float>(want, i);
      if (std::isfinite(w)) scale = std::max(scale, std::fabs(w));
    }
    double max_err = 0, worst_ratio = 0;
    for (size_t i = 0; i < count; i++) {
      double g = element<float>(got, i), w = element<float>(want, i);
      bool ok;
      if (!std::isfinite(w) || !std::isfinite(g)) {
        ok = (std::isnan(w) && std::isnan(g)) || g == w;
      } else {
        double err = std::fabs(g - w), allowed = tol * scale + tol * std::fabs(w);
        max_err = std::max(max_err, err);
        if (allowed > 0) worst_ratio = std::max(worst_ratio, err / allowed);
        ok = err <= allowed;
      }
      if (!ok && bad++ == 0) {
        first_bad = i;
        char buf[160];
        if (std::isfinite(w) && std::isfinite(g))
          snprintf(buf, sizeof buf, "got %.9g, want %.9g (allowed error %.3g)", g, w,
                   tol * scale + tol * std::fabs(w));
        else
          snprintf(buf, sizeof buf, "got %.9g, want %.9g (NaN and inf must match exactly)", g, w);
        first_text = buf;
      }
    }
    printf("%s %s: %s, max |err| %.3g, max|want| %.4g, worst err/allowed %.3g\n",
           bad ? "FAIL" : "ok  ", n, what.c_str(), max_err, scale, worst_ratio);
  } else {
    const size_t size = want.dtype == "BOOL" ? 1 : 4;
    for (size_t i = 0; i < count; i++) {
      if (std::memcmp(got.data.data() + i * size, want.data.data() + i * size, size) == 0)
        continue;
      if (bad++ == 0) {
        first_bad = i;
        long long g = size == 1 ? got.data[i] : element<int32_t>(got, i);
        long long w = size == 1 ? want.data[i] : element<int32_t>(want, i);
        first_text = "got " + std::to_string(g) + ", want " + std::to_string(w);
      }
    }
    printf("%s %s: %s, %zu of %zu elements differ (exact comparison)\n", bad ? "FAIL" : "ok  ",
           n, what.c_str(), bad, count);
  }
  if (bad)
    printf("     %zu of %zu elements %s; first at %s: %s\n", bad, count,
           want.dtype == "F32" ? "out of tolerance" : "differ",
           index_text(first_bad, want.shape).c_str(), first_text.c_str());
  return bad == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  double tol = 1e-4;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--tol") {
      if (i + 1 >= argc) return usage("--tol needs a value");
      char* end = nullptr;
      tol = strtod(argv[++i], &end);
      if (*end != '\0' || !(tol >= 0) || !std::isfinite(tol))
        return usage("--tol takes a non-negative number");
    } else if (a.size() > 1 && a[0] == '-') {
      return usage(("unknown argument '" + a + "'").c_str());
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 2) return usage("give two files, GOT and WANT");
  std::map<std::string, archc::Tensor> got, want;
  try {
    got = archc::read_safetensors(files[0]);
    want = archc::read_safetensors(files[1]);
  } catch (const std::exception& e) {
    fprintf(stderr, "compare: %s\n", e.what());
    return 2;
  }
  if (want.empty()) {
    fprintf(stderr, "compare: %s holds no tensors: nothing to compare against\n", files[1].c_str());
    return 2;
  }
  std::vector<std::string> failed;
  for (const auto& kv : want) {
    auto it = got.find(kv.first);
    if (it == got.end()) {
      printf("FAIL %s: missing from %s\n", kv.first.c_str(), files[0].c_str());
      failed.push_back(kv.first);
    } else if (!compare(kv.first, it->second, kv.second, tol)) {
      failed.push_back(kv.first);
    }
  }
  for (const auto& kv : got)
    if (!want.count(kv.first))
      printf("note %s: in %s only (not compared)\n", kv.first.c_str(), files[0].c_str());
  if (!failed.empty()) {
    std::string list;
    for (const auto& f : failed) list += (list.empty() ? "" : ", ") + f;
    fprintf(stderr, "compare: MISMATCH: %zu of %zu tensors of %s differ from %s (tolerance %g): %s\n",
            failed.size(), want.size(), files[0].c_str(), files[1].c_str(), tol, list.c_str());
    return 1;
  }
  printf("all %zu tensors match (tolerance %g)\n", want.size(), tol);
  return 0;
}
