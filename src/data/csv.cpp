// CSV reader: the whole file is read at once and split by hand; numbers go through
// std::from_chars, which neither allocates nor looks at the locale.
#include "minidl/data/csv.h"

#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "minidl/error.h"

namespace minidl::data {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view line, char delimiter) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    size_t end = line.find(delimiter, start);
    fields.push_back(trim(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a folder, not a CSV file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error: " + std::strerror(errno));
  return std::move(buffer).str();
}

struct Location {
  const std::string& path;
  int64_t line;
  [[noreturn]] void fail(const std::string& message) const {
    throw DataError(path + ":" + std::to_string(line) + ": " + message);
  }
  [[noreturn]] void fail_column(size_t column, const std::vector<std::string>& names, const std::string& message) const {
    fail("column " + std::to_string(column + 1) + " ('" + names[column] + "'): " + message);
  }
};

double parse_number(std::string_view field, const Location& at, size_t column, const std::vector<std::string>& names) {
  std::string_view s = field;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);  // from_chars takes '-' but not '+'
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (field.empty()) at.fail_column(column, names, "expected a number, got an empty field");
  if (ec == std::errc::result_out_of_range) at.fail_column(column, names, "number out of range: '" + std::string(field) + "'");
  if (ec != std::errc() || end != s.data() + s.size()) {
    at.fail_column(column, names, "expected a number, got '" + std::string(field) + "'");
  }
  if (std::isfinite(value) && std::fabs(value) > FLT_MAX) {  // 1e39 would become inf as a float32
    at.fail_column(column, names, "number out of range for float32: '" + std::string(field) + "'");
  }
  if (!std::isfinite(value)) {
    at.fail_column(column, names, "expected a finite number, got '" + std::string(field) + "' (NaN and infinity are not allowed)");
  }
  return value;
}

struct Parsed {
  std::vector<std::string> header;
  std::vector<double> values;  // row-major, header.size() per row
  std::vector<int64_t> lines;  // the file line of each row (blank lines are skipped)
  int64_t rows = 0;
};

Parsed parse(const std::string& path, const CsvOptions& options) {
  std::string text = read_file(path);
  std::string_view rest = text;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // a UTF-8 byte-order mark (Excel)
  Parsed out;
  int64_t line_number = 0;
  size_t columns = 0;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    ++line_number;
    if (trim(line).empty()) continue;
    Location at{path, line_number};
    std::vector<std::string_view> fields = split(line, options.delimiter);
    if (out.header.empty()) {
      for (size_t c = 0; c < fields.size(); ++c) {
        std::string_view name = fields[c];
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
        if (name.empty()) at.fail("column " + std::to_string(c + 1) + " of the header has no name");
        out.header.emplace_back(name);
      }
      columns = fields.size();
      // A header of numbers is a file without one: say so rather than lose the first example.
      double number;
      std::string_view first = fields[0];
      auto [ptr, ec] = std::from_chars(first.data(), first.data() + first.size(), number);
      if (ec == std::errc() && ptr == first.data() + first.size()) {
        at.fail("the first line must be a header of column names, got '" + std::string(trim(line)) + "'");
      }
      int64_t targets = options.task == Task::classification ? 1 : options.target_columns;
      if (static_cast<int64_t>(columns) < targets + 1) {
        at.fail("the header has " + std::to_string(columns) + " column(s); expected at least " +
                std::to_string(targets + 1) + " (features, then " + std::to_string(targets) + " target column(s))");
      }
      continue;
    }
    if (fields.size() != columns) {
      at.fail("expected " + std::to_string(columns) + " columns as in the header, got " + std::to_string(fields.size()));
    }
    for (size_t c = 0; c < columns; ++c) out.values.push_back(parse_number(fields[c], at, c, out.header));
    out.lines.push_back(line_number);
    ++out.rows;
  }
  if (out.header.empty()) throw DataError(path + ": empty file (expected a header row, then one example per line)");
  if (out.rows == 0) throw DataError(path + ": no examples after the header");
  return out;
}

void check_options(const CsvOptions& options) {
  if (options.task == Task::classification && options.target_columns != 1) {
    throw ValueError("read_csv: classification takes 1 target column (the class label), got target_columns = " +
                     std::to_string(options.target_columns));
  }
  if (options.target_columns < 1) {
    throw ValueError("read_csv: target_columns must be >= 1, got " + std::to_string(options.target_columns));
  }
  if (options.task == Task::regression && options.targets != Targets::labels) {
    throw ValueError("read_csv: targets = '" + to_string(options.targets) + "' needs task = classification");
  }
  if (options.num_classes < 0) throw ValueError("read_csv: num_classes must be >= 0, got " + std::to_string(options.num_classes));
}

