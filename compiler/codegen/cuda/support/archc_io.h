// archc: safetensors files for the host runner (https://github.com/huggingface/safetensors):
//
//   u64 little-endian N | N bytes of UTF-8 JSON header | data
//
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
// to the start of the data) and may hold "__metadata__" (ignored here). The runner reads and writes
// only the dtypes a generated model uses, F32, I32 and BOOL, as raw little-endian bytes.
//
// Reading is as strict as archc's own reader (runtime/weights/safetensors.ts): the header must be
// a JSON object starting with '{', at most 100 MB, and the tensors must cover the data exactly (no
// overlaps, gaps or trailing bytes). Unlike that reader it stops at the first problem, which it
// reports as an archc::Error whose message starts with the file's path.
//
// Writing lays tensors out as archc's writer (and Python's `save_file`) does: F32, then I32, then
// BOOL, each group by name in byte order, so every tensor's data is aligned to its element size
// and the file is byte-identical to the one `writeSafetensors` writes for the same tensors.
//
// Standard C++17 only: nvcc compiles this header for the GPU runner, g++ for the CPU one.
#pragma once

#include <stdint.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace archc {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Tensor {
  std::string name;
  std::string dtype;  // "F32", "I32" or "BOOL"
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // little-endian raw bytes; BOOL is 1 byte per element (0 or 1)
  // The number of elements: the product of the dims (1 for a scalar, shape []).
  size_t elements() const {
    size_t n = 1;
    for (int64_t d : shape) n *= size_t(d);
    return n;
  }
};

