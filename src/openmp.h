// Internal: the OpenMP calls minidl makes, into oneDNN's runtime (Debian builds libdnnl with
// GCC's libgomp). Declared here instead of through <omp.h> and -fopenmp so that every compiler
// (clang builds the fuzz targets) links that same runtime, and minidl's own code stays free of
// OpenMP pragmas.
#pragma once

extern "C" {
void omp_set_num_threads(int n);
// What GCC compiles `#pragma omp parallel num_threads(n)` into (libgomp's ABI since GCC 4.9):
// runs fn(data) on a team of n threads, the caller among them, and returns when all have.
void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags);
}
