// Means and sample standard deviations over runs (statistics.h).
#include "statistics.h"

#include <cmath>

namespace minidl::cli {

double mean_over(const nlohmann::json& runs, const char* key) {
  double s = 0;
  for (const auto& r : runs) {
    if (!r.contains(key) || !r[key].is_number()) return NAN;
    s += r[key].get<double>();
  }
  return runs.empty() ? NAN : s / static_cast<double>(runs.size());
}

double std_over(const nlohmann::json& runs, const char* key) {
  if (runs.size() < 2) return 0.0;
  double m = mean_over(runs, key), s = 0;
  if (std::isnan(m)) return NAN;
  for (const auto& r : runs) s += (r[key].get<double>() - m) * (r[key].get<double>() - m);
  return std::sqrt(s / static_cast<double>(runs.size() - 1));
}

}  // namespace minidl::cli