namespace io_detail {

// The largest header accepted (the reference implementation's limit).
constexpr uint64_t kMaxHeaderBytes = 100000000;
// Safetensors headers nest three deep; anything much deeper is garbage, not worth a deep stack.
constexpr int kMaxDepth = 64;

// Bytes per element of the dtypes the runner reads; 0 for any other.
inline size_t dtype_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "BOOL") return 1;
  return 0;
}

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
inline bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// `s` as a JSON string, escaped as JSON.stringify escapes it (so headers match archc's writer).
inline std::string json_string(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// A parsed JSON value. Numbers are integers: a safetensors header holds no others.
struct Json {
  enum Kind { Null, Bool, Int, String, Array, Object } kind = Null;
  bool boolean = false;
  int64_t integer = 0;
  std::string string;
  std::vector<Json> items;                            // Array
  std::vector<std::pair<std::string, Json>> members;  // Object, in the header's order

  const Json* get(const char* key) const {
    for (const auto& m : members)
      if (m.first == key) return &m.second;
    return nullptr;
  }
};

// The value as compact JSON, shortened for messages.
inline std::string show(const Json& v, size_t limit = 60) {
  std::string out;
  switch (v.kind) {
    case Json::Null: out = "null"; break;
    case Json::Bool: out = v.boolean ? "true" : "false"; break;
    case Json::Int: out = std::to_string(v.integer); break;
    case Json::String: out = json_string(v.string); break;
    case Json::Array:
      out = "[";
      for (size_t i = 0; i < v.items.size() && out.size() <= limit; i++)
        out += (i ? "," : "") + show(v.items[i], limit);
      out += "]";
      break;
    case Json::Object:
      out = "{";
      for (size_t i = 0; i < v.members.size() && out.size() <= limit; i++)
        out += (i ? "," : "") + json_string(v.members[i].first) + ":" +
               show(v.members[i].second, limit);
      out += "}";
      break;
  }
  return out.size() > limit ? out.substr(0, limit) + "..." : out;
}

// A strict parser for the JSON of a header (already checked to be UTF-8). It accepts objects,
// arrays, strings, integers, true, false and null; rejects fractions and exponents, duplicate
// keys and anything after the top-level value but whitespace; and caps nesting at kMaxDepth.
// Errors are archc::Error("at byte N of the header: ...").
class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : t_(text) {}

  Json parse() {
    Json v = value(0);
    skip_space();
    if (i_ < t_.size()) fail("unexpected '" + std::string(1, t_[i_]) + "' after the JSON value");
    return v;
  }

 private:
  // `at`: where the problem starts, when that is not where the parser is (an escape's backslash).
  [[noreturn]] void fail(const std::string& what, size_t at = std::string::npos) const {
    throw Error("at byte " + std::to_string(at == std::string::npos ? i_ : at) +
                " of the header: " + what);
  }
  void skip_space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
      i_++;
  }
  void expect(char c) {
    skip_space();
    if (i_ >= t_.size()) fail(std::string("expected '") + c + "', got the end of the header");
    if (t_[i_] != c) fail(std::string("expected '") + c + "', got '" + t_[i_] + "'");
    i_++;
  }

  Json value(int depth) {
    skip_space();
    if (i_ >= t_.size()) fail("expected a value, got the end of the header");
    char c = t_[i_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxDepth)
        fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
      return c == '{' ? object(depth + 1) : array(depth + 1);
    }
    Json v;
    if (c == '"') {
      v.kind = Json::String;
      v.string = string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = Json::Int;
      v.integer = integer();
    } else if (literal("true") || literal("false")) {
      v.kind = Json::Bool;
      v.boolean = c == 't';
    } else if (literal("null")) {
      v.kind = Json::Null;
    } else {
      fail("unexpected '" + std::string(1, c) + "'");
    }
    return v;
  }

  bool literal(const char* word) {
    size_t n = std::strlen(word);
    if (t_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }

  Json object(int depth) {
    Json v;
    v.kind = Json::Object;
    std::set<std::string> keys;
    i_++;  // '{'
    skip_space();
    if (i_ < t_.size() && t_[i_] == '}') {
      i_++;
      return v;
    }
    for (;;) {
      skip_space();
      if (i_ >= t_.size() || t_[i_] != '"') fail("expected a string key");
      size_t at = i_;
      std::string key = string();
      if (!keys.insert(key).second) {
        i_ = at;
        fail("the key " + json_string(key) + " appears twice in one object");
      }
      expect(':');
      v.members.emplace_back(std::move(key), value(depth));
      skip_space();
      if (i_ < t_.size() && t_[i_] == ',') {
        i_++;
        continue;
      }
      expect('}');
      return v;
    }
  }

  Json array(int depth) {
    Json v;
    v.kind = Json::Array;
    i_++;  // '['
    skip_space();
    if (i_ < t_.size() && t_[i_] == ']') {
      i_++;
      return v;
    }
    for (;;) {
      v.items.push_back(value(depth));
      skip_space();
      if (i_ < t_.size() && t_[i_] == ',') {
        i_++;
        continue;
      }
      expect(']');
      return v;
    }
  }

  int64_t integer() {
    size_t start = i_;
    bool negative = t_[i_] == '-';
    if (negative) i_++;
    if (i_ >= t_.size() || t_[i_] < '0' || t_[i_] > '9') fail("expected a digit after '-'");
    if (t_[i_] == '0' && i_ + 1 < t_.size() && t_[i_ + 1] >= '0' && t_[i_ + 1] <= '9')
      fail("a number has a leading zero");
    // Accumulated as a negative number, whose range includes INT64_MIN.
    int64_t n = 0;
    for (; i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9'; i_++) {
      int digit = t_[i_] - '0';
      if (n < (INT64_MIN + digit) / 10) {
        i_ = start;
        fail("the number is too large (more than 64 bits)");
      }
      n = n * 10 - digit;
    }
    if (i_ < t_.size() && (t_[i_] == '.' || t_[i_] == 'e' || t_[i_] == 'E'))
      fail("a number with a fraction or exponent (a safetensors header holds only integers)");
    if (!negative) {
      if (n == INT64_MIN) {
        i_ = start;
        fail("the number is too large (more than 64 bits)");
      }
      n = -n;
    }
    return n;
  }

  uint32_t hex4(size_t escape) {
    if (i_ + 4 > t_.size()) fail("a \\u escape needs four hex digits", escape);
    uint32_t cp = 0;
    for (int k = 0; k < 4; k++, i_++) {
      char h = t_[i_];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) fail("a \\u escape needs four hex digits", escape);
      cp = cp * 16 + uint32_t(d);
    }
    return cp;
  }

  std::string string() {
    std::string out;
    i_++;  // '"'
    for (;;) {
      if (i_ >= t_.size()) fail("a string is not closed");
      unsigned char c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        i_++;
        return out;
      }
      if (c < 0x20) fail("a control character (byte " + std::to_string(c) + ") inside a string");
      if (c != '\\') {
        out += char(c);
        i_++;
        continue;
      }
      const size_t escape = i_;
      if (++i_ >= t_.size()) fail("a string is not closed");
      char e = t_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4(escape);
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("a \\u escape is a lone low surrogate", escape);
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low one: together one code point.
            if (t_.compare(i_, 2, "\\u") != 0)
              fail("a \\u escape is a lone high surrogate", escape);
            i_ += 2;
            uint32_t lo = hex4(i_ - 2);
            if (lo < 0xDC00 || lo > 0xDFFF) fail("a \\u escape is a lone high surrogate", escape);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("unknown escape '\\" + std::string(1, e) + "'", escape);
      }
    }
  }

  const std::string& t_;
  size_t i_ = 0;
};

