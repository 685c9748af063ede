// `minidl predict`: a saved model on the rows of a CSV file (a header, then one example's raw
// features per line, as the data source gives them before standardisation). Writes one line per
// row: the predicted class and the class probabilities, or the outputs where the loss does not
// make them probabilities (mse, l1) and for regression.
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"

namespace minidl::cli {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  for (std::string c; std::getline(ss, c, ',');) cells.push_back(trim(c));
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

// The CSV's rows as a float (N, F) tensor. DataErrors name the file, the line and the column.
Tensor read_features(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open: " + std::strerror(errno));
  std::string line;
  std::vector<std::string> header;
  std::vector<float> values;
  int64_t line_number = 0, rows = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    std::vector<std::string> cells = split(line);
    if (header.empty()) {
      // train's rule: the first line is a header of names; a line of numbers is a file without
      // one, refused rather than losing its first example.
      char* end = nullptr;
      std::strtod(cells[0].c_str(), &end);
      if (!cells[0].empty() && *end == '\0') {
        throw DataError(path + ":" + std::to_string(line_number) +
                        ": the first line must be a header of column names, got '" + trim(line) + "'");
      }
      header = cells;
      continue;
    }
    if (cells.size() != header.size()) {
      throw DataError(path + ":" + std::to_string(line_number) + ": " + std::to_string(cells.size()) +
                      " columns, the header has " + std::to_string(header.size()));
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      char* end = nullptr;
      double v = std::strtod(cells[c].c_str(), &end);
      if (cells[c].empty() || *end != '\0' || !std::isfinite(v) || std::fabs(v) > FLT_MAX) {  // 1e39: inf as float
        throw DataError(path + ":" + std::to_string(line_number) + ": column " + std::to_string(c + 1) + " ('" +
                        header[c] + "'): expected a number, got '" + cells[c] + "'");
      }
      values.push_back(static_cast<float>(v));
    }
    ++rows;
  }
  if (rows == 0) throw DataError(path + ": no rows after the header (one example's features per line)");
  Tensor x = Tensor::empty({rows, static_cast<int64_t>(header.size())});
  std::copy(values.begin(), values.end(), x.data<float>());
  return x;
}

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

}  // namespace

int predict_command(const PredictArgs& args) {
  try {
    LoadedModel m = load_model(args.config, args.sets, args.checkpoint, args.seed, args.fit_standardizer);
    Tensor x = read_features(args.input);
    // The columns are the model's raw inputs; for the disk's xy-r2 features, x and y are enough.
    int64_t features = m.data.input_shape.numel();
    if (x.size(1) == 2 && features == 3 && m.data.is_disk) x = data::baseline_features(x);
    if (x.size(1) != features) {
      throw DataError(args.input + ": " + std::to_string(x.size(1)) + " columns, but the model takes " +
                      std::to_string(features) + " input features " + to_string(m.data.input_shape) + " per example");
    }
    if (m.data.standardizer) x = m.data.standardizer->transform(x);
    std::vector<int64_t> shape{x.size(0)};
    for (int64_t d : m.data.input_shape) shape.push_back(d);
    x = reshape(x, Shape(shape));

    NoGradGuard no_grad;
    Tensor outputs;
    try {
      outputs = (*m.model)(x);
    } catch (const ShapeError& e) {
      std::cerr << "minidl predict: " << m.config_name << ": the model does not fit the data:\n" << e.what() << "\n";
      return kUsageError;
    }
    if (outputs.dim() == 1) outputs = reshape(outputs, {outputs.size(0), 1});
    int64_t n = outputs.size(0), k = outputs.size(1);

    // What the columns are: probabilities where the loss defines them, else the raw outputs.
    std::string loss = m.config.get_string("loss.name");
    Tensor values = outputs;
    std::string column = "output_";
    if (m.objective.classification) {
      if (k >= 2 && loss == "cross_entropy") values = softmax(outputs, 1), column = "prob_";
      else if (k >= 2 && loss == "nll") values = exp(outputs), column = "prob_";
      else if (k == 1 && (loss == "bce_with_logits" || loss == "bce")) {
        Tensor p1 = loss == "bce" ? outputs : sigmoid(outputs);
        values = concat({1.0 - p1, p1}, 1);  // columns prob_0, prob_1
        column = "prob_";
        k = 2;
      }
    }
    Tensor classes = m.objective.classification ? data::predict(outputs, m.objective.output_kind) : Tensor();

    std::ofstream file;
    if (!args.output.empty()) {
      file.open(args.output);
      if (!file) throw IoError(args.output + ": cannot write: " + std::strerror(errno));
    }
    std::ostream& out = args.output.empty() ? std::cout : file;
    if (m.objective.classification) out << "class,";
    for (int64_t j = 0; j < k; ++j) out << column << j << (j + 1 < k ? "," : "\n");
    values = values.to(kFloat64);
    const double* v = values.data<double>();
    for (int64_t i = 0; i < n; ++i) {
      if (m.objective.classification) out << classes.at({i}) << ',';
      for (int64_t j = 0; j < k; ++j) out << num(v[i * k + j]) << (j + 1 < k ? "," : "\n");
    }
    out.flush();
    if (!out) throw IoError((args.output.empty() ? std::string("standard output") : args.output) + ": write failed");
    if (!args.output.empty()) {
      std::cerr << "minidl predict: " << n << " rows of " << args.input << " -> " << args.output << "\n";
    }
    return kOk;
  } catch (...) {
    return command_failed("predict");
  }
}

}  // namespace minidl::cli
