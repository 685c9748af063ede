// Sequential: names "0", "1", ..., push_back, indexing, nesting and the builders.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

TEST(Sequential, NamesChildrenByPositionAndNests) {
  auto model = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::ReLU>(),
      nn::sequential(nn::linear(3, 3, false), nn::tanh())});
  std::vector<std::string> keys;
  for (const auto& [k, p] : model->named_parameters()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"0.weight", "0.bias", "2.0.weight"}));
  EXPECT_EQ(model->size(), 3u);
  EXPECT_EQ((*model)[1]->type_name(), "ReLU");
  EXPECT_EQ((*model)[-1]->type_name(), "Sequential");
  EXPECT_EQ(model->named_modules().size(), 6u);
  EXPECT_EQ(model->named_modules()[4].first, "2.0");
}

TEST(Sequential, PushBackAppendsTheNextIndex) {
  nn::Sequential model;
  model.push_back(nn::linear(2, 2));
  model.push_back(nn::sigmoid());
  EXPECT_EQ(model.named_children()[1].first, "1");
  EXPECT_EQ(model(zeros({1, 2})).shape(), (Shape{1, 2}));
  nn::Sequential braced({nn::linear(2, 2), nn::relu()});
  EXPECT_EQ(braced.size(), 2u);
}

TEST(Sequential, IndexingErrors) {
  auto model = nn::sequential(nn::relu());
  EXPECT_THAT(error_of<IndexError>([&] { (*model)[1]; }), HasSubstr("index 1 is out of range for 1 modules"));
  EXPECT_THAT(error_of<ValueError>([&] { model->at<nn::Linear>(0); }), HasSubstr("child 0 is a ReLU"));
  EXPECT_THAT(error_of<ValueError>([&] { model->push_back(nullptr); }), HasSubstr("null module"));
}

TEST(Sequential, EmptyIsTheIdentity) {
  nn::Sequential empty;
  Tensor x = ones({2, 2});
  EXPECT_TRUE(empty(x).is_same(x));
  EXPECT_EQ(empty.repr(), "Sequential()");
}

// Sequential runs a Linear and the activation after it as one node (linear_relu & co.); the
// numbers must be those of calling every module in turn, bit for bit.
TEST(Sequential, FusedLinearActivationsGiveTheModuleByModuleBits) {
  Generator gen(4);
  auto model = nn::sequential(nn::linear(3, 4, gen), nn::relu(), nn::linear(4, 4, gen), nn::leaky_relu(-0.2),
                              nn::linear(4, 4, gen), nn::tanh(), nn::linear(4, 4, gen), nn::leaky_relu(0.1),
                              nn::linear(4, 2, gen), nn::sigmoid());
  Tensor x = randn({6, 3}, gen);
  auto run = [&](bool whole) {
    model->zero_grad(/*set_to_none=*/true);
    Tensor y = x;
    if (whole) {
      y = (*model)(x);
    } else {
      for (const auto& child : model->children()) y = (*child)(y);
    }
    sum(y * y).backward();
    std::vector<std::vector<double>> out = {y.to_vector()};
    for (const Tensor& p : model->parameters()) out.push_back(p.grad().to_vector());
    return std::make_pair(out, std::string(y.grad_fn()->name));
  };
  auto [fused, last_node] = run(true);
  auto [separate, last_separate] = run(false);
  EXPECT_EQ(fused, separate);
  EXPECT_EQ(last_node, "linear_sigmoid");
  EXPECT_EQ(last_separate, "sigmoid");
}

// Only a Linear followed by one of the four final activation classes is fused; a negative
// LeakyReLU slope, another module or a subclass of Linear runs module by module.
struct ScaledLinear : nn::Linear {
  using nn::Linear::Linear;
  Tensor forward(const Tensor& x) override { return nn::Linear::forward(x) * 2.0; }
};

TEST(Sequential, FusesOnlyALinearBeforeAFusableActivation) {
  Generator gen(2);
  Tensor x = randn({3, 2}, gen).requires_grad_();
  auto last_node = [&](std::shared_ptr<nn::Module> first, std::shared_ptr<nn::Module> second) {
    return std::string((*nn::sequential(first, second))(x).grad_fn()->name);
  };
  EXPECT_EQ(last_node(nn::linear(2, 2, gen), nn::relu()), "linear_relu");
  EXPECT_EQ(last_node(nn::linear(2, 2, gen), nn::leaky_relu(0.2)), "linear_leaky_relu");
  EXPECT_EQ(last_node(nn::linear(2, 2, gen), nn::tanh()), "linear_tanh");
  EXPECT_EQ(last_node(nn::linear(2, 2, gen), nn::leaky_relu(-0.2)), "leaky_relu");
  EXPECT_EQ(last_node(nn::linear(2, 2, gen), nn::shifted_tanh()), "shifted_tanh");
  EXPECT_EQ(last_node(std::make_shared<nn::Identity>(), nn::relu()), "relu");
  auto scaled = std::make_shared<ScaledLinear>(2, 2);
  Tensor y = (*nn::sequential(scaled, nn::relu()))(x);
  EXPECT_EQ(y.to_vector(), relu((*scaled)(x)).to_vector());  // its own forward, not linear_relu
}

// A Linear that does not fit its input, inside a pair that would be fused, still names its path.
TEST(Sequential, FusedPairReportsTheLinearsShapeError) {
  auto model = nn::sequential(nn::linear(3, 4), nn::relu());
  EXPECT_THAT(error_of<ShapeError>([&] { (*model)(ones({2, 5})); }),
              HasSubstr("Linear 'model.0' (in_features=3, out_features=4, bias=true): input has 5 features, expected 3"));
}

TEST(Sequential, GradientsMatchFiniteDifferences) {
  Generator gen(3);
  auto model = nn::sequential(nn::linear(3, 4, gen), nn::tanh(), nn::linear(4, 2, gen), nn::sigmoid());
  mt::expect_module_gradients_match(*model, randn({5, 3}, gen, kFloat64));
}
