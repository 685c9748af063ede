// Loss modules: they forward to the functional losses with their options, and print as PyTorch.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

TEST(LossModules, ForwardToTheFunctionalLosses) {
  Generator gen(0);
  Tensor x = randn({4, 3}, gen, kFloat64), y = rand({4, 3}, gen, kFloat64), p = rand({4, 3}, gen, kFloat64);
  Tensor labels = tensor(std::vector<int64_t>{0, 2, 1, 1});
  EXPECT_EQ(nn::MSELoss()(x, y).item(), mse_loss(x, y).item());
  EXPECT_EQ(nn::MSELoss(Reduction::sum)(x, y).item(), mse_loss(x, y, Reduction::sum).item());
  EXPECT_EQ(nn::L1Loss(Reduction::none)(x, y).shape(), (Shape{4, 3}));
  EXPECT_EQ(nn::BCELoss()(p, y).item(), binary_cross_entropy(p, y).item());
  EXPECT_EQ(nn::BCEWithLogitsLoss()(x, y).item(), binary_cross_entropy_with_logits(x, y).item());
  EXPECT_EQ(nn::CrossEntropyLoss(Reduction::mean, 0.1)(x, labels).item(),
            cross_entropy(x, labels, Reduction::mean, 0.1).item());
  EXPECT_EQ(nn::NLLLoss(Reduction::none)(log_softmax(x, 1), labels).shape(), (Shape{4}));
}

TEST(LossModules, Reprs) {
  EXPECT_EQ(nn::MSELoss().repr(), "MSELoss(reduction=mean)");
  EXPECT_EQ(nn::L1Loss(Reduction::sum).repr(), "L1Loss(reduction=sum)");
  EXPECT_EQ(nn::BCELoss().repr(), "BCELoss(reduction=mean)");
  EXPECT_EQ(nn::BCEWithLogitsLoss(Reduction::none).repr(), "BCEWithLogitsLoss(reduction=none)");
  EXPECT_EQ(nn::CrossEntropyLoss(Reduction::mean, 0.1).repr(), "CrossEntropyLoss(reduction=mean, label_smoothing=0.1)");
  EXPECT_EQ(nn::NLLLoss().repr(), "NLLLoss(reduction=mean)");
}

TEST(LossModules, CrossEntropyValidatesLabelSmoothing) {
  EXPECT_THAT(error_of<ValueError>([] { nn::CrossEntropyLoss(Reduction::mean, -0.5); }),
              HasSubstr("CrossEntropyLoss: label_smoothing must be in [0, 1], got -0.5"));
}
