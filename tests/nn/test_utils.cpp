// nn::utils: clip_grad_norm_ (norms 2, 1, inf) and clip_grad_value_ against PyTorch.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

namespace {
std::vector<Tensor> params_with_golden_grads(const mt::Golden& g) {
  std::vector<Tensor> params;
  for (const auto& grad : g["clip/grads"]) {
    Tensor gr = mt::Golden::to_tensor(grad);
    Tensor p = zeros_like(gr).requires_grad_();
    p.set_grad(gr);
    params.push_back(p);
  }
  return params;
}
}  // namespace

TEST(ClipGrad, NormMatchesPyTorch) {
  mt::Golden g("nn_modules.json");
  for (auto [name, norm_type] : {std::pair{"l2", 2.0}, {"l1", 1.0}, {"inf", INFINITY}}) {
    SCOPED_TRACE(name);
    std::vector<Tensor> params = params_with_golden_grads(g);
    double total = nn::utils::clip_grad_norm_(params, g["clip/max_norm"].get<double>(), norm_type);
    EXPECT_NEAR(total, g["clip/" + std::string(name) + "/total_norm"].get<double>(), 1e-12);
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_TRUE(mt::matches_golden(params[i].grad(),
                                          mt::Golden::to_tensor(g["clip/" + std::string(name) + "/clipped"][i])));
    }
  }
}

TEST(ClipGrad, ValueMatchesPyTorch) {
  mt::Golden g("nn_modules.json");
  std::vector<Tensor> params = params_with_golden_grads(g);
  nn::utils::clip_grad_value_(params, g["clip/clip_value"].get<double>());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(mt::matches_golden(params[i].grad(), mt::Golden::to_tensor(g["clip/value"][i])));
  }
}

TEST(ClipGrad, SmallNormsAreUnchangedAndMissingGradsSkipped) {
  Tensor p = zeros({2}).requires_grad_(), q = zeros({3}).requires_grad_();
  p.set_grad(tensor(std::vector<double>{0.3, 0.4}, {2}, kFloat32));
  EXPECT_NEAR(nn::utils::clip_grad_norm_({p, q}, 1.0), 0.5, 1e-7);
  EXPECT_NEAR(p.grad().at({1}), 0.4, 1e-7);
  EXPECT_FALSE(q.grad().defined());
}

TEST(ClipGrad, Errors) {
  Tensor p = zeros({1}).requires_grad_();
  p.set_grad(full({1}, NAN));
  EXPECT_THAT(error_of<ValueError>([&] { nn::utils::clip_grad_norm_({p}, 1.0, 2.0, true); }), HasSubstr("non-finite"));
  EXPECT_THAT(error_of<ValueError>([&] { nn::utils::clip_grad_value_({p}, -1.0); }), HasSubstr("clip_value must be >= 0"));
  EXPECT_THAT(error_of<ValueError>([&] { nn::utils::clip_grad_norm_({p}, 1.0, 0.0); }), HasSubstr("norm_type must be > 0"));
}
