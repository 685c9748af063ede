// init/finalize and the world: MPI_COMM_WORLD, with errors returned rather than fatal.
#include "minidl/dist/process_group.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "dist/mpi_check.h"
#include "minidl/error.h"

namespace minidl::dist {

namespace {
#ifdef MINIDL_HAVE_MPI
bool started_here = false;  // this process called MPI_Init (and so calls MPI_Finalize)
#endif

double initial_timeout() {
  const char* text = std::getenv("MINIDL_DIST_TIMEOUT");
  double seconds = text ? std::atof(text) : 0.0;
  return seconds > 0 ? seconds : 1800.0;  // PyTorch's default for its process groups: 30 minutes
}
double g_timeout = initial_timeout();
}  // namespace

void set_timeout(double seconds) {
  if (!(seconds > 0)) throw ValueError("dist::set_timeout: seconds must be > 0, got " + std::to_string(seconds));
  g_timeout = seconds;
}

double timeout() { return g_timeout; }

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

#ifdef MINIDL_HAVE_MPI
namespace detail {

void wait(MPI_Request& request, const char* what) {
  using clock = std::chrono::steady_clock;
  auto seconds_since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  const auto start = clock::now();
  for (int polls = 0;; ++polls) {
    int done = 0;
    check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
    if (done) return;
    if (seconds_since(start) > g_timeout) break;
    // Spin briefly (a step's collectives take microseconds), then yield the core: with more ranks
    // than cores the rank being waited for needs it.
    if (polls > 2000) std::this_thread::sleep_for(std::chrono::microseconds(polls > 20000 ? 1000 : 20));
  }
  // The census: every rank that is waiting too sends a note to every other; those that sent none
  // within the grace period never came. Ranks that came late time out late, hence the grace.
  constexpr int kTag = 31017;
  const int me = rank(), n = world_size();
  std::vector<MPI_Request> notes;
  for (int r = 0; r < n; ++r) {
    if (r == me) continue;
    notes.emplace_back();
    MPI_Isend(&me, 1, MPI_INT, r, kTag, MPI_COMM_WORLD, &notes.back());
  }
  std::vector<bool> waiting(static_cast<size_t>(n), false);
  waiting[static_cast<size_t>(me)] = true;
  const double grace = std::min(60.0, std::max(1.0, 0.1 * g_timeout));
  const auto census = clock::now();
  while (seconds_since(census) < grace) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &status);
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int from = 0;
    MPI_Recv(&from, 1, MPI_INT, status.MPI_SOURCE, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    waiting[static_cast<size_t>(status.MPI_SOURCE)] = true;
  }
  std::string missing;
  int count = 0;
  for (int r = 0; r < n; ++r) {
    if (!waiting[static_cast<size_t>(r)]) missing += std::string(count++ ? ", " : "") + std::to_string(r);
  }
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", g_timeout);
  throw Error(std::string(what) + ": no answer within " + limit + " s from " +
              (count == 0 ? std::string("a rank (every rank reported waiting: a mismatched collective?)")
                          : std::string(count == 1 ? "rank " : "ranks ") + missing) +
              "; it is stuck or dead (raise the limit with dist::set_timeout or MINIDL_DIST_TIMEOUT)");
}

}  // namespace detail
#endif

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
