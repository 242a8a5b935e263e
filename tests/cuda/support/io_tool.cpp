// The safetensors side of tests/cuda/support.test.ts, driving archc_io.h:
//
//   io_tool dump FILE          the tensors as JSON: [{name, dtype, shape, hex}] (by name)
//   io_tool copy IN OUT        read IN, write its tensors to OUT
//   io_tool write-errors DIR   try writing invalid tensors under DIR; print each message
//
// A read or write that fails prints the archc::Error's message to stderr and exits with 1.
#include <stdio.h>

#include <string>
#include <vector>

#include "archc_io.h"

static std::string hex(const std::vector<uint8_t>& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

static void dump(const std::string& path) {
  std::string out = "[";
  for (const auto& kv : archc::read_safetensors(path)) {
    const archc::Tensor& t = kv.second;
    if (kv.first != t.name) throw archc::Error("map key differs from the tensor's name");
    if (t.data.size() != t.elements() * (t.dtype == "BOOL" ? 1 : 4))
      throw archc::Error("elements() disagrees with the data");
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    out += std::string(out.size() > 1 ? "," : "") + "{\"name\":" +
           archc::io_detail::json_string(t.name) + ",\"dtype\":\"" + t.dtype + "\",\"shape\":[" +
           shape + "],\"hex\":\"" + hex(t.data) + "\"}";
  }
  printf("%s]\n", out.c_str());
}

static void copy(const std::string& in, const std::string& out) {
  std::vector<archc::Tensor> tensors;
  for (auto& kv : archc::read_safetensors(in)) tensors.push_back(kv.second);
  archc::write_safetensors(out, tensors);
}

static archc::Tensor tensor(const char* name, const char* dtype, std::vector<int64_t> shape,
                            size_t bytes) {
  archc::Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.assign(bytes, 0);
  return t;
}

// Each invalid set of tensors must throw before the file is created.
static void write_errors(const std::string& dir) {
  const std::string path = dir + "/never.safetensors";
  const std::vector<std::vector<archc::Tensor>> cases = {
      {tensor("a", "F16", {2}, 4)},
      {tensor("a", "F32", {2, 3}, 20)},
      {tensor("a", "I32", {-1}, 0)},
      {tensor("a", "F32", {}, 4), tensor("a", "I32", {}, 4)},
      {tensor("__metadata__", "F32", {}, 4)},
      {tensor("bad\xff", "BOOL", {1}, 1)},
  };
  for (const auto& c : cases) {
    try {
      archc::write_safetensors(path, c);
      printf("no error\n");
    } catch (const archc::Error& e) {
      printf("%s\n", e.what());
    }
    if (FILE* f = fopen(path.c_str(), "rb")) {
      fclose(f);
      printf("the file was created\n");
    }
  }
  try {
    archc::write_safetensors(dir + "/no/such/dir/x.safetensors", {});
    printf("no error\n");
  } catch (const archc::Error& e) {
    printf("%s\n", e.what());
  }
}

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 2 && a[0] == "dump") dump(a[1]);
    else if (a.size() == 3 && a[0] == "copy") copy(a[1], a[2]);
    else if (a.size() == 2 && a[0] == "write-errors") write_errors(a[1]);
    else {
      fprintf(stderr, "usage: io_tool dump FILE | copy IN OUT | write-errors DIR\n");
      return 2;
    }
  } catch (const archc::Error& e) {
    fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
