#pragma once
// A validator node with its door for clients (docs/DESIGN.md §2 "One node, several instances";
// node/protocol/client/README.md). Transactions enter the system here: the HTTP API's
// POST /v1/tx (after its witness check on an RPC thread) and a client's ClientSubmit message
// (after its witnesses come back valid from a Verify) reach the same submit(), in the node
// process and in the simulator alike. Behind the door, the NodeCore runs the node's instances.
//
// What the door does, in this order (README "Submitting a transaction"):
//   route      the payer (first input's owner) names the shard (SHA-256(address) mod m); the
//              running segment of that shard here takes the tx. Refused with a typed reason when
//              this node serves no segment of it (wrong_shard), or its segment ended and the
//              next one has not started (between_segments: retry);
//   judge      the transfer against that segment's final state with this door's own pending
//              submissions laid over it (SubmittedOutputs: a wallet may spend its change before
//              the payment is final, whitepaper §8.2), so what no validator would take is
//              refused with the reason; the believable validator judges again;
//   forward    to the shard's submission route (its believable validator chosen by the payer,
//              or every normal validator), and tracked as pending (TxTracker). A tx submitted
//              again is forwarded again at most once per submitted_resend_interval_ms: to the
//              route's next believable validator while pending (the last may be down), to the
//              producer that sent its receipt once optimistic (another would seal it again);
//   receipts   a believable validator's signed TxReceipt for a tx this door forwarded: the free
//              checks first (its segment is hosted here, it is for that shard and epoch, the
//              sender is the producer, a believable validator of it and one the door sent the tx
//              to, the payer lives in that shard, the tx is still pending here and has no other
//              receipt being checked), then its signature through a Verify, at most
//              receipt_checks_in_flight_max at once (docs/security.md "Forged receipts",
//              "Unbounded queues and storage"). A refusal that asks for a retry
//              (unknown_input, wrong_shard, length_over_limit, duplicate) is a hint, not a
//              verdict;
//   finality   every BlockApplied the node emits settles what it applied or excluded.
// Everything else passes to the NodeCore untouched.
//
// Invariants: the door's Verify ids have door_verify_bit set and the NodeCore's never do (its
// ids count up from 1); the door persists nothing — its tracker and pending outputs are memory
// only, and what is final is the driver's store index (ClientDoorConfig::applied_in_store)
// and the hosted ledgers.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "node/chain/genesis.hpp"
#include "node/protocol/client/messages.hpp"
#include "node/protocol/client/submitted_outputs.hpp"
#include "node/protocol/client/tx_tracker.hpp"
#include "node/protocol/node/node_core.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/protocol/transepoch/shard_hosting.hpp"

namespace ios::protocol::client {

// Receipts whose signature is being checked at once; more are dropped and counted.
inline constexpr std::size_t receipt_checks_in_flight_max = 4096;
// Witness signatures of ClientSubmit messages being checked at once (a tx has up to 64 inputs);
// a submission that would go over is dropped and counted (the client resubmits; the API has its
// own limits in front of submit()).
inline constexpr std::size_t submit_witness_checks_in_flight_max = 4096;
inline constexpr std::uint64_t door_verify_bit = std::uint64_t{1} << 63;

struct ClientDoorConfig {
  std::shared_ptr<const chain::Genesis> genesis;
  NodeId index = 0;             // this node's validator index
  crypto::PublicKey key{};      // its signing key (the transfer check's producer)
  // Every shard's segments in every epoch this node holds the record of (host_shards' schedule);
  // null when the genesis runs no epochs. Names why a segment that ended refuses.
  std::shared_ptr<const transepoch::ShardSchedule> schedule;
  // Whether the driver's store indexes `tx` as applied in a final block (the runtime's SQLite
  // index, the simulator's per-node one): a tx final long ago is answered as accepted again.
  std::function<bool(const core::Hash32&)> applied_in_store;
  // Whether ClientSubmit messages are taken (the simulator's clients send them). `ios node`
  // takes none: its clients use the HTTP API, and its peers are validators, whose submissions
  // would otherwise put witness checks on the pool that consensus uses.
  bool client_messages = false;
};

struct ClientDoorCounters {
  std::uint64_t receipts_refused = 0;  // failed a check (forged, misrouted, a bad signature)
  std::uint64_t receipts_dropped = 0;  // not waited on, over the bound, or only a hint
  std::uint64_t submits_dropped = 0;   // ClientSubmit over submit_witness_checks_in_flight_max
  std::uint64_t bad_messages = 0;      // client envelopes that did not decode, or are not taken here
  // Submissions the door refused on the state (unknown_input, fee_too_low, ...), by Reject name.
  std::map<std::string, std::uint64_t> refusals;
};

class ClientCore final : public Core {
 public:
  ClientCore(std::unique_ptr<node::NodeCore> node, ClientDoorConfig config);

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;
  void on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) override;
  void on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) override;

  // The door, for a tx whose witnesses the caller has verified (the API's RPC thread did).
  SubmitResult submit(TimeMs now_ms, const chain::Tx& tx, Effects& out);

  // A hosted shard segment (node/protocol/transepoch/shard_hosting.hpp).
  struct Segment {
    node::InstanceKey key;
    const pob::ShardValidator* validator = nullptr;
  };
  // The segment of `shard` that takes its transactions now: the latest one not ended, else the
  // latest ended one (its state is the shard's last here); nullopt if this node hosts none.
  std::optional<Segment> segment_of(core::ShardId shard) const;
  // wrong_shard when this node hosts no segment of `a`'s shard, naming the shards it serves.
  std::optional<core::Error> wrong_shard(const chain::Address& a) const;
  // Whether an output of `tx` is unspent in a shard state this node hosts (then tx is final).
  bool has_outputs_of(const core::Hash32& tx) const;

  const node::NodeCore& node() const { return *node_; }
  const TxTracker& tracker() const { return tracker_; }
  const SubmittedOutputs& submitted() const { return submitted_; }
  const ClientDoorCounters& counters() const { return counters_; }

 private:
  // Runs `call` on the NodeCore, then lets the door see the final blocks it applied.
  template <class Call>
  void to_node(Call&& call, Effects& out);
  void on_applied(const BlockApplied& applied);
  void on_receipt(TimeMs now_ms, NodeId from, const node::InstanceKey& segment, pob::TxReceipt r, Effects& out);
  void receipt_checked(pob::TxReceipt r, bool valid);
  void on_client_submit(TimeMs now_ms, NodeId from, chain::Tx tx, Effects& out);
  // A refusal on the state or shape: remembered with its reason and counted.
  SubmitResult refuse(const core::Hash32& hash, const core::Error& why);
  std::string shards_served() const;

  std::unique_ptr<node::NodeCore> node_;
  ClientDoorConfig config_;
  TxTracker tracker_;
  SubmittedOutputs submitted_;
  // Shards this node joined from a handed-over state, and the height it joined at: it cannot
  // tell an input spent before it joined from one that never existed.
  std::map<std::uint32_t, std::uint64_t> joined_at_;
  std::uint64_t next_verify_ = door_verify_bit;
  std::map<std::uint64_t, pob::TxReceipt> receipt_checks_;                 // Verify id -> receipt
  std::set<core::Hash32> receipts_checking_;                              // their txs: one check each at a time
  std::map<std::uint64_t, std::pair<NodeId, chain::Tx>> submit_checks_;   // Verify id -> client, tx
  std::size_t submit_witnesses_checking_ = 0;                             // their checks, summed
  ClientDoorCounters counters_;
};

}  // namespace ios::protocol::client
