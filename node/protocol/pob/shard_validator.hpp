#pragma once
// One validator of a PoB shard as a sans-I/O core (whitepaper §8.2; docs/PROTOCOLS.md §11–12;
// docs/DESIGN.md §4 "PoB"). The same class serves both leagues:
//
//   believable validator   OptimisticProducer: admits routed transactions, answers signed
//                          "optimistic" receipts, seals an OptimisticBlock every
//                          optimistic_interval_ms (a heartbeat when idle for two block intervals),
//                          and follows the final chain as a ByzCoin observer;
//   observer               (a TransEpoch step's host outside its roster) follows the final
//                          chain only;
//   normal validator       NormalPool + a ByzCoin member: samples each optimistic block with
//                          its VRF, gossips fraud proofs, proposes final blocks when leader,
//                          and signs a proposal only if the ledger's rules and its own sample
//                          agree.
// Every validator applies every final block with ShardLedger, so all agree on the state.
//
// Messages: first byte 0xB0 (PoB, messages.hpp) or 0xB1 (ByzCoin), inside the envelope of its
// (shard, epoch) that the hosting NodeCore adds and removes (node/protocol/node/). Timers:
// ByzCoin's own range, plus seal_timer here. Each applied final block is a BlockApplied effect.
//
// Segments (TransEpoch, node/protocol/transepoch/README.md): a validator runs one segment of the
// shard's chain — epoch 0 from the genesis, a later one from `start` (the state the previous
// segment ended with). It ends after its step's blocks, or (last step) with the block that
// opens the next epoch, which its leader proposes once on_epoch_formed(e + 1) said the record is
// final here, and which a witness signs only when it knows that too. At its end it delivers
// Deliver{deliver_segment_ended} and its host starts the next segment from end_state(); from
// then on it refuses submissions (wrong_shard: the client goes to the current segment), serves
// sync requests for its blocks, and — the last step only — answers joiners' HandoverRequests
// (one per peer per second: a snapshot is the whole state; requests that came before the end
// are answered at the end).
//
// Persist before you speak (docs/STYLE.md rule 6): a believable validator persists its next seq
// and previous header hash before it sends a block, so after a crash it never signs a second
// block with a seq it already used (which would be an equivocation). ByzCoin persists its
// votes and blocks itself.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "node/crypto/identity.hpp"
#include "node/protocol/byzcoin/engine.hpp"
#include "node/protocol/core/core.hpp"
#include "node/protocol/core/once_per_peer.hpp"
#include "node/protocol/pob/handover.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/normal_pool.hpp"
#include "node/protocol/pob/optimistic_producer.hpp"
#include "node/protocol/pob/shard_ledger.hpp"

namespace ios::protocol::pob {

using PersistedState = std::map<std::string, core::Bytes, std::less<>>;

struct ValidatorCounters {
  std::uint64_t txs_admitted = 0;       // believable: optimistic receipts sent
  std::uint64_t txs_refused = 0;        // believable: rejected receipts; normal: direct txs refused
  std::uint64_t blocks_sealed = 0;      // believable
  std::uint64_t fraud_proofs_sent = 0;  // normal: own sample caught a forged tx
  std::uint64_t proposals_refused = 0;  // normal: validate() said no
  std::uint64_t peer_messages_refused = 0;
};

class ShardValidator final : public Core, private byzcoin::ByzcoinApp {
 public:
  ShardValidator(std::shared_ptr<const ShardSetup> setup, std::uint32_t index, const crypto::Identity& identity,
                 core::Rng& rng, const PersistedState& store, byzcoin::ByzcoinConfig timing,
                 std::optional<SegmentStart> start = std::nullopt);

