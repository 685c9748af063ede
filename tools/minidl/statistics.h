// Means and spreads of a quantity over runs: of a list of values (curves_mean.csv's epochs), and
// of a key of summary.json's runs ("runs": [{...}, ...]), for `train`'s summary and `grid`'s table.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace minidl::cli {

// NaN for no values.
double mean_of(const std::vector<double>& values);
// The sample std (n - 1); 0 for fewer than two values.
double sample_std_of(const std::vector<double>& values);

// NaN when a run lacks the key or its value is not a number (e.g. accuracy of a regression).
double mean_over(const nlohmann::json& runs, const char* key);
// The sample std over runs (n - 1); 0 for fewer than two runs.
double std_over(const nlohmann::json& runs, const char* key);

}  // namespace minidl::cli
