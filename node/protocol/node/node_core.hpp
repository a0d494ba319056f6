#pragma once
// One validator node as one sans-I/O core (docs/DESIGN.md §2 "One node, several instances"): it
// hosts the protocol instances the node runs, each keyed by (shard, epoch), and is the only
// Core the drivers (node/runtime and node/sim) talk to. Today a node hosts the ShardValidator
// of its epoch-0 shard; the epoch protocol adds the epoch core and, during a TransEpoch swap,
// a second ShardValidator for the shard the node moves to.
//
// What it does for its instances, so none of them knows it is hosted:
//   messages   out: wrapped in the envelope {protocol, shard, epoch} (envelope.hpp); in:
//              opened and routed to that instance. A message for no instance here, or with a
//              bad envelope, is dropped and counted (an attacker's misrouted bytes cost one
//              map lookup; a peer of an epoch this node has not reached yet is simply early);
//   timers     each instance's timer ids are mapped to ids of this core, so two instances that
//              use the same ids (two ShardValidators do) never fire each other's timers; a
//              mapping lives while its timer is set and goes when it fires or is cancelled;
//   verify     likewise for Verify ids, and Load ids (whose keys get the prefix below);
//   persist    keys get the instance's prefix "shard/<s>/epoch/<e>/" (persist_prefix); the
//              driver gives each instance its rows back with the prefix removed (scoped_state);
//              a succession's `pruned` instance becomes a Prune of its prefix.
// Everything else (Deliver, BlockApplied) passes through unchanged.
//
// Invariants: effects keep their order within an input (persist before you speak holds for
// the node as for the instance, docs/STYLE.md rule 6); the id maps hold one entry per timer
// that is set now (ByzCoin draws a fresh id, with a generation, for every arm, so keeping
// fired or cancelled ones would grow without end), and Verify and Load entries live only until
// answered; an instance removed (retired, pruned, an old epoch's) takes its timers and pending
// answers with it, so one hosted later under the same key never gets what was meant for it.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <set>

#include "node/protocol/core/core.hpp"
#include "node/protocol/node/envelope.hpp"

namespace ios::protocol::node {

using PersistedState = std::map<std::string, core::Bytes, std::less<>>;

// The rows of `all` under key's persist_prefix, with the prefix removed.
PersistedState scoped_state(const PersistedState& all, const InstanceKey& key);

// What a node persisted before it started, read one instance at a time as the start-up (or a
// succession) makes the instance: a restarted node reads the rows of the instances it hosts
// again, not its whole history (the runtime's StoreRows reads SQLite; RowsInMemory serves the
// simulator and tests).
class PersistedRows {
 public:
  virtual ~PersistedRows() = default;
  // The rows under persist_prefix(key), with the prefix removed (scoped_state).
  virtual PersistedState scoped(const InstanceKey& key) const = 0;
  // One of them: start-up reads each epoch's record without its transcript this way.
  virtual std::optional<core::Bytes> row(const InstanceKey& key, std::string_view name) const {
    auto mine = scoped(key);
    auto it = mine.find(name);
    return it == mine.end() ? std::nullopt : std::optional<core::Bytes>(std::move(it->second));
  }
};

class RowsInMemory final : public PersistedRows {
 public:
  explicit RowsInMemory(PersistedState all) : all_(std::move(all)) {}
  PersistedState scoped(const InstanceKey& key) const override { return scoped_state(all_, key); }

