// safetensors reading and writing. The parser trusts nothing: every length, offset and shape is
// checked against the bytes actually present (with overflow-safe arithmetic) before any tensor is
// allocated, so a corrupt or hostile file is an error message, never a crash or a huge allocation.
#include "minidl/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

namespace minidl {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; so must the host be");

namespace {

using Json = nlohmann::ordered_json;  // keeps the header's key order

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

const char* safetensors_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: break;
  }
  return "I64";
}

std::optional<Dtype> dtype_from_name(const std::string& name) {
  if (name == "F32") return kFloat32;
  if (name == "F64") return kFloat64;
  if (name == "I64") return kInt64;
  return std::nullopt;
}

bool is_other_safetensors_dtype(const std::string& name) {
  static const std::set<std::string> others = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16",
                                               "F16",  "BF16", "I32", "U32",     "U64",     "C64"};
  return others.count(name) != 0;
}

// A key as it can be shown in a message: printable ASCII kept, other bytes as \xNN, long keys cut.
std::string show(const std::string& key) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (out.size() >= 200) return out + "...(" + std::to_string(key.size()) + " bytes)";
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string range(uint64_t begin, uint64_t end) {
  std::string out = "[";  // appended, not operator+: GCC 12 gives a false -Wrestrict on the latter
  out += std::to_string(begin);
  out += ", ";
  out += std::to_string(end);
  out += ")";
  return out;
}

struct Entry {
  std::string key;
  Dtype dtype;
  Shape shape;
  uint64_t nbytes;
  uint64_t begin, end;
};

class Parser {
 public:
  Parser(const std::string& bytes, const std::string& file) : bytes_(bytes), file_(file) {}

  SafetensorsFile parse() {
    if (bytes_.size() < 8) {
      fail("the file is " + std::to_string(bytes_.size()) +
           " bytes, too short for the 8-byte header length (not a safetensors file?)");
    }
    uint64_t header_len = 0;
    std::memcpy(&header_len, bytes_.data(), 8);  // little-endian host (static_assert above)
    if (header_len > kMaxSafetensorsHeaderBytes) {
      fail("header length " + std::to_string(header_len) + " exceeds the limit of " +
           std::to_string(kMaxSafetensorsHeaderBytes) + " bytes (not a safetensors file?)");
    }
    if (header_len > bytes_.size() - 8) {
      fail("header length " + std::to_string(header_len) + " runs past the end of the file (" +
           std::to_string(bytes_.size() - 8) + " bytes follow the length)");
    }
    data_begin_ = 8 + header_len;
    data_size_ = bytes_.size() - data_begin_;

    Json header = parse_json(8, header_len);
    if (!header.is_object()) fail(std::string("the header is a JSON ") + header.type_name() + ", expected an object");

    SafetensorsFile file;
    std::vector<Entry> entries;
    for (const auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        file.metadata = parse_metadata(value);
      } else {
        entries.push_back(parse_entry(key, value));
      }
    }
    check_layout(entries);

