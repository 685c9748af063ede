// The data sources of data.source: one add() each, with its options and its builder. The
// builders read data.val_size, data.standardize and data.targets (the [data] keys every source has)
// and return the splits of one run; load_data() (experiment.cpp) fills in the shape and class names.
#include <future>
#include <sstream>

#include "label_check.h"
#include "minidl/error.h"
#include "minidl/kernels.h"
#include "registry/registry.h"

namespace minidl::cli {

namespace {

using Build = std::function<Data(const Options&, const Config&, uint64_t)>;

data::Targets targets_of(const Options& o) {
  std::string t = o.string("targets");
  if (t == "one-hot") return data::Targets::one_hot;
  if (t == "label") return data::Targets::label_float;
  return data::Targets::labels;
}

// The last val_size examples of `all_train` become the validation set.
void hold_out(Data& d, std::shared_ptr<const data::Dataset> all_train, int64_t val_size) {
  d.train = all_train;
  if (val_size > 0) {
    d.train = std::make_shared<data::Subset>(all_train, 0, all_train->size() - val_size);
    d.val = std::make_shared<data::Subset>(all_train, all_train->size() - val_size, val_size);
  }
}

Data disk(const Options& o, const Config&, uint64_t seed) {
  Data d;
  data::DiskConfig disk;
  disk.train_size = o.integer("train_size");
  disk.validation_size = o.integer("val_size");
  disk.test_size = o.integer("test_size");
  disk.seed = o.has("seed") ? static_cast<uint64_t>(o.integer("seed")) : seed;
  disk.targets = targets_of(o);
  disk.baseline_features = o.string("features") == "xy-r2";
  data::DiskSplits splits = data::make_disk_splits(disk);  // raw; standardised below
  d.is_disk = true;
  d.train_points = narrow(splits.train.inputs(), 1, 0, 2);
  d.train_labels = splits.train.labels();
  d.test_points = narrow(splits.test.inputs(), 1, 0, 2);
  d.test_labels = splits.test.labels();
  if (o.boolean("standardize")) d.standardizer = data::Standardizer::fitted_on(splits.train.inputs());
  auto prepare = [&](const data::TensorDataset& set) -> std::shared_ptr<const data::Dataset> {
    return std::make_shared<data::TensorDataset>(d.standardizer ? d.standardizer->transform(set) : set);
  };
  d.train = prepare(splits.train);
  d.test = prepare(splits.test);
  if (disk.validation_size > 0) d.val = prepare(splits.validation);
  d.num_classes = 2;
  return d;
}

// A constant column cannot be standardised: named here (1-based, with its header name).
void check_no_constant_column(const data::TensorDataset& train, const std::string& path,
                              const std::vector<std::string>& names) {
  const Tensor& x = train.inputs();
  const float* v = x.data<float>();
  for (int64_t j = 0, n = x.size(0), f = x.size(1); j < f && n > 0; ++j) {
    bool constant = true;
    for (int64_t i = 1; i < n && constant; ++i) constant = v[i * f + j] == v[j];
    if (constant) {
      std::ostringstream value;
      value << v[j];
      throw DataError(path + ": column " + std::to_string(j + 1) + " ('" + names.at(j) + "') has the same value (" +
                      value.str() + ") in every row, so it cannot be standardised "
                      "(std 0): remove the column, or set data.standardize = false");
    }
  }
}

Data csv(const Options& o, const Config& config, uint64_t) {
  Data d;
  std::string train_path = o.string("train_path"), test_path = o.string("test_path");
  if (train_path.empty() || test_path.empty()) {
    throw ConfigError(config.name() + ": data.source = \"csv\" needs data.train_path and data.test_path");
  }
  data::CsvOptions options;
  options.task = data::parse_task(o.string("task"));
  options.target_columns = o.integer("target_columns");
  options.targets = targets_of(o);
  data::CsvSplits splits = data::read_csv_splits(train_path, test_path, options);
  data::TensorDataset train = splits.train, test = splits.test;
  if (options.task == data::Task::classification) {
    d.label_files = {{train_path, splits.target_names.at(0), splits.train.labels(), csv_row_lines(train_path)},
                     {test_path, splits.target_names.at(0), splits.test.labels(), csv_row_lines(test_path)}};
  }
  if (o.boolean("standardize")) {
    check_no_constant_column(train, train_path, splits.feature_names);
    d.standardizer = data::Standardizer::fitted_on(train.inputs());
    train = d.standardizer->transform(train);
    test = d.standardizer->transform(test);
  }
  auto all_train = std::make_shared<data::TensorDataset>(train);
  int64_t val_size = o.integer("val_size");
  if (val_size >= all_train->size()) {
    throw ConfigError(config.name() + ": data.val_size = " + std::to_string(val_size) + " leaves no training rows in " +
                      train_path + " (" + std::to_string(all_train->size()) + " rows)");
  }
  hold_out(d, all_train, val_size);
  d.test = std::make_shared<data::TensorDataset>(test);
  d.num_classes = train.num_classes();
  return d;
}

Data fashion_mnist(const Options& o, const Config& config, uint64_t) {
  Data d;
  data::FashionMnistOptions options;
  options.dir = o.string("dir");
  options.flatten = o.boolean("flatten");
  options.normalize = o.boolean("standardize");
  options.limit = o.integer("train_limit");
  auto all_train = std::make_shared<data::FashionMnist>(options);
  options.train = false;
  options.limit = o.integer("test_limit");
  d.test = std::make_shared<data::FashionMnist>(options);
  int64_t val_size = o.integer("val_size");
  if (val_size >= all_train->size()) {
    throw ConfigError(config.name() + ": data.val_size = " + std::to_string(val_size) + " leaves no training images");
  }
  hold_out(d, all_train, val_size);
  if (o.boolean("rows_as_steps")) {  // sequential Fashion-MNIST: 28 steps of 28 pixels
    auto rows = [](std::shared_ptr<const data::Dataset> set) -> std::shared_ptr<const data::Dataset> {
      if (!set) return set;
      return std::make_shared<data::ImageRows>(set, data::FashionMnist::kRows, data::FashionMnist::kCols);
    };
    d.train = rows(d.train);
    d.val = rows(d.val);
    d.test = rows(d.test);
  }
  d.num_classes = data::FashionMnist::kNumClasses;
  for (const char* name : data::FashionMnist::kClassNames) d.class_names.push_back(name);
  d.is_images = true;
  return d;
}

// Fashion-MNIST's files take longer to read than oneDNN takes to compile its sgemm kernels
// (kernels.h: ~40 ms), and the image networks' products need them: they are made meanwhile on
// another thread instead of inside the first training step. (The disk task's data are made in
// microseconds and its products are libxsmm's: no warm-up.)
Build while_warming_up_kernels(Build build) {
  return [build](const Options& o, const Config& config, uint64_t seed) {
    std::future<void> kernels = std::async(std::launch::async, warm_up_kernels);
    Data d = build(o, config, seed);
    kernels.get();
    return d;
  };
}

Data chars(const Options&, const Config& config, uint64_t) {
  throw ConfigError(config.name() + ": data.source = \"chars\" is trained by `minidl train` (its own loop), shown by "
                    "`minidl info` and sampled by `minidl generate`; eval, predict and grid do not take it yet");
}

std::vector<SourceRow> make_rows() {
  std::vector<SourceRow> r;
  add(r, "disk", "points in [0,1]^2, label 1 inside the disk of centre (0.5, 0.5) and radius 1/sqrt(2 pi)",
      {opt::integer("train_size", 1000, "training points").min(1), opt::integer("test_size", 1000, "test points").min(1),
       opt::string("features", "xy", "`xy` (raw coordinates) or `xy-r2` (x, y, x^2 + y^2: report 003's linear baseline)")
           .one_of({"xy", "xy-r2"})},
      disk);
  add(r, "csv", "your files: a header row, the feature columns, then the label or target columns",
      {opt::string("train_path", std::nullopt, "training file"), opt::string("test_path", std::nullopt, "test file, same columns"),
       opt::string("task", "classification",
                   "`classification` (last column an integer class) or `regression` (last data.target_columns columns are targets)")
           .one_of({"classification", "regression"}),
       opt::integer("target_columns", 1, "regression: number of target columns").min(1)},
      csv);
  add(r, "fashion-mnist", "Fashion-MNIST images (Debian's `dataset-fashion-mnist`)",
      {opt::string("dir", "/usr/share/datasets/fashion-mnist", "folder of the gzip IDX files"),
       opt::integer("train_limit", 0, "use only the first N training images (0: all)").min(0),
       opt::integer("test_limit", 0, "use only the first N test images (0: all)").min(0),
       opt::boolean("flatten", true, "images as (N, 784) vectors; `false` gives (N, 1, 28, 28) for convolutions"),
       opt::boolean("rows_as_steps", false, "images as (N, 28, 28) sequences of rows, for rnn/lstm/gru layers")},
      while_warming_up_kernels(fashion_mnist));
  add(r, "chars", "character-level language modelling on a text (by default Debian's `fortunes`); see below",
      {opt::string("path", "/usr/share/games/fortunes",
                   "a text file, or a folder whose regular files (links and *.dat skipped) are read in name order"),
       opt::integer("seq_len", 64, "characters per step of truncated backpropagation through time").min(1),
       opt::number("val_fraction", 0.05, "the validation part of the text, after the training part").min(0),
       opt::number("test_fraction", 0.05, "the test part, the end of the text").min(0),
       opt::number("train.clip_grad_norm", 0.0, "clip the gradients' total 2-norm to this before each step (0: off)").min(0)},
      chars);
  return r;
}

}  // namespace

const std::vector<SourceRow>& source_rows() {
  static const std::vector<SourceRow> rows = make_rows();
  return rows;
}

}  // namespace minidl::cli
