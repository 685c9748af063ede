// The parameters of LBFGS and BFGS as one flat float64 vector: gathered in parameter order (zeros
// for a missing gradient), set back, and stepped along a direction in each parameter's dtype.
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "optim/flat.h"

namespace minidl::optim::detail {
namespace {

TEST(Flat, GathersInParameterOrderWithZerosForMissingGradients) {
  Tensor a = tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}, kFloat64).requires_grad_();
  Tensor b = tensor(std::vector<double>{5}, {1}, kFloat32).requires_grad_();
  std::vector<Tensor> params = {a, b};
  EXPECT_EQ(total_numel(params), 5);
  EXPECT_EQ(gather_flat_params(params), (std::vector<double>{1, 2, 3, 4, 5}));
  (b * 2.0).sum().backward();  // a gets no gradient
  EXPECT_EQ(gather_flat_grad(params), (std::vector<double>{0, 0, 0, 0, 2}));
}

TEST(Flat, SetsAndStepsEachParameterInPlace) {
  Tensor a = zeros({3}, kFloat64).requires_grad_();
  Tensor b = zeros({2}, kFloat32).requires_grad_();
  std::vector<Tensor> params = {a, b};
  set_flat_params(params, {1, 2, 3, 4, 5});
  EXPECT_EQ(a.to_vector(), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(b.to_vector(), (std::vector<double>{4, 5}));
  add_to_params(params, 0.5, {2, 2, 2, 2, 0.1});
  EXPECT_EQ(a.to_vector(), (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(b.to_vector()[0], 5.0);
  EXPECT_EQ(b.to_vector()[1], static_cast<double>(5.0f + 0.5f * 0.1f));  // in float32, as p.add_(d, alpha=t)
}

}  // namespace
}  // namespace minidl::optim::detail
