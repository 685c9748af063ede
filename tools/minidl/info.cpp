// `minidl info`: what a config builds, without training it: the data's shape, the module tree
// (PyTorch's print(model)) and the layer table (nn::summary) for one example; with
// --config-tables, the registry's keys and names as docs/CONFIG.md shows them.
#include <iostream>
#include <sstream>

#include "commands.h"
#include "language_model.h"
#include "minidl/nn/summary.h"
#include "registry/registry.h"
#include "system_report.h"

namespace minidl::cli {

namespace {

// The rates the training will really use: one-cycle sets them from max_lr (default optimizer.lr).
std::string learning_rates(const Config& config) {
  std::ostringstream os;
  if (config.get_string("scheduler.name") != "onecycle") {
    os << "lr " << config.get_float("optimizer.lr");
    return os.str();
  }
  double peak = config.has("scheduler.max_lr") ? config.get_float("scheduler.max_lr") : config.get_float("optimizer.lr");
  double start = peak / config.get_float("scheduler.div_factor");
  os << "lr " << start << " rising to " << peak << ", then down to " << start / config.get_float("scheduler.final_div_factor")
     << " by one-cycle";
  return os.str();
}

}  // namespace

int info_command(const InfoArgs& args) {
  if (args.system) {
    print_system(std::cout);
    return kOk;
  }
  if (args.config_tables) {
    for (const std::string& block : config_tables()) std::cout << block << "\n";
    return kOk;
  }
  std::string config_name = args.config.empty() ? default_config_path() : args.config;
  std::optional<Config> config;
  try {
    config = Config::load(config_name, args.sets);
    for (const std::string& w : config->warnings()) std::cerr << "warning: " << w << "\n";
  } catch (const ConfigError& e) {
    std::cerr << "minidl info: " << e.what() << "\n";
    return kUsageError;
  }
  if (config->get_string("data.source") == "chars") return info_language_model(*config, config_name);
  // The model of run 0, built and probed as `train` does (a model that does not fit is exit 2).
  std::unique_ptr<Run> run;
  uint64_t seed = static_cast<uint64_t>(config->get_int("train.seed"));
  if (int code = build_checked_run(*config, config_name, 0, seed, "info", run)) return code;
  try {
    const Data& d = run->data();
    nn::Sequential& model = run->model();
    Shape input = d.input_shape;
    std::vector<int64_t> dims{1};
    for (int64_t i = 0; i < input.dim(); ++i) dims.push_back(input[i]);
    std::cout << config_name << ": " << config->get_string("data.source") << " data, inputs of shape " << to_string(input) << " per example"
              << ", " << (d.num_classes > 0 ? std::to_string(d.num_classes) + " classes" : std::string("regression"))
              << ", " << d.train->size() << " training / " << (d.val ? d.val->size() : 0) << " validation / "
              << d.test->size() << " test examples\n"
              << "loss " << run->objective().repr << ", optimizer " << config->get_string("optimizer.name")
              << " (" << learning_rates(*config) << "), scheduler " << config->get_string("scheduler.name")
              << ", " << config->get_int("train.epochs") << " epochs of " << run->batches_per_epoch() << " batches\n\n"
              << model << "\n\n"
              << nn::summary(model, Shape(dims));
    return kOk;
  } catch (const std::exception& e) {
    std::cerr << "minidl info: " << e.what() << "\n";
    return kRuntimeError;
  }
}

}  // namespace minidl::cli
