// Checkpoints: a model's state_dict as a safetensors file (`save` / `load`), and a training
// checkpoint (model, optimizer and scheduler state, the Generator, epoch/step counters) that lets
// training resume exactly. Writes are atomic; loads check the whole file against the model first,
// so a failed load leaves the model as it was.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "minidl/io/safetensors.h"
#include "minidl/random.h"
#include "minidl/state_dict.h"

namespace minidl {

// Throws CheckpointError naming `file` and listing every problem at once: keys missing from
// `loaded`, unexpected keys in it, and tensors whose shape or dtype differ from `expected`'s.
// `prefix` is put before the keys in the message ("model." in a training checkpoint).
void check_state_dict(const StateDict& expected, const StateDict& loaded, const std::string& file,
                      const std::string& prefix = "");

// A state_dict as safetensors ("0.weight" -> tensor), written atomically.
void save(const StateDict& state_dict, const std::string& path, const std::map<std::string, std::string>& metadata = {});
// Reads `path` and checks it against `expected` (a model's state_dict); returns the file's tensors
// in `expected`'s key order. Nothing is changed on an error.
StateDict load(const std::string& path, const StateDict& expected);
// load() then copies each tensor into `target`'s tensor of the same key (module state_dicts share
// storage with the parameters, so this loads the model in place).
void load_into(const std::string& path, const StateDict& target);

// Any module with `state_dict()` and `load_state_dict(const StateDict&, bool strict)`, as nn::Module.
template <class M>
concept HasStateDict = requires(M& m, const StateDict& sd) {
  { std::as_const(m).state_dict() } -> std::convertible_to<StateDict>;
  m.load_state_dict(sd, true);
};

template <HasStateDict M>
void save(const M& module, const std::string& path, const std::map<std::string, std::string>& metadata = {}) {
  save(module.state_dict(), path, metadata);
}
template <HasStateDict M>
void load(M& module, const std::string& path) {
  module.load_state_dict(load(path, module.state_dict()), /*strict=*/true);
}

// A training checkpoint. In the file, the tensors of part "model" are keyed "model.<key>"; the
// rest goes in __metadata__ as strings: "minidl.format", "minidl.parts" ("model,optimizer"),
// "minidl.counter.<name>" (decimal), "minidl.generator.s0".."s3" (decimal), ".has_spare" and
// ".spare" (the double's bits in hex, so it round-trips exactly). `metadata` holds any other
// strings (the config, a git hash); its keys must not start with "minidl.".
struct Checkpoint {
  std::map<std::string, StateDict> parts;    // "model", "optimizer", "scheduler"; names without '.' or ','
  std::optional<Generator::State> generator;
  std::map<std::string, int64_t> counters;   // "epoch", "step", "run"
  std::map<std::string, std::string> metadata;
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Reads and checks the file: format marker, every tensor in a listed part, counters and generator
// well-formed. Throws CheckpointError naming the file and the key.
Checkpoint load_checkpoint(const std::string& path);
// As above, and each part named in `expected` must be in the file and match it (check_state_dict),
// e.g. {{"model", model.state_dict()}, {"optimizer", optimizer.state_dict()}}.
Checkpoint load_checkpoint(const std::string& path, const std::map<std::string, StateDict>& expected);

}  // namespace minidl