    for (const Entry& e : entries) {
      Tensor t = Tensor::empty(e.shape, e.dtype);
      if (e.nbytes > 0) std::memcpy(t.raw_data(), bytes_.data() + data_begin_ + e.begin, e.nbytes);
      file.tensors.insert(e.key, t);
    }
    return file;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw CheckpointError(file_ + ": " + what); }
  [[noreturn]] void fail_tensor(const std::string& key, const std::string& what) const {
    fail("tensor '" + show(key) + "': " + what);
  }

  // nlohmann::json keeps the last of two equal keys without a word, so the parser callback tracks
  // the keys of every open object. The callback also caps the nesting: a valid header is at most
  // object > object > array deep, and a deeper one is refused before it can use much memory.
  Json parse_json(size_t offset, size_t length) {
    struct Object {
      std::string name;  // the key it is the value of ("" for the root)
      std::set<std::string> keys;
    };
    std::vector<Object> open;
    std::string last_key;
    auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
      switch (event) {
        case Json::parse_event_t::object_start:
        case Json::parse_event_t::array_start:
          if (depth >= 3) {
            fail(open.size() >= 2 ? "tensor '" + show(open[1].name) + "': the header nests deeper than a safetensors header"
                                  : "the header nests deeper than a safetensors header");
          }
          if (event == Json::parse_event_t::object_start) open.push_back({open.empty() ? "" : last_key, {}});
          break;
        case Json::parse_event_t::object_end:
          if (!open.empty()) open.pop_back();
          break;
        case Json::parse_event_t::key: {
          last_key = parsed.get<std::string>();
          if (open.empty()) break;
          if (!open.back().keys.insert(last_key).second) {
            if (open.size() == 1) fail("duplicate key '" + show(last_key) + "' in the header (a tensor named twice)");
            if (open[1].name == "__metadata__") fail("__metadata__: duplicate key '" + show(last_key) + "'");
            fail_tensor(open[1].name, "duplicate field '" + show(last_key) + "'");
          }
          break;
        }
        default:
          break;
      }
      return true;
    };
    try {
      const char* begin = bytes_.data() + offset;
      return Json::parse(begin, begin + length, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const Json::exception& e) {
      fail(std::string("the header is not valid JSON: ") + e.what());
    }
  }

  std::map<std::string, std::string> parse_metadata(const Json& value) const {
    if (!value.is_object()) fail(std::string("__metadata__ is a JSON ") + value.type_name() + ", expected an object of strings");
    std::map<std::string, std::string> metadata;
    for (const auto& [key, v] : value.items()) {
      if (!v.is_string()) {
        fail("__metadata__: value of '" + show(key) + "' is a JSON " + v.type_name() + ", expected a string");
      }
      metadata.emplace(key, v.get<std::string>());
    }
    return metadata;
  }

  // A JSON integer in [0, INT64_MAX]; `what` names it in the message.
  uint64_t non_negative(const std::string& key, const Json& v, const std::string& what) const {
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(kInt64Max)) fail_tensor(key, what + " " + std::to_string(u) + " is too large");
      return u;
    }
    if (v.is_number_integer()) fail_tensor(key, what + " " + std::to_string(v.get<int64_t>()) + " is negative");
    fail_tensor(key, what + " is " + (v.is_number_float() ? "not an integer: " + v.dump() : std::string("a JSON ") + v.type_name()) +
                         ", expected a non-negative integer");
  }

  Entry parse_entry(const std::string& key, const Json& value) const {
    if (!value.is_object()) {
      fail_tensor(key, std::string("the entry is a JSON ") + value.type_name() +
                           ", expected an object with dtype, shape and data_offsets");
    }
    for (const auto& [field, v] : value.items()) {
      if (field != "dtype" && field != "shape" && field != "data_offsets") {
        fail_tensor(key, "unknown field '" + show(field) + "' (expected dtype, shape and data_offsets)");
      }
    }
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(field)) fail_tensor(key, std::string("missing field '") + field + "'");
    }
    Entry e;
    e.key = key;

    const Json& dtype = value.at("dtype");
    if (!dtype.is_string()) fail_tensor(key, std::string("dtype is a JSON ") + dtype.type_name() + ", expected a string");
    std::string name = dtype.get<std::string>();
    std::optional<Dtype> d = dtype_from_name(name);
    if (!d) {
      fail_tensor(key, is_other_safetensors_dtype(name)
                           ? "dtype " + name + " is not supported by minidl (F32, F64 and I64 are)"
                           : "unknown dtype '" + show(name) + "' (minidl reads F32, F64 and I64)");
    }
    e.dtype = *d;

    const Json& shape = value.at("shape");
    if (!shape.is_array()) fail_tensor(key, std::string("shape is a JSON ") + shape.type_name() + ", expected an array");
    if (shape.size() > static_cast<size_t>(Shape::kMaxDims)) {
      fail_tensor(key, "shape has " + std::to_string(shape.size()) + " dims; minidl tensors have at most " +
                           std::to_string(Shape::kMaxDims));
    }
    // numel and the byte size without overflow; every prefix product must fit too, since
    // Shape::numel() multiplies in this order.
    int64_t numel = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      auto size = static_cast<int64_t>(non_negative(key, shape[i], "shape[" + std::to_string(i) + "]"));
      e.shape.push_back(size);
      if (__builtin_mul_overflow(numel, size, &numel)) fail_tensor(key, "shape " + to_string(e.shape) + "... is too large");
    }
    int64_t nbytes = 0;
    if (__builtin_mul_overflow(numel, static_cast<int64_t>(element_size(e.dtype)), &nbytes)) {
      fail_tensor(key, "shape " + to_string(e.shape) + " is too large");
    }
    e.nbytes = static_cast<uint64_t>(nbytes);

    const Json& offsets = value.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2) {
      fail_tensor(key, "data_offsets is " + (offsets.is_array() ? "an array of " + std::to_string(offsets.size()) : std::string("a JSON ") + offsets.type_name()) +
                           ", expected [begin, end]");
    }
    e.begin = non_negative(key, offsets[0], "data_offsets begin");
    e.end = non_negative(key, offsets[1], "data_offsets end");
    if (e.begin > e.end) fail_tensor(key, "data_offsets " + range(e.begin, e.end) + " end before they begin");
    if (e.end > data_size_) {
      fail_tensor(key, "data_offsets " + range(e.begin, e.end) + " run past the end of the data section (" +
                           std::to_string(data_size_) + " bytes)");
    }
    if (e.end - e.begin != e.nbytes) {
      fail_tensor(key, "data_offsets " + range(e.begin, e.end) + " do not match shape " + to_string(e.shape) + " " +
                           to_string(e.dtype) + " (" + std::to_string(e.nbytes) + " bytes)");
    }
    return e;
  }

  // Sorts by offset and checks the tensors tile the data section exactly: no gap, no overlap, no
  // trailing bytes (as the Rust implementation's validate()).
  void check_layout(std::vector<Entry>& entries) const {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t pos = 0;
    const Entry* prev = nullptr;
    for (const Entry& e : entries) {
      if (e.begin < pos) {
        fail_tensor(e.key, "data_offsets " + range(e.begin, e.end) + " overlap tensor '" + show(prev->key) + "' " +
                               range(prev->begin, prev->end));
      }
      if (e.begin > pos) {
        fail_tensor(e.key, "data_offsets " + range(e.begin, e.end) + " leave a gap of " + std::to_string(e.begin - pos) +
                               " bytes " + (prev ? "after tensor '" + show(prev->key) + "' " + range(prev->begin, prev->end)
                                                 : std::string("at the start of the data section")) +
                               " (tensors must be contiguous)");
      }
      pos = e.end;
      prev = &e;
    }
    if (pos != data_size_) {
      fail(std::to_string(data_size_ - pos) + " trailing bytes after the last tensor" +
           (prev ? " '" + show(prev->key) + "'" : std::string()) + " (the data section is " + std::to_string(data_size_) +
           " bytes, the tensors end at " + std::to_string(pos) + ")");
    }
  }

  const std::string& bytes_;
  const std::string& file_;
  uint64_t data_begin_ = 0, data_size_ = 0;
};

}  // namespace

