// `minidl eval`: a saved model on the test set of its config, and load_model(), which eval and
// predict share: the checkpoint's weights in the config's network, with the inputs standardised
// by the statistics the model was trained with.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "commands.h"

namespace minidl::cli {

namespace {

// The standardiser stored with a model (model.safetensors holds "standardizer.mean" and ".std").
std::optional<data::Standardizer> stored_standardizer(const StateDict& tensors, const std::string& file) {
  StateDict s = tensors.with_prefix("standardizer.");
  if (s.empty()) return std::nullopt;
  data::Standardizer standardizer;
  try {
    standardizer.load_state_dict(s);
  } catch (const Error& e) {
    throw CheckpointError(file + ": bad standardizer statistics: " + e.what());
  }
  return standardizer;
}

// `set` with its inputs standardised (the stored statistics replace the ones of the config).
std::shared_ptr<const data::Dataset> standardized(const std::shared_ptr<const data::Dataset>& set,
                                                 const data::Standardizer& standardizer, const std::string& file) {
  if (!set) return set;
  auto tensors = std::dynamic_pointer_cast<const data::TensorDataset>(set);
  if (!tensors) throw CheckpointError(file + ": has standardizer statistics, but this data source is not standardised by them");
  if (tensors->inputs().dim() != 2 || tensors->inputs().size(1) != standardizer.num_features()) {
    throw CheckpointError(file + ": its standardizer has " + std::to_string(standardizer.num_features()) +
                          " features, the data's inputs are " + to_string(tensors->inputs().shape()));
  }
  return std::make_shared<data::TensorDataset>(standardizer.transform(*tensors));
}

}  // namespace

LoadedModel load_model(const std::string& config_path, const std::vector<std::string>& sets,
                       const std::string& checkpoint, std::optional<int64_t> seed, bool fit_standardizer) {
  // The file: a model (model.safetensors, best.safetensors, a PyTorch state_dict) or a training
  // checkpoint of `minidl train` (checkpoint.safetensors, its model part).
  SafetensorsFile file = load_safetensors(checkpoint);
  StateDict weights;
  std::optional<int64_t> stored_seed;
  if (file.metadata.contains("minidl.format")) {
    Checkpoint c = load_checkpoint(checkpoint);
    if (!c.parts.contains("model")) throw CheckpointError(checkpoint + ": a training checkpoint without a model part");
    weights = c.parts.at("model");
    if (c.counters.contains("seed") && c.counters.contains("run")) stored_seed = c.counters.at("seed") + c.counters.at("run");
    file.metadata = c.metadata;
  } else {
    for (const auto& [key, t] : file.tensors) {
      if (key.rfind("standardizer.", 0) != 0) weights.insert(key, t);
    }
    if (file.metadata.contains("seed")) {
      const std::string& text = file.metadata.at("seed");
      char* end = nullptr;
      errno = 0;
      unsigned long long v = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE || v > INT64_MAX) {
        throw CheckpointError(checkpoint + ": metadata 'seed' = '" + text + "' is not a seed (a whole number >= 0)");
      }
      stored_seed = static_cast<int64_t>(v);
    }
  }
  std::optional<data::Standardizer> standardizer = stored_standardizer(file.tensors, checkpoint);

  // The config: the one given, else the one the model was trained with, else the default.
  std::string config_name;
  std::optional<Config> config;
  if (!config_path.empty()) {
    config_name = config_path;
    config = Config::load(config_path, sets);
  } else if (file.metadata.contains("config")) {
    config_name = checkpoint + " (its config)";
    config = Config::parse(file.metadata.at("config"), config_name, sets);
  } else {
    // No silent fallback to the default config: a model is only right with the network and the
    // data it was trained with.
    throw ConfigError(checkpoint + ": carries no config (it was not written by `minidl train`): give the config the "
                      "model was trained with, e.g. minidl eval CONFIG --checkpoint " + checkpoint);
  }
  for (const std::string& w : config->warnings()) std::cerr << "warning: " << w << "\n";
  uint64_t data_seed = static_cast<uint64_t>(seed ? *seed : stored_seed ? *stored_seed : config->get_int("train.seed"));

