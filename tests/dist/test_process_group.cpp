// minidl::dist in a world of one (no mpirun): rank 0 of 1, collectives are the identity, and the
// argument checks still run. tests/dist/test_mpi_jobs.cpp covers N ranks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/dist.h"
#include "minidl/error.h"
#include "minidl/system.h"

namespace minidl::dist {
namespace {

using ::testing::HasSubstr;

TEST(Dist, AWorldOfOneWithoutInit) {
  EXPECT_EQ(rank(), 0);
  EXPECT_EQ(world_size(), 1);
  EXPECT_FALSE(is_initialized());
  finalize();  // idempotent, and harmless before init
  EXPECT_EQ(world_size(), 1);
}

TEST(Dist, SystemInfoNamesTheMpiLibraryOrItsAbsence) {
  SystemInfo s = system_info();
  EXPECT_EQ(s.world_size, 1);
  if (available()) {
    EXPECT_THAT(s.mpi, HasSubstr("MPI"));
  } else {
    EXPECT_EQ(s.mpi, "none (built without MPI)");
  }
}

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

}  // namespace
}  // namespace minidl::dist