// A shape as messages show it: [2, 3].
inline std::string dims(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The bytes a dtype × shape needs, or -1 when that is more than 2^63 - 1 (more than any file).
inline int64_t bytes_needed(const std::vector<int64_t>& shape, size_t size) {
  for (int64_t d : shape)
    if (d == 0) return 0;
  int64_t n = int64_t(size);
  for (int64_t d : shape) {
    if (n > INT64_MAX / d) return -1;
    n *= d;
  }
  return n;
}

struct Entry {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  int64_t begin = 0, end = 0;
};

// The entry of tensor `name` in the header, checked on its own; `fail` throws.
template <class Fail>
Entry check_entry(const std::string& name, const Json& v, int64_t data_length, Fail fail) {
  Entry e;
  e.name = name;
  const std::string t = "tensor '" + name + "': ";
  if (v.kind != Json::Object) fail(t + "expected {dtype, shape, data_offsets}, got " + show(v));
  const Json* dtype = v.get("dtype");
  const Json* shape = v.get("shape");
  const Json* offsets = v.get("data_offsets");
  if (!dtype) fail(t + "no dtype");
  if (dtype->kind != Json::String) fail(t + "dtype must be a string, got " + show(*dtype));
  e.dtype = dtype->string;
  size_t size = dtype_size(e.dtype);
  if (size == 0)
    fail(t + "dtype " + e.dtype +
         " cannot be read by the CUDA runner (it reads F32, I32 and BOOL)");
  if (!shape) fail(t + "no shape");
  if (shape->kind != Json::Array) fail(t + "shape must be an array of dims, got " + show(*shape));
  for (size_t axis = 0; axis < shape->items.size(); axis++) {
    const Json& d = shape->items[axis];
    if (d.kind != Json::Int || d.integer < 0)
      fail(t + "shape " + show(*shape) + ": dim " + std::to_string(axis) + " (" + show(d) +
           ") is not a non-negative integer");
    e.shape.push_back(d.integer);
  }
  if (!offsets) fail(t + "no data_offsets");
  if (offsets->kind != Json::Array || offsets->items.size() != 2)
    fail(t + "data_offsets must be [begin, end], got " + show(*offsets));
  const Json& b = offsets->items[0];
  const Json& en = offsets->items[1];
  if (b.kind != Json::Int || en.kind != Json::Int || b.integer < 0 || en.integer < 0)
    fail(t + "data_offsets " + show(*offsets) + " must be non-negative integers");
  e.begin = b.integer;
  e.end = en.integer;
  if (e.end < e.begin) fail(t + "data_offsets " + show(*offsets) + " end before they begin");
  if (e.end > data_length)
    fail(t + "data_offsets " + show(*offsets) + " run past the end of the data, which is " +
         std::to_string(data_length) + " bytes (the file is truncated, or the header lies)");
  int64_t need = bytes_needed(e.shape, size);
  if (need != e.end - e.begin)
    fail(t + e.dtype + " " + dims(e.shape) + " needs " +
         (need < 0 ? std::string("more bytes than can exist") : std::to_string(need) + " bytes") +
         ", but data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
         "] hold " + std::to_string(e.end - e.begin));
  return e;
}

}  // namespace io_detail

