// Builders from a validated Config to the objects of one run.
#include "experiment.h"

#include <cmath>
#include <sstream>
#include <toml++/toml.h>

#include "checked_size.h"
#include "label_check.h"
#include "minidl/error.h"
#include "sequence_layers.h"

namespace minidl::cli {

namespace {

data::Targets targets_of(const io::Config& config) {
  std::string t = config.get_string("data.targets");
  if (t == "one-hot") return data::Targets::one_hot;
  if (t == "label") return data::Targets::label_float;
  return data::Targets::labels;
}

}  // namespace

Data load_data(const io::Config& config, uint64_t seed) {
  Data d;
  std::string source = config.get_string("data.source");
  bool standardize = config.get_bool("data.standardize");
  int64_t val_size = config.get_int("data.val_size");
  data::Targets targets = targets_of(config);
  if (source == "disk") {
    data::DiskConfig disk;
    disk.train_size = config.get_int("data.train_size");
    disk.validation_size = val_size;
    disk.test_size = config.get_int("data.test_size");
    disk.seed = config.has("data.seed") ? static_cast<uint64_t>(config.get_int("data.seed")) : seed;
    disk.targets = targets;
    disk.baseline_features = config.get_string("data.features") == "xy-r2";
    data::DiskSplits splits = data::make_disk_splits(disk);  // raw; standardised below
    d.is_disk = true;
    d.train_points = narrow(splits.train.inputs(), 1, 0, 2);
    d.train_labels = splits.train.labels();
    d.test_points = narrow(splits.test.inputs(), 1, 0, 2);
    d.test_labels = splits.test.labels();
    if (standardize) d.standardizer = data::Standardizer::fitted_on(splits.train.inputs());
    auto prepare = [&](const data::TensorDataset& set) -> std::shared_ptr<const data::Dataset> {
      return std::make_shared<data::TensorDataset>(d.standardizer ? d.standardizer->transform(set) : set);
    };
    d.train = prepare(splits.train);
    d.test = prepare(splits.test);
    if (val_size > 0) d.val = prepare(splits.validation);
    d.num_classes = 2;
  } else if (source == "csv") {
    std::string train_path = config.get_string("data.train_path"), test_path = config.get_string("data.test_path");
    if (train_path.empty() || test_path.empty()) {
      throw ConfigError(config.name() + ": data.source = \"csv\" needs data.train_path and data.test_path");
    }
    data::CsvOptions options;
    options.task = data::parse_task(config.get_string("data.task"));
    options.target_columns = config.get_int("data.target_columns");
    options.targets = targets;
    data::CsvSplits splits = data::read_csv_splits(train_path, test_path, options);
    data::TensorDataset train = splits.train, test = splits.test;
    if (options.task == data::Task::classification) {
      d.label_files = {{train_path, splits.target_names.at(0), splits.train.labels(), csv_row_lines(train_path)},
                       {test_path, splits.target_names.at(0), splits.test.labels(), csv_row_lines(test_path)}};
    }
    if (standardize) {
      // A constant column cannot be standardised: named here (1-based, with its header name).
      const Tensor& x = train.inputs();
      const float* v = x.data<float>();
      for (int64_t j = 0, n = x.size(0), f = x.size(1); j < f && n > 0; ++j) {
        bool constant = true;
        for (int64_t i = 1; i < n && constant; ++i) constant = v[i * f + j] == v[j];
        if (constant) {
          std::ostringstream value;
          value << v[j];
          throw DataError(train_path + ": column " + std::to_string(j + 1) + " ('" + splits.feature_names.at(j) +
                          "') has the same value (" + value.str() + ") in every row, so it cannot be standardised "
                          "(std 0): remove the column, or set data.standardize = false");
        }
      }
      d.standardizer = data::Standardizer::fitted_on(train.inputs());
      train = d.standardizer->transform(train);
      test = d.standardizer->transform(test);
    }
    auto all_train = std::make_shared<data::TensorDataset>(train);
    if (val_size >= all_train->size()) {
      throw ConfigError(config.name() + ": data.val_size = " + std::to_string(val_size) + " leaves no training rows in " +
                        train_path + " (" + std::to_string(all_train->size()) + " rows)");
    }
    d.train = all_train;
    if (val_size > 0) {
      d.train = std::make_shared<data::Subset>(all_train, 0, all_train->size() - val_size);
      d.val = std::make_shared<data::Subset>(all_train, all_train->size() - val_size, val_size);
    }
    d.test = std::make_shared<data::TensorDataset>(test);
    d.num_classes = train.num_classes();
  } else if (source == "chars") {
    throw ConfigError(config.name() + ": data.source = \"chars\" is trained by `minidl train` (its own loop), shown by "
                      "`minidl info` and sampled by `minidl generate`; eval, predict and grid do not take it yet");
  } else {  // fashion-mnist
    data::FashionMnistOptions options;
    options.dir = config.get_string("data.dir");
    options.flatten = config.get_bool("data.flatten");
    options.normalize = standardize;
    options.limit = config.get_int("data.train_limit");
    auto all_train = std::make_shared<data::FashionMnist>(options);
    options.train = false;
    options.limit = config.get_int("data.test_limit");
    d.test = std::make_shared<data::FashionMnist>(options);
    if (val_size >= all_train->size()) {
      throw ConfigError(config.name() + ": data.val_size = " + std::to_string(val_size) + " leaves no training images");
    }
    d.train = all_train;
    if (val_size > 0) {
      d.train = std::make_shared<data::Subset>(all_train, 0, all_train->size() - val_size);
      d.val = std::make_shared<data::Subset>(all_train, all_train->size() - val_size, val_size);
    }
    if (config.get_bool("data.rows_as_steps")) {  // sequential Fashion-MNIST: 28 steps of 28 pixels
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
  }
  d.input_shape = d.train->input_shape();
  if (d.class_names.empty()) {
    for (int64_t c = 0; c < d.num_classes; ++c) d.class_names.push_back(std::to_string(c));
  }
  return d;
}

// ---- model ---------------------------------------------------------------------------------------

namespace {

struct ModelBuilder {
  const io::Config& config;
  Generator gen;
  uint64_t seed;
  int64_t num_classes = 0;
  bool sequence = false;  // the examples are (T, features) steps here
  int dropout_count = 0;

  nn::LinearOptions linear_options(bool bias) {
    nn::LinearOptions o;
    o.bias = bias;
    std::string init = config.get_string("model.init");
    static const std::map<std::string, nn::Init> inits = {
        {"pytorch_default", nn::Init::pytorch_default}, {"pytorch_default_scaled", nn::Init::pytorch_default_scaled},
        {"xavier_uniform", nn::Init::xavier_uniform},   {"xavier_normal", nn::Init::xavier_normal},
        {"kaiming_uniform", nn::Init::kaiming_uniform}, {"kaiming_normal", nn::Init::kaiming_normal},
        {"normal", nn::Init::normal}};
    o.init = inits.at(init);
    if (o.init == nn::Init::normal) o.weight_std = config.get_float("model.init_std");
    // Only layers that have a bias draw it (report 001 mixes layers with and without one).
    if (bias && config.get_float("model.bias_std") > 0) o.bias_std = config.get_float("model.bias_std");
    o.generator = &gen;
    return o;
  }

  [[noreturn]] void fail(const std::string& at, const std::string& what) {
    throw ConfigError(config.name() + ": " + at + ": " + what);
  }

  // Appends the layers of `layers` to `seq`, updating `shape` (one example's shape).
  void add_layers(nn::Sequential& seq, const toml::array& layers, Shape& shape, const std::string& at) {
    for (size_t i = 0; i < layers.size(); ++i) {
      const toml::table& layer = *layers[i].as_table();
      std::string where = at + "[" + std::to_string(i) + "]";
      std::string type = layer["type"].value_or(std::string());
      auto option_int = [&](const char* key, int64_t def) { return layer[key].value_or(def); };
      auto option_float = [&](const char* key, double def) { return layer[key].value_or(def); };
      if (type == "linear") {
        // 1-D examples, or (T, features) sequences, where it acts on each step's features
        if (shape.dim() != 1 && !(shape.dim() == 2 && sequence)) {
          fail(where, "a linear layer needs 1-D examples, but they are " + to_string(shape) +
                          " here; put a {type = \"flatten\"} layer before it");
        }
        int64_t out = option_int("out_features", 0);
        if (out == 0 && num_classes > 0) out = num_classes;  // 0: one output per class (the vocabulary)
        if (out <= 0) fail(where + ".out_features", "must be > 0, got " + std::to_string(out));
        checked_bytes(config.name() + ": " + where, "a linear layer's weight", {out, shape.back()});
        seq.push_back(nn::linear(shape.back(), out, linear_options(layer["bias"].value_or(true))));
        shape[shape.dim() - 1] = out;
      } else if (type == "embedding" || type == "rnn" || type == "lstm" || type == "gru") {
        add_sequence_layer(seq, type, layer, shape, where, gen, seed, num_classes,
                           [this](const std::string& a, const std::string& w) { fail(a, w); });
        sequence = shape.dim() == 2;
      } else if (type == "relu") {
        seq.push_back(nn::relu());
      } else if (type == "tanh") {
        seq.push_back(nn::tanh());
      } else if (type == "sigmoid") {
        seq.push_back(nn::sigmoid());
      } else if (type == "shifted_tanh") {
        seq.push_back(nn::shifted_tanh());
      } else if (type == "identity") {
        seq.push_back(std::make_shared<nn::Identity>());
      } else if (type == "flatten") {
        int64_t n = 1;
        for (int64_t d = 0; d < shape.dim(); ++d) n = checked_product(config.name() + ": " + where, {n, shape[d]});
        seq.push_back(nn::flatten());
        shape = Shape{n};
      } else if (type == "leaky_relu") {
        seq.push_back(nn::leaky_relu(option_float("negative_slope", 0.01)));
      } else if (type == "softmax") {
        seq.push_back(nn::softmax(option_int("dim", 1)));
      } else if (type == "log_softmax") {
        seq.push_back(nn::log_softmax(option_int("dim", 1)));
      } else if (type == "dropout") {
        double p = option_float("p", 0.5);
        if (!(p >= 0 && p < 1)) fail(where + ".p", "must be in [0, 1), got " + std::to_string(p));
        // Each Dropout draws its masks from its own stream, derived from the run's seed.
        seq.push_back(nn::dropout(p, data::disk_split_seed(seed, 16 + dropout_count++)));
      } else if (type == "conv2d") {
        if (shape.dim() != 3) {
          fail(where, "a conv2d layer needs (channels, height, width) examples, but they are " + to_string(shape) +
                          " here (for images set data.flatten = false)");
        }
        int64_t out = option_int("out_channels", 0), k = option_int("kernel_size", 0);
        int64_t stride = option_int("stride", 1), padding = option_int("padding", 0);
        if (out <= 0 || k <= 0 || stride <= 0 || padding < 0) {
          fail(where, "out_channels, kernel_size and stride must be > 0 and padding >= 0");
        }
        nn::Conv2dOptions o;
        o.stride = stride;
        o.padding = padding;
        o.bias = layer["bias"].value_or(true);
        o.generator = &gen;
        checked_bytes(config.name() + ": " + where, "a conv2d layer's weight", {out, shape[0], k, k});
        seq.push_back(nn::conv2d(shape[0], out, k, o));
        if (padding > (int64_t{1} << 30)) fail(where + ".padding", "is too large, got " + std::to_string(padding));
        int64_t h = (shape[1] + 2 * padding - k) / stride + 1, w = (shape[2] + 2 * padding - k) / stride + 1;
        if (h <= 0 || w <= 0) fail(where, "kernel_size " + std::to_string(k) + " is larger than the input " + to_string(shape));
        checked_bytes(config.name() + ": " + where, "a conv2d layer's output per example", {out, h, w});
        shape = Shape{out, h, w};
      } else if (type == "max_pool2d" || type == "avg_pool2d") {
        if (shape.dim() != 3) fail(where, "a pooling layer needs (channels, height, width) examples, got " + to_string(shape));
        int64_t k = option_int("kernel_size", 0), stride = option_int("stride", k);
        if (k <= 0 || stride <= 0) fail(where, "kernel_size and stride must be > 0");
        if (type == "max_pool2d") seq.push_back(nn::max_pool2d(k, stride));
        else seq.push_back(nn::avg_pool2d(k, stride));
        int64_t h = (shape[1] - k) / stride + 1, w = (shape[2] - k) / stride + 1;
        if (h <= 0 || w <= 0) fail(where, "kernel_size " + std::to_string(k) + " is larger than the input " + to_string(shape));
        shape = Shape{shape[0], h, w};
      } else if (type == "batch_norm1d" || type == "batch_norm2d") {
        bool two_d = type == "batch_norm2d";
        if (two_d ? shape.dim() != 3 : (shape.dim() != 1 && shape.dim() != 2)) {
          fail(where, type + " does not fit examples of shape " + to_string(shape));
        }
        nn::BatchNormOptions o;
        o.momentum = option_float("momentum", 0.1);
        o.eps = option_float("eps", 1e-5);
        if (two_d) seq.push_back(nn::batch_norm2d(shape[0], o));
        else seq.push_back(nn::batch_norm1d(shape[0], o));
      } else if (type == "sequential") {
        auto inner = std::make_shared<nn::Sequential>();
        add_layers(*inner, *layer["layers"].as_array(), shape, where + ".layers");
        seq.push_back(inner);
      } else {
        fail(where + ".type", "layer type '" + type + "' is not available in this build");
      }
    }
  }
};

}  // namespace

std::shared_ptr<nn::Sequential> build_model(const io::Config& config, const Data& data, uint64_t seed) {
  ModelBuilder builder{config, Generator(seed), seed, data.num_classes};
  auto model = std::make_shared<nn::Sequential>();
  Shape shape = data.input_shape;
  if (const toml::array* configured = config.layers()) {
    builder.add_layers(*model, *configured, shape, "model.layers");
  } else {  // the reports' network: 2-25-25-25-C with ReLU
    toml::array layers;
    if (shape.dim() != 1) layers.push_back(toml::table{{"type", "flatten"}});
    for (int i = 0; i < 3; ++i) {
      layers.push_back(toml::table{{"type", "linear"}, {"out_features", 25}});
      layers.push_back(toml::table{{"type", "relu"}});
    }
    // Classification: one output per class (or one 0/1 output); regression: one per target column.
    int64_t outputs = config.get_string("data.targets") == "label" ? 1
                      : data.num_classes > 0                      ? data.num_classes
                      : data.train->size() > 0 ? data.train->get_batch(arange(0.0, 1.0, 1.0, kInt64)).targets.numel()
                                               : 1;
    layers.push_back(toml::table{{"type", "linear"}, {"out_features", outputs}});
    builder.add_layers(*model, layers, shape, "model.layers");
  }
  return model;
}

// ---- loss ----------------------------------------------------------------------------------------

Objective build_objective(const io::Config& config, const Data& data) {
  Objective o;
  std::string name = config.get_string("loss.name"), targets = config.get_string("data.targets");
  o.classification = data.num_classes > 0;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw ConfigError(config.name() + ": loss.name = \"" + name + "\" " + what);
  };
  if (name == "cross_entropy") {
    need(targets != "label", "needs data.targets = \"class\" or \"one-hot\" (class logits, not one 0/1 output)");
    auto loss = std::make_shared<nn::CrossEntropyLoss>(Reduction::mean, config.get_float("loss.label_smoothing"));
    bool indices = targets == "class";
    o.loss = [loss, indices](const Tensor& y, const data::Batch& b) { return (*loss)(y, indices ? b.labels : b.targets); };
    o.repr = loss->repr();
  } else if (name == "nll") {
    need(targets == "class", "needs data.targets = \"class\"");
    o.loss = [](const Tensor& y, const data::Batch& b) { return nll_loss(y, b.labels); };
    o.repr = "NLLLoss(reduction=mean)";
  } else {
    bool regression = !o.classification;
    need(regression || targets != "class",
         "needs float targets: data.targets = \"one-hot\" (one output per class) or \"label\" (one 0/1 output)");
    std::shared_ptr<nn::Loss> loss;
    if (name == "mse") loss = std::make_shared<nn::MSELoss>();
    else if (name == "l1") loss = std::make_shared<nn::L1Loss>();
    else if (name == "bce") loss = std::make_shared<nn::BCELoss>();
    else loss = std::make_shared<nn::BCEWithLogitsLoss>();
    if (name == "bce" || name == "bce_with_logits") need(targets == "label", "needs data.targets = \"label\"");
    o.loss = [loss](const Tensor& y, const data::Batch& b) { return (*loss)(y, b.targets); };
    o.repr = loss->repr();
    // One output trained on 0/1 targets: the prediction is output > 0.5, except for logits.
    o.output_kind = name == "bce_with_logits" ? data::OutputKind::logits : data::OutputKind::probabilities;
  }
  return o;
}

// ---- optimizer and schedule ------------------------------------------------------------------------

bool is_full_batch(const io::Config& config) {
  std::string name = config.get_string("optimizer.name");
  return name == "lbfgs" || name == "bfgs";
}

std::unique_ptr<optim::Optimizer> build_optimizer(const io::Config& config, const std::vector<Tensor>& params) {
  std::string name = config.get_string("optimizer.name");
  double lr = config.get_float("optimizer.lr");
  optim::LineSearch search =
      config.get_string("optimizer.line_search") == "none" ? optim::LineSearch::none : optim::LineSearch::strong_wolfe;
  std::vector<double> betas = config.get_floats("optimizer.betas");
  if (name == "sgd") {
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr,
                                                                  .momentum = config.get_float("optimizer.momentum"),
                                                                  .dampening = config.get_float("optimizer.dampening"),
                                                                  .weight_decay = config.get_float("optimizer.weight_decay"),
                                                                  .nesterov = config.get_bool("optimizer.nesterov")});
  }
  if (name == "adam") {
    return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = lr,
                                                                    .betas = {betas[0], betas[1]},
                                                                    .eps = config.get_float("optimizer.eps"),
                                                                    .weight_decay = config.get_float("optimizer.weight_decay"),
                                                                    .amsgrad = config.get_bool("optimizer.amsgrad")});
  }
  if (name == "adamw") {
    double wd = config.has("optimizer.weight_decay") ? config.get_float("optimizer.weight_decay") : 1e-2;
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = lr,
                                                                      .betas = {betas[0], betas[1]},
                                                                      .eps = config.get_float("optimizer.eps"),
                                                                      .weight_decay = wd,
                                                                      .amsgrad = config.get_bool("optimizer.amsgrad")});
  }
  if (name == "rmsprop") {
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = lr,
                                                                          .alpha = config.get_float("optimizer.alpha"),
                                                                          .eps = config.get_float("optimizer.eps"),
                                                                          .weight_decay = config.get_float("optimizer.weight_decay"),
                                                                          .momentum = config.get_float("optimizer.momentum"),
                                                                          .centered = config.get_bool("optimizer.centered")});
  }
  if (name == "lbfgs") {
    optim::LBFGSOptions o;
    o.lr = lr;
    o.max_iter = config.get_int("optimizer.max_iter");
    o.history_size = config.get_int("optimizer.history_size");
    o.line_search_fn = search;
    return std::make_unique<optim::LBFGS>(params, o);
  }
  optim::BFGSOptions o;
  o.lr = lr;
  o.line_search_fn = search;
  return std::make_unique<optim::BFGS>(params, o);
}

