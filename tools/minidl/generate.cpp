// `minidl generate`: samples text from a character language model trained by `minidl train`.
#include <cmath>
#include <iostream>

#include "commands.h"
#include "language_model.h"
#include "minidl/io/safetensors.h"
#include "sequence_layers.h"

namespace minidl::cli {

int generate_command(const GenerateArgs& args) {
  data::CharVocabulary vocabulary;
  std::shared_ptr<nn::Sequential> model;
  Tensor prompt;
  try {
    if (!(args.temperature > 0)) throw ConfigError("--temperature must be > 0, got " + std::to_string(args.temperature));
    if (args.length < 0) throw ConfigError("--length must be >= 0, got " + std::to_string(args.length));
    if (args.prompt.empty()) throw ConfigError("--prompt must hold at least one character");
    SafetensorsFile file = load_safetensors(args.checkpoint);
    auto it = file.metadata.find("vocabulary");
    if (it == file.metadata.end() || !file.metadata.count("config")) {
      throw ConfigError(args.checkpoint + ": not a character model of `minidl train` (no vocabulary and config in its metadata)");
    }
    vocabulary = vocabulary_from_hex(it->second);
    Config config = Config::parse(file.metadata.at("config"), args.checkpoint);
    model = build_language_model(config, vocabulary.size(), 0);
    model->load_state_dict(file.tensors);
    model->eval();
    try {
      prompt = vocabulary.encode(args.prompt);
    } catch (const DataError& e) {
      throw ConfigError(std::string("--prompt: ") + e.what() + " (the model knows only the characters of its training text)");
    }
  } catch (const ConfigError& e) {
    std::cerr << "minidl generate: " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "minidl generate: " << args.checkpoint << ": " << e.what() << "\n";
    return kRuntimeError;
  }
  NoGradGuard no_grad;
  Generator gen(args.seed);
  std::vector<nn::RecurrentState> states;
  Tensor logits = forward_carrying_state(*model, prompt.reshape({1, prompt.numel()}), states);
  std::vector<int64_t> sampled;
  const int64_t vocab = vocabulary.size();
  for (int64_t i = 0; i < args.length; ++i) {
    // softmax(last logits / temperature), then the first code whose cumulative probability passes u
    Tensor last = narrow(logits, 1, logits.size(1) - 1, 1).reshape({1, vocab});
    std::vector<double> p = softmax(mul(last, 1.0 / args.temperature), 1).to_vector();
    double u = gen.uniform(), cumulative = 0;
    int64_t code = vocab - 1;
    for (int64_t c = 0; c < vocab; ++c) {
      cumulative += p[static_cast<size_t>(c)];
      if (u < cumulative) {
        code = c;
        break;
      }
    }
    sampled.push_back(code);
    logits = forward_carrying_state(*model, tensor(std::vector<int64_t>{code}, {1, 1}), states);
  }
  std::cout << args.prompt << vocabulary.decode(sampled) << "\n";
  return kOk;
}

}  // namespace minidl::cli
