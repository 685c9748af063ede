// The disk data set: labels follow the formula, classes are balanced, one seed gives the same
// three splits, and the baseline features make the disk linearly separable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/data/disk.h"
#include "minidl/error.h"

using namespace minidl;
using namespace minidl::data;
using ::testing::HasSubstr;

TEST(Disk, LabelsFollowTheFormulaAndPointsLieInTheUnitSquare) {
  Generator gen(7);
  TensorDataset d = make_disk(2000, gen);
  ASSERT_EQ(d.inputs().shape(), (Shape{2000, 2}));
  ASSERT_EQ(d.labels().shape(), (Shape{2000}));
  EXPECT_EQ(d.inputs().dtype(), kFloat32);
  EXPECT_EQ(d.num_classes(), 2);
  std::vector<double> xy = d.inputs().to_vector(), y = d.labels().to_vector();
  for (int64_t i = 0; i < 2000; ++i) {
    double x0 = xy[2 * i], x1 = xy[2 * i + 1];
    ASSERT_GE(x0, 0.0);
    ASSERT_LT(x0, 1.0);
    ASSERT_GE(x1, 0.0);
    ASSERT_LT(x1, 1.0);
    double r = std::hypot(x0 - 0.5, x1 - 0.5);
    ASSERT_EQ(y[i], r < 1.0 / std::sqrt(2.0 * M_PI) ? 1.0 : 0.0) << "point " << i << " (" << x0 << ", " << x1 << ")";
  }
}

TEST(Disk, ClassesAreRoughlyBalanced) {
  Generator gen(0);
  TensorDataset d = make_disk(10000, gen);
  double ones = 0;
  for (double v : d.labels().to_vector()) ones += v;
  // Area 1/2: the count of ones is Binomial(10000, 1/2), sd 50; 4 sd is 200.
  EXPECT_NEAR(ones, 5000, 200);
}

TEST(Disk, DiskLabelsOnHandPickedPoints) {
  // centre in; corners out; radius 0.3989: (0.5, 0.89) in, (0.5, 0.9) out.
  Tensor p = tensor(std::vector<double>{0.5, 0.5, 0, 0, 1, 1, 0.5, 0.89, 0.5, 0.9, 0.89, 0.5, 0.1, 0.5}, {7, 2});
  EXPECT_EQ(disk_labels(p).to_vector(), (std::vector<double>{1, 0, 0, 1, 0, 1, 0}));
  EXPECT_THROW(disk_labels(zeros({3, 3})), ShapeError);
}

TEST(Disk, TargetsEncodings) {
  Generator a(3), b(3);
  TensorDataset hot = make_disk(50, a, Targets::one_hot);
  TensorDataset flt = make_disk(50, b, Targets::label_float);
  ASSERT_EQ(hot.targets().shape(), (Shape{50, 2}));
  ASSERT_EQ(flt.targets().shape(), (Shape{50, 1}));
  for (int64_t i = 0; i < 50; ++i) {
    double label = hot.labels().at({i});
    EXPECT_EQ(hot.targets().at({i, 1}), label);
    EXPECT_EQ(hot.targets().at({i, 0}), 1 - label);
    EXPECT_EQ(flt.targets().at({i, 0}), label);
  }
}

TEST(DiskSplits, SameSeedSameDataDifferentSeedDifferentData) {
  DiskConfig config{.train_size = 100, .validation_size = 50, .test_size = 100, .seed = 42};
  DiskSplits a = make_disk_splits(config), b = make_disk_splits(config);
  EXPECT_EQ(a.train.inputs().to_vector(), b.train.inputs().to_vector());
  EXPECT_EQ(a.validation.inputs().to_vector(), b.validation.inputs().to_vector());
  EXPECT_EQ(a.test.inputs().to_vector(), b.test.inputs().to_vector());
  EXPECT_NE(a.train.inputs().to_vector(), a.test.inputs().to_vector());
  config.seed = 43;
  EXPECT_NE(make_disk_splits(config).train.inputs().to_vector(), a.train.inputs().to_vector());
}