Schedule::Schedule(const io::Config& config, optim::Optimizer& optimizer, int64_t steps_per_epoch) {
  std::string name = config.get_string("scheduler.name"), interval = config.get_string("scheduler.interval");
  if (name == "none") return;
  per_step_ = interval.empty() ? (name == "onecycle" || name == "power") : interval == "step";
  int64_t epochs = config.get_int("train.epochs");
  int64_t steps = per_step_ ? epochs * steps_per_epoch : epochs;
  double lr = config.get_float("optimizer.lr");
  if (name == "step") {
    lr_ = std::make_unique<optim::StepLR>(optimizer, config.get_int("scheduler.step_size"), config.get_float("scheduler.gamma"));
  } else if (name == "exponential") {
    lr_ = std::make_unique<optim::ExponentialLR>(optimizer, config.get_float("scheduler.gamma"));
  } else if (name == "cosine") {
    int64_t t_max = config.has("scheduler.T_max") ? config.get_int("scheduler.T_max") : steps;
    lr_ = std::make_unique<optim::CosineAnnealingLR>(optimizer, t_max, config.get_float("scheduler.eta_min"));
  } else if (name == "onecycle") {
    optim::OneCycleLROptions o;
    o.max_lr = config.has("scheduler.max_lr") ? config.get_float("scheduler.max_lr") : lr;
    o.total_steps = steps;
    o.pct_start = config.get_float("scheduler.pct_start");
    o.anneal_strategy = config.get_string("scheduler.anneal_strategy") == "linear" ? optim::AnnealStrategy::linear
                                                                                   : optim::AnnealStrategy::cos;
    o.div_factor = config.get_float("scheduler.div_factor");
    o.final_div_factor = config.get_float("scheduler.final_div_factor");
    // Momentum cycling needs a momentum (SGD with momentum, or Adam's beta1), as in PyTorch.
    std::string opt = config.get_string("optimizer.name");
    o.cycle_momentum = opt == "adam" || opt == "adamw" || (opt == "sgd" && config.get_float("optimizer.momentum") > 0) ||
                       (opt == "rmsprop" && config.get_float("optimizer.momentum") > 0);
    lr_ = std::make_unique<optim::OneCycleLR>(optimizer, o);
  } else if (name == "plateau") {
    optim::ReduceLROnPlateauOptions o;
    o.factor = config.get_float("scheduler.factor");
    o.patience = config.get_int("scheduler.patience");
    plateau_ = std::make_unique<optim::ReduceLROnPlateau>(optimizer, o);
  } else if (name == "power") {
    double eta = config.has("scheduler.eta") ? config.get_float("scheduler.eta") : lr;
    lr_ = std::make_unique<optim::PowerDecayLR>(optimizer, eta, config.get_float("scheduler.kappa"));
  }
}

void Schedule::after_step() {
  if (lr_ && per_step_) lr_->step();
}

void Schedule::after_epoch(double monitored_loss) {
  if (lr_ && !per_step_) lr_->step();
  if (plateau_) plateau_->step(monitored_loss);
}

StateDict Schedule::state_dict() const {
  if (lr_) return lr_->state_dict();
  if (plateau_) return plateau_->state_dict();
  return {};
}

void Schedule::load_state_dict(const StateDict& state) {
  if (lr_) lr_->load_state_dict(state);
  if (plateau_) plateau_->load_state_dict(state);
}

}  // namespace minidl::cli
