// Conv2d: PyTorch golden outputs and gradients, gradcheck, repr, init, errors, and a whole LeNet
// (conv, pool, flatten, linear) against PyTorch with its weights loaded.
#include "nn/conv_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using mt::error_of;
using ::testing::HasSubstr;

TEST(Conv2dModule, MatchesPyTorch) {
  nn::Conv2d conv(3, 4, 3, {.stride = 2, .padding = 1});
  mt::expect_conv_module_matches_golden(conv, "conv2d");
  nn::Conv2d no_bias(2, 3, {2, 3}, {.bias = false});
  mt::expect_conv_module_matches_golden(no_bias, "conv2d_no_bias");
  nn::Conv2d f32(1, 8, 5);
  mt::expect_conv_module_matches_golden(f32, "conv2d_f32");
}

TEST(Conv2dModule, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  nn::Conv2d conv(2, 3, 3, {.stride = {1, 2}, .padding = 1, .generator = &gen, .dtype = kFloat64});
  mt::expect_module_gradients_match(conv, randn({2, 2, 5, 6}, gen, kFloat64));
  nn::Conv2d no_bias(1, 2, {2, 3}, {.bias = false, .generator = &gen});
  mt::expect_module_gradients_match(no_bias, randn({3, 1, 4, 4}, gen, kFloat64));
}

TEST(Conv2dModule, ShapesNamesAndRepr) {
  nn::Conv2d conv(1, 8, 5);
  EXPECT_EQ(conv.repr(), "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1))");
  EXPECT_EQ(nn::Conv2d(3, 4, {2, 3}, {.stride = 2, .padding = 1, .bias = false}).repr(),
            "Conv2d(3, 4, kernel_size=(2, 3), stride=(2, 2), padding=(1, 1), bias=false)");
  EXPECT_EQ(conv.weight().shape(), (Shape{8, 1, 5, 5}));
  EXPECT_EQ(conv.bias().shape(), (Shape{8}));
  EXPECT_EQ(conv(zeros({2, 1, 28, 28})).shape(), (Shape{2, 8, 24, 24}));
  nn::Conv2d strided(2, 3, 3, {.stride = 2, .padding = 1});
  EXPECT_EQ(strided(zeros({1, 2, 7, 6})).shape(), (Shape{1, 3, 4, 3}));
  auto named = conv.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(nn::Conv2d(1, 8, 5, {.bias = false}).named_parameters().size(), 1u);
}

TEST(Conv2dModule, DefaultInitIsPyTorchsBound) {
  nn::Conv2d conv(4, 64, 3);  // fan_in = 36
  double bound = 1.0 / 6.0, max_w = 0, max_b = 0;
  for (double v : conv.weight().to_vector()) max_w = std::max(max_w, std::abs(v));
  for (double v : conv.bias().to_vector()) max_b = std::max(max_b, std::abs(v));
  EXPECT_LE(max_w, bound);
  EXPECT_GT(max_w, 0.95 * bound);
  EXPECT_LE(max_b, bound);
  EXPECT_GT(max_b, 0.5 * bound);  // the bias uses the weight's fan_in
  Generator gen(3);
  auto a = nn::conv2d(1, 2, 3, gen), b = nn::conv2d(1, 2, 3, gen);
  EXPECT_NE(a->weight().to_vector(), b->weight().to_vector());
  EXPECT_EQ(nn::Conv2d(1, 2, 3).weight().to_vector(), nn::Conv2d(1, 2, 3).weight().to_vector());
  EXPECT_EQ(nn::Conv2d(1, 2, 3, {.dtype = kFloat64}).weight().dtype(), kFloat64);
}

TEST(Conv2dModule, UsedTwiceTheGradientsAdd) {
  Generator gen(1);
  nn::Conv2d conv(2, 2, 3, {.padding = 1, .generator = &gen, .dtype = kFloat64});
  Tensor x = randn({1, 2, 4, 4}, gen, kFloat64);
  sum(conv(conv(x))).backward();
  Tensor twice = conv.weight().grad().clone();
  // The same from two separate recorded uses with the inner output as a constant input.
  conv.zero_grad();
  Tensor h = conv(x);
  Tensor outer = sum(conv(h.detach()));
  outer.backward();
  Tensor from_outer = conv.weight().grad().clone();
  Tensor dh = ones({1, 2, 4, 4}, kFloat64);
  {
    // d sum(conv(h)) / dh, pushed through the inner use.
    Tensor hh = h.detach().requires_grad_();
    sum(conv2d(hh, conv.weight().detach(), conv.bias().detach(), 1, 1)).backward();
    dh = hh.grad();
  }
  conv.zero_grad();
  conv(x).backward(dh);
  Tensor from_inner = conv.weight().grad();
  EXPECT_TRUE(mt::all_close(twice, from_outer + from_inner, 1e-12, 1e-12));
}

