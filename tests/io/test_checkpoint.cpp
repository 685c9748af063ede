// save/load of state_dicts against a model, and training checkpoints that resume exactly.
#include "minidl/io/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "io/io_test_util.h"
#include "minidl/random.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

StateDict small_model(uint64_t seed) {
  Generator gen(seed);
  StateDict sd;
  sd.insert("0.weight", randn({25, 2}, gen));
  sd.insert("0.bias", randn({25}, gen));
  sd.insert("2.weight", randn({1, 25}, gen));
  sd.insert("2.bias", randn({1}, gen));
  return sd;
}

std::vector<std::vector<double>> values(const StateDict& sd) {
  std::vector<std::vector<double>> out;
  for (const auto& [key, t] : sd) out.push_back(t.to_vector());
  return out;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const CheckpointError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no CheckpointError";
  return "";
}

TEST(Checkpoint, LoadIntoCopiesIntoTheModelsTensors) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  StateDict trained = small_model(1);
  save(trained, path);

  StateDict model = small_model(2);
  Tensor weight = model.at("0.weight");  // a handle, as a module's parameter would be
  load_into(path, model);
  EXPECT_EQ(values(model), values(trained));
  EXPECT_EQ(weight.to_vector(), trained.at("0.weight").to_vector());
}

TEST(Checkpoint, LoadReturnsTensorsInTheModelsOrder) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  StateDict reversed;
  StateDict model = small_model(1);
  auto keys = model.keys();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) reversed.insert(*it, model.at(*it));
  save(reversed, path);
  EXPECT_EQ(load(path, model).keys(), keys);
}

TEST(Checkpoint, MismatchListsEveryProblemAndLeavesTheModelUnchanged) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  StateDict file = small_model(1);
  StateDict wrong;
  wrong.insert("0.weight", zeros({25, 3}));           // wrong shape
  wrong.insert("0.bias", zeros({25}, kFloat64));      // wrong dtype
  wrong.insert("2.weight", file.at("2.weight"));
  wrong.insert("extra.running_mean", zeros({4}));     // unexpected; "2.bias" missing
  save(wrong, path);

  StateDict model = small_model(2);
  auto before = values(model);
  std::string msg = error_of([&] { load_into(path, model); });
  EXPECT_THAT(msg, HasSubstr(path + ": does not match the model (4 problems):"));
  EXPECT_THAT(msg, HasSubstr("tensor '0.weight': (25, 3) float32 in the file, (25, 2) float32 expected"));
  EXPECT_THAT(msg, HasSubstr("tensor '0.bias': (25) float64 in the file, (25) float32 expected"));
  EXPECT_THAT(msg, HasSubstr("missing tensor '2.bias' ((1) float32)"));
  EXPECT_THAT(msg, HasSubstr("unexpected tensor 'extra.running_mean' ((4) float32)"));
  EXPECT_THAT(msg, Not(HasSubstr("'2.weight'")));
  EXPECT_EQ(values(model), before);
}

TEST(Checkpoint, CorruptFileLeavesTheModelUnchanged) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  save(small_model(1), path);
  std::string bytes = testing::read_bytes(path);
  bytes.pop_back();  // truncated: the last tensor no longer fits
  testing::write_bytes(path, bytes);

  StateDict model = small_model(2);
  auto before = values(model);
  std::string msg = error_of([&] { load_into(path, model); });
  EXPECT_THAT(msg, HasSubstr(path + ": tensor '2.bias': data_offsets"));
  EXPECT_EQ(values(model), before);
}

// Stands in for nn::Module: the save/load templates need only state_dict() and load_state_dict().
struct FakeModule {
  StateDict params = small_model(5);
  int loads = 0;
  StateDict state_dict() const { return params; }
  void load_state_dict(const StateDict& sd, bool strict) {
    ASSERT_TRUE(strict);
    ++loads;
    for (const auto& [key, t] : sd) Tensor(params.at(key)).copy_(t);
  }
};

TEST(Checkpoint, ModuleOverloadsSaveAndLoad) {
  testing::TempDir dir;
  std::string path = dir.file("m.safetensors");
  FakeModule a, b;
  b.params = small_model(6);
  save(a, path);
  load(b, path);
  EXPECT_EQ(values(b.params), values(a.params));
  EXPECT_EQ(b.loads, 1);

  FakeModule c;
  c.params.insert("3.weight", zeros({2}));
  EXPECT_THAT(error_of([&] { load(c, path); }), HasSubstr("missing tensor '3.weight'"));
  EXPECT_EQ(c.loads, 0);  // validation happens before load_state_dict is called
}

