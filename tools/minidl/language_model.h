// `minidl train` for data.source = "chars": a character-level language model trained with
// truncated backpropagation through time, and the pieces `minidl generate` shares with it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "minidl/data/text.h"
#include "config.h"
#include "minidl/nn.h"

namespace minidl::cli {

// Trains `config` into the run folder `dir` (which must not exist or be empty): per epoch, the
// training text as batch_size parallel streams walked data.seq_len characters at a time, the
// recurrent state carried from one batch to the next (detached), and the validation and test
// loss in bits per character. Writes config.toml, metrics.csv, model.safetensors (with the
// vocabulary), summary.json and bpc.png. Returns the exit code.
int train_language_model(const Config& config, const std::string& config_name, const std::string& dir,
                         uint64_t seed, bool quiet);

// `minidl info` of a chars config: the text, the vocabulary, the module tree and its parameters.
int info_language_model(const Config& config, const std::string& config_name);

// The model of a chars config for a vocabulary of `vocab` characters (weights from Generator(seed)).
std::shared_ptr<nn::Sequential> build_language_model(const Config& config, int64_t vocab, uint64_t seed);

// The vocabulary as stored in model.safetensors' metadata: the characters' bytes in hex.
std::string vocabulary_to_hex(const data::CharVocabulary& vocabulary);
data::CharVocabulary vocabulary_from_hex(const std::string& hex);

}  // namespace minidl::cli

namespace minidl::cli {

struct GenerateArgs {
  std::string checkpoint;   // model.safetensors of a chars run
  std::string prompt;
  int64_t length = 200;
  double temperature = 1.0;
  uint64_t seed = 0;
};
// Prints the prompt followed by `length` characters sampled one at a time from the model's
// softmax(logits / temperature), the state carried. Returns the exit code.
int generate_command(const GenerateArgs& args);

}  // namespace minidl::cli
