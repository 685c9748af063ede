// DataParallel in a world of one: the set-up text it compares, its buckets, and that averaging
// leaves a lone process's gradients as they are. N ranks: tests/dist/test_mpi_jobs.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/dist.h"
#include "minidl/nn.h"
#include "minidl/random.h"

namespace minidl::dist {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<nn::Sequential> small_net() {
  Generator gen(0);
  return nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::linear(25, 2, gen));
}

TEST(DataParallel, TheSetUpNamesEveryParameterDtypeAndShape) {
  auto model = small_net();
  std::string text = describe_setup(*model, "[train]\nbatch_size = 64");
  EXPECT_EQ(text,
            "[train]\nbatch_size = 64\n"
            "parameter 0.weight float32 (25, 2)\nparameter 0.bias float32 (25)\n"
            "parameter 2.weight float32 (2, 25)\nparameter 2.bias float32 (2)\n");
  check_same_on_every_rank(text, "test");  // a world of one agrees with itself
}

TEST(DataParallel, BucketsFollowBucketBytes) {
  auto model = small_net();  // 50 + 25 + 50 + 2 floats = 508 bytes
  EXPECT_EQ(DataParallel(*model).num_buckets(), 1);
  EXPECT_EQ(DataParallel(*model, "", {.bucket_bytes = 300}).num_buckets(), 2);  // 200+100 | 200+8
  EXPECT_EQ(DataParallel(*model, "", {.bucket_bytes = 1}).num_buckets(), 4);    // one per parameter
  EXPECT_THROW(DataParallel(*model, "", {.bucket_bytes = 0}), ValueError);
}

TEST(DataParallel, AveragingInAWorldOfOneKeepsTheGradients) {
  auto model = small_net();
  DataParallel ddp(*model);
  Generator gen(1);
  Tensor x = randn({8, 2}, gen);
  (*model)(x).sum().backward();
  std::vector<std::vector<double>> before;
  for (const Tensor& p : model->parameters()) before.push_back(p.grad().to_vector());
  EXPECT_EQ(ddp.average_gradients(8), 8);
  auto params = model->parameters();
  for (size_t k = 0; k < params.size(); ++k) EXPECT_EQ(params[k].grad().to_vector(), before[k]);
  try {
    ddp.average_gradients(0);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no rank had an example in this step"));
  }
  EXPECT_THROW(ddp.average_gradients(-1), ValueError);
}

}  // namespace
}  // namespace minidl::dist
