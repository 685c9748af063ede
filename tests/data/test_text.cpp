// Character corpora (vocabulary, position splits, batchify).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/temp_dir.h"
#include "minidl/data/text.h"
#include "minidl/error.h"

using namespace minidl;
using ::testing::HasSubstr;

TEST(CharVocabulary, EncodesAndDecodesTheCorpusBytes) {
  data::CharVocabulary v = data::CharVocabulary::of("hello, world");
  EXPECT_EQ(v.chars(), " ,dehlorw");
  Tensor codes = v.encode("world");
  EXPECT_EQ(codes.dtype(), kInt64);
  EXPECT_EQ(codes.to_vector(), (std::vector<double>{8, 6, 7, 5, 2}));
  EXPECT_EQ(v.decode({4, 3, 5, 5, 6}), "hello");
  try {
    v.encode("hex");
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("byte 120 at position 2 is not in the vocabulary of 9 characters"));
  }
  EXPECT_THROW(data::CharVocabulary("ba"), ValueError);
}

TEST(TextSplits, SplitByPositionAcrossTheFilesOfAFolderInNameOrder) {
  minidl::testing::TempDir dir;
  std::string a(600, 'a'), b(300, 'b'), c(100, 'c');
  dir.write("1-first", a);
  dir.write("2-second", b + c);
  dir.write("index.dat", "skipped");
  data::TextSplits s = data::read_text_splits(dir.path(""), 0.3, 0.1);
  EXPECT_EQ(s.vocabulary.chars(), "abc");
  EXPECT_EQ(s.train.numel(), 600);
  EXPECT_EQ(s.val.numel(), 300);
  EXPECT_EQ(s.test.numel(), 100);
  EXPECT_EQ(s.val.to_vector(), std::vector<double>(300, 1.0));  // the middle part is the b's
  EXPECT_EQ(s.test.to_vector(), std::vector<double>(100, 2.0));
  EXPECT_THAT(s.sources, HasSubstr("2 files"));
  EXPECT_THROW(data::read_text_splits(dir.path("missing"), 0.1, 0.1), DataError);
  EXPECT_THROW(data::read_text_splits(dir.path(""), 0.6, 0.5), ValueError);
}

TEST(TextSplits, BatchifyMakesContiguousStreams) {
  Tensor codes = arange(int64_t{11});
  Tensor streams = data::batchify(codes, 3);
  EXPECT_EQ(streams.shape(), (Shape{3, 3}));
  EXPECT_EQ(streams.to_vector(), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8}));  // the tail (9, 10) dropped
  EXPECT_THROW(data::batchify(codes, 6), DataError);
}
