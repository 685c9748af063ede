// The processes of a distributed job: MPI started once per process, this process's rank and the
// world size. Built without MPI (or never initialised), a program is a world of one: rank 0 of 1,
// and every collective of dist/collectives.h returns its input.
//   dist::InitGuard mpi;                       // MPI_Init now, MPI_Finalize at scope exit
//   if (dist::rank() == 0) save(...);
#pragma once

#include <string>

namespace minidl::dist {

// True when this build of minidl has MPI (CMake found it); false: world size is always 1.
bool available();
// The MPI library's own name and version ("Open MPI v4.1.4, ..."), or "none (built without MPI)".
std::string mpi_version();
// True when an MPI launcher (mpirun, mpiexec, srun) started this process: the command starts MPI
// only then, so a plain `minidl train` never pays for MPI's start-up.
bool launched_by_mpi();

// Starts MPI (MPI_Init_thread, MPI_THREAD_FUNNELED: only the main thread calls MPI) unless it is
// started already; idempotent. Errors on this communicator are returned, not fatal, so every
// failed call becomes a minidl::Error naming the collective. Without MPI, does nothing.
// After finalize() MPI cannot start again (MPI's rule): init() then throws a ValueError.
void init();
// Ends MPI (MPI_Finalize) if this process started it; idempotent.
void finalize();
bool is_initialized();

int rank();        // 0 unless initialised
int world_size();  // 1 unless initialised

// How long a collective waits for the other ranks before it gives up (PyTorch's process-group
// timeout; default 1800 s, or MINIDL_DIST_TIMEOUT seconds from the environment). Past it, the
// ranks that are waiting tell each other so, and each throws an Error naming the ranks that never
// came ("dist::all_reduce: no answer within 30 s from rank 1"); the job must then end
// (dist::abort), as MPI cannot take a collective back. Errors: seconds <= 0 (ValueError).
void set_timeout(double seconds);
double timeout();

// init() now, finalize() when it goes out of scope (also when an exception unwinds past it).
class InitGuard {
 public:
  InitGuard() { init(); }
  ~InitGuard() { finalize(); }
  InitGuard(const InitGuard&) = delete;
  InitGuard& operator=(const InitGuard&) = delete;
};

// Ends the whole job: prints "minidl: rank R of N: <message>" to stderr and calls MPI_Abort, which
// makes the launcher stop every other rank, so one rank's exception never leaves the others
// waiting in a collective. Without MPI (or in a world of one) it prints the message and exits
// with `exit_code`. For the top level of a program (main's catch), never for library code.
[[noreturn]] void abort(const std::string& message, int exit_code = 1);

}  // namespace minidl::dist
