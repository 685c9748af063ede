// Character corpora: read, encode, split by position, batchify.
#include "minidl/data/text.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "minidl/error.h"

namespace minidl::data {

namespace fs = std::filesystem;

CharVocabulary::CharVocabulary(std::string chars) : chars_(std::move(chars)) {
  for (size_t i = 0; i < chars_.size(); ++i) {
    auto b = static_cast<unsigned char>(chars_[i]);
    if (code_of_[b] >= 0 || (i > 0 && static_cast<unsigned char>(chars_[i - 1]) > b)) {
      throw ValueError("CharVocabulary: the characters must be distinct and sorted (byte " + std::to_string(b) +
                       " at position " + std::to_string(i) + ")");
    }
    code_of_[b] = static_cast<int16_t>(i);
  }
}

CharVocabulary CharVocabulary::of(const std::string& text) {
  std::vector<bool> seen(256, false);
  for (char c : text) seen[static_cast<unsigned char>(c)] = true;
  std::string chars;
  for (int b = 0; b < 256; ++b) {
    if (seen[b]) chars.push_back(static_cast<char>(b));
  }
  return CharVocabulary(chars);
}

Tensor CharVocabulary::encode(const std::string& text) const {
  Tensor codes = Tensor::empty({static_cast<int64_t>(text.size())}, kInt64);
  int64_t* p = codes.data<int64_t>();
  for (size_t i = 0; i < text.size(); ++i) {
    int16_t c = code_of_[static_cast<unsigned char>(text[i])];
    if (c < 0) {
      throw DataError("CharVocabulary: byte " + std::to_string(static_cast<unsigned char>(text[i])) + " at position " +
                      std::to_string(i) + " is not in the vocabulary of " + std::to_string(size()) + " characters");
    }
    p[i] = c;
  }
  return codes;
}

std::string CharVocabulary::decode(const std::vector<int64_t>& codes) const {
  std::string text;
  for (int64_t c : codes) {
    if (c < 0 || c >= size()) throw IndexError("CharVocabulary: code " + std::to_string(c) + " is out of range for " + std::to_string(size()) + " characters");
    text.push_back(chars_[static_cast<size_t>(c)]);
  }
  return text;
}

TextSplits read_text_splits(const std::string& path, double val_fraction, double test_fraction) {
  if (!(val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 1)) {
    throw ValueError("read_text_splits: val_fraction and test_fraction must be >= 0 with a sum < 1, got " +
                     std::to_string(val_fraction) + " and " + std::to_string(test_fraction));
  }
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_symlink() || !entry.is_regular_file() || entry.path().extension() == ".dat") continue;
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    throw DataError(path + ": no such file or folder (for Debian's fortunes: apt-get install fortunes)");
  }
  std::string text;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw DataError(f.string() + ": cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    text += ss.str();
  }
  if (text.size() < 100) throw DataError(path + ": holds " + std::to_string(text.size()) + " bytes of text; too little to split");
  TextSplits s;
  s.vocabulary = CharVocabulary::of(text);
  Tensor all = s.vocabulary.encode(text);
  auto n = static_cast<int64_t>(text.size());
  auto n_val = static_cast<int64_t>(static_cast<double>(n) * val_fraction);
  auto n_test = static_cast<int64_t>(static_cast<double>(n) * test_fraction);
  int64_t n_train = n - n_val - n_test;
  auto part = [&](int64_t begin, int64_t length) {
    Tensor t = Tensor::empty({length}, kInt64);
    std::copy_n(all.data<int64_t>() + begin, length, t.data<int64_t>());
    return t;
  };
  s.train = part(0, n_train);
  s.val = part(n_train, n_val);
  s.test = part(n_train + n_val, n_test);
  s.sources = std::to_string(files.size()) + (files.size() == 1 ? " file" : " files") + " of " + path + ", " +
              std::to_string(n) + " bytes";
  return s;
}

Tensor batchify(const Tensor& codes, int64_t batch_size) {
  if (batch_size <= 0) throw ValueError("batchify: batch_size must be > 0, got " + std::to_string(batch_size));
  int64_t columns = codes.numel() / batch_size;
  if (columns < 2) {
    throw DataError("batchify: " + std::to_string(codes.numel()) + " characters do not make " + std::to_string(batch_size) +
                    " streams of at least 2");
  }
  Tensor out = Tensor::empty({batch_size, columns}, kInt64);
  std::copy_n(codes.data<int64_t>(), batch_size * columns, out.data<int64_t>());
  return out;
}

}  // namespace minidl::data
