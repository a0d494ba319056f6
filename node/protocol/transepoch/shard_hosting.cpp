// A validator's shard segments across epochs. What, when and why: shard_hosting.hpp.
#include "node/protocol/transepoch/shard_hosting.hpp"

#include <algorithm>

#include "node/protocol/epoch/hosting.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/protocol/transepoch/shard_join.hpp"
#include "node/protocol/transepoch/swap_plan.hpp"

namespace ios::protocol::transepoch {

using node::InstanceKey;

ShardSchedule::ShardSchedule(std::shared_ptr<const chain::Genesis> genesis, std::vector<NodeId> extra_observers)
    : genesis_(std::move(genesis)), extra_observers_(std::move(extra_observers)) {
  const auto record0 = epoch::genesis_record(*genesis_);
  records_.push_back({record0.shards, record0.randomness});
  const auto& policy = genesis_->policy;
  const auto n = static_cast<std::uint32_t>(genesis_->validators.size());
  batch_size_ = swap_batch_size(n / policy.shards - policy.believable_size);
  step_blocks_ = std::max<std::uint64_t>(1, (policy.delta_ms + policy.block_interval_ms - 1) / policy.block_interval_ms);
}

void ShardSchedule::add(const epoch::EpochRecord& record) {
  IOS_ASSERT(record.epoch == records_.size());  // in order, each once
  records_.push_back({record.shards, record.randomness});
  if (record.epoch <= cached_epochs) return;
  const auto oldest = record.epoch - cached_epochs;
  std::erase_if(plans_, [oldest](const auto& p) { return p.first.first < oldest; });
  std::erase_if(setups_, [oldest](const auto& s) { return std::get<0>(s.first) < oldest; });
}

const SwapPlan& ShardSchedule::plan(std::uint64_t epoch, core::ShardId shard) const {
  IOS_ASSERT(epoch >= 1 && knows(epoch));
  auto it = plans_.find({epoch, shard.value});
  if (it != plans_.end()) return it->second;
  const auto n = static_cast<std::uint32_t>(genesis_->validators.size());
  auto made = plan_swaps(records_[epoch - 1].shards.at(shard.value), records_[epoch].shards.at(shard.value), n, shard,
                         records_[epoch].randomness, batch_size_);
  return plans_.emplace(std::make_pair(epoch, shard.value), std::move(made)).first->second;
}

std::uint32_t ShardSchedule::steps(std::uint64_t epoch, core::ShardId shard) const {
  return epoch == 0 ? 1 : plan(epoch, shard).steps();
}

std::vector<std::uint32_t> ShardSchedule::hosts(std::uint64_t epoch, core::ShardId shard) const {
  IOS_ASSERT(knows(epoch));
  const auto& now = records_[epoch].shards.at(shard.value);
  if (epoch == 0) return now;
  const auto& before = records_[epoch - 1].shards.at(shard.value);
  std::vector<std::uint32_t> out;
  std::set_union(before.begin(), before.end(), now.begin(), now.end(), std::back_inserter(out));
  return out;
}

bool ShardSchedule::hosts(std::uint64_t epoch, core::ShardId shard, std::uint32_t validator) const {
  const auto all = hosts(epoch, shard);
  return std::binary_search(all.begin(), all.end(), validator);
}

std::shared_ptr<const pob::ShardSetup> ShardSchedule::setup(std::uint64_t epoch, core::ShardId shard,
                                                           std::uint32_t step) const {
  const auto key = std::make_tuple(epoch, shard.value, step);
  if (auto it = setups_.find(key); it != setups_.end()) return it->second;
  IOS_ASSERT(knows(epoch));
  core::Result<pob::ShardSetup> made = core::reject(core::Reject::bad_policy, "");
  if (epoch == 0) {
    IOS_ASSERT(step == 0);
    made = pob::ShardSetup::create(*genesis_, records_[0].randomness, shard, extra_observers_);
  } else {
    const auto& steps = plan(epoch, shard);
    IOS_ASSERT(step < steps.steps());
    const bool last = step + 1 == steps.steps();
    made = pob::ShardSetup::for_segment(*genesis_,
                                        {shard, core::Epoch{epoch}, step, last, last ? 0 : step_blocks_,
                                         records_[epoch].randomness, steps.rosters[step], hosts(epoch, shard)},
                                        extra_observers_);
  }
  // The genesis passed check_genesis and every record's assignment was checked against its
  // randomness (epoch::check_successor), so a setup that does not build is a bug of ours.
  IOS_ASSERT(made.ok());
  auto setup = std::make_shared<const pob::ShardSetup>(std::move(*made));
  setups_.emplace(key, setup);
  return setup;
}

namespace {

InstanceKey segment_key(core::ShardId shard, std::uint64_t epoch, std::uint32_t step) {
  return {shard, core::Epoch{epoch}, node::Protocol::shard, step};
}

struct Hosting {
  ShardHosting h;
  std::shared_ptr<ShardSchedule> schedule;  // also the runtime's (HostedShards)
  std::shared_ptr<const node::PersistedRows> rows;
  // (shard, e): where epoch e + 1 of the shard starts, until record e + 1 is here.
  std::map<std::pair<std::uint32_t, std::uint64_t>, pob::SegmentStart> waiting;

