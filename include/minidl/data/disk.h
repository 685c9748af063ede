// The disk data set of the reports: points uniform in [0,1]^2, label 1 inside the disk of centre
// (0.5, 0.5) and radius 1/sqrt(2 pi) (area 1/2, so the classes are balanced), else 0.
#pragma once

#include <cstdint>
#include <optional>

#include "minidl/data/dataset.h"
#include "minidl/data/standardizer.h"
#include "minidl/random.h"

namespace minidl::data {

inline constexpr double kDiskCenter = 0.5;
inline constexpr double kDiskRadius = 0.39894228040143267794;  // 1 / sqrt(2 pi)

// points: float (N, 2) -> int64 (N): 1 where (x - 0.5)^2 + (y - 0.5)^2 < 1 / (2 pi), else 0.
Tensor disk_labels(const Tensor& points);

// n points: inputs float32 (n, 2), drawn as x0, y0, x1, y1, ... from gen.uniform(); labels int64
// (n); targets as asked.
TensorDataset make_disk(int64_t n, Generator& gen, Targets targets = Targets::labels);

// The features of report 003's linear baseline: (N, 2) -> (N, 3) = (x, y, x^2 + y^2). On the raw
// coordinates the disk is linearly separable in them: (x-.5)^2 + (y-.5)^2 = x^2+y^2 - x - y + .5.
Tensor baseline_features(const Tensor& points);

struct DiskConfig {
  int64_t train_size = 1000;
  int64_t validation_size = 0;  // 0: no validation split
  int64_t test_size = 1000;
  uint64_t seed = 0;
  Targets targets = Targets::labels;  // one_hot for 2 outputs with MSE, label_float for 1 output
  bool baseline_features = false;     // inputs (x, y, x^2 + y^2) instead of (x, y)
  bool standardize = false;           // zero mean, unit variance with the training statistics
};

// The three splits of one seed. Each split has its own generator, so changing one split's size
// never changes the others:
//   train: Generator(seed), validation: Generator(seed + 1 * G), test: Generator(seed + 2 * G),
//   G = 0x9e3779b97f4a7c15 (the splitmix64 increment; arithmetic mod 2^64).
// So the training split is exactly make_disk(train_size, Generator(seed)). Baseline features are
// computed on the raw coordinates, then everything is standardised with the train statistics.
struct DiskSplits {
  TensorDataset train, validation, test;
  std::optional<Standardizer> standardizer;  // set when config.standardize; save it with the model
};
DiskSplits make_disk_splits(const DiskConfig& config);

// The seed of split k (0 train, 1 validation, 2 test), as documented above.
uint64_t disk_split_seed(uint64_t seed, int split);

}  // namespace minidl::data
