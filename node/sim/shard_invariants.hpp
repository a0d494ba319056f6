#pragma once
// The shard invariants of shard_scenario.hpp, checked incrementally after every event: each
// event costs O(new final blocks), and a node's supply is recomputed only when its height
// changes, so checking after every event stays affordable with real crypto.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/protocol/byzcoin/engine.hpp"
#include "node/protocol/pob/shard_ledger.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::sim {

// A node's ByzCoin engine (its newest final blocks) and ledger, or nullptr while it is down.
const protocol::byzcoin::ByzcoinEngine* engine_of(const Simulator& sim, NodeId id, NodeId client);
const protocol::pob::ShardLedger* ledger_of(const Simulator& sim, NodeId id, NodeId client);
// The final block at `height` that node `id` holds in instance `key`: from its engine's memory,
// or, once it left that (engine.hpp final_blocks_in_memory_max: one input can finalize more,
// a sync answer and the buffered pushes behind it), from the node's store, where the engine
// persisted it before applying it. nullopt if neither has it.
std::optional<chain::FinalizedBlock> final_block(const Simulator& sim, NodeId id, const protocol::node::InstanceKey& key,
                                                 const protocol::byzcoin::ByzcoinEngine& engine, std::uint64_t height);

class ShardInvariants {
 public:
  // Watches the shard's members and its client (the other shards' nodes run other chains).
  explicit ShardInvariants(const ShardWorld& world);

  std::optional<std::string> check_chains(const Simulator& sim);

  std::optional<std::string> check_supply(const Simulator& sim);

  std::optional<std::string> double_spend() const { return double_spend_; }
  std::optional<std::string> servi_moved() const { return servi_moved_; }
  std::optional<std::string> bad_finality() const { return bad_finality_; }
  const std::vector<chain::FinalizedBlock>& canonical() const { return canonical_; }
  // Every tx hash applied along the final chain.
  const std::set<core::Hash32>& applied() const { return applied_; }

 private:
  struct Seen {
    std::uint32_t incarnation = 0;
    std::uint64_t next_height = 0;  // the next final block of this node's to check
    std::uint64_t supply_height = 0;
  };

  std::optional<std::string> on_block(const chain::FinalizedBlock& block, NodeId id);

  const ShardWorld& world_;
  std::vector<NodeId> nodes_;
  std::map<NodeId, Seen> seen_;
  std::vector<chain::FinalizedBlock> canonical_;
  std::set<chain::OutPoint> spent_;
  std::set<core::Hash32> applied_;
  std::optional<std::string> double_spend_, servi_moved_, bad_finality_;
};


}  // namespace ios::sim
