// EDS shard assignment (whitepaper §6). Rules and invariants: shard_assignment.hpp.
#include "node/protocol/eds/shard_assignment.hpp"

#include <algorithm>

#include "node/core/result.hpp"
#include "node/crypto/random.hpp"

namespace ios::protocol::eds {

ShardAssignment ShardAssignment::compute(std::uint32_t roster_size, std::uint32_t shards,
                                         const core::Hash32& randomness) {
  IOS_ASSERT(shards >= 1 && roster_size >= shards);
  crypto::ChaChaRng rng("IOS/v1/eds", randomness);
  const auto pi = crypto::permutation(roster_size, rng);
  ShardAssignment a;
  a.members.resize(shards);
  a.shard_of.resize(roster_size);
  const auto n = static_cast<std::uint64_t>(roster_size);
  for (std::uint32_t j = 0; j < shards; ++j) {
    const auto begin = j * n / shards, end = (j + 1) * n / shards;
    auto& m = a.members[j];
    m.assign(pi.begin() + static_cast<std::ptrdiff_t>(begin), pi.begin() + static_cast<std::ptrdiff_t>(end));
    std::sort(m.begin(), m.end());
    for (auto i : m) a.shard_of[i] = core::ShardId{j};
  }
  return a;
}

}  // namespace ios::protocol::eds
