#pragma once
// How a validator runs its shards across epochs inside its NodeCore (docs/DESIGN.md §4
// "TransEpoch"; node/protocol/transepoch/README.md), the same in the node runtime and the
// simulator.
//
// A shard's chain is one chain across epochs, cut into segments: epoch 0 is one segment (the
// genesis setup); epoch e ≥ 1 is one segment per TransEpoch step of the plan from A_{e−1}[j] to
// A_e[j] (swap_plan.hpp), keyed (shard j, epoch e, step s). Every host of shard j in epoch e —
// hosts(e, j) = A_{e−1}[j] ∪ A_e[j] — runs every segment of (j, e): as a ByzCoin member when the
// step's normal league holds it, a producer when it is believable in the last step, an observer
// otherwise (it keeps the state and follows). So a member-to-be is in sync before its batch
// comes, and one that left keeps following until the epoch ends.
//
// Succession (one segment to the next):
//   segment (j, e, s) ends          → its handover starts (j, e, s + 1), or after the last step
//                                     (j, e + 1, 0) once record e + 1 is known here, if this node
//                                     hosts shard j in e + 1;
//   record e is final here           → for each shard j this node hosts in e but not in e − 1:
//                                     ShardJoin under (j, e − 1, last step), which fetches the
//                                     handover from that segment's hosts;
//   a segment is started             → segments of j two steps back, and earlier epochs' except
//                                     the previous epoch's last one (it serves joiners), retire.
// At start, the segments are rebuilt from the store by the same succession: epoch 0's segment
// replays its stored blocks, ends, hands over to the next, and so on; a shard joined later
// starts again from the ShardJoin's persisted handover.
//
// Batch size k = swap_batch_size(⌊n/m⌋ − believable_size): the smallest last-step normal league;
// a step before the last lasts step_blocks = ⌈Δ / block_interval⌉ final blocks ("each batch waits
// Δ and then starts the swap").
#include <map>
#include <memory>

#include "node/protocol/byzcoin/app.hpp"
#include "node/protocol/epoch/epoch_record.hpp"
#include "node/protocol/node/node_core.hpp"
#include "node/protocol/pob/shard_setup.hpp"
#include "node/protocol/transepoch/swap_plan.hpp"

namespace ios::protocol::transepoch {

// The segments of every shard in every epoch this node knows the record of.
class ShardSchedule {
 public:
  ShardSchedule(std::shared_ptr<const chain::Genesis> genesis, std::vector<NodeId> extra_observers);

  // Records in epoch order, from 1 (record 0 is the genesis's).
  void add(const epoch::EpochRecord& record);
  bool knows(std::uint64_t epoch) const { return epoch < records_.size(); }
  std::uint64_t last_epoch() const { return records_.size() - 1; }

  std::uint32_t batch_size() const { return batch_size_; }
  std::uint64_t step_blocks() const { return step_blocks_; }
  std::uint32_t steps(std::uint64_t epoch, core::ShardId shard) const;
  // Epoch e ≥ 1's swap plan of `shard` (computed once).
  const SwapPlan& plan(std::uint64_t epoch, core::ShardId shard) const;
  // A_{e−1}[j] ∪ A_e[j] (A_0[j] for e = 0), ascending.
  std::vector<std::uint32_t> hosts(std::uint64_t epoch, core::ShardId shard) const;
  bool hosts(std::uint64_t epoch, core::ShardId shard, std::uint32_t validator) const;
  // The setup of segment (shard, epoch, step); the same object for the same segment.
  std::shared_ptr<const pob::ShardSetup> setup(std::uint64_t epoch, core::ShardId shard, std::uint32_t step) const;

 private:
  struct Known {
    std::vector<std::vector<std::uint32_t>> shards;
    core::Hash32 randomness{};
  };
  std::shared_ptr<const chain::Genesis> genesis_;
  std::vector<NodeId> extra_observers_;
  std::vector<Known> records_;  // by epoch
  std::uint32_t batch_size_ = 1;
  std::uint64_t step_blocks_ = 1;
  // Computed on demand; epochs more than cached_epochs behind the last record are dropped.
  static constexpr std::uint64_t cached_epochs = 4;
  mutable std::map<std::pair<std::uint64_t, std::uint32_t>, SwapPlan> plans_;
  mutable std::map<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>, std::shared_ptr<const pob::ShardSetup>> setups_;
};

struct ShardHosting {
  std::shared_ptr<const chain::Genesis> genesis;
  std::uint32_t self = 0;                      // roster index = NodeId
  const crypto::Identity* identity = nullptr;  // outlives the node core
  core::Rng* rng = nullptr;                    // likewise
  byzcoin::ByzcoinConfig timing{};             // block interval, timeouts, tree; the rest per segment
  std::vector<NodeId> extra_observers;         // follow every segment of every shard (clients)
};

// Hosts this node's shard segments (replaying `rows`) given the records it holds (1..last, in
// order). Returns the succession that keeps hosting them — compose it with the epoch chain's
// (epoch::epoch_succession) — and the schedule it keeps, which learns each record as the
// succession sees it (before the record's Deliver leaves the node core), for the runtime to read
// rather than derive a second time. `rows` are read for each segment as it is made: the
// start-up succession's replay reads what each one persisted.
struct HostedShards {
  node::Succession succession;
  std::shared_ptr<const ShardSchedule> schedule;
};
HostedShards host_shards(node::NodeCore& node, std::shared_ptr<const node::PersistedRows> rows,
                         const ShardHosting& hosting, const std::vector<epoch::EpochRecord>& records);

}  // namespace ios::protocol::transepoch
