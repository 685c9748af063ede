// minidl::dist across processes: each test starts tests/dist/mpi_worker under
// `mpirun --oversubscribe -n N` (with --allow-run-as-root as root) and checks its exit code and
// output. Skipped when this build has no MPI or CMake found no mpirun. The worker's "collectives"
// scenario is run from test_collectives.cpp, beside the world-of-one tests of the same functions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "dist/mpi_run.h"

using ::testing::HasSubstr;
using minidl::testing::expect_pass;
using minidl::testing::MpiResult;
using minidl::testing::run_mpi;

#define SKIP_WITHOUT_MPI()                                                                         \
  do {                                                                                             \
    if (!minidl::testing::mpi_tests_enabled()) GTEST_SKIP() << minidl::testing::mpi_skip_reason(); \
  } while (0)

namespace {

// N ranks sharing each global batch of 64 end with the one-process run's parameters (1e-12
// relative in float64) and the same bits on every rank; 1000 examples make a ragged last batch
// of 40 rows, which 3 ranks share 14/13/13, so the sample-count weighting is exercised.
TEST(DistMpi, DiskFloat64MatchesOneProcessOn1To4Ranks) {
  SKIP_WITHOUT_MPI();
  for (int n : {1, 2, 3, 4}) {
    expect_pass(run_mpi(n, {"equivalence", "disk64", "1000", "64", "32", "shard"}),
                "ranks=" + std::to_string(n) + ": worst relative difference");
  }
}

TEST(DistMpi, DiskFloat32MatchesOneProcessWithin1e5) {
  SKIP_WITHOUT_MPI();
  expect_pass(run_mpi(3, {"equivalence", "disk32", "1000", "64", "32", "shard"}), "ranks=3");
}

TEST(DistMpi, LeNetFloat64MatchesOneProcess) {
  SKIP_WITHOUT_MPI();
  // 200 images, batch 32: the 7th step is the ragged batch of 8 rows.
  for (int n : {2, 3}) expect_pass(run_mpi(n, {"equivalence", "lenet64", "200", "32", "8", "shard"}), "ranks=" + std::to_string(n));
}

// PyTorch's DistributedSampler path: per-rank batches of B/N from the seed + epoch permutation.
TEST(DistMpi, DistributedSamplerTrainingMatchesOneProcess) {
  SKIP_WITHOUT_MPI();
  for (int n : {2, 4}) expect_pass(run_mpi(n, {"equivalence", "disk64", "960", "64", "30", "sampler"}), "ranks=" + std::to_string(n));
}

// Against PyTorch DistributedDataParallel over gloo on 2 processes (tests/golden/dist_ddp.json,
// tools/golden/dist.py): the same weights after 2 epochs with a padded DistributedSampler.
TEST(DistMpi, DataParallelMatchesPyTorchDdp) {
  SKIP_WITHOUT_MPI();
  expect_pass(run_mpi(2, {"ddp_golden"}), "PASS ddp_golden on 2 ranks");
}

TEST(DistMpi, ARankThatThrowsEndsTheJobWithItsMessage) {
  SKIP_WITHOUT_MPI();
  MpiResult r = run_mpi(3, {"throw", "1"});
  EXPECT_NE(r.code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("minidl: rank 1 of 3: deliberate failure on rank 1 at step 3")) << r.describe();
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("PASS"))) << r.describe();
}

TEST(DistMpi, AMismatchedConfigIsAClearErrorNotAHang) {
  SKIP_WITHOUT_MPI();
  MpiResult r = run_mpi(3, {"mismatch", "2"});
  EXPECT_NE(r.code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("DataParallel: rank 2's set-up differs from rank 0's at line 2: rank 0 has 'lr = "
                               "0.05', rank 2 has 'lr = 0.2'"))
      << r.describe();
}

// The set-up is compared in full once, at construction; later each step compares a hash of the
// parameters' layout that travels with the sample counts. A rank whose model changes afterwards
// still gets the error that names it and its first different line, not a hang or a torn buffer.
TEST(DistMpi, AModelThatChangesOnOneRankIsAClearErrorNotAHang) {
  SKIP_WITHOUT_MPI();
  MpiResult r = run_mpi(3, {"diverge", "1"});
  EXPECT_NE(r.code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("DataParallel::average_gradients (the parameters changed since the start): rank 1's "
                               "set-up differs from rank 0's at line 9: rank 0 has nothing (its set-up ends before), "
                               "rank 1 has 'parameter 5.weight float64 (2, 2)'"))
      << r.describe();
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("PASS"))) << r.describe();
}

// The same change on every rank is allowed: the buckets are laid out anew.
TEST(DistMpi, AModelThatChangesOnEveryRankIsAveragedWhole) {
  SKIP_WITHOUT_MPI();
  expect_pass(run_mpi(2, {"regrow"}), "PASS regrow on 2 ranks");
}

TEST(DistMpi, ARankKilledBySigkillEndsTheJob) {
  SKIP_WITHOUT_MPI();
  MpiResult r = run_mpi(2, {"kill", "1"});
  EXPECT_NE(r.code, 0) << r.describe();
  EXPECT_THAT(r.out + r.err, HasSubstr("signal 9")) << r.describe();
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("PASS"))) << r.describe();
}

// A rank that stops answering without dying: the others give up after dist::timeout() (2 s
// here) and name it, and the job ends long before mpirun's own timeout.
TEST(DistMpi, ARankThatStopsAnsweringIsNamedAfterTheTimeout) {
  SKIP_WITHOUT_MPI();
  MpiResult r = run_mpi(3, {"hang", "1"});
  EXPECT_NE(r.code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("no answer within 2 s from rank 1;")) << r.describe();
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("time limit"))) << r.describe();  // mpirun's --timeout did not end it
}

}  // namespace
