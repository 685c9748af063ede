// Labels checked before training, with file and line: against the model's outputs (a label 7 for
// 2 outputs) and across the training and test files (a class only in the test file). Without
// it, the first is found by the loss in the middle of training without file or line, the
// second by the confusion matrix after training.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiment.h"

namespace minidl::cli {

// `outputs`: the number of output columns of the model (1 for a 0/1 output). Throws DataError
// naming file, line and column. Only CSV data carry the lines to check (the disk and
// Fashion-MNIST labels are made or checked by their readers).
void check_labels(const Data& data, int64_t outputs, const std::string& config_name);

// The file line (from 1) of each example of a CSV file, by data::read_csv's rule: the first
// non-blank line is the header, blank lines (spaces, tabs, '\r') are skipped.
std::vector<int64_t> csv_row_lines(const std::string& path);

}  // namespace minidl::cli
