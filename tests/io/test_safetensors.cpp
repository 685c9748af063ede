// safetensors: exact round trips, the byte layout other tools expect, and one test per way a file
// can be broken (each error must name the file and the tensor).
#include "minidl/io/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "io/io_test_util.h"
#include "minidl/random.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using testing::le64;
using testing::raw;
using testing::safetensors_bytes;

void expect_same(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  size_t nbytes = static_cast<size_t>(a.numel()) * element_size(a.dtype());
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), nbytes), 0);
}

TEST(Safetensors, RoundTripsEveryDtypeScalarsAndEmptyTensorsExactly) {
  Generator gen(3);
  StateDict sd;
  sd.insert("0.weight", randn({25, 2}, gen));
  sd.insert("0.bias", randn({25}, gen, kFloat64));
  sd.insert("labels", tensor(std::vector<int64_t>{-3, 0, 7, INT64_MAX, INT64_MIN}));
  sd.insert("step", scalar_tensor(12, kInt64));      // 0-dim
  sd.insert("lr", scalar_tensor(0.001, kFloat64));   // 0-dim
  sd.insert("empty", zeros({0, 3}));
  sd.insert("a.last", randn({2, 1, 3}, gen));
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"note", "ünïcode ✓"}};

  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  save_safetensors(sd, path, meta);
  SafetensorsFile f = load_safetensors(path);

  EXPECT_EQ(f.tensors.keys(), sd.keys());  // file order = state_dict order
  for (const auto& [key, t] : sd) expect_same(f.tensors.at(key), t);
  EXPECT_EQ(f.metadata, meta);
  EXPECT_EQ(f.tensors.at("step").dim(), 0);
  EXPECT_EQ(f.tensors.at("empty").shape(), Shape({0, 3}));
}

TEST(Safetensors, EmptyStateDictRoundTrips) {
  SafetensorsFile f = parse_safetensors(serialize_safetensors(StateDict{}));
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_TRUE(f.metadata.empty());
}

// The layout of the spec, written out by hand: other tools must be able to read what we write.
TEST(Safetensors, WritesTheSpecLayoutWithHeaderPaddedToEightBytes) {
  StateDict sd;
  sd.insert("w", tensor(std::vector<float>{1.0f, -2.0f}));
  sd.insert("n", tensor(std::vector<int64_t>{5}));
  std::string bytes = serialize_safetensors(sd, {{"k", "v"}});

  std::string header = R"({"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("n":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string data = std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8) + std::string("\x05\0\0\0\0\0\0\0", 8);
  EXPECT_EQ(bytes, le64(header.size()) + header + data);
  EXPECT_EQ(header.size() % 8, 0u);
}

TEST(Safetensors, ReadsAnUnpaddedHandWrittenFileInHeaderOrderOfOffsets) {
  // Data stored in the opposite order of the header keys: tensors come back in data order.
  std::string header = R"({"b":{"dtype":"F64","shape":[],"data_offsets":[8,16]},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  std::string data = raw(std::vector<int64_t>{42}) + raw(std::vector<double>{0.5});
  SafetensorsFile f = parse_safetensors(safetensors_bytes(header, data), "x.safetensors");
  EXPECT_EQ(f.tensors.keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.tensors.at("a").item(), 42);
  EXPECT_EQ(f.tensors.at("b").item(), 0.5);
  EXPECT_EQ(f.tensors.at("b").dim(), 0);
}

// ---- rejections: each goes through a real file, so the message must carry its path ----------

class Rejects : public ::testing::Test {
 protected:
  // Writes `bytes` to bad.safetensors, loads it, and returns the message (fails if it loads).
  std::string error_of(const std::string& bytes) {
    path_ = dir_.file("bad.safetensors");
    testing::write_bytes(path_, bytes);
    try {
      load_safetensors(path_);
    } catch (const CheckpointError& e) {
      EXPECT_THAT(e.what(), HasSubstr(path_ + ": "));
      return e.what();
    }
    ADD_FAILURE() << "the file loaded";
    return "";
  }
  std::string error_of(const std::string& header, const std::string& data) {
    return error_of(safetensors_bytes(header, data));
  }
  testing::TempDir dir_;
  std::string path_;
};

const std::string kEightFloats = raw(std::vector<float>(2, 1.0f));

TEST_F(Rejects, FileShorterThanTheLengthField) {
  EXPECT_THAT(error_of(std::string("abc")), HasSubstr("the file is 3 bytes, too short for the 8-byte header length"));
}

TEST_F(Rejects, HeaderLengthOverTheLimit) {
  EXPECT_THAT(error_of(le64(uint64_t{1} << 40) + "{}"),
              HasSubstr("header length 1099511627776 exceeds the limit of 100000000 bytes"));
  EXPECT_THAT(error_of(le64(UINT64_MAX) + "{}"), HasSubstr("exceeds the limit"));
}