 private:
  PersistedState all_;
};

struct NodeCoreCounters {
  std::uint64_t bad_envelopes = 0;     // messages whose envelope did not open
  std::uint64_t no_instance = 0;       // well-formed, but for an instance this node does not run
};

struct Hosted {
  InstanceKey key;
  std::unique_ptr<Core> core;
};
// What a node starts and stops when one of its instances delivers something that changes what
// the node runs: the epoch-e instance's Deliver{"epoch-record"} (the signed record: start forming
// e + 1, and the shards that epoch e moves this node into), a shard segment's
// Deliver{"shard-handover"} (start the next segment from the ended one's state). The driver sees
// every Deliver too.
inline constexpr std::uint64_t epoch_instances_kept = 8;
// The Deliver kinds a succession is asked about (core.hpp: EpochCore's and a shard segment's).
inline constexpr std::string_view formed_kind = deliver_epoch_record;
inline constexpr std::string_view handover_kind = deliver_segment_ended;

struct Succeeded {
  std::vector<Hosted> hosted;         // started at once, then told the last formed epoch
  std::vector<InstanceKey> retired;   // removed (a key not hosted is ignored)
  // Removed too, and its persisted rows with it (a Prune effect of its prefix): no restart
  // replays it any more. Whether hosted or not.
  std::vector<InstanceKey> pruned;
};
// `instance` is the one that delivered (a segment's successor takes its state from it, in
// process: nothing is encoded or checked again between a node's own segments).
using Succession = std::function<Succeeded(const InstanceKey& from, const Core& instance, const Deliver& delivered)>;
// Both, in order (the epoch chain's, then the shards').
Succession both(Succession first, Succession second);

class NodeCore final : public Core {
 public:
  // A key may be hosted once. Before on_start, or by the succession (started at once).
  void host(InstanceKey key, std::unique_ptr<Core> instance);
  // Optional; asked about every Deliver. Epoch instances older than e − epoch_instances_kept
  // are retired when e's record arrives: a finished one answers a peer still forming its epoch
  // with the record (a node that was down for a few epochs catches up that way), at a few KiB
  // and one transcript each. Every instance hears of each formed epoch (Core::on_epoch_formed),
  // and one hosted later hears of the last one formed before it.
  void set_succession(Succession succession) { succession_ = std::move(succession); }
  // The last epoch whose record this node holds at start (its store's); later ones arrive as
  // Deliver{"epoch-record"}.
  void set_formed_epoch(std::uint64_t epoch) { formed_epoch_ = epoch; }
  // Before on_start: rows no restart needs any more, which a succession pruned before the node
  // stopped, or would have had it not stopped first. on_start emits a Prune of each prefix
  // before starting anything (a prune of rows already gone deletes nothing).
  void prune_at_start(const InstanceKey& key) { prune_at_start_.push_back(key); }
  std::uint64_t formed_epoch() const { return formed_epoch_; }

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;
  void on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) override;
  void on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) override;

  // The instance under `key` as a T, or nullptr (not hosted, or another type).
  template <class T>
  const T* instance(const InstanceKey& key) const {
    auto it = instances_.find(key);
    return it == instances_.end() ? nullptr : dynamic_cast<const T*>(it->second.get());
  }
  // The one instance of type T when exactly one is hosted (a node outside a swap), else nullptr.
  // Every hosted instance of type T, with its key, in key order.
  template <class T>
  std::vector<std::pair<InstanceKey, const T*>> all() const {
    std::vector<std::pair<InstanceKey, const T*>> out;
    for (const auto& [key, core] : instances_)
      if (const auto* t = dynamic_cast<const T*>(core.get())) out.emplace_back(key, t);
    return out;
  }
  template <class T>
  const T* only() const {
    const T* found = nullptr;
    for (const auto& [key, core] : instances_) {
      if (const auto* t = dynamic_cast<const T*>(core.get())) {
        if (found != nullptr) return nullptr;
        found = t;
      }
    }
    return found;
  }
  const NodeCoreCounters& counters() const { return counters_; }
  std::size_t timers_set() const { return timer_owners_.size(); }

 private:
  void translate(TimeMs now_ms, InstanceKey key, Effects& inner, Effects& out);
  TimerId outer_timer(const InstanceKey& key, TimerId inner);
  void forget_timer(std::map<TimerId, std::pair<InstanceKey, TimerId>>::iterator owner);
  void succeed(TimeMs now_ms, const InstanceKey& from, const Deliver& delivered, Effects& out);
  void start(TimeMs now_ms, const InstanceKey& key, Effects& out);
  void start_one(TimeMs now_ms, const InstanceKey& key, Effects& out);
  void remove(const InstanceKey& key);

  std::map<InstanceKey, std::unique_ptr<Core>> instances_;
  std::map<std::pair<InstanceKey, TimerId>, TimerId> timer_ids_;
  std::map<TimerId, std::pair<InstanceKey, TimerId>> timer_owners_;
  // Outer Verify / Load id -> the instance that asked and its own id.
  using AnswerOwners = std::map<std::uint64_t, std::pair<InstanceKey, std::uint64_t>>;
  std::optional<std::pair<InstanceKey, std::uint64_t>> answered(AnswerOwners& owners, std::uint64_t id);
  AnswerOwners verify_owners_;
  AnswerOwners load_owners_;
  // Outer Verify and Load ids of instances removed before the answer came: dropped when it does
  // (the driver answers each once, so these go as they come).
  std::set<std::uint64_t> orphaned_answers_;
  TimerId next_timer_ = 1;
  std::uint64_t next_verify_ = 1;
  std::uint64_t next_load_ = 1;
  std::uint64_t formed_epoch_ = 0;
  std::deque<InstanceKey> to_start_;
  std::vector<InstanceKey> prune_at_start_;
  bool starting_ = false;
  NodeCoreCounters counters_;
  Succession succession_;
};

}  // namespace ios::protocol::node
