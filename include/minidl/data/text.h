// Character-level text for language models: a corpus read from a file or a folder of files,
// encoded with its byte vocabulary, split by position, and cut into the parallel streams that
// truncated backpropagation through time walks along.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "minidl/tensor.h"

namespace minidl::data {

// The characters (bytes) of a corpus, sorted: code i is chars[i].
class CharVocabulary {
 public:
  CharVocabulary() = default;
  explicit CharVocabulary(std::string chars);   // distinct bytes, sorted (a ValueError otherwise)
  static CharVocabulary of(const std::string& text);  // every byte that occurs in text

  int64_t size() const { return static_cast<int64_t>(chars_.size()); }
  const std::string& chars() const { return chars_; }
  // text -> int64 (L); a byte outside the vocabulary is a DataError naming it and its position.
  Tensor encode(const std::string& text) const;
  std::string decode(const std::vector<int64_t>& codes) const;
  char at(int64_t code) const { return chars_.at(static_cast<size_t>(code)); }

 private:
  std::string chars_;
  std::vector<int16_t> code_of_ = std::vector<int16_t>(256, -1);
};

struct TextSplits {
  CharVocabulary vocabulary;  // of the whole corpus
  Tensor train, val, test;    // int64 (L) codes: the first, middle and last parts of the text
  std::string sources;        // "43 files of /usr/share/games/fortunes, 2620311 bytes"
};

// Reads `path`: one file, or every regular file of a folder in name order (symbolic links and
// fortune's *.dat index files skipped), concatenated. The last val_fraction + test_fraction of
// the text (by position) are validation then test. A DataError names a missing or empty path.
TextSplits read_text_splits(const std::string& path, double val_fraction, double test_fraction);

// codes (L) -> (batch_size, L / batch_size): row n is the n-th contiguous stretch of the text,
// so batch k of truncated BPTT is columns [k T, (k + 1) T) and each row continues the previous
// batch's row. The tail that does not fill a row is dropped.
Tensor batchify(const Tensor& codes, int64_t batch_size);

}  // namespace minidl::data
