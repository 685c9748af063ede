// save(module, path) / load(module, path) with real nn modules: a round trip gives the same
// outputs, and a checkpoint of another architecture is refused, naming the file, with the model
// unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "io_test_util.h"
#include "minidl/minidl.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<nn::Sequential> disk_net(uint64_t seed, int64_t hidden = 25) {
  Generator gen(seed);
  return nn::sequential(nn::linear(2, hidden, gen), nn::tanh(), nn::linear(hidden, 2, gen));
}

std::string temp_path(const std::string& name) {
  static testing::TempDir dir;
  return dir.file(name);
}

TEST(ModuleCheckpoint, RoundTripGivesTheSameOutputs) {
  auto a = disk_net(1), b = disk_net(2);
  Tensor x = rand({5, 2}, *std::make_unique<Generator>(3));
  std::string path = temp_path("net.safetensors");
  save(*a, path);
  EXPECT_NE((*a)(x).to_vector(), (*b)(x).to_vector());
  load(*b, path);
  EXPECT_EQ((*a)(x).to_vector(), (*b)(x).to_vector());
}

TEST(ModuleCheckpoint, AnotherArchitectureIsRefusedAndTheModelUnchanged) {
  auto small = disk_net(1, 10), big = disk_net(2, 25);
  std::string path = temp_path("small.safetensors");
  save(*small, path);
  std::vector<double> before = big->state_dict().at("0.weight").to_vector();
  try {
    load(*big, path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("small.safetensors"));
    EXPECT_THAT(e.what(), HasSubstr("0.weight"));
  }
  EXPECT_EQ(big->state_dict().at("0.weight").to_vector(), before);
}

}  // namespace
}  // namespace minidl