TEST_F(Rejects, HeaderLengthPastTheEndOfTheFile) {
  EXPECT_THAT(error_of(le64(100) + "{}"), HasSubstr("header length 100 runs past the end of the file (2 bytes follow"));
}

TEST_F(Rejects, MalformedJson) {
  EXPECT_THAT(error_of(R"({"w": {"dtype": "F32",)", ""), HasSubstr("the header is not valid JSON"));
  EXPECT_THAT(error_of("", ""), HasSubstr("the header is not valid JSON"));
  EXPECT_THAT(error_of(R"({"w":1} x)", ""), HasSubstr("the header is not valid JSON"));
}

TEST_F(Rejects, InvalidUtf8InTheHeader) {
  EXPECT_THAT(error_of("{\"w\xff\":1}", ""), HasSubstr("the header is not valid JSON"));
}

TEST_F(Rejects, HeaderThatIsNotAnObject) {
  EXPECT_THAT(error_of("[1, 2]", ""), HasSubstr("the header is a JSON array, expected an object"));
}

TEST_F(Rejects, DuplicateTensorName) {
  // nlohmann::json would keep the second entry silently; the loader must refuse.
  std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  EXPECT_THAT(error_of(header, kEightFloats + kEightFloats), HasSubstr("duplicate key 'w' in the header"));
}

TEST_F(Rejects, DuplicateFieldInATensor) {
  std::string header = R"({"w":{"dtype":"F32","shape":[2],"shape":[1],"data_offsets":[0,8]}})";
  EXPECT_THAT(error_of(header, kEightFloats), HasSubstr("tensor 'w': duplicate field 'shape'"));
}

TEST_F(Rejects, DuplicateMetadataKey) {
  std::string header = R"({"__metadata__":{"a":"1","a":"2"}})";
  EXPECT_THAT(error_of(header, ""), HasSubstr("__metadata__: duplicate key 'a'"));
}

TEST_F(Rejects, MetadataThatIsNotStrings) {
  EXPECT_THAT(error_of(R"({"__metadata__":{"epoch":3}})", ""),
              HasSubstr("__metadata__: value of 'epoch' is a JSON number, expected a string"));
  EXPECT_THAT(error_of(R"({"__metadata__":[]})", ""), HasSubstr("__metadata__ is a JSON array"));
}

TEST_F(Rejects, EntryThatIsNotAnObject) {
  EXPECT_THAT(error_of(R"({"w":[0,8]})", kEightFloats), HasSubstr("tensor 'w': the entry is a JSON array"));
}

TEST_F(Rejects, MissingAndUnknownFields) {
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2]}})", kEightFloats),
              HasSubstr("tensor 'w': missing field 'data_offsets'"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"stride":[1]}})", kEightFloats),
              HasSubstr("tensor 'w': unknown field 'stride'"));
}

TEST_F(Rejects, UnknownAndUnsupportedDtypes) {
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': unknown dtype 'F33'"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': dtype F16 is not supported by minidl"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': dtype is a JSON number, expected a string"));
}

TEST_F(Rejects, NegativeOrNonIntegerShape) {
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': shape[0] -2 is negative"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': shape[0] is not an integer"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': shape is a JSON number, expected an array"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': shape[0] is a JSON string"));
}

TEST_F(Rejects, ShapeWithMoreDimsThanMinidlHas) {
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,2],"data_offsets":[0,8]}})", kEightFloats),
              HasSubstr("tensor 'w': shape has 9 dims; minidl tensors have at most 8"));
}

TEST_F(Rejects, ShapeWhoseSizeOverflows) {
  // 2^32 * 2^32 elements: the byte count must not wrap around to something that "matches".
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""),
              HasSubstr("tensor 'w': shape (4294967296, 4294967296)... is too large"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", ""),
              HasSubstr("tensor 'w': shape (2305843009213693952) is too large"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,0]}})", ""),
              HasSubstr("tensor 'w': shape[0] 18446744073709551615 is too large"));
}

TEST_F(Rejects, OffsetsOutOfBounds) {
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", kEightFloats),
              HasSubstr("tensor 'w': data_offsets [0, 16) run past the end of the data section (8 bytes)"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", kEightFloats),
              HasSubstr("tensor 'w': data_offsets begin -8 is negative"));
}

TEST_F(Rejects, OffsetsReversedOrMalformed) {
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", kEightFloats),
              HasSubstr("tensor 'w': data_offsets [8, 0) end before they begin"));
  EXPECT_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}})", kEightFloats),
              HasSubstr("tensor 'w': data_offsets is an array of 3, expected [begin, end]"));
}

