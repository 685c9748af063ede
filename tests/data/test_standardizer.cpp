// Standardizer: statistics by hand, unbiased std as torch.Tensor.std(0), and a state_dict round trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/data/standardizer.h"
#include "minidl/error.h"

using namespace minidl;
using namespace minidl::data;
using ::testing::HasSubstr;

namespace {
Tensor four_rows() { return tensor(std::vector<double>{1, 10, 2, 20, 3, 30, 4, 40}, {4, 2}); }
}  // namespace

TEST(Standardizer, MeanAndUnbiasedStdByHand) {
  Standardizer s = Standardizer::fitted_on(four_rows());
  // mean (2.5, 25); squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / (4 - 1) -> var 5/3.
  EXPECT_DOUBLE_EQ(s.mean().at({0}), 2.5);
  EXPECT_DOUBLE_EQ(s.mean().at({1}), 25.0);
  EXPECT_DOUBLE_EQ(s.std().at({0}), std::sqrt(5.0 / 3.0));
  EXPECT_DOUBLE_EQ(s.std().at({1}), 10 * std::sqrt(5.0 / 3.0));
  Tensor y = s.transform(four_rows());
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_NEAR(y.at({0, 0}), -1.5 / std::sqrt(5.0 / 3.0), 1e-6);
  EXPECT_NEAR(y.at({3, 1}), 1.5 / std::sqrt(5.0 / 3.0), 1e-6);
  Tensor z = s.transform(tensor(std::vector<double>{2.5, 35}, {1, 2}, kFloat64));
  EXPECT_EQ(z.dtype(), kFloat64);
  EXPECT_DOUBLE_EQ(z.at({0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(z.at({0, 1}), 1 / std::sqrt(5.0 / 3.0));
}

TEST(Standardizer, StateDictRoundTrip) {
  Standardizer s = Standardizer::fitted_on(four_rows());
  StateDict state = s.state_dict();
  EXPECT_EQ(state.keys(), (std::vector<std::string>{"mean", "std"}));
  Standardizer t;
  EXPECT_FALSE(t.fitted());
  t.load_state_dict(state);
  EXPECT_EQ(t.transform(four_rows()).to_vector(), s.transform(four_rows()).to_vector());
}

TEST(Standardizer, Errors) {
  Standardizer s;
  try {
    s.transform(four_rows());
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not fitted"));
  }
  try {
    Standardizer::fitted_on(tensor(std::vector<double>{1, 5, 2, 5}, {2, 2}));
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("feature 1 is constant"));
  }
  s.fit(four_rows());
  try {
    s.transform(zeros({3, 3}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("input has 3 features, fitted on 2"));
  }
  StateDict bad;
  bad.insert("mean", zeros({2}, kFloat64));
  bad.insert("std", zeros({2}, kFloat64));
  try {
    s.load_state_dict(bad);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'std' must be finite and > 0"));
  }
  EXPECT_DOUBLE_EQ(s.mean().at({0}), 2.5);  // a failed load leaves the statistics as they were
  EXPECT_THROW(Standardizer::fitted_on(zeros({1, 2})), DataError);
}
