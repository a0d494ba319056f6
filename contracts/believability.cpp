#include "contracts/believability.hpp"

#include <algorithm>

namespace ios::contracts {

std::uint64_t isqrt(std::uint64_t n) {
  // Digit-by-digit (base 4) square root: exact for every 64-bit n, no floating point.
  std::uint64_t root = 0;
  std::uint64_t bit = std::uint64_t{1} << 62;
  while (bit > n) bit >>= 2;
  while (bit != 0) {
    if (n >= root + bit) {
      n -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

std::uint64_t believability_score(const ValidatorAccount& account) {
  if (account.slashed) return 0;
  const auto stake_term = static_cast<std::int64_t>(isqrt(account.stake));
  const auto servi_term = static_cast<std::int64_t>(believability_servi_weight *
                                                    std::min(account.servi, believability_servi_counted_max));
  const auto reviews = std::clamp(account.reviews, -believability_reviews_bound, believability_reviews_bound);
  const std::int64_t score = stake_term + servi_term + believability_review_weight * reviews;
  return score > 0 ? static_cast<std::uint64_t>(score) : 0;
}

}  // namespace ios::contracts