// Reads every tensor of a safetensors file (F32, I32 and BOOL only). Throws archc::Error, its
// message starting with the path, for the first problem found.
inline std::map<std::string, Tensor> read_safetensors(const std::string& path) {
  using namespace io_detail;
  auto fail = [&](const std::string& what) -> void { throw Error(path + ": " + what); };

  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail("cannot read the file: it does not exist");
  if (std::filesystem::is_directory(status)) fail("cannot read the file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(std::string("cannot read the file: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const int64_t file_size = int64_t(in.tellg());
  in.seekg(0);
  if (!in || file_size < 0) fail("cannot read the file");
  auto read_at = [&](int64_t offset, void* out, int64_t n) {
    if (n == 0) return;
    in.seekg(offset);
    in.read(static_cast<char*>(out), std::streamsize(n));
    if (!in) fail("cannot read the file (did it change while being read?)");
  };

  if (file_size < 8)
    fail("not a safetensors file: it is " + std::to_string(file_size) + " byte" +
         (file_size == 1 ? "" : "s") + " long, too short for the 8-byte header size");
  unsigned char size_bytes[8];
  read_at(0, size_bytes, 8);
  uint64_t header_size = 0;
  for (int k = 7; k >= 0; k--) header_size = (header_size << 8) | size_bytes[k];
  if (header_size > kMaxHeaderBytes)
    fail("not a safetensors file (or a corrupt one): its header size is " +
         std::to_string(header_size) + " bytes, over the " + std::to_string(kMaxHeaderBytes) +
         "-byte limit");
  if (int64_t(header_size) > file_size - 8)
    fail("truncated or not a safetensors file: the header size is " + std::to_string(header_size) +
         " bytes, but the file has only " + std::to_string(file_size - 8) +
         " bytes after the 8-byte header size");
  std::string text(header_size, '\0');
  read_at(8, &text[0], int64_t(header_size));
  if (!valid_utf8(text))
    fail("the header is not valid UTF-8 (not a safetensors file, or a corrupt one)");
  if (text.empty() || text[0] != '{')
    fail("the header does not start with '{' (it starts " +
         json_string(text.substr(0, 16)) + ")");
  Json header;
  try {
    header = JsonParser(text).parse();
  } catch (const Error& e) {
    fail(std::string("the header is not valid JSON: ") + e.what());
  }

  const int64_t data_start = 8 + int64_t(header_size);
  const int64_t data_length = file_size - data_start;
  std::vector<Entry> entries;
  for (const auto& m : header.members) {
    if (m.first == "__metadata__") continue;
    entries.push_back(check_entry(m.first, m.second, data_length, fail));
  }

  // The data must be covered exactly: no overlaps, no gaps, nothing after the last tensor.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  int64_t covered = 0;
  const Entry* last = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered && e.end > e.begin)
      fail("tensors '" + last->name + "' [" + std::to_string(last->begin) + ", " +
           std::to_string(last->end) + "] and '" + e.name + "' [" + std::to_string(e.begin) +
           ", " + std::to_string(e.end) + "] overlap");
    if (e.begin > covered)
      fail("bytes " + std::to_string(covered) + " to " + std::to_string(e.begin) +
           " of the data belong to no tensor (a gap before '" + e.name +
           "'; safetensors requires the tensors to cover the data exactly)");
    if (e.end > covered || !last) {
      covered = e.end;
      last = &e;
    }
  }
  if (covered < data_length)
    fail("the data is " + std::to_string(data_length) + " bytes but the tensors cover only " +
         std::to_string(covered) + ": " + std::to_string(data_length - covered) +
         " bytes of trailing garbage (or a header that lies about offsets)");

  std::map<std::string, Tensor> out;
  for (Entry& e : entries) {
    Tensor t;
    t.name = e.name;
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.data.resize(size_t(e.end - e.begin));
    read_at(data_start + e.begin, t.data.data(), e.end - e.begin);
    if (t.dtype == "BOOL")
      for (size_t i = 0; i < t.data.size(); i++)
        if (t.data[i] > 1)
          fail("tensor '" + t.name + "' (BOOL " + dims(t.shape) + "): element " +
               std::to_string(i) + " is the byte " + std::to_string(t.data[i]) +
               "; a BOOL must be 0 or 1");
    std::string name = t.name;
    out.emplace(std::move(name), std::move(t));
  }
  return out;
}

