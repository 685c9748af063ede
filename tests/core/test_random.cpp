// Generator: same seed same numbers, state save/restore, unbiased bounded integers.
#include <gtest/gtest.h>

#include "minidl/random.h"

namespace minidl {
namespace {

TEST(Generator, SameSeedSameSequenceAndStateRestores) {
  Generator a(7), b(7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  (void)a.normal();  // leaves a spare normal in the state
  Generator::State s = a.state();
  double x1 = a.normal(), x2 = a.uniform();
  Generator c(0);
  c.set_state(s);
  EXPECT_EQ(c.normal(), x1);
  EXPECT_EQ(c.uniform(), x2);
  a.manual_seed(7);
  b.manual_seed(7);
  EXPECT_EQ(a.uniform(), b.uniform());
}

TEST(Generator, BelowIsUniform) {
  Generator g(3);
  int counts[3] = {};
  for (int i = 0; i < 30000; ++i) ++counts[g.below(3)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

// below() divides only when a draw could be rejected; the draws must be those of the plain rule
// "reject r < 2^64 mod n, return r mod n", including n where rejection is frequent (n > 2^63).
TEST(Generator, BelowKeepsThePlainRejectionRule) {
  for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{7}, uint64_t{1000}, (uint64_t{1} << 63) + 12345,
                     ~uint64_t{0} - 3}) {
    Generator fast(11), plain(11);
    for (int i = 0; i < 2000; ++i) {
      uint64_t expected;
      for (;;) {
        uint64_t r = plain.next_u64();
        if (r >= (0 - n) % n) {
          expected = r % n;
          break;
        }
      }
      ASSERT_EQ(fast.below(n), expected) << "n = " << n << ", draw " << i;
    }
  }
}

}  // namespace
}  // namespace minidl
