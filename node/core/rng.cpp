#include "node/core/rng.hpp"

#include "node/core/result.hpp"

namespace ios::core {

std::uint64_t Rng::uniform(std::uint64_t bound) {
  IOS_ASSERT(bound > 0);
  // Reject the top partial block so every residue is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  for (;;) {
    std::uint64_t v = next_u64();
    if (v < limit) return v % bound;
  }
}

}  // namespace ios::core
