#pragma once
// The believability score (whitepaper §8.2: "calculated by multiple factors (e.g., token
// balance, contributions to the community, reviews, etc). One with higher believability score
// is more likely to be elected into the believable league"; §8.1 on Servi).
//
//   score = 0                                                          if slashed
//         = max(0, isqrt(stake) + 4·min(servi, 2^20) + 4·clamp(reviews, −256, 256))  otherwise
//
// Why this shape:
//   - isqrt(stake): diminishing returns on stake. §8.1 names the tendency of Proof-of-Stake
//     towards centralization as the problem Servi is meant to solve; with a square root a
//     validator holding 100× the stake gets 10× the score, not 100×, so the richest cannot
//     own the believable league. The price is that splitting stake over k identities raises
//     the sum to √k times; each identity must run a validator and earn its own Servi, which is
//     what the design wants to reward.
//   - 4 per Servi: contribution counts directly, and Servi is cleared whenever its holder
//     produces a block (servi.hpp), so high scorers take turns instead of entrenching.
//   - reviews are clamped to ±256 so that no amount of (possibly fake) reviews outweighs
//     stake and work, and a review war cannot push a score below zero on its own.
//   - slashed ⇒ 0: "lose all tokens and reputation" (§8.2); league draws never pick score 0.
// Every term is monotone non-decreasing in its factor; integers only, so every node computes
// the same score. The largest value is 2^32 + 2^22 + 1024, far from overflow.
#include <cstdint>

#include "contracts/state_change.hpp"

namespace ios::contracts {

inline constexpr std::uint64_t believability_servi_weight = 4;
inline constexpr std::uint64_t believability_servi_counted_max = std::uint64_t{1} << 20;
inline constexpr std::int64_t believability_review_weight = 4;
inline constexpr std::int64_t believability_reviews_bound = 256;

// ⌊√n⌋, exactly.
std::uint64_t isqrt(std::uint64_t n);
std::uint64_t believability_score(const ValidatorAccount& account);

}  // namespace ios::contracts
