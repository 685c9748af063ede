// record() and NoGradGuard: nothing is recorded under the guard, for a detached tensor, or when no
// input requires grad.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;

TEST(Autograd, NoGradGuardAndDetachRecordNothing) {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard no_grad;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_FALSE((d * 2.0).requires_grad());
  Tensor z = x * 2.0;
  EXPECT_TRUE(z.requires_grad());
  try {
    sum(d).backward();
    FAIL();
  } catch (const AutogradError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not require grad"));
  }
  EXPECT_THROW(z.requires_grad_(), AutogradError);  // not a leaf
}

TEST(Autograd, InferenceRecordsNoNodes) {
  Tensor w = ones({3, 2});  // no requires_grad
  int64_t before = autograd::Node::live_count();
  Tensor y = relu(linear(ones({4, 2}), w));
  EXPECT_EQ(autograd::Node::live_count(), before);
  EXPECT_EQ(y.grad_fn(), nullptr);
}

}  // namespace
}  // namespace minidl
