// Means and spreads of a quantity over the runs of summary.json ("runs": [{...}, ...]), for
// `train`'s summary and `grid`'s table.
#pragma once

#include <nlohmann/json.hpp>

namespace minidl::cli {

// NaN when a run lacks the key or its value is not a number (e.g. accuracy of a regression).
double mean_over(const nlohmann::json& runs, const char* key);
// The sample std over runs (n - 1); 0 for fewer than two runs.
double std_over(const nlohmann::json& runs, const char* key);

}  // namespace minidl::cli