TEST(DiskSplits, SeedMappingIsAsDocumented) {
  DiskConfig config{.train_size = 30, .validation_size = 20, .test_size = 40, .seed = 5};
  DiskSplits s = make_disk_splits(config);
  Generator train(5), validation(5 + 0x9e3779b97f4a7c15ULL), test(5 + 2 * 0x9e3779b97f4a7c15ULL);
  EXPECT_EQ(s.train.inputs().to_vector(), make_disk(30, train).inputs().to_vector());
  EXPECT_EQ(s.validation.inputs().to_vector(), make_disk(20, validation).inputs().to_vector());
  EXPECT_EQ(s.test.inputs().to_vector(), make_disk(40, test).inputs().to_vector());
  // Changing the validation size leaves the test split alone.
  config.validation_size = 0;
  DiskSplits t = make_disk_splits(config);
  EXPECT_EQ(t.validation.size(), 0);
  EXPECT_EQ(t.test.inputs().to_vector(), s.test.inputs().to_vector());
}

TEST(DiskSplits, StandardizeUsesTrainingStatisticsForEverySplit) {
  DiskConfig config{.train_size = 1000, .validation_size = 200, .test_size = 1000, .seed = 1, .standardize = true};
  DiskSplits raw_config = make_disk_splits({.train_size = 1000, .validation_size = 200, .test_size = 1000, .seed = 1});
  DiskSplits s = make_disk_splits(config);
  ASSERT_TRUE(s.standardizer.has_value());
  EXPECT_FALSE(raw_config.standardizer.has_value());
  // Training inputs: mean 0, unbiased std 1 per feature.
  for (int64_t j = 0; j < 2; ++j) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < 1000; ++i) sum += s.train.inputs().at({i, j});
    double mean = sum / 1000;
    for (int64_t i = 0; i < 1000; ++i) sq += std::pow(s.train.inputs().at({i, j}) - mean, 2);
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(std::sqrt(sq / 999), 1.0, 1e-6);
  }
  // Test inputs: transformed with the train mean/std, not their own.
  const Tensor& m = s.standardizer->mean();
  const Tensor& sd = s.standardizer->std();
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      double expected = (raw_config.test.inputs().at({i, j}) - m.at({j})) / sd.at({j});
      EXPECT_NEAR(s.test.inputs().at({i, j}), expected, 1e-6);
    }
  }
  EXPECT_EQ(s.test.labels().to_vector(), raw_config.test.labels().to_vector());
  // Uniform on [0, 1]: mean 1/2, std 1/sqrt(12) = 0.2887.
  EXPECT_NEAR(m.at({0}), 0.5, 0.03);
  EXPECT_NEAR(sd.at({1}), 1 / std::sqrt(12.0), 0.02);
}

TEST(DiskSplits, BaselineFeaturesMakeTheDiskLinearlySeparable) {
  DiskSplits s = make_disk_splits({.train_size = 500, .test_size = 10, .baseline_features = true});
  ASSERT_EQ(s.train.inputs().shape(), (Shape{500, 3}));
  DiskSplits raw = make_disk_splits({.train_size = 500, .test_size = 10});
  for (int64_t i = 0; i < 500; ++i) {
    double x = raw.train.inputs().at({i, 0}), y = raw.train.inputs().at({i, 1});
    ASSERT_EQ(s.train.inputs().at({i, 0}), x);
    ASSERT_EQ(s.train.inputs().at({i, 1}), y);
    ASSERT_NEAR(s.train.inputs().at({i, 2}), x * x + y * y, 1e-6);
    // (x-.5)^2 + (y-.5)^2 < r^2  <=>  -x - y + (x^2 + y^2) + 0.5 - r^2 < 0: one linear function.
    double f = -s.train.inputs().at({i, 0}) - s.train.inputs().at({i, 1}) + s.train.inputs().at({i, 2}) + 0.5 -
               1 / (2 * M_PI);
    if (std::abs(f) > 1e-5) {
      ASSERT_EQ(s.train.labels().at({i}), f < 0 ? 1.0 : 0.0) << i;
    }
  }
}

TEST(DiskSplits, BadSizesAreValueErrors) {
  try {
    make_disk_splits({.train_size = 10, .test_size = -1});
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("test_size must be >= 0, got -1"));
  }
  EXPECT_THROW(make_disk_splits({.train_size = 0}), ValueError);
}