TEST(Conv2dModule, ErrorsNameTheModuleAndShapes) {
  nn::Conv2d conv(1, 8, 5);
  EXPECT_THAT(error_of<ShapeError>([&] {
                conv(zeros({64, 3, 28, 28}));
              }),
              HasSubstr("Conv2d 'model' (1, 8, kernel_size=(5, 5), stride=(1, 1)): input has 3 channels, expected 1\n"
                        "  input shape: (64, 3, 28, 28)"));
  EXPECT_THAT(error_of<ShapeError>([&] {
                conv(zeros({1, 28, 28}));
              }),
              HasSubstr("expected a 4-D input (N, C, H, W), got 3-D\n  input shape: (1, 28, 28)"));
  EXPECT_THAT(error_of<ShapeError>([&] {
                conv(zeros({1, 1, 4, 4}));
              }),
              HasSubstr("kernel (5, 5) is larger than the padded input (4, 4)"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Conv2d(0, 8, 5); }), HasSubstr("in_channels=0, out_channels=8"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Conv2d(1, 8, 5, {.stride = 0}); }), HasSubstr("stride=(0, 0)"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Conv2d(1, 8, {0, 3}); }), HasSubstr("kernel_size=(0, 3)"));
  EXPECT_THAT(error_of<DtypeError>([] { nn::Conv2d(1, 8, 5, {.dtype = kInt64}); }), HasSubstr("int64"));
}

// ---- LeNet ---------------------------------------------------------------------------------------

namespace {

std::shared_ptr<nn::Sequential> lenet(Generator& gen) {
  return nn::sequential(nn::conv2d(1, 8, 5, gen), nn::relu(), nn::max_pool2d(2),          //
                        nn::conv2d(8, 16, 5, gen), nn::relu(), nn::max_pool2d(2),         //
                        nn::flatten(),                                                    //
                        nn::linear(256, 120, gen), nn::relu(), nn::linear(120, 84, gen),  //
                        nn::relu(), nn::linear(84, 10, gen));
}

}  // namespace

TEST(LeNet, MatchesPyTorch) {
  Generator gen(0);
  auto model = lenet(gen);
  mt::Golden g("conv_lenet.json");
  std::vector<std::string> keys;
  for (const auto& [k, p] : model->named_parameters()) keys.push_back(k);
  EXPECT_EQ(keys, g["keys"].get<std::vector<std::string>>());
  EXPECT_EQ(model->repr(), mt::cpp_repr(g["repr"].get<std::string>()));
  model->to(kFloat64);
  model->load_state_dict(mt::state_of(g["state"]));
  Tensor x = g.tensor("x").requires_grad_();
  Tensor logits = (*model)(x);
  EXPECT_TRUE(mt::matches_golden(logits, g.tensor("logits")));
  Tensor loss = cross_entropy(logits, g.tensor("target"));
  EXPECT_TRUE(mt::matches_golden(loss, scalar_tensor(g["loss"].get<double>(), kFloat64)));
  loss.backward();
  EXPECT_TRUE(mt::matches_golden(x.grad(), g.tensor("dx")));
  for (const auto& [key, p] : model->named_parameters()) {
    EXPECT_TRUE(mt::matches_golden(p.grad(), mt::Golden::to_tensor(g["grads"][key]))) << key;
  }
}

TEST(LeNet, ParameterCountAndOutputShape) {
  Generator gen(0);
  auto model = lenet(gen);
  int64_t count = 0;
  for (const Tensor& p : model->parameters()) count += p.numel();
  EXPECT_EQ(count, (8 * 25 + 8) + (16 * 8 * 25 + 16) + (256 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10));
  EXPECT_EQ((*model)(zeros({3, 1, 28, 28})).shape(), (Shape{3, 10}));
}
