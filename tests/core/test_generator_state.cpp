// generator_state.h: a Generator saved to an int64 (6) tensor and loaded into another continues
// bit for bit (spare normal included); a bad tensor is a ValueError that starts with `who` and
// leaves the generator as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "minidl/error.h"
#include "minidl/generator_state.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The next draws of g: raw words, uniforms and normals (normals use and refill the spare).
std::vector<uint64_t> draws(Generator& g) {
  std::vector<uint64_t> out;
  for (int i = 0; i < 5; ++i) out.push_back(g.next_u64());
  for (int i = 0; i < 3; ++i) out.push_back(std::bit_cast<uint64_t>(g.uniform()));
  for (int i = 0; i < 5; ++i) out.push_back(std::bit_cast<uint64_t>(g.normal()));
  return out;
}

void expect_same_state(const Generator& a, const Generator& b) {
  Generator::State x = a.state(), y = b.state();
  EXPECT_EQ(x.s, y.s);
  EXPECT_EQ(x.has_spare, y.has_spare);
  EXPECT_EQ(std::bit_cast<uint64_t>(x.spare), std::bit_cast<uint64_t>(y.spare));
}

TEST(GeneratorState, ATensorOfSixInt64Words) {
  Generator g(42);
  (void)g.normal();  // leaves a spare
  Tensor s = generator_state(g);
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.shape(), Shape{6});
  const int64_t* w = s.data<int64_t>();
  Generator::State state = g.state();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(std::bit_cast<uint64_t>(w[k]), state.s[k]) << "word " << k;
  EXPECT_EQ(w[4], 1);
  EXPECT_EQ(std::bit_cast<double>(w[5]), state.spare);
  (void)g.normal();  // uses the spare
  EXPECT_EQ(generator_state(g).data<int64_t>()[4], 0);
}

// Saved with and without a spare normal, loaded into a generator of another seed: the same
// numbers follow, and the state itself is equal.
TEST(GeneratorState, RoundTripContinuesBitForBit) {
  for (int normals : {0, 1, 2, 3}) {
    SCOPED_TRACE(std::to_string(normals) + " normals drawn before saving");
    Generator a(7);
    (void)a.next_u64();
    for (int i = 0; i < normals; ++i) (void)a.normal();
    Tensor saved = generator_state(a);
    Generator b(12345);
    load_generator_state(b, saved, "test");
    expect_same_state(a, b);
    EXPECT_EQ(draws(b), draws(a));
  }
}

// The saved tensor is a copy: drawing more from the generator does not change it.
TEST(GeneratorState, TheTensorIsASnapshot) {
  Generator a(3);
  Tensor saved = generator_state(a);
  Generator fresh(3);
  std::vector<uint64_t> expected = draws(fresh);
  (void)draws(a);
  Generator b(99);
  load_generator_state(b, saved, "test");
  EXPECT_EQ(draws(b), expected);
}

// Each bad state: the message starts with `who`, says what is wrong, and the generator is as before.
TEST(GeneratorState, BadStatesAreValueErrorsThatLeaveTheGeneratorAlone) {
  Generator ok(5);
  Tensor good = generator_state(ok);
  Tensor all_zero_words = zeros({6}, kInt64);
  all_zero_words.data<int64_t>()[4] = 1;  // has_spare set does not make the xoshiro words usable
  struct Case {
    Tensor state;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Tensor(), "a generator state must be int64 of shape (6), got undefined"},
      {zeros({6}, kFloat64), "a generator state must be int64 of shape (6), got float64 (6)"},
      {zeros({5}, kInt64), "a generator state must be int64 of shape (6), got int64 (5)"},
      {zeros({2, 3}, kInt64), "a generator state must be int64 of shape (6), got int64 (2, 3)"},
      {zeros({6}, kInt64), "the generator state is all zeros"},
      {all_zero_words, "the generator state is all zeros"},
  };
  for (const Case& c : cases) {
    Generator g(11);
    (void)g.normal();
    Generator before = g;
    try {
      load_generator_state(g, c.state, "checkpoint: dropout 'model.3'");
      ADD_FAILURE() << "no error for " << c.message;
    } catch (const ValueError& e) {
      EXPECT_THAT(e.what(), StartsWith("checkpoint: dropout 'model.3': "));
      EXPECT_THAT(e.what(), HasSubstr(c.message));
    }
    expect_same_state(g, before);
  }
  // The good one still loads.
  Generator g(11);
  load_generator_state(g, good, "test");
  expect_same_state(g, ok);
}

}  // namespace
}  // namespace minidl
