// Embedding: PyTorch golden outputs and weight gradients (with padding_idx), init, repr and
// errors. The op's gradcheck and padding rule: tests/ops/test_embedding.cpp.
#include "minidl/nn/embedding.h"

#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

namespace {

void expect_embedding_matches_golden(nn::Embedding& module, const std::string& name) {
  SCOPED_TRACE(name);
  mt::Golden g("rnn.json");
  const std::string key = "embedding/" + name;
  module.to(kFloat64);
  module.load_state_dict(mt::state_of(g[key + "/state"]));
  Tensor y = module(g.tensor(key + "/indices"));
  EXPECT_TRUE(mt::matches_golden(y, g.tensor(key + "/y")));
  y.backward(g.tensor(key + "/dy"));
  EXPECT_TRUE(mt::matches_golden(module.weight().grad(), g.tensor(key + "/grad")));
}

}  // namespace

TEST(Embedding, MatchesPyTorch) {
  nn::Embedding plain(10, 3);
  expect_embedding_matches_golden(plain, "embedding");
  nn::Embedding padded(10, 3, {.padding_idx = 0});
  expect_embedding_matches_golden(padded, "embedding_padding");
  nn::Embedding negative(10, 3, {.padding_idx = -8});
  expect_embedding_matches_golden(negative, "embedding_padding_negative");
}

TEST(Embedding, InitShapesAndRepr) {
  nn::Embedding e(50, 8, {.padding_idx = -1, .seed = 3});
  EXPECT_EQ(e.repr(), "Embedding(50, 8, padding_idx=49)");
  EXPECT_EQ(nn::Embedding(5, 2).repr(), "Embedding(5, 2)");
  EXPECT_EQ(e.weight().shape(), (Shape{50, 8}));
  std::vector<double> w = e.weight().to_vector();
  for (int64_t j = 0; j < 8; ++j) EXPECT_EQ(w[49 * 8 + j], 0.0);  // the padding row starts at zeros
  double sq = 0;
  for (int64_t i = 0; i < 49 * 8; ++i) sq += w[i] * w[i];
  EXPECT_NEAR(sq / (49 * 8), 1.0, 0.25);  // N(0, 1)
  EXPECT_EQ(e(tensor(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3})).shape(), (Shape{2, 3, 8}));
}

TEST(Embedding, ErrorsNameTheProblem) {
  nn::Embedding e(10, 3);
  EXPECT_THAT(error_of<IndexError>([&] { e(tensor(std::vector<int64_t>{2, 10})); }),
              HasSubstr("index 10 at position 1 is out of range for num_embeddings=10"));
  EXPECT_THAT(error_of<DtypeError>([&] { e(zeros({2})); }), HasSubstr("indices must be int64, got float32"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Embedding(10, 3, {.padding_idx = 10}); }),
              HasSubstr("padding_idx must be in [-num_embeddings, num_embeddings) = [-10, 10), got 10"));
}
