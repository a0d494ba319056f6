#include "node/protocol/pob/league.hpp"

#include <algorithm>

#include "node/core/result.hpp"
#include "node/crypto/random.hpp"

namespace ios::protocol::pob {

std::vector<std::uint32_t> draw_believable_league(const std::vector<LeagueCandidate>& candidates, std::uint32_t size,
                                                  const core::Hash32& epoch_randomness) {
  std::vector<LeagueCandidate> pool;
  for (const auto& c : candidates) {
    if (c.score > 0) pool.push_back(c);
  }
  // Sort by roster index so the caller's ordering of `candidates` cannot change the draw.
  std::sort(pool.begin(), pool.end(),
            [](const LeagueCandidate& a, const LeagueCandidate& b) { return a.roster_index < b.roster_index; });
  for (std::size_t i = 1; i < pool.size(); ++i) IOS_ASSERT(pool[i - 1].roster_index != pool[i].roster_index);

  crypto::ChaChaRng rng("IOS/v1/pob-league", core::ByteView(epoch_randomness));
  std::vector<std::uint32_t> league;
  while (league.size() < size && !pool.empty()) {
    // Scores are bounded far below 2^64 / roster size by the believability formula; the sum is
    // still checked, because an overflow here would silently skew the draw.
    std::uint64_t total = 0;
    for (const auto& c : pool) {
      IOS_ASSERT(total + c.score >= total);
      total += c.score;
    }
    std::uint64_t r = rng.uniform(total);
    std::size_t pick = 0;
    while (r >= pool[pick].score) {
      r -= pool[pick].score;
      ++pick;
    }
    league.push_back(pool[pick].roster_index);
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  return league;
}

}  // namespace ios::protocol::pob