  // The largest snapshot a host sends (the rest of a Handover is one final block): a shard
  // whose state is larger cannot take joiners by snapshot yet (docs/security.md "A joiner handed
  // a false state"; chunked transfer or bootstrap from a Micro State Block is the way on).
  static constexpr std::size_t handover_snapshot_bytes_max = core::encoded_bytes_len_max - (1u << 20);

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;
  // A believable validator's witness checks come back here (docs/STYLE.md rule 7).
  void on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) override;
  void on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) override;
  void on_epoch_formed(TimeMs now_ms, std::uint64_t epoch, Effects& out) override;

  // A believable validator seals its batch into an optimistic block when this timer fires.
  static constexpr TimerId seal_timer = (TimerId{message_tag} << 56) | 1;

  bool believable() const { return producer_.has_value(); }
  bool ended() const override { return ledger_.ended(); }  // also ByzcoinApp's
  const ShardSetup& setup() const { return *setup_; }
  // Once ended: where the next segment starts (the state after this one's last block).
  SegmentStart end_state() const;
  std::uint64_t handovers_too_large() const { return handovers_too_large_; }
  const ShardLedger& ledger() const { return ledger_; }
  const byzcoin::ByzcoinEngine& engine() const { return *engine_; }
  const NormalPool* pool() const { return pool_ ? &*pool_ : nullptr; }
  const ValidatorCounters& counters() const { return counters_; }

 private:
  static constexpr std::uint64_t retransmit_blocks = 4;
  static constexpr std::size_t unmerged_blocks_max = 256;
  // Submissions whose witnesses are out being verified; beyond this a client is told to retry.
  static constexpr std::size_t verifying_txs_max = 20'000;
  struct Verifying {
    NodeId client = 0;
    chain::Tx tx;
    std::optional<std::vector<bool>> valid;  // the verdict, once back
  };
  struct Unmerged {
    TimeMs sent_ms = 0;
    core::Bytes payload;
  };

  // ByzcoinApp
  std::optional<core::Bytes> propose(std::uint64_t height, const core::Hash32& prev, TimeMs now_ms) override;
  core::Status validate(std::uint64_t height, const core::Hash32& prev, core::ByteView body) override;
  void on_final(const chain::FinalizedBlock& block, Effects& out) override;
  void on_handover_request(TimeMs now_ms, NodeId from, Effects& out);
  // The answer to joiners: nullopt when the state is over handover_snapshot_bytes_max.
  std::optional<core::Bytes> handover_message();

  void on_submit(TimeMs now_ms, NodeId from, const chain::Tx& tx, Effects& out);
  void refuse(NodeId client, const chain::Tx& tx, const core::Error& why, Effects& out);
  void carry_on(Effects& out);
  void admit(NodeId client, const chain::Tx& tx, Effects& out);
  void promise_receipt(NodeId client, const core::Hash32& tx, Effects& out);
  void send_optimistic_receipt(NodeId client, const core::Hash32& tx, const core::Hash32& block, Effects& out);
  void on_optimistic_block(TimeMs now_ms, const chain::OptimisticBlock& block, Effects& out);
  // Re-sends sealed blocks the final chain has not merged yet, every retransmit_blocks block
  // intervals: a block lost on a link, or missed by a member that restarted, still arrives.
  void retransmit(TimeMs now_ms, Effects& out);
  void seal(TimeMs now_ms, Effects& out);
  void send_to_normal_league(const core::Bytes& payload, Effects& out);
  void flush_fraud_proofs(Effects& out);

  std::shared_ptr<const ShardSetup> setup_;
  std::uint32_t index_;
  std::shared_ptr<const crypto::SigningKey> key_;
  crypto::VrfSecretKey vrf_;
  std::unique_ptr<crypto::CosiSigner> signer_;
  ShardLedger ledger_;
  bool joins_next_ = false;  // the next block applied is the first after a handover from others
  std::vector<chain::Tx> carried_;  // SegmentStart::carried, taken or sent on at start (carry_on)
  std::optional<NormalPool> pool_;
  std::optional<OptimisticProducer> producer_;
  // Who gets a receipt when the tx is sealed: one entry per client and tx, so a client that
  // resubmits a tx 13,000 times is owed one receipt (docs/security.md "Resubmitted pending
  // transactions").
  std::set<std::pair<NodeId, core::Hash32>> batch_clients_;
  std::optional<std::pair<std::uint64_t, core::Hash32>> persisted_producer_;  // next seq, prev
  TimeMs last_seal_ms_ = 0;
  TimeMs last_now_ms_ = 0;  // time of the input being handled (ByzCoin's callbacks carry none)
  bool replaying_ = false;  // inside on_start's replay of this node's stored chain
  std::map<std::uint64_t, Unmerged> unmerged_;  // believable: sealed, not yet merged, by seq
  // Believable: submissions out for their witnesses, by Verify id = arrival order. Verdicts
  // may come back in any order (a pool of threads); they are applied in arrival order, so a
  // child spending its parent's change is never judged before its parent.
  std::map<std::uint64_t, Verifying> verifying_;
  std::uint64_t next_verify_id_ = 1;
  ValidatorCounters counters_;
  bool next_epoch_formed_ = false;                      // the record of setup_->epoch + 1 is final here
  OncePerPeer budget_{1000};                            // handover answers: one a second per peer
  std::set<NodeId> handover_waiting_;                   // validators that asked before the end
  std::uint64_t handovers_too_large_ = 0;
  std::unique_ptr<byzcoin::ByzcoinEngine> engine_;  // last: it holds a reference to *this
};

}  // namespace ios::protocol::pob
