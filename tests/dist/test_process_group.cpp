// minidl::dist's process group in a world of one (no mpirun): rank 0 of 1, and the MPI library it
// reports. The collectives are in test_collectives.cpp; tests/dist/test_mpi_jobs.cpp covers N ranks.
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

}  // namespace
}  // namespace minidl::dist
