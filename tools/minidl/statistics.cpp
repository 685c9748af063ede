// Means and sample standard deviations over runs (statistics.h).
#include "statistics.h"

#include <cmath>

namespace minidl::cli {

double mean_of(const std::vector<double>& values) {
  double s = 0;
  for (double v : values) s += v;
  return values.empty() ? NAN : s / static_cast<double>(values.size());
}

double sample_std_of(const std::vector<double>& values) {
  if (values.size() < 2) return 0.0;
  double m = mean_of(values), s = 0;
  for (double v : values) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(values.size() - 1));
}

namespace {

// The key's value in every run; false when a run lacks it or it is not a number.
bool values_over(const nlohmann::json& runs, const char* key, std::vector<double>& values) {
  for (const auto& r : runs) {
    if (!r.contains(key) || !r[key].is_number()) return false;
    values.push_back(r[key].get<double>());
  }
  return true;
}

}  // namespace

double mean_over(const nlohmann::json& runs, const char* key) {
  std::vector<double> values;
  return values_over(runs, key, values) ? mean_of(values) : NAN;
}

double std_over(const nlohmann::json& runs, const char* key) {
  if (runs.size() < 2) return 0.0;
  std::vector<double> values;
  return values_over(runs, key, values) ? sample_std_of(values) : NAN;
}

}  // namespace minidl::cli