// Writes the tensors (F32, I32, BOOL; BOOL bytes are written as 0 or 1, any nonzero byte as 1) as
// a safetensors file. Throws archc::Error, its message starting with the path, when a tensor
// cannot be written (checked before the file is touched) or the file cannot be.
inline void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors) {
  using namespace io_detail;
  auto fail = [&](const std::string& what) { throw Error(path + ": " + what); };

  std::set<std::string> names;
  for (const Tensor& t : tensors) {
    const std::string what = "tensor '" + t.name + "': ";
    if (t.name == "__metadata__") fail(what + "the name is reserved for the metadata");
    if (!valid_utf8(t.name)) fail(what + "the name is not valid UTF-8");
    if (!names.insert(t.name).second) fail(what + "the name is given twice");
    size_t size = dtype_size(t.dtype);
    if (size == 0) fail(what + "dtype " + t.dtype + " cannot be written (F32, I32 or BOOL)");
    for (int64_t d : t.shape)
      if (d < 0) fail(what + "shape " + dims(t.shape) + " has a negative dim");
    int64_t need = bytes_needed(t.shape, size);
    if (need < 0 || uint64_t(need) != t.data.size())
      fail(what + t.dtype + " " + dims(t.shape) + " needs " +
           (need < 0 ? std::string("more bytes than can exist") : std::to_string(need) + " bytes") +
           ", but the data has " + std::to_string(t.data.size()));
  }

  // Largest elements first (so each tensor starts aligned to its element size), F32 before I32,
  // then by name in byte order (std::string compares as unsigned bytes: UTF-8 code point order).
  auto rank = [](const std::string& d) { return d == "F32" ? 0 : d == "I32" ? 1 : 2; };
  std::vector<const Tensor*> order;
  for (const Tensor& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [&](const Tensor* a, const Tensor* b) {
    int ra = rank(a->dtype), rb = rank(b->dtype);
    return ra != rb ? ra < rb : a->name < b->name;
  });

  std::string header = "{";
  uint64_t offset = 0;
  for (const Tensor* t : order) {
    std::string shape;
    for (int64_t d : t->shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    if (header.size() > 1) header += ",";
    header += json_string(t->name) + ":{\"dtype\":\"" + t->dtype + "\",\"shape\":[" + shape +
              "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + t->data.size()) + "]}";
    offset += t->data.size();
  }
  header += "}";
  header.resize((header.size() + 7) / 8 * 8, ' ');

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(std::string("cannot create the file: ") + std::strerror(errno));
  unsigned char size_bytes[8];
  for (int k = 0; k < 8; k++) size_bytes[k] = static_cast<unsigned char>(header.size() >> (8 * k));
  out.write(reinterpret_cast<const char*>(size_bytes), 8);
  out.write(header.data(), std::streamsize(header.size()));
  for (const Tensor* t : order) {
    if (t->dtype == "BOOL") {
      std::vector<char> bytes(t->data.size());
      for (size_t i = 0; i < bytes.size(); i++) bytes[i] = t->data[i] ? 1 : 0;
      out.write(bytes.data(), std::streamsize(bytes.size()));
    } else {
      out.write(reinterpret_cast<const char*>(t->data.data()), std::streamsize(t->data.size()));
    }
  }
  out.close();
  if (!out) fail("cannot write the file (is the disk full?)");
}

}  // namespace archc
