// Thread control. minidl's kernels run on the calling thread; OpenBLAS has its own pool, which
// set_num_threads also sets. OpenBLAS keeps GEMMs below 64^3 multiply-adds on one thread, so small
// networks never pay for thread hand-offs.
//
// Bitwise reproducibility: with the same build and the same thread count, the same seed gives the
// same bits. A different thread count may change GEMM results in the last bit (OpenBLAS splits
// the work differently), and a different CPU may select a different OpenBLAS kernel.
#pragma once

namespace minidl {

void set_num_threads(int n);  // n >= 1
int get_num_threads();

}  // namespace minidl
