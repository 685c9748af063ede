// Activation modules: PyTorch golden values (forward and input gradient), gradchecks, reprs.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;

TEST(Activation, MatchPyTorch) {
  nn::ReLU relu;
  nn::LeakyReLU leaky(0.1);
  nn::Tanh tanh;
  nn::Sigmoid sigmoid;
  nn::ShiftedTanh shifted;  // against 0.5 * (1 + torch.tanh(x))
  nn::Softmax softmax(1);
  nn::LogSoftmax log_softmax(1), log_softmax0(0);
  nn::Identity identity;
  nn::Flatten flatten;
  mt::expect_module_matches_golden(relu, "relu");
  mt::expect_module_matches_golden(leaky, "leaky_relu");
  mt::expect_module_matches_golden(tanh, "tanh");
  mt::expect_module_matches_golden(sigmoid, "sigmoid");
  mt::expect_module_matches_golden(shifted, "shifted_tanh");
  mt::expect_module_matches_golden(softmax, "softmax");
  mt::expect_module_matches_golden(log_softmax, "log_softmax");
  mt::expect_module_matches_golden(log_softmax0, "log_softmax_dim0");
  mt::expect_module_matches_golden(identity, "identity");
  mt::expect_module_matches_golden(flatten, "flatten");
}

TEST(Activation, GradientsMatchFiniteDifferences) {
  Generator gen(2);
  Tensor x = mt::away_from_zero({4, 5}, gen);  // away from the kinks of relu and leaky_relu
  std::vector<std::shared_ptr<nn::Module>> modules{nn::relu(),           nn::leaky_relu(0.2), nn::tanh(),
                                                   nn::sigmoid(),        nn::shifted_tanh(),  nn::softmax(1),
                                                   nn::log_softmax(0),   nn::identity(),      nn::flatten(0)};
  for (auto& m : modules) {
    SCOPED_TRACE(m->repr());
    mt::expect_module_gradients_match(*m, x);
  }
}

TEST(Activation, Reprs) {
  EXPECT_EQ(nn::ReLU().repr(), "ReLU()");
  EXPECT_EQ(nn::LeakyReLU().repr(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(nn::LeakyReLU(0.1).repr(), "LeakyReLU(negative_slope=0.1)");
  EXPECT_EQ(nn::Tanh().repr(), "Tanh()");
  EXPECT_EQ(nn::Sigmoid().repr(), "Sigmoid()");
  EXPECT_EQ(nn::ShiftedTanh().repr(), "ShiftedTanh()");
  EXPECT_EQ(nn::Softmax(1).repr(), "Softmax(dim=1)");
  EXPECT_EQ(nn::LogSoftmax(-1).repr(), "LogSoftmax(dim=-1)");
  EXPECT_EQ(nn::Identity().repr(), "Identity()");
  EXPECT_EQ(nn::Flatten().repr(), "Flatten(start_dim=1, end_dim=-1)");
}

TEST(Activation, KeepShapeAndHaveNoParameters) {
  Tensor x = zeros({2, 3, 4});
  for (auto m : std::vector<std::shared_ptr<nn::Module>>{nn::relu(), nn::tanh(), nn::shifted_tanh(), nn::softmax(-1)}) {
    EXPECT_EQ((*m)(x).shape(), x.shape());
    EXPECT_TRUE(m->parameters().empty());
  }
  EXPECT_EQ(nn::Flatten()(x).shape(), (Shape{2, 12}));
  EXPECT_TRUE(nn::Identity()(x).is_same(x));
}

// ---- GELU and SiLU (issue 15) ---------------------------------------------------------------------

TEST(Activation, GeluAndSiluMatchPyTorch) {
  nn::GELU exact, approx(GeluApproximate::tanh);
  nn::SiLU silu;
  for (std::string suffix : {"", "_f32"}) {
    mt::expect_module_matches_golden(exact, "gelu" + suffix);
    mt::expect_module_matches_golden(approx, "gelu_tanh" + suffix);
    mt::expect_module_matches_golden(silu, "silu" + suffix);
  }
}

TEST(Activation, GeluAndSiluGradientsMatchFiniteDifferences) {
  Generator gen(4);
  Tensor x = randn({3, 4}, gen, kFloat64) * 2.0;
  for (auto m : std::vector<std::shared_ptr<nn::Module>>{nn::gelu(), nn::gelu(GeluApproximate::tanh), nn::silu()}) {
    SCOPED_TRACE(m->repr());
    mt::expect_module_gradients_match(*m, x);
    EXPECT_TRUE(m->parameters().empty());
    EXPECT_EQ((*m)(zeros({2, 3, 4})).shape(), (Shape{2, 3, 4}));
  }
}

TEST(Activation, GeluAndSiluReprsAndOptions) {
  EXPECT_EQ(nn::GELU().repr(), "GELU(approximate='none')");  // PyTorch's repr
  EXPECT_EQ(nn::GELU("tanh").repr(), "GELU(approximate='tanh')");
  EXPECT_EQ(nn::GELU("tanh").approximate(), GeluApproximate::tanh);
  EXPECT_EQ(nn::SiLU().repr(), "SiLU()");
  EXPECT_THAT(mt::error_of<ValueError>([] { nn::GELU("erf"); }),
              ::testing::HasSubstr("GELU: approximate must be 'none' or 'tanh', got 'erf'"));
}