  std::unique_ptr<Core> validator(const InstanceKey& key, std::optional<pob::SegmentStart> start) const {
    return std::make_unique<pob::ShardValidator>(schedule->setup(key.epoch.value, key.shard, key.step), h.self, *h.identity,
                                                 *h.rng, rows->scoped(key), h.timing, std::move(start));
  }
  std::unique_ptr<Core> join(core::ShardId shard, std::uint64_t ended_epoch) const {
    const auto key = segment_key(shard, ended_epoch, schedule->steps(ended_epoch, shard) - 1);
    std::vector<NodeId> ask;
    for (auto i : schedule->hosts(ended_epoch, shard)) ask.push_back(i);
    return std::make_unique<ShardJoin>(schedule->setup(ended_epoch, shard, key.step), std::move(ask),
                                       rows->scoped(key));
  }
  // Every segment of (shard, epoch): retired together, once the shard is two epochs on (so a
  // laggard can still sync any step of the epoch before, and joiners get their handover).
  // Into `out.retired`, or `out.pruned` when no restart replays them any more.
  void retire_epoch(std::vector<InstanceKey>& out, core::ShardId shard, std::uint64_t epoch) const {
    if (!schedule->knows(epoch)) return;
    for (std::uint32_t s = 0; s < schedule->steps(epoch, shard); ++s) out.push_back(segment_key(shard, epoch, s));
  }
  // Every segment of the run of epochs ending at `last_hosted` in which this node hosted
  // `shard` without a break, and the ShardJoin the run began with (none from the genesis).
  // Called once the node is two records past the run: a restart then replays only a run that
  // reaches the last record or the one before it (host_shards), and coming back to the shard
  // starts from a new ShardJoin, so nothing reads these rows again.
  void prune_run(std::vector<InstanceKey>& out, core::ShardId shard, std::uint64_t last_hosted) const {
    std::uint64_t x = last_hosted;
    for (;; --x) {
      retire_epoch(out, shard, x);
      if (x == 0 || !schedule->hosts(x - 1, shard, h.self)) break;
    }
    if (x > 0) out.push_back(segment_key(shard, x - 1, schedule->steps(x - 1, shard) - 1));
  }
  // Segment `key` starts: host it, and retire what it makes obsolete.
  void start(node::Succeeded& out, const InstanceKey& key, std::optional<pob::SegmentStart> begin) const {
    out.hosted.push_back({key, validator(key, std::move(begin))});
    if (key.step == 0 && key.epoch.value >= 2) retire_epoch(out.retired, key.shard, key.epoch.value - 2);
  }
  // Epoch e's last segment of `shard` ended at `begin`; record e + 1 is known.
  void next_epoch(node::Succeeded& out, core::ShardId shard, std::uint64_t e, pob::SegmentStart begin) const {
    if (!schedule->hosts(e + 1, shard, h.self)) return;  // this node leaves the shard here
    start(out, segment_key(shard, e + 1, 0), std::move(begin));
  }
  // Where the segment that just ended leaves the shard: a segment of this node's, or the
  // handover a ShardJoin checked. In process: nothing is encoded or checked again.
  static pob::SegmentStart end_of(const Core& instance) {
    if (const auto* v = dynamic_cast<const pob::ShardValidator*>(&instance)) return v->end_state();
    const auto* join = dynamic_cast<const ShardJoin*>(&instance);
    IOS_ASSERT(join != nullptr && join->joined());  // only these two deliver a segment's end
    return join->start();
  }