std::string serialize_safetensors(const StateDict& tensors, const std::map<std::string, std::string>& metadata,
                                  const std::string& name_for_errors) {
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [key, t] : tensors) {
    if (key == "__metadata__") {
      throw CheckpointError(name_for_errors + ": a tensor cannot be named '__metadata__' (the key is reserved)");
    }
    if (!t.defined()) throw CheckpointError(name_for_errors + ": tensor '" + show(key) + "' is undefined");
    uint64_t nbytes = static_cast<uint64_t>(t.numel()) * element_size(t.dtype());
    header[key] = {{"dtype", safetensors_name(t.dtype())}, {"shape", t.shape().to_vector()},
                   {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text;
  try {
    text = header.dump();  // strict: invalid UTF-8 in a key or value throws
  } catch (const Json::exception& e) {
    throw CheckpointError(name_for_errors + ": a tensor name or metadata string is not valid UTF-8 (" + e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + offset);
  uint64_t header_len = text.size();
  out.append(reinterpret_cast<const char*>(&header_len), 8);
  out += text;
  for (const auto& [key, t] : tensors) {
    out.append(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.numel()) * element_size(t.dtype()));
  }
  return out;
}

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& name_for_errors) {
  return Parser(bytes, name_for_errors).parse();
}

void save_safetensors(const StateDict& tensors, const std::string& path, const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, serialize_safetensors(tensors, metadata, path));
}

SafetensorsFile load_safetensors(const std::string& path, uint64_t max_file_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(path + ": cannot open: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw IoError(path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw CheckpointError(path + ": not a regular file");
  auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_file_bytes) {
    throw CheckpointError(path + ": the file is " + std::to_string(size) + " bytes, over the limit of " +
                          std::to_string(max_file_bytes) + " bytes");
  }
  std::string bytes(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, bytes.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path + ": cannot read: " + std::strerror(errno));
    if (n == 0) throw IoError(path + ": the file shrank while it was read (" + std::to_string(done) + " of " +
                              std::to_string(size) + " bytes)");
    done += static_cast<size_t>(n);
  }
  return parse_safetensors(bytes, path);
}

}  // namespace minidl
