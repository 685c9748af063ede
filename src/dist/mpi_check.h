// The one place that includes <mpi.h> for src/dist: MPI return codes to minidl::Error.
#pragma once

#ifdef MINIDL_HAVE_MPI
// MPI's C API only: not the C++ bindings that MPI-3 deprecated (Open MPI's and MPICH's switches).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <string>

#include "minidl/error.h"

namespace minidl::dist::detail {

// Throws Error("<what>: <MPI's message>") unless rc is MPI_SUCCESS.
inline void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw Error(std::string(what) + ": " + std::string(text, static_cast<size_t>(length)));
}

// Waits for the non-blocking collective `request`, at most dist::timeout() seconds; past that,
// throws the Error that names the ranks that did not come (process_group.cpp).
void wait(MPI_Request& request, const char* what);

}  // namespace minidl::dist::detail
#endif
