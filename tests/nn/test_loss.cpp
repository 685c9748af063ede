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

// ---- options (issue 15) -------------------------------------------------------------------------

TEST(LossModules, PassTheirOptionsToTheFunctionalLosses) {
  Generator gen(1);
  Tensor x = randn({4, 3}, gen, kFloat64), q = rand({4, 3}, gen, kFloat64);
  Tensor labels = tensor(std::vector<int64_t>{0, 2, -1, 1});
  Tensor w = tensor(std::vector<double>{0.5, 2, 1}, {3}, kFloat64);
  nn::CrossEntropyLoss ce({.reduction = Reduction::sum, .weight = w, .ignore_index = -1, .label_smoothing = 0.1});
  EXPECT_EQ(ce(x, labels).item(),
            cross_entropy(x, labels, {.reduction = Reduction::sum, .weight = w, .ignore_index = -1, .label_smoothing = 0.1}).item());
  EXPECT_EQ(ce.reduction(), Reduction::sum);
  EXPECT_EQ(ce.ignore_index(), -1);
  EXPECT_DOUBLE_EQ(ce.label_smoothing(), 0.1);
  EXPECT_TRUE(ce.weight().is_same(w));
  nn::NLLLoss nll({.weight = w, .ignore_index = -1});
  EXPECT_EQ(nll(log_softmax(x, 1), labels).item(), nll_loss(log_softmax(x, 1), labels, {.weight = w, .ignore_index = -1}).item());
  nn::BCEWithLogitsLoss bce({.reduction = Reduction::none, .pos_weight = w});
  EXPECT_TRUE(mt::all_close(bce(x, q), binary_cross_entropy_with_logits(x, q, {.reduction = Reduction::none, .pos_weight = w}),
                            0, 0));
  EXPECT_NE(bce(x, q).to_vector(), nn::BCEWithLogitsLoss(Reduction::none)(x, q).to_vector());
}

TEST(LossModules, OptionReprs) {
  Tensor w = tensor(std::vector<double>{1, 0.5}, {2});
  EXPECT_EQ(nn::CrossEntropyLoss({.weight = w, .ignore_index = 0}).repr(),
            "CrossEntropyLoss(reduction=mean, label_smoothing=0.0, weight=[1.0, 0.5], ignore_index=0)");
  EXPECT_EQ(nn::CrossEntropyLoss(CrossEntropyLossOptions{}).repr(), "CrossEntropyLoss(reduction=mean, label_smoothing=0.0)");
  EXPECT_EQ(nn::NLLLoss({.reduction = Reduction::sum, .weight = w}).repr(), "NLLLoss(reduction=sum, weight=[1.0, 0.5])");
  EXPECT_EQ(nn::BCEWithLogitsLoss({.pos_weight = w}).repr(), "BCEWithLogitsLoss(reduction=mean, pos_weight=[1.0, 0.5])");
}

TEST(LossModules, WeightsMustBeOneDimensionalFloats) {
  EXPECT_THAT(error_of<ValueError>([] { nn::CrossEntropyLoss({.weight = ones({2, 2})}); }),
              HasSubstr("CrossEntropyLoss: weight must be a 1-D float tensor (one value per class), got float32 (2, 2)"));
  EXPECT_THAT(error_of<ValueError>([] { nn::NLLLoss({.weight = tensor(std::vector<int64_t>{1, 2})}); }),
              HasSubstr("NLLLoss: weight must be a 1-D float tensor"));
  EXPECT_THAT(error_of<ValueError>([] { nn::BCEWithLogitsLoss({.pos_weight = ones({})}); }),
              HasSubstr("BCEWithLogitsLoss: pos_weight must be a 1-D float tensor"));
  EXPECT_THAT(error_of<ValueError>([] { nn::CrossEntropyLoss({.label_smoothing = 2}); }),
              HasSubstr("label_smoothing must be in [0, 1], got 2"));
}
