#pragma once
// Randomness is an input (docs/STYLE.md rules 1 and 8): protocol cores and crypto functions take an
// Rng&, so the node passes the system CSPRNG and the simulator a seeded, replayable stream.
#include <cstdint>
#include <span>

namespace ios::core {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;

  std::uint64_t next_u64() {
    std::uint8_t b[8];
    fill(b);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | b[i];
    return v;
  }
  // Uniform in [0, bound), by rejection (no modulo bias). bound > 0.
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
};

}  // namespace ios::core