Checkpoint training_checkpoint() {
  Generator gen(42);
  Checkpoint ck;
  ck.parts["model"] = small_model(1);
  StateDict optimizer;
  optimizer.insert("state.0.step", scalar_tensor(17, kInt64));
  optimizer.insert("state.0.exp_avg", randn({25, 2}, gen));
  optimizer.insert("param_groups.0.lr", scalar_tensor(1e-3, kFloat64));
  ck.parts["optimizer"] = optimizer;
  ck.parts["scheduler"] = StateDict{};  // an empty part still comes back
  Generator rng(7);
  rng.normal();  // leaves a spare normal behind: its exact bits must survive
  ck.generator = rng.state();
  ck.counters = {{"epoch", 3}, {"step", 1234}, {"run", -1}, {"big", INT64_MAX}};
  ck.metadata = {{"config", "[optimizer]\nlr = 0.001\n"}};
  return ck;
}

TEST(Checkpoint, TrainingCheckpointRoundTripsExactly) {
  testing::TempDir dir;
  std::string path = dir.file("ckpt.safetensors");
  Checkpoint ck = training_checkpoint();
  ASSERT_TRUE(ck.generator->has_spare);
  save_checkpoint(path, ck);
  Checkpoint back = load_checkpoint(path);

  ASSERT_EQ(back.parts.size(), 3u);
  for (const auto& [name, part] : ck.parts) {
    EXPECT_EQ(back.parts.at(name).keys(), part.keys()) << name;
    EXPECT_EQ(values(back.parts.at(name)), values(part)) << name;
  }
  EXPECT_EQ(back.parts.at("optimizer").at("state.0.step").dtype(), kInt64);
  EXPECT_EQ(back.counters, ck.counters);
  EXPECT_EQ(back.metadata, ck.metadata);

  // The generator continues with exactly the numbers the original would have drawn.
  ASSERT_TRUE(back.generator.has_value());
  Generator original, resumed;
  original.set_state(*ck.generator);
  resumed.set_state(*back.generator);
  for (int i = 0; i < 5; ++i) {
    double a = original.normal(), b = resumed.normal();
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "draw " << i;
  }
  EXPECT_EQ(original.next_u64(), resumed.next_u64());
}

TEST(Checkpoint, TrainingCheckpointIsAPlainSafetensorsFile) {
  testing::TempDir dir;
  std::string path = dir.file("ckpt.safetensors");
  save_checkpoint(path, training_checkpoint());
  SafetensorsFile f = load_safetensors(path);
  EXPECT_TRUE(f.tensors.contains("model.0.weight"));
  EXPECT_TRUE(f.tensors.contains("optimizer.state.0.exp_avg"));
  EXPECT_EQ(f.metadata.at("minidl.counter.epoch"), "3");
  EXPECT_EQ(f.metadata.at("minidl.parts"), "model,optimizer,scheduler");
}

TEST(Checkpoint, LoadCheckpointChecksEachPartAgainstWhatItIsLoadedInto) {
  testing::TempDir dir;
  std::string path = dir.file("ckpt.safetensors");
  save_checkpoint(path, training_checkpoint());
  EXPECT_NO_THROW(load_checkpoint(path, {{"model", small_model(9)}}));

  StateDict other = small_model(9);
  other.insert("0.weight", zeros({24, 2}));
  EXPECT_THAT(error_of([&] { load_checkpoint(path, {{"model", other}}); }),
              HasSubstr(path + ": does not match the model (1 problem):\n  tensor 'model.0.weight': (25, 2) float32 in the file, (24, 2) float32 expected"));
  EXPECT_THAT(error_of([&] { load_checkpoint(path, {{"ema", small_model(9)}}); }),
              HasSubstr(path + ": has no part 'ema' (it has: model, optimizer, scheduler)"));
}

