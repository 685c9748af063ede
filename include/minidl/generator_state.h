// A Generator's state as a tensor, for state dicts and checkpoints: int64 (6) holding the four
// xoshiro words, has_spare and the spare normal's bits, so a restored generator continues
// bit for bit.
#pragma once

#include <string>

#include "minidl/random.h"
#include "minidl/tensor.h"

namespace minidl {

Tensor generator_state(const Generator& gen);
// Checks the tensor (int64, shape (6), not all-zero words) and restores it; a bad one is a
// ValueError starting with `who`, and leaves `gen` unchanged.
void load_generator_state(Generator& gen, const Tensor& state, const std::string& who);

}  // namespace minidl