  node::Succeeded on_deliver(const InstanceKey& from, const Core& instance, const Deliver& d) {
    node::Succeeded out;
    if (from.protocol == node::Protocol::epoch && d.kind == node::formed_kind) {
      const auto n = h.genesis->validators.size();
      auto signed_record = epoch::decode_signed_record(d.value, n);
      IOS_ASSERT(signed_record.ok());  // the epoch core checked it before delivering it
      const auto e = signed_record->record.epoch;
      if (e != schedule->last_epoch() + 1) return out;  // known already
      schedule->add(signed_record->record);
      for (std::uint32_t j = 0; j < h.genesis->policy.shards; ++j) {
        const core::ShardId shard{j};
        if (schedule->hosts(e, shard, h.self) && !schedule->hosts(e - 1, shard, h.self))
          out.hosted.push_back({segment_key(shard, e - 1, schedule->steps(e - 1, shard) - 1), join(shard, e - 1)});
        if (auto it = waiting.find({j, e - 1}); it != waiting.end()) {
          next_epoch(out, shard, e - 1, std::move(it->second));
          waiting.erase(it);
        }
        // A shard this node left (it hosted it in e − 2, not in e − 1): its last segments go,
        // once the shard's own hosts have moved on past them too, and with them the rows of
        // the whole run (prune_run). The final blocks stay in the runtime's blocks table.
        if (e >= 2 && !schedule->hosts(e - 1, shard, h.self) && schedule->hosts(e - 2, shard, h.self))
          prune_run(out.pruned, shard, e - 2);
      }
      return out;
    }
    if (from.protocol != node::Protocol::shard || d.kind != node::handover_kind) return out;
    const auto e = from.epoch.value;
    if (from.step + 1 < schedule->steps(e, from.shard)) {
      start(out, segment_key(from.shard, e, from.step + 1), end_of(instance));
    } else if (schedule->knows(e + 1)) {
      next_epoch(out, from.shard, e, end_of(instance));
    } else {
      waiting.insert_or_assign({from.shard.value, e}, end_of(instance));  // the opening block is final, its record not here yet
    }
    return out;
  }
};

}  // namespace

HostedShards host_shards(node::NodeCore& node, std::shared_ptr<const node::PersistedRows> rows,
                         const ShardHosting& hosting, const std::vector<epoch::EpochRecord>& records) {
  IOS_ASSERT(hosting.genesis && hosting.identity && hosting.rng && rows);
  auto schedule = std::make_shared<ShardSchedule>(hosting.genesis, hosting.extra_observers);
  auto state = std::make_shared<Hosting>(Hosting{hosting, schedule, rows, {}});
  for (const auto& r : records) state->schedule->add(r);
  const auto last = state->schedule->last_epoch();
  const auto self = hosting.self;
  for (std::uint32_t j = 0; j < hosting.genesis->policy.shards; ++j) {
    const core::ShardId shard{j};
    // The run of epochs, up to the last, in which this node hosts shard j without a break; a
    // node leaving j in the last epoch still runs the previous epoch's segments to their end.
    std::uint64_t end = last;
    bool replays = true;
    if (!state->schedule->hosts(end, shard, self)) {
      replays = end > 0 && state->schedule->hosts(end - 1, shard, self);
      if (replays) --end;
    }
    std::uint64_t begin = end + 1;  // no run replayed: the epochs before last + 1 are looked at below
    if (replays) {
      begin = end;
      while (begin > 0 && state->schedule->hosts(begin - 1, shard, self)) --begin;
      // From the genesis, or from the handover it joined with; the start-up succession replays
      // the rest, segment by segment.
      if (begin == 0)
        node.host(segment_key(shard, 0, 0), state->validator(segment_key(shard, 0, 0), std::nullopt));
      else
        node.host(segment_key(shard, begin - 1, state->schedule->steps(begin - 1, shard) - 1), state->join(shard, begin - 1));
    }
    // The run before (at least two records back): its succession pruned it, unless the node
    // stopped between that record and the prune. Again, to be sure (idempotent).
    auto x = begin;
    while (x > 0 && !state->schedule->hosts(x - 1, shard, self)) --x;
    if (x > 0) {
      std::vector<InstanceKey> keys;
      state->prune_run(keys, shard, x - 1);
      for (const auto& key : keys) node.prune_at_start(key);
    }
  }
  return {[state](const InstanceKey& from, const Core& instance, const Deliver& d) { return state->on_deliver(from, instance, d); },
          std::move(schedule)};
}

}  // namespace ios::protocol::transepoch
