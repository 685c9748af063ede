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

TEST(Sequential, GradientsMatchFiniteDifferences) {
  Generator gen(3);
  auto model = nn::sequential(nn::linear(3, 4, gen), nn::tanh(), nn::linear(4, 2, gen), nn::sigmoid());
  mt::expect_module_gradients_match(*model, randn({5, 3}, gen, kFloat64));
}
