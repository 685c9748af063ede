// Helpers of the issue-14 tests (hostile input and faults): small CSV files and a way to damage
// a safetensors file's metadata as a crash or a hand edit would.
#pragma once

#include <cstring>

#include "cli/cli_support.h"

namespace minidl::testing {

// A regression CSV: features a, b and targets y1 = a + b, y2 = a - b, `rows` rows.
inline std::string regression_csv(int rows, int offset = 0) {
  std::ostringstream os;
  os << "a,b,y1,y2\n";
  for (int i = 0; i < rows; ++i) {
    double a = ((i + offset) * 37 % 100) / 100.0, b = ((i + offset) * 61 % 100) / 100.0;
    os << a << "," << b << "," << a + b << "," << a - b << "\n";
  }
  return os.str();
}

// A classification CSV: features a, b and label (a > b), `rows` rows; `extra` lines appended.
inline std::string classification_csv(int rows, const std::string& extra = "") {
  std::ostringstream os;
  os << "a,b,label\n";
  for (int i = 0; i < rows; ++i) {
    double a = (i * 37 % 100) / 100.0, b = (i * 61 % 100) / 100.0;
    os << a << "," << b << "," << (a > b ? 1 : 0) << "\n";
  }
  return os.str() + extra;
}

// A config reading the CSV files train.csv and test.csv of `dir`.
inline std::string csv_config(const std::string& dir, const std::string& extra = "") {
  return "[data]\nsource = \"csv\"\ntrain_path = \"" + dir + "/train.csv\"\ntest_path = \"" + dir +
         "/test.csv\"\n" + extra + "\n[optimizer]\nname = \"adam\"\nlr = 0.01\n[train]\nbatch_size = 20\nepochs = 3\n";
}

// Rewrites the JSON header of a safetensors file through `edit` (the tensors' bytes stay).
template <class Edit>
void edit_safetensors_header(const std::string& path, Edit edit) {
  std::string bytes = read_text(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, n));
  edit(header);
  std::string text = header.dump();
  while (text.size() % 8) text += ' ';
  uint64_t m = text.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &m, 8);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << out << text << bytes.substr(8 + n);
}

}  // namespace minidl::testing
