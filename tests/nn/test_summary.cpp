// summary(): one row per layer with output shape and parameter count, and the totals.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;

TEST(Summary, ListsLayersShapesAndTotals) {
  Generator gen(0);
  auto model = nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::sequential(nn::linear(25, 25, gen, false), nn::tanh()),
                              nn::linear(25, 2, gen));
  std::string s = nn::summary(*model, {50, 2});
  EXPECT_THAT(s, HasSubstr("Input shape: (50, 2), float32"));
  EXPECT_THAT(s, HasSubstr("model.0    Linear(in_features=2, out_features=25, bias=true)"));
  EXPECT_THAT(s, HasSubstr("(50, 25)"));
  EXPECT_THAT(s, HasSubstr("model.2.0  Linear(in_features=25, out_features=25, bias=false)"));
  EXPECT_THAT(s, HasSubstr("model.3    Linear(in_features=25, out_features=2, bias=true)    (50, 2)       52\n"));
  // 2*25+25 + 25*25 + 25*2+2 = 752 parameters, 4 bytes each.
  EXPECT_THAT(s, HasSubstr("Total params: 752\n"));
  EXPECT_THAT(s, HasSubstr("Trainable params: 752\n"));
  EXPECT_THAT(s, HasSubstr("Non-trainable params: 0\n"));
  EXPECT_THAT(s, HasSubstr("Parameter and buffer memory: 3,008 bytes (2.94 KB)"));
  EXPECT_EQ(s.find("Sequential"), std::string::npos);  // containers are not rows
  EXPECT_FALSE(s.empty());
}

TEST(Summary, RecordsNothingForAutograd) {
  auto model = nn::sequential(nn::linear(2, 3));
  int64_t before = autograd::Node::live_count();
  nn::summary(*model, {1, 2});
  EXPECT_EQ(autograd::Node::live_count(), before);
  EXPECT_FALSE(model->parameters()[0].grad().defined());
}
