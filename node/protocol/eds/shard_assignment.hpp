#pragma once
// EDS: Epoch Distribution of Shards (whitepaper §6; docs/PROTOCOLS.md §10.1 step 4;
// docs/DESIGN.md §4 "EDS"). The roster of epoch e is permuted by the epoch randomness rnd_e and
// cut into m shards:
//
//   π_e = Fisher–Yates permutation of 0..n-1, ChaCha20 keyed by SHA-256("IOS/v1/eds" ‖ rnd_e),
//         rejection sampling (crypto::permutation, no modulo bias — the cothority `Shard`
//         used Uint64 % (i+1), docs/PROTOCOLS.md §10.1);
//   shard j = { π_e[k] : ⌊j·n/m⌋ ≤ k < ⌊(j+1)·n/m⌋ }, listed by ascending roster index.
//
// Invariants (tests/unit/shard_assignment_test.cpp):
//  - a function of (n, m, rnd_e) only: every node, and anyone holding the epoch's record,
//    computes the same assignment (`ShardAssignment.RecomputesIdenticallyAndDependsOnTheRandomness`);
//  - a partition: every roster index is in exactly one shard, shard sizes differ by at most
//    one (`ShardAssignment.IsAnEvenPartition`);
//  - m = 1 puts everyone in shard 0, whatever rnd_e (the one-shard system of earlier
//    versions is the special case, not a separate code path) (`ShardAssignment.OneShardHoldsEveryone`);
//  - every roster position lands in every shard equally often over epochs
//    (`ShardAssignment.EveryPositionLandsInEveryShardAboutEquallyOften`).
//
// Attack this stops: a validator cannot pick its shard. rnd_e is fixed by the DRP after the
// roster is (docs/PROTOCOLS.md §7), so no one can grind a key into a shard it wants to
// dominate; the shard-size tables of docs/PROTOCOLS.md §10.2 assume exactly this uniform draw.
#include <cstdint>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/ids.hpp"

namespace ios::protocol::eds {

struct ShardAssignment {
  std::vector<std::vector<std::uint32_t>> members;  // members[j]: roster indices of shard j, ascending
  std::vector<core::ShardId> shard_of;               // shard_of[i]: the shard of roster index i

  // n >= m >= 1 (a caller that lets a policy reach here with fewer validators than shards has
  // a bug: ShardSetup refuses such a genesis first).
  static ShardAssignment compute(std::uint32_t roster_size, std::uint32_t shards, const core::Hash32& randomness);

  std::uint32_t shard_count() const { return static_cast<std::uint32_t>(members.size()); }
  const std::vector<std::uint32_t>& shard(core::ShardId s) const { return members.at(s.value); }
};

}  // namespace ios::protocol::eds
