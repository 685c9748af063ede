// Thread control. minidl links OpenBLAS's serial build and runs its parallel work on one team of
// n threads (default: one per core), libgomp's, which oneDNN's primitives share. Matrix products
// of at least 2^22 multiply-adds are split across it by blocks of output rows or columns,
// convolutions inside oneDNN, large pooling calls by planes; everything smaller, and every
// elementwise kernel, runs on the calling thread, so small networks never pay for a thread
// hand-off, and an idle team sleeps. (OpenBLAS's own pthread pool spins between calls and cost a disk training
// step 30% on this 2-core machine, even when told to use one thread.)
//
// Bitwise reproducibility: with the same build, the same seed gives the same bits. A split
// product computes each output element with the same kernel over the same inner dimension, so
// results do not depend on the thread count in practice; a different CPU may select a different
// OpenBLAS kernel and change the last bits.
#pragma once

namespace minidl {

void set_num_threads(int n);  // n >= 1
int get_num_threads();

}  // namespace minidl
