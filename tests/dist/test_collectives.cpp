// dist/collectives.h in a world of one (no mpirun): each collective is the identity, for every
// dtype and shape, and the argument checks still run with messages that name the collective.
// On 1 to 4 ranks, through mpirun: the "collectives" scenario of tests/dist/mpi_worker.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dist/mpi_run.h"
#include "minidl/dist.h"
#include "minidl/error.h"
#include "minidl/random.h"

namespace minidl::dist {
namespace {

using ::testing::HasSubstr;

TEST(Dist, CollectivesAreTheIdentityInAWorldOfOne) {
  Tensor x = tensor({1.5, -2.0, 3.25}, {3}, kFloat64);
  all_reduce(x);
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1.5, -2.0, 3.25}));
  all_reduce(x, ReduceOp::mean);
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1.5, -2.0, 3.25}));
  broadcast(x, 0);
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1.5, -2.0, 3.25}));
  Tensor g = all_gather(tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}));
  EXPECT_EQ(g.shape(), Shape({1, 2, 2}));
  EXPECT_EQ(g.to_vector(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(all_gather(std::string("abc")), std::vector<std::string>{"abc"});
  barrier();
}

TEST(Dist, ArgumentErrorsNameTheCollective) {
  Tensor x = zeros({2});
  try {
    broadcast(x, 1);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dist::broadcast: root 1 is not a rank of a world of 1"));
  }
  Tensor undefined;
  EXPECT_THROW(all_reduce(undefined), ValueError);
  Tensor labels = zeros({2}, kInt64);
  EXPECT_THROW(all_reduce(labels, ReduceOp::mean), DtypeError);
}

// Every dtype the collectives take, tensors small enough to travel inline with the signature and
// larger ones (over 256 bytes), from 0-D to 3-D: values, dtype and shape unchanged; all_gather
// prepends a dimension of size 1 and returns a copy.
TEST(Collectives, EveryDtypeAndShapeIsUnchangedInAWorldOfOne) {
  Generator gen(0);
  for (Dtype dtype : {kFloat32, kFloat64, kInt64}) {
    for (const Shape& shape : {Shape{}, Shape{1}, Shape{7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{40, 10}}) {
      SCOPED_TRACE(to_string(dtype) + " " + to_string(shape));
      Tensor x = dtype == kInt64 ? uniform(shape, -1000, 1000, gen, kFloat64).to(kInt64) : randn(shape, gen, dtype);
      const std::vector<double> values = x.to_vector();
      all_reduce(x);
      if (dtype != kInt64) all_reduce(x, ReduceOp::mean);
      broadcast(x, 0);
      EXPECT_EQ(x.dtype(), dtype);
      EXPECT_EQ(x.shape(), shape);
      EXPECT_EQ(x.to_vector(), values);

      Tensor g = all_gather(x);
      std::vector<int64_t> dims{1};
      for (int64_t d = 0; d < shape.dim(); ++d) dims.push_back(shape[d]);
      EXPECT_EQ(g.shape(), Shape(dims));
      EXPECT_EQ(g.dtype(), dtype);
      EXPECT_EQ(g.to_vector(), values);
      EXPECT_NE(g.raw_data(), x.raw_data());
      std::memset(x.raw_data(), 0x5A, static_cast<size_t>(x.numel()) * element_size(dtype));
      EXPECT_EQ(g.to_vector(), values) << "all_gather's result changed with its input";
    }
  }
}

// The unchecked forms that DataParallel uses: (1, numel) flat rows, and a broadcast that leaves x.
TEST(Collectives, UncheckedFormsInAWorldOfOne) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Tensor g = detail::all_gather_unchecked(x);
  EXPECT_EQ(g.shape(), (Shape{1, 6}));
  EXPECT_EQ(g.to_vector(), x.to_vector());
  detail::broadcast_unchecked(x, 0);
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(Collectives, EmptyTensorsAndStrings) {
  Tensor empty = zeros({0, 3});
  all_reduce(empty);
  broadcast(empty, 0);
  EXPECT_EQ(empty.shape(), (Shape{0, 3}));
  EXPECT_EQ(all_gather(empty).shape(), (Shape{1, 0, 3}));
  EXPECT_EQ(all_gather(std::string()), std::vector<std::string>{""});
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(all_gather(with_nul), std::vector<std::string>{with_nul});
}

// Each error names its collective and what is wrong, and leaves the tensor as it was.
TEST(Collectives, ErrorsNameTheCollectiveAndLeaveTheTensor) {
  auto message = [](auto call) -> std::string {
    try {
      call();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  Tensor undefined;
  EXPECT_THAT(message([&] { all_reduce(undefined); }), HasSubstr("dist::all_reduce: the tensor is undefined"));
  EXPECT_THAT(message([&] { broadcast(undefined, 0); }), HasSubstr("dist::broadcast: the tensor is undefined"));
  EXPECT_THAT(message([&] { all_gather(undefined); }), HasSubstr("dist::all_gather: the tensor is undefined"));
  Tensor x = tensor({1.0, 2.0});
  for (int root : {-1, 1, 5}) {
    EXPECT_THAT(message([&] { broadcast(x, root); }),
                HasSubstr("dist::broadcast: root " + std::to_string(root) + " is not a rank of a world of 1"));
  }
  Tensor counts = tensor(std::vector<int64_t>{3, 4});
  EXPECT_THAT(message([&] { all_reduce(counts, ReduceOp::mean); }),
              HasSubstr("dist::all_reduce: mean of an int64 tensor"));
  EXPECT_THROW(all_reduce(counts, ReduceOp::mean), DtypeError);
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1, 2}));
  EXPECT_EQ(counts.to_vector(), (std::vector<double>{3, 4}));
  all_reduce(counts);  // the sum of int64 is allowed
  EXPECT_EQ(counts.to_vector(), (std::vector<double>{3, 4}));
}

// Sums, means, gathers and broadcasts on 1 to 4 ranks, small and large tensors, int64, strings,
// and a rank with another shape (tests/dist/mpi_worker.cpp, scenario "collectives").
TEST(DistMpi, CollectivesOn1To4Ranks) {
  if (!minidl::testing::mpi_tests_enabled()) GTEST_SKIP() << minidl::testing::mpi_skip_reason();
  for (int n : {1, 2, 3, 4}) {
    minidl::testing::expect_pass(minidl::testing::run_mpi(n, {"collectives"}),
                                 "PASS collectives on " + std::to_string(n) + " ranks");
  }
}

}  // namespace
}  // namespace minidl::dist
