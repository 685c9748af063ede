// init/finalize and the world: MPI_COMM_WORLD, with errors returned rather than fatal.
#include "minidl/dist/process_group.h"

#include <cstdio>
#include <cstdlib>

#include "dist/mpi_check.h"
#include "minidl/error.h"

namespace minidl::dist {

#ifdef MINIDL_HAVE_MPI
namespace {
bool started_here = false;  // this process called MPI_Init (and so calls MPI_Finalize)
}  // namespace
#endif

bool available() {
#ifdef MINIDL_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::string mpi_version() {
#ifdef MINIDL_HAVE_MPI
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);  // callable before MPI_Init
  // "Open MPI v4.1.4, package: Debian OpenMPI, ident: ...": the name and version are enough.
  std::string version(text, static_cast<size_t>(length));
  size_t end = version.find_first_of(",\n");
  return end == std::string::npos ? version : version.substr(0, end);
#else
  return "none (built without MPI)";
#endif
}

bool launched_by_mpi() {
  // Open MPI's mpirun, and the PMI/PMIx variables of MPICH's Hydra and Slurm's srun.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

bool is_initialized() {
#ifdef MINIDL_HAVE_MPI
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
#else
  return false;
#endif
}

void init() {
#ifdef MINIDL_HAVE_MPI
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) throw ValueError("dist::init: MPI was finalized in this process and cannot start again");
  if (initialized) return;
  int provided = 0;
  detail::check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "dist::init: MPI_Init_thread");
  started_here = true;
  // A failed collective returns its error code (turned into an exception) instead of aborting.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
#endif
}

void finalize() {
#ifdef MINIDL_HAVE_MPI
  if (!started_here || !is_initialized()) return;
  MPI_Finalize();
  started_here = false;
#endif
}

int rank() {
#ifdef MINIDL_HAVE_MPI
  if (!is_initialized()) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
#else
  return 0;
#endif
}

int world_size() {
#ifdef MINIDL_HAVE_MPI
  if (!is_initialized()) return 1;
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
#else
  return 1;
#endif
}

void abort(const std::string& message, int exit_code) {
  std::fflush(stdout);
  std::fprintf(stderr, "minidl: rank %d of %d: %s\n", rank(), world_size(), message.c_str());
  std::fflush(stderr);
#ifdef MINIDL_HAVE_MPI
  if (is_initialized() && world_size() > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  if (is_initialized()) MPI_Finalize();
#endif
  std::_Exit(exit_code);
}

}  // namespace minidl::dist