// Splits the parsed columns into the table; for classification the labels are checked to be
// whole numbers >= 0 (and < num_classes when given).
struct Columns {
  Tensor features, labels, targets;
};
Columns to_columns(const std::string& path, const Parsed& p, const CsvOptions& options, int64_t num_classes) {
  int64_t columns = static_cast<int64_t>(p.header.size());
  int64_t t = options.task == Task::classification ? 1 : options.target_columns;
  int64_t f = columns - t;
  Columns out;
  out.features = Tensor::empty({p.rows, f}, kFloat32);
  float* x = out.features.data<float>();
  for (int64_t i = 0; i < p.rows; ++i)
    for (int64_t j = 0; j < f; ++j) x[i * f + j] = static_cast<float>(p.values[i * columns + j]);
  if (options.task == Task::regression) {
    out.targets = Tensor::empty({p.rows, t}, kFloat32);
    float* y = out.targets.data<float>();
    for (int64_t i = 0; i < p.rows; ++i)
      for (int64_t j = 0; j < t; ++j) y[i * t + j] = static_cast<float>(p.values[i * columns + f + j]);
    return out;
  }
  out.labels = Tensor::empty({p.rows}, kInt64);
  int64_t* y = out.labels.data<int64_t>();
  for (int64_t i = 0; i < p.rows; ++i) {
    double v = p.values[i * columns + f];
    if (v != std::floor(v) || v < 0 || v > 9.0e15 || (num_classes > 0 && v >= static_cast<double>(num_classes))) {
      char got[32];
      auto [end, ec] = std::to_chars(got, got + sizeof got, v);  // shortest round-trip form
      Location at{path, p.lines[i]};
      at.fail_column(columns - 1, p.header,
                     "expected an integer class label in [0, " +
                         (num_classes > 0 ? std::to_string(num_classes) : std::string("inf")) + "), got " +
                         std::string(got, ec == std::errc() ? end : got));
    }
    y[i] = static_cast<int64_t>(v);
  }
  return out;
}

// The largest class label of a file; more than kMaxClasses classes is an error at the label's
// line (a label of 99999999999 would make 1e11 classes: most likely not a class column).
constexpr int64_t kMaxClasses = 100000;
int64_t max_label(const std::string& path, const Parsed& p) {
  int64_t columns = static_cast<int64_t>(p.header.size());
  double m = -1;
  int64_t row = 0;
  for (int64_t i = 0; i < p.rows; ++i) {
    if (p.values[i * columns + columns - 1] > m) m = p.values[i * columns + columns - 1], row = i;
  }
  if (m >= static_cast<double>(kMaxClasses)) {
    Location at{path, p.lines[row]};
    at.fail_column(columns - 1, p.header,
                   "class label " + std::to_string(static_cast<int64_t>(m)) + " would make more than " +
                       std::to_string(kMaxClasses) +
                       " classes (labels are class indices 0, 1, ...; for a numeric target use task = regression)");
  }
  return static_cast<int64_t>(m);
}

CsvTable make_table(const std::string& path, const Parsed& p, const CsvOptions& options, int64_t num_classes) {
  Columns c = to_columns(path, p, options, num_classes);
  CsvTable table;
  int64_t f = c.features.size(1);
  table.feature_names.assign(p.header.begin(), p.header.begin() + f);
  table.target_names.assign(p.header.begin() + f, p.header.end());
  if (options.task == Task::regression) {
    table.dataset = TensorDataset(c.features, Tensor(), c.targets);
  } else {
    table.dataset = TensorDataset(c.features, c.labels, encode_targets(c.labels, options.targets, num_classes), num_classes);
  }
  return table;
}

}  // namespace

std::string to_string(Task task) { return task == Task::classification ? "classification" : "regression"; }

Task parse_task(const std::string& name) {
  if (name == "classification") return Task::classification;
  if (name == "regression") return Task::regression;
  throw ValueError("task: expected 'classification' or 'regression', got '" + name + "'");
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  check_options(options);
  Parsed p = parse(path, options);
  int64_t num_classes = options.num_classes;
  if (options.task == Task::classification && num_classes == 0) {
    to_columns(path, p, options, 0);  // label errors before the count (a label of 1e300)
    num_classes = max_label(path, p) + 1;
  }
  return make_table(path, p, options, num_classes);
}

CsvSplits read_csv_splits(const std::string& train_path, const std::string& test_path, const CsvOptions& options) {
  check_options(options);
  Parsed train = parse(train_path, options);
  Parsed test = parse(test_path, options);
  if (train.header != test.header) {
    auto join = [](const std::vector<std::string>& names) {
      std::string s;
      for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
      return s;
    };
    throw DataError(test_path + ": header '" + join(test.header) + "' differs from " + train_path + "'s '" +
                    join(train.header) + "'");
  }
  int64_t num_classes = options.num_classes;
  if (options.task == Task::classification && num_classes == 0) {
    to_columns(train_path, train, options, 0);
    to_columns(test_path, test, options, 0);
    num_classes = std::max(max_label(train_path, train), max_label(test_path, test)) + 1;
  }
  CsvTable a = make_table(train_path, train, options, num_classes);
  CsvTable b = make_table(test_path, test, options, num_classes);
  return {a.feature_names, a.target_names, a.dataset, b.dataset};
}

}  // namespace minidl::data
