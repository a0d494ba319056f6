#pragma once
// Byzantine behaviour for the PoB shard scenarios, as simulator rewrites of an honest core's
// outputs (the core itself stays honest code; sim/README.md).
//
//   equivocating leader   ByzCoin's attack on safety (docs/PROTOCOLS.md §11): when it leads, it
//                         announces two different, individually valid proposals for one
//                         height — half the league gets each. Both pass PoB validation; the
//                         prepare quorum (2f+1 of 3f+1) can form for at most one of them.
//   forging believable    PoB's attack (docs/PROTOCOLS.md §12): a believable validator slips a
//                         transaction with a forged witness, spending a victim's output, into
//                         an optimistic block and re-signs the block. It forges at most once per
//                         forge_interval_ms so that each forgery meets its own fate: caught by
//                         some normal validator's sample (probability 1 − (1 − p)^L) or finalized
//                         and later found and repaid once the producer is convicted.
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "node/chain/optimistic_block.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::sim {

ByzantineRewrite equivocating_leader(const ShardWorld& world, std::uint32_t validator_index);

struct Forgery {
  core::Hash32 optimistic_block{};  // header hash of the forged block
  std::uint32_t index = 0;          // of the forged tx in it
  core::Hash32 tx{};
  std::uint32_t victim = 0;         // index into ShardWorld::victims
};

class Forger {
 public:
  Forger(const ShardWorld& world, std::uint32_t validator_index, TimeMs forge_interval_ms);
  std::vector<protocol::Send> operator()(const protocol::Send& send);
  const std::vector<Forgery>& forgeries() const { return forgeries_; }
  std::uint32_t producer_index() const { return producer_; }

 private:
  core::Bytes forge(chain::OptimisticBlock block);

  const ShardWorld& world_;
  std::uint32_t producer_;
  TimeMs interval_ms_;
  std::optional<TimeMs> last_forged_ms_;
  std::map<std::uint64_t, core::Bytes> rewritten_;  // by seq: every destination gets the same block
  std::vector<Forgery> forgeries_;
};

}  // namespace ios::sim
