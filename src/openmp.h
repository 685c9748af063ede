// Internal: the one OpenMP call minidl makes, into oneDNN's runtime (Debian builds libdnnl with
// GCC's libgomp). Declared here instead of through <omp.h> and -fopenmp so that every compiler
// (clang builds the fuzz targets) links that same runtime, and minidl's own code stays free of
// OpenMP pragmas.
#pragma once

extern "C" void omp_set_num_threads(int n);
