// See label_check.h.
#include "label_check.h"

#include <fstream>
#include <set>

#include "minidl/error.h"

namespace minidl::cli {

std::vector<int64_t> csv_row_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<int64_t> lines;
  bool header = false;
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!header) header = true;
    else lines.push_back(number);
  }
  return lines;
}

void check_labels(const Data& data, int64_t outputs, const std::string& config_name) {
  if (data.label_files.empty()) return;
  const int64_t classes = outputs >= 2 ? outputs : 2;  // one output: 0/1 labels
  std::set<int64_t> seen_in_training;
  for (size_t f = 0; f < data.label_files.size(); ++f) {
    const Data::LabelFile& file = data.label_files[f];
    const int64_t* labels = file.labels.data<int64_t>();
    for (int64_t i = 0; i < file.labels.numel(); ++i) {
      std::string at = file.path + ":" + std::to_string(file.lines.at(static_cast<size_t>(i))) + ": column '" +
                       file.column + "': ";
      if (labels[i] >= classes) {
        throw DataError(at + "class " + std::to_string(labels[i]) + ", but the model of " + config_name + " has " +
                        std::to_string(outputs) + (outputs == 1 ? " output (labels 0 and 1)" : " outputs (classes 0 to " +
                        std::to_string(classes - 1) + ")") + "; fix the label, or give the last layer " +
                        std::to_string(labels[i] + 1) + " outputs");
      }
      if (f == 0) {
        seen_in_training.insert(labels[i]);
      } else if (!seen_in_training.contains(labels[i])) {
        throw DataError(at + "class " + std::to_string(labels[i]) + " never occurs in the training file " +
                        data.label_files[0].path + ": the model cannot learn it (add examples of it for training, "
                        "or remove the test rows)");
      }
    }
  }
}

}  // namespace minidl::cli
