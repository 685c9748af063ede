// Generator: the explicit, seeded source of randomness (xoshiro256**). Every random factory takes
// one, so the same seed gives the same numbers on every machine and build; its state can be saved.
#pragma once

#include <array>
#include <cstdint>

namespace minidl {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }

  void manual_seed(uint64_t seed);
  // Inline: dropout masks draw one per element.
  uint64_t next_u64() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }  // in [0, 1), 53 random bits
  double normal();   // standard normal (Box-Muller; the second value is kept for the next call)
  // Uniform integer in [0, n) without modulo bias: r mod n, rejecting r below 2^64 mod n. That
  // threshold is below n, so only a draw under n pays its division. Inline: the shuffle of every
  // epoch draws one per example.
  uint64_t below(uint64_t n) {
    for (;;) {
      uint64_t r = next_u64();
      if (r >= n || r >= (0 - n) % n) [[likely]] return r % n;
    }
  }

  struct State {
    std::array<uint64_t, 4> s;
    bool has_spare;
    double spare;
  };
  State state() const { return {s_, has_spare_, spare_}; }
  void set_state(const State& state);

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace minidl