TEST(Checkpoint, RejectsWhatItCannotSave) {
  testing::TempDir dir;
  std::string path = dir.file("ckpt.safetensors");
  Checkpoint dotted;
  dotted.parts["model.ema"] = small_model(1);
  EXPECT_THAT(error_of([&] { save_checkpoint(path, dotted); }), HasSubstr("part name 'model.ema' must be"));
  Checkpoint reserved;
  reserved.metadata["minidl.parts"] = "x";
  EXPECT_THAT(error_of([&] { save_checkpoint(path, reserved); }), HasSubstr("metadata key 'minidl.parts' is reserved"));
}

class BadCheckpoint : public ::testing::Test {
 protected:
  // A hand-made file with these metadata and one tensor "model.w".
  std::string error_of_metadata(std::map<std::string, std::string> metadata, const std::string& key = "model.w") {
    StateDict sd;
    sd.insert(key, zeros({2}));
    save_safetensors(sd, path_, metadata);
    return error_of([&] { load_checkpoint(path_); });
  }
  std::map<std::string, std::string> valid_ = {{"minidl.format", "minidl-checkpoint-1"}, {"minidl.parts", "model"}};
  testing::TempDir dir_;
  std::string path_ = dir_.file("ckpt.safetensors");
};

TEST_F(BadCheckpoint, PlainStateDictOrOtherFormat) {
  EXPECT_THAT(error_of_metadata({}), HasSubstr(path_ + ": not a minidl training checkpoint"));
  auto m = valid_;
  m["minidl.format"] = "minidl-checkpoint-9";
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": checkpoint format 'minidl-checkpoint-9' is not supported"));
  m = valid_;
  m.erase("minidl.parts");
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": __metadata__ 'minidl.parts' is missing"));
}

TEST_F(BadCheckpoint, TensorOutsideEveryPart) {
  EXPECT_THAT(error_of_metadata(valid_, "optimizer.w"),
              HasSubstr(path_ + ": unexpected tensor 'optimizer.w' (not under any of the parts: model)"));
  EXPECT_THAT(error_of_metadata(valid_, "w"), HasSubstr(path_ + ": unexpected tensor 'w'"));
}

TEST_F(BadCheckpoint, PartsListedTwiceOrBadlyNamed) {
  auto m = valid_;
  m["minidl.parts"] = "model,model";
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": part 'model' is listed twice"));
  m["minidl.parts"] = "model,";
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": checkpoint part name '' must be non-empty"));
}

TEST_F(BadCheckpoint, CounterThatIsNotAnInteger) {
  for (std::string bad : {"3.5", "", " 3", "+3", "3x", "99999999999999999999"}) {
    auto m = valid_;
    m["minidl.counter.epoch"] = bad;
    EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": __metadata__ 'minidl.counter.epoch' is '" + bad +
                                                "', expected a decimal integer that fits in int64"));
  }
}

TEST_F(BadCheckpoint, IncompleteOrMalformedGenerator) {
  auto m = valid_;
  m["minidl.generator.s0"] = "1";
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": __metadata__ 'minidl.generator.s1' is missing (the generator state is incomplete)"));
  m = valid_;
  for (std::string f : {"s0", "s1", "s2", "s3"}) m["minidl.generator." + f] = "1";
  m["minidl.generator.has_spare"] = "yes";
  m["minidl.generator.spare"] = "0";
  EXPECT_THAT(error_of_metadata(m), HasSubstr("'minidl.generator.has_spare' is 'yes', expected 0 or 1"));
  m["minidl.generator.has_spare"] = "1";
  m["minidl.generator.s2"] = "-1";
  EXPECT_THAT(error_of_metadata(m), HasSubstr("'minidl.generator.s2' is '-1', expected a non-negative decimal integer"));
  m["minidl.generator.s2"] = "1";
  m["minidl.generator.spare"] = "0xzz";
  EXPECT_THAT(error_of_metadata(m), HasSubstr("'minidl.generator.spare' is '0xzz', expected a hexadecimal integer"));
  m["minidl.generator.spare"] = "3ff0000000000000";
  m["minidl.generator.seed"] = "1";
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": unknown __metadata__ key 'minidl.generator.seed'"));
  m.erase("minidl.generator.seed");
  m["minidl.epoch"] = "1";
  EXPECT_THAT(error_of_metadata(m), HasSubstr(path_ + ": unknown __metadata__ key 'minidl.epoch'"));
}

}  // namespace
}  // namespace minidl
