#pragma once
// The believable league of Proof-of-Believability (whitepaper §8.2; docs/PROTOCOLS.md §12;
// docs/DESIGN.md §4 "PoB"): "the chance of a node being elected into the believable league is
// determined by believability score … one with higher believability score is more likely to
// be elected". We draw the league from the shard's roster by weighted sampling without
// replacement, each draw's weight its score, driven by the epoch randomness rnd_e.
//
// Invariants:
//  - deterministic: the same candidates, size and rnd_e give the same league on every node
//    (integer arithmetic only; no floating point, whose pow/log may differ across libms);
//  - a candidate with score 0 (slashed, or nothing at stake) is never chosen, so a slashed
//    validator cannot return to the league in a later epoch's draw;
//  - no candidate twice; the league is smaller than `size` only when fewer candidates have a
//    positive score; the result lists roster indices in draw order.
//
// Attack this stops: a validator cannot choose its way into the league. rnd_e comes from the
// DRP (RandHound), which no coalition below the threshold can bias, and scores come from the
// ledger (stake, Servi, reviews), which one epoch cannot inflate for free.
#include <cstdint>
#include <vector>

#include "node/core/bytes.hpp"

namespace ios::protocol::pob {

struct LeagueCandidate {
  std::uint32_t roster_index = 0;
  std::uint64_t score = 0;
};

std::vector<std::uint32_t> draw_believable_league(const std::vector<LeagueCandidate>& candidates, std::uint32_t size,
                                                  const core::Hash32& epoch_randomness);

}  // namespace ios::protocol::pob
