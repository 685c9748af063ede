// StateDict: insertion order, replacing a key, the missing-key error, merge with a prefix and the
// prefix filter that undoes it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/error.h"
#include "minidl/state_dict.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;

TEST(StateDict, KeepsInsertionOrderAndReplacesInPlace) {
  StateDict d;
  d.insert("b", scalar_tensor(1.0, kFloat64));
  d.insert("a", scalar_tensor(2.0, kFloat64));
  d.insert("b", scalar_tensor(3.0, kFloat64));  // replaced where it stands
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.at("b").item(), 3.0);
  EXPECT_TRUE(d.contains("a"));
  EXPECT_EQ(d.find("c"), nullptr);
}

TEST(StateDict, MissingKeyIsAValueErrorNamingIt) {
  StateDict d;
  try {
    (void)d.at("0.weight");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no entry '0.weight'"));
  }
}

TEST(StateDict, MergeWithPrefixAndWithPrefixRoundTrip) {
  StateDict optimizer;
  optimizer.insert("state.0.step", scalar_tensor(4.0, kInt64));
  optimizer.insert("param_groups.0.lr", scalar_tensor(0.1, kFloat64));
  StateDict checkpoint;
  checkpoint.insert("model.0.weight", zeros({2, 2}));
  checkpoint.merge(optimizer, "optimizer.");
  EXPECT_EQ(checkpoint.keys(), (std::vector<std::string>{"model.0.weight", "optimizer.state.0.step",
                                                         "optimizer.param_groups.0.lr"}));
  StateDict back = checkpoint.with_prefix("optimizer.");
  EXPECT_EQ(back.keys(), optimizer.keys());
  EXPECT_TRUE(back.at("state.0.step").is_same(optimizer.at("state.0.step")));  // the same tensors, no copy
  EXPECT_TRUE(checkpoint.with_prefix("nothing.").empty());
}

}  // namespace
}  // namespace minidl