TEST_F(Rejects, OffsetsThatDoNotMatchTheShape) {
  std::string data(200, '\0');
  EXPECT_THAT(error_of(R"({"0.weight":{"dtype":"F32","shape":[25,2],"data_offsets":[0,96]}})", data),
              HasSubstr("tensor '0.weight': data_offsets [0, 96) do not match shape (25, 2) float32 (200 bytes)"));
}

TEST_F(Rejects, GapBetweenTensors) {
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})";
  EXPECT_THAT(error_of(header, std::string(20, '\0')),
              HasSubstr("tensor 'b': data_offsets [12, 20) leave a gap of 4 bytes after tensor 'a' [0, 8)"));
  std::string first = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  EXPECT_THAT(error_of(first, std::string(12, '\0')), HasSubstr("tensor 'a': data_offsets [4, 12) leave a gap of 4 bytes at the start"));
}

TEST_F(Rejects, OverlappingTensors) {
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  EXPECT_THAT(error_of(header, std::string(12, '\0')), HasSubstr("tensor 'b': data_offsets [4, 12) overlap tensor 'a' [0, 8)"));
}

TEST_F(Rejects, TrailingBytes) {
  std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  EXPECT_THAT(error_of(header, kEightFloats + "xyz"),
              HasSubstr("3 trailing bytes after the last tensor 'w' (the data section is 11 bytes, the tensors end at 8)"));
}

TEST_F(Rejects, NestingDeeperThanAHeader) {
  std::string deep = R"({"w":{"shape":[[[[1]]]]}})";
  EXPECT_THAT(error_of(deep, ""), HasSubstr("tensor 'w': the header nests deeper than a safetensors header"));
  std::string bomb = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(error_of(bomb, ""), HasSubstr("nests deeper"));
}

TEST_F(Rejects, FileOverTheSizeLimit) {
  std::string path = dir_.file("big.safetensors");
  testing::write_bytes(path, serialize_safetensors(StateDict{}) + std::string(100, '\0'));
  try {
    load_safetensors(path, 64);
    FAIL() << "loaded";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": the file is 116 bytes, over the limit of 64 bytes"));
  }
}

TEST(Safetensors, MissingFileAndFolderAreErrorsNamingThePath) {
  testing::TempDir dir;
  std::string missing = dir.file("nope.safetensors");
  try {
    load_safetensors(missing);
    FAIL() << "loaded";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing + ": cannot open: No such file or directory"));
  }
  try {
    load_safetensors(dir.path());
    FAIL() << "loaded";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir.path() + ": not a regular file"));
  }
}

TEST(Safetensors, WriterRefusesWhatItCannotWriteFaithfully) {
  StateDict reserved;
  reserved.insert("__metadata__", zeros({1}));
  EXPECT_THROW(
      {
        try {
          serialize_safetensors(reserved, {}, "m.safetensors");
        } catch (const CheckpointError& e) {
          EXPECT_THAT(e.what(), HasSubstr("m.safetensors: a tensor cannot be named '__metadata__'"));
          throw;
        }
      },
      CheckpointError);

  StateDict undefined;
  undefined.insert("0.bias", Tensor());
  EXPECT_THROW(
      {
        try {
          serialize_safetensors(undefined, {}, "m.safetensors");
        } catch (const CheckpointError& e) {
          EXPECT_THAT(e.what(), HasSubstr("m.safetensors: tensor '0.bias' is undefined"));
          throw;
        }
      },
      CheckpointError);

  StateDict bad_utf8;
  bad_utf8.insert("w\xff", zeros({1}));
  EXPECT_THROW(
      {
        try {
          serialize_safetensors(bad_utf8, {}, "m.safetensors");
        } catch (const CheckpointError& e) {
          EXPECT_THAT(e.what(), HasSubstr("m.safetensors: a tensor name or metadata string is not valid UTF-8"));
          throw;
        }
      },
      CheckpointError);
}

}  // namespace
}  // namespace minidl

namespace minidl {
namespace {

// The fuzzer's seed corpus is named for what each file is: valid_* must load, bad_* must be
// refused with a CheckpointError (never another exception type).
TEST(Safetensors, FuzzSeedCorpusIsWhatItsNamesSay) {
  std::string folder = std::string(MINIDL_SOURCE_DIR) + "/fuzz/corpus";
  int valid = 0, bad = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::string name = entry.path().filename().string();
    std::string path = entry.path().string();
    if (name.rfind("valid_", 0) == 0) {
      EXPECT_NO_THROW(load_safetensors(path)) << name;
      ++valid;
    } else if (name.rfind("bad_", 0) == 0) {
      EXPECT_THROW(load_safetensors(path), CheckpointError) << name;
      ++bad;
    }
  }
  EXPECT_GE(valid, 5);
  EXPECT_GE(bad, 20);
}

}  // namespace
}  // namespace minidl
