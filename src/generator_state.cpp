// Generator state <-> int64 tensor.
#include "minidl/generator_state.h"

#include <bit>
#include <vector>

#include "minidl/error.h"

namespace minidl {

Tensor generator_state(const Generator& gen) {
  Generator::State g = gen.state();
  std::vector<int64_t> words;
  for (uint64_t w : g.s) words.push_back(std::bit_cast<int64_t>(w));
  words.push_back(g.has_spare ? 1 : 0);
  words.push_back(std::bit_cast<int64_t>(g.spare));
  return tensor(words);
}

void load_generator_state(Generator& gen, const Tensor& state, const std::string& who) {
  if (!state.defined() || state.dtype() != kInt64 || state.shape() != Shape{6}) {
    throw ValueError(who + ": a generator state must be int64 of shape (6), got " +
                     (state.defined() ? to_string(state.dtype()) + " " + to_string(state.shape()) : "undefined"));
  }
  const int64_t* w = state.data<int64_t>();
  Generator::State g;
  for (int k = 0; k < 4; ++k) g.s[k] = std::bit_cast<uint64_t>(w[k]);
  if (g.s[0] == 0 && g.s[1] == 0 && g.s[2] == 0 && g.s[3] == 0) {
    throw ValueError(who + ": the generator state is all zeros (xoshiro would only give zeros)");
  }
  g.has_spare = w[4] != 0;
  g.spare = std::bit_cast<double>(w[5]);
  gen.set_state(g);
}

}  // namespace minidl
