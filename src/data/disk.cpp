// The disk data set: generation, splits from one seed, baseline features.
#include "minidl/data/disk.h"

#include <string>

#include "minidl/error.h"

namespace minidl::data {

Tensor disk_labels(const Tensor& points) {
  if (!points.defined() || points.dim() != 2 || points.size(1) != 2 || !is_floating(points.dtype())) {
    throw ShapeError("disk_labels: expected float points of shape (N, 2), got " +
                     (points.defined() ? to_string(points.dtype()) + " " + to_string(points.shape()) : "undefined"));
  }
  int64_t n = points.size(0);
  std::vector<double> xy = points.to_vector();
  Tensor labels = Tensor::empty({n}, kInt64);
  int64_t* p = labels.data<int64_t>();
  // r^2 < 1 / (2 pi): compare squares, no sqrt. Points exactly on the circle (measure zero) are 0.
  const double r2 = kDiskRadius * kDiskRadius;
  for (int64_t i = 0; i < n; ++i) {
    double dx = xy[2 * i] - kDiskCenter, dy = xy[2 * i + 1] - kDiskCenter;
    p[i] = dx * dx + dy * dy < r2 ? 1 : 0;
  }
  return labels;
}

TensorDataset make_disk(int64_t n, Generator& gen, Targets targets) {
  if (n < 0) throw ValueError("make_disk: n must be >= 0, got " + std::to_string(n));
  if (n == 0) return TensorDataset();
  Tensor points = rand({n, 2}, gen);  // row-major: x0, y0, x1, y1, ...
  Tensor labels = disk_labels(points);
  return TensorDataset(points, labels, encode_targets(labels, targets, 2), 2);
}

Tensor baseline_features(const Tensor& points) {
  if (!points.defined() || points.dim() != 2 || points.size(1) != 2 || points.dtype() != kFloat32) {
    throw ShapeError("baseline_features: expected float32 points of shape (N, 2), got " +
                     (points.defined() ? to_string(points.dtype()) + " " + to_string(points.shape()) : "undefined"));
  }
  int64_t n = points.size(0);
  Tensor y = Tensor::empty({n, 3}, kFloat32);
  const float* p = points.data<float>();
  float* q = y.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    float a = p[2 * i], b = p[2 * i + 1];
    q[3 * i] = a;
    q[3 * i + 1] = b;
    q[3 * i + 2] = a * a + b * b;
  }
  return y;
}

uint64_t disk_split_seed(uint64_t seed, int split) {
  return seed + static_cast<uint64_t>(split) * 0x9e3779b97f4a7c15ULL;
}

DiskSplits make_disk_splits(const DiskConfig& config) {
  const std::pair<const char*, int64_t> sizes[] = {
      {"train_size", config.train_size}, {"validation_size", config.validation_size}, {"test_size", config.test_size}};
  for (auto [name, size] : sizes) {
    if (size < 0) throw ValueError(std::string("make_disk_splits: ") + name + " must be >= 0, got " + std::to_string(size));
  }
  if (config.train_size < 1) throw ValueError("make_disk_splits: train_size must be >= 1, got 0");
  if (config.standardize && config.train_size < 2) {
    throw ValueError("make_disk_splits: standardize needs train_size >= 2, got " + std::to_string(config.train_size));
  }
  TensorDataset split[3];
  for (int k = 0; k < 3; ++k) {
    Generator gen(disk_split_seed(config.seed, k));
    split[k] = make_disk(sizes[k].second, gen, config.targets);
    if (config.baseline_features && split[k].size() > 0) {
      const TensorDataset& s = split[k];
      split[k] = TensorDataset(baseline_features(s.inputs()), s.labels(), s.targets(), 2);
    }
  }
  DiskSplits out;
  if (config.standardize) {
    Standardizer standardizer = Standardizer::fitted_on(split[0].inputs());
    for (auto& s : split) s = standardizer.transform(s);
    out.standardizer = standardizer;
  }
  out.train = split[0];
  out.validation = split[1];
  out.test = split[2];
  return out;
}

}  // namespace minidl::data