  // The data: raw, then standardised by the stored statistics, or as the config says.
  Data d;
  if (standardizer) {
    Config raw = *config;
    raw.set("data.standardize=false");
    d = load_data(raw, data_seed);
    d.train = standardized(d.train, *standardizer, checkpoint);
    d.val = standardized(d.val, *standardizer, checkpoint);
    d.test = standardized(d.test, *standardizer, checkpoint);
    d.standardizer = standardizer;
  } else {
    // The statistics the model was trained with are unknown, unless the config is the
    // checkpoint's own (a training checkpoint: the same data, so the same fit). Fitting new ones
    // on other data would give a plausible but wrong accuracy.
    bool fitted = config->get_bool("data.standardize") && config->get_string("data.source") != "fashion-mnist";
    if (fitted && !fit_standardizer && !(config_path.empty() && sets.empty())) {
      throw ConfigError(checkpoint + ": has no standardisation statistics, but " + config_name +
                        " standardises its inputs (data.standardize = true): if the model was trained on raw "
                        "inputs, add --set data.standardize=false; to fit the statistics on this config's training "
                        "data, add --fit-standardizer");
    }
    d = load_data(*config, data_seed);
  }
  std::shared_ptr<nn::Sequential> model = build_model(*config, d, data_seed);
  check_state_dict(model->state_dict(), weights, checkpoint);  // names the file and every key that differs
  model->load_state_dict(weights, /*strict=*/true);
  model->eval();
  Objective objective = build_objective(*config, d);
  return LoadedModel{*config, config_name, !config_path.empty() ? false : file.metadata.contains("config"), data_seed,
                     std::move(d), model, objective};
}

int eval_command(const EvalArgs& args) {
  try {
    LoadedModel m = load_model(args.config, args.sets, args.checkpoint, args.seed, args.fit_standardizer);
    Evaluation e;
    try {
      e = evaluate(*m.model, m.objective, *m.data.test, m.data.num_classes);
    } catch (const ShapeError& err) {
      std::cerr << "minidl eval: " << m.config_name << ": the model does not fit the data:\n" << err.what() << "\n";
      return kUsageError;
    }
    int64_t c = m.objective.classification ? e.confusion.num_classes() : 0;
    std::vector<std::vector<int64_t>> confusion(c, std::vector<int64_t>(c));
    for (int64_t t = 0; t < c; ++t)
      for (int64_t p = 0; p < c; ++p) confusion[t][p] = e.confusion.count(t, p);
    if (args.json) {
      nlohmann::json j;
      j["checkpoint"] = args.checkpoint;
      j["config"] = m.config_from_checkpoint ? "checkpoint" : m.config_name;
      j["seed"] = m.seed;
      j["test_size"] = m.data.test->size();
      j["test_loss"] = e.loss;
      if (m.objective.classification) {
        j["test_accuracy"] = e.accuracy;
        j["confusion"] = confusion;
        j["class_names"] = m.data.class_names;
      } else {
        j["test_accuracy"] = nullptr;
      }
      std::cout << j.dump(2) << "\n";
      return kOk;
    }
    std::cout << "minidl eval " << args.checkpoint << ": test set of " << m.data.test->size() << " examples ("
              << (m.config_from_checkpoint ? std::string("the config stored in the checkpoint") : m.config_name)
              << ", seed " << m.seed << ")\n";
    char line[200];
    if (m.objective.classification) {
      std::snprintf(line, sizeof line, "test loss %.6g, test accuracy %.2f%%\n", e.loss, 100 * e.accuracy);
      std::cout << line << "\n" << e.confusion.to_string(m.data.class_names);
    } else {
      std::snprintf(line, sizeof line, "test loss %.6g\n", e.loss);
      std::cout << line;
    }
    return kOk;
  } catch (...) {
    return command_failed("eval");
  }
}

}  // namespace minidl::cli
