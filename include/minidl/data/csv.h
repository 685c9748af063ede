// CSV files of the user's own data: a header row, then one example per line: the feature
// columns, then the target column(s). Parsed with std::from_chars (fast, locale-free).
#pragma once

#include <string>
#include <vector>

#include "minidl/data/dataset.h"

namespace minidl::data {

// classification: the last column is an integer class label >= 0 ("3" or "3.0"), read into
//   int64 labels; the other columns are features. target_columns must be 1.
// regression: the last `target_columns` columns are float targets (N, target_columns); no labels.
enum class Task { classification, regression };
std::string to_string(Task task);
Task parse_task(const std::string& name);  // "classification" | "regression", else ValueError

struct CsvOptions {
  Task task = Task::classification;
  int64_t target_columns = 1;
  char delimiter = ',';
  Targets targets = Targets::labels;  // classification only: also encode float targets
  int64_t num_classes = 0;            // classification: 0 means max(label) + 1 of the file
};

// A parsed file. Fields are trimmed of spaces and tabs; "\r\n" line ends are accepted; blank
// lines are skipped; quoting is not supported (a field cannot contain the delimiter). Every
// value must be a finite number. Errors are DataErrors naming file, line and column:
//   train.csv:17: column 3 ('label'): expected a number, got 'abc'
struct CsvTable {
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;
  TensorDataset dataset;
};
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

// data.source = "csv": a training and a test file with the same header. The number of classes
// is taken over both files (unless options.num_classes is set), so both encode targets alike.
struct CsvSplits {
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;
  TensorDataset train, test;
};
CsvSplits read_csv_splits(const std::string& train_path, const std::string& test_path,
                          const CsvOptions& options = {});

}  // namespace minidl::data
