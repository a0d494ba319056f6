#pragma once
// The sans-I/O protocol core of docs/DESIGN.md §2 and docs/STYLE.md rules 1, 7 and 8. A Core is a
// deterministic state machine: the driver (node/runtime over Asio, or node/sim) calls its
// on_* inputs with the current time, and the core answers only by appending Effects. It never
// reads a clock, touches a socket or disk, or draws randomness except from the Rng it was
// given — so the simulator can run hundreds of them in one process and replay any seed.
//
// Invariants every driver keeps:
//  - inputs to one core are delivered one at a time, in time order (one owner of state);
//  - `now_ms` never decreases;
//  - a Persist effect is durable before any later Send of the same batch leaves
//    (docs/STYLE.md rule 6: persist before you speak), so effects are applied in order;
//  - a Verify effect is answered by exactly one on_verify_done with the same id and one
//    verdict per check, unless the node stops first (docs/STYLE.md rule 7: the runtime verifies
//    on its worker pool, the simulator inline). The core owns no thread either way;
//  - a Load effect is answered by exactly one on_loaded with the same id, one value per key read
//    (Load::bytes_max may end the read early), in key order, reflecting every Persist the core
//    emitted before it, unless the node stops first.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/ids.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"

namespace ios::protocol {

using NodeId = std::uint32_t;
using TimerId = std::uint64_t;
using TimeMs = std::uint64_t;

struct Send {
  NodeId to;
  core::Bytes payload;
};
struct SetTimer {
  TimerId id;
  TimeMs at_ms;  // absolute; replaces an earlier timer with the same id
};
struct CancelTimer {
  TimerId id;
};
struct Persist {
  std::string key;
  core::Bytes value;
};
// A result for the application or the test (e.g. the DRP output); `kind` names it.
struct Deliver {
  std::string kind;
  core::Bytes value;
};

// Signature checks too heavy for the thread that owns the core's state (docs/STYLE.md rule 7).
struct Verify {
  std::uint64_t id;
  std::vector<crypto::SignatureCheck> checks;
};

// A final block applied to a shard's state. The node runtime indexes its transactions and
// stores the block in the same SQLite transaction as the input's Persist rows; the simulator
// ignores it (its invariants read the cores). Emitted again for blocks replayed at start.
struct BlockApplied {
  core::ShardId shard;
  core::Epoch epoch;
  std::uint64_t height = 0;  // ByzCoin height (0-based)
  core::Hash32 hash{};
  core::Bytes block;                   // chain::encode(FinalizedBlock); empty when replayed
  bool replayed = false;               // re-applied at start from this node's own store
  std::vector<core::Hash32> applied;   // tx hashes applied, in order
  std::vector<core::Hash32> excluded;  // the ledger's outcome.excluded: not applied here (a hash applied once
                                       // and excluded as a repeat is in both lists)
  std::uint32_t step = 0;              // the TransEpoch step of the segment that finalized it
  bool joins = false;                  // the first block after a handover from other nodes (SegmentStart::joined)
};

// Rows this core persisted before, read back (ByzCoin serves a peer's catch-up from blocks that
// left its memory). The driver answers with on_loaded: one value per key read, in key order,
// nullopt for a key with no row. With bytes_max > 0 it stops after the value that brings the
// values' total to bytes_max or more, and answers fewer values than keys.
struct Load {
  std::uint64_t id;
  std::vector<std::string> keys;
  std::size_t bytes_max = 0;
};

// Every row persisted under `prefix` is no longer needed: the driver deletes them, in order with
// the Persists around it. NodeCore emits it for a shard segment that no restart replays any more
// (transepoch/shard_hosting.cpp: the node left the shard). The runtime keeps the segment's final
// blocks (they live in its blocks table: the chain, which the API serves); the simulator's store
// holds them as rows like any other, and they go with the rest.
struct Prune {
  std::string prefix;
};

using Effect = std::variant<Send, SetTimer, CancelTimer, Persist, Deliver, Verify, BlockApplied, Load, Prune>;

class Effects {
 public:
  void send(NodeId to, core::Bytes payload) { list_.emplace_back(Send{to, std::move(payload)}); }
  void set_timer(TimerId id, TimeMs at_ms) { list_.emplace_back(SetTimer{id, at_ms}); }
  void cancel_timer(TimerId id) { list_.emplace_back(CancelTimer{id}); }
  void persist(std::string key, core::Bytes value) { list_.emplace_back(Persist{std::move(key), std::move(value)}); }
  void deliver(std::string kind, core::Bytes value) { list_.emplace_back(Deliver{std::move(kind), std::move(value)}); }
  void verify(std::uint64_t id, std::vector<crypto::SignatureCheck> checks) {
    list_.emplace_back(Verify{id, std::move(checks)});
  }
  void block_applied(BlockApplied applied) { list_.emplace_back(std::move(applied)); }
  void load(std::uint64_t id, std::vector<std::string> keys, std::size_t bytes_max = 0) {
    list_.emplace_back(Load{id, std::move(keys), bytes_max});
  }
  void prune(std::string prefix) { list_.emplace_back(Prune{std::move(prefix)}); }
  // An effect of an inner core, forwarded as it is (node/protocol/node/node_core.hpp).
  void pass(Effect effect) { list_.push_back(std::move(effect)); }

  const std::vector<Effect>& list() const { return list_; }
  std::vector<Effect> take() { return std::move(list_); }
  bool empty() const { return list_.empty(); }

 private:
  std::vector<Effect> list_;
};

// Deliver kinds that change what a node hosts (node/protocol/node/node_core.hpp): an epoch
// record became final (the value: the signed record), a shard segment ended (the value: empty;
// the host takes the segment's end state from the instance itself).
inline constexpr std::string_view deliver_epoch_record = "epoch-record";
// A line for the node's log about the epoch being formed (an attempt begins, its RandHound run
// failed or was refused): what an operator needs to see why no record comes. Text, UTF-8.
inline constexpr std::string_view deliver_epoch_note = "epoch-note";
inline constexpr std::string_view deliver_segment_ended = "shard-handover";

class Core {
 public:
  virtual ~Core() = default;
  virtual void on_start(TimeMs now_ms, Effects& out) = 0;
  virtual void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) = 0;
  virtual void on_timer(TimeMs now_ms, TimerId id, Effects& out) = 0;
  // The answer to Verify{id}: valid[i] for checks[i]. Only cores that emit Verify get one.
  virtual void on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) {
    (void)now_ms, (void)id, (void)valid, (void)out;
    IOS_ASSERT(false && "on_verify_done for a core that never asked to verify");
  }
  // The answer to Load{id}: values[i] for keys[i]. Only cores that emit Load get one.
  virtual void on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) {
    (void)now_ms, (void)id, (void)values, (void)out;
    IOS_ASSERT(false && "on_loaded for a core that never asked to load");
  }
  // The epoch chain's record of `epoch` is final on this node (the hosting NodeCore tells every
  // instance). A shard's last TransEpoch step may then close its segment (pob::ShardValidator).
  virtual void on_epoch_formed(TimeMs now_ms, std::uint64_t epoch, Effects& out) { (void)now_ms, (void)epoch, (void)out; }
};

}  // namespace ios::protocol
