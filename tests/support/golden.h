// Reads the PyTorch reference values that tools/make_golden.py writes to tests/golden/*.json:
// {"key": {"dtype": "float64", "shape": [2, 3], "data": [...]}, "key2": 0.5, ...}. Numbers are
// written with 17 significant digits, so float64 values round-trip exactly.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "minidl/tensor.h"

#ifndef MINIDL_GOLDEN_DIR
#error "MINIDL_GOLDEN_DIR must point at tests/golden"
#endif

namespace minidl::testing {

class Golden {
 public:
  explicit Golden(const std::string& file) : path_(std::string(MINIDL_GOLDEN_DIR) + "/" + file) {
    std::ifstream in(path_);
    if (!in) throw std::runtime_error("golden file missing: " + path_ + " (run tools/make_golden.py)");
    json_ = nlohmann::json::parse(in);
  }

  const nlohmann::json& json() const { return json_; }
  const nlohmann::json& operator[](const std::string& key) const { return at(key); }

  const nlohmann::json& at(const std::string& key) const {
    const nlohmann::json* node = &json_;
    // Paths with "/" descend into objects: "linear/weight" (keys themselves may hold dots).
    std::stringstream parts(key);
    std::string part;
    while (std::getline(parts, part, '/')) {
      if (!node->contains(part)) throw std::runtime_error(path_ + ": no key '" + key + "'");
      node = &(*node)[part];
    }
    return *node;
  }

  // A tensor entry, as `dtype` (its own dtype by default).
  Tensor tensor(const std::string& key) const { return to_tensor(at(key)); }

  static Tensor to_tensor(const nlohmann::json& j) {
    std::vector<int64_t> shape = j.at("shape").get<std::vector<int64_t>>();
    std::string dtype = j.at("dtype").get<std::string>();
    Dtype d = dtype == "float32" ? kFloat32 : dtype == "int64" ? kInt64 : kFloat64;
    std::vector<double> data;
    for (const auto& v : j.at("data")) data.push_back(v.is_string() ? std::stod(v.get<std::string>()) : v.get<double>());
    return minidl::tensor(data, shape.empty() ? Shape{} : Shape(shape), d).reshape(Shape(shape));
  }

 private:
  std::string path_;
  nlohmann::json json_;
};

// |a - b| <= atol + rtol |b| elementwise, with the worst element in the failure message.
inline ::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shapes differ: " << to_string(actual.shape()) << " vs "
                                         << to_string(expected.shape());
  }
  std::vector<double> a = actual.to_vector(), b = expected.to_vector();
  double worst = 0;
  size_t at = 0;
  bool ok = true;
  for (size_t i = 0; i < a.size(); ++i) {
    double excess = std::fabs(a[i] - b[i]) - (atol + rtol * std::fabs(b[i]));
    if (std::isnan(a[i]) != std::isnan(b[i])) excess = INFINITY;
    if (excess > 0 && (ok || excess > worst)) {
      ok = false;
      worst = excess;
      at = i;
    }
  }
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "element " << at << ": actual " << a[at] << ", expected " << b[at]
                                       << " (atol " << atol << ", rtol " << rtol << ")";
}

// The tolerances of the golden tests: float64 atol 1e-10 rtol 1e-7; float32 atol 1e-6 rtol 1e-5.
inline ::testing::AssertionResult matches_golden(const Tensor& actual, const Tensor& expected) {
  return actual.dtype() == kFloat32 ? all_close(actual, expected.to(kFloat32), 1e-6, 1e-5)
                                    : all_close(actual, expected.to(kFloat64), 1e-10, 1e-7);
}

}  // namespace minidl::testing
