#pragma once
// TransEpoch: how one shard goes from its members of epoch e − 1 to those of epoch e in batches
// (whitepaper §6.1 Algorithm 4 and §6.2; docs/PROTOCOLS.md §10.1 step 5; docs/DESIGN.md §4
// "TransEpoch"; node/protocol/transepoch/README.md).
//
//   leaving  = old \ new, ordered by π_{j,e}: a permutation of the old members drawn by ChaCha20
//              keyed by SHA-256("IOS/v1/transepoch/leaving/<j in decimal>" ‖ rnd_e) (s_{j,rnd_e})
//   joining  = new \ old, ordered by their place in π_{0,e}: a permutation of the whole roster
//              keyed by SHA-256("IOS/v1/transepoch/joining" ‖ rnd_e)           (s_{0,rnd_e})
//   batch b  = leaving[b·k .. (b+1)·k) out, joining[b·k .. (b+1)·k) in
//   rosters  = R_1 .. R_S, R_b = R_{b−1} − out_b + in_b, R_0 = old, R_S = new; S ≥ 1 (S = 1 and
//              R_1 = old when nobody moves: epoch e still starts a segment of its own)
//
// Each R_b runs one segment of the shard's chain (node/protocol/pob/shard_setup.hpp) and the
// next starts after Δ worth of final blocks (the paper's "each batch waits Δ and then starts
// the swap").
//
// The batch size k (swap_batch_size): the paper sets k = log_m n. We set k = ⌊(r − 1)/3⌋ for
// the smallest ByzCoin roster r any segment of the epoch runs, because that is exactly what
// keeps a shard live through a swap: the members that held the shard's state before a step
// number at least |R_b| − k ≥ byzcoin_quorum(|R_b|), so the next roster finalizes at once,
// without waiting for a single newcomer to bootstrap ("at least 2/3 of the shard processing",
// §6.2). log_m n can exceed it (n = 12, m = 2: log_2 12 ≈ 3.6 > ⌊(4 − 1)/3⌋ = 1), and then a
// step would wait on newcomers; for large shards it is far below r/3 and swaps needlessly slowly.
//
// Invariants (tests/unit/transepoch_test.cpp): a function of (old, new, j, rnd_e, k) only; every
// step changes at most k members in and k out; R_S = new; a member never leaves and returns.
#include <cstdint>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/ids.hpp"

namespace ios::protocol::transepoch {

struct SwapPlan {
  std::uint32_t batch_size = 1;                      // k
  std::vector<std::vector<std::uint32_t>> rosters;   // R_1 .. R_S, roster indices ascending
  std::vector<std::uint32_t> leaving;                // in the order they leave
  std::vector<std::uint32_t> joining;                // in the order they join

  std::uint32_t steps() const { return static_cast<std::uint32_t>(rosters.size()); }
};

// ⌊(r − 1)/3⌋ for the smallest ByzCoin roster r of the epoch; r ≥ 4 (a normal league's floor).
std::uint32_t swap_batch_size(std::uint32_t smallest_roster);

// old and new: indices into a roster of roster_size validators, ascending (EDS of rnd_{e−1} and
// rnd_e for shard j); k ≥ 1.
SwapPlan plan_swaps(const std::vector<std::uint32_t>& old_members, const std::vector<std::uint32_t>& new_members,
                    std::uint32_t roster_size, core::ShardId shard, const core::Hash32& randomness,
                    std::uint32_t batch_size);

}  // namespace ios::protocol::transepoch
