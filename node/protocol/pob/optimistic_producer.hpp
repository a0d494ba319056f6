#pragma once
// A believable validator's first phase of Proof-of-Believability (whitepaper §8.2: "believable
// validators process transactions quickly in the first phase … they produce smaller blocks
// with extremely low latency"; docs/PROTOCOLS.md §12). A group of one: it fully validates each
// transaction routed to it (every witness — verified by its ShardValidator off the protocol
// thread before admit() — then shape and contracts::transfer against the final state plus its
// own unfinalized work), answers "optimistic" at once, and seals what it accepted into a signed
// OptimisticBlock every optimistic_interval_ms.
//
// Invariants:
//  - an outpoint is spent by at most one of this producer's unfinalized transactions, so an
//    honest producer never vouches for its own double spend (two producers can each accept one
//    half of a double spend; the normal league applies them in order and excludes the second);
//  - outputs created by unfinalized transactions may be spent optimistically (chained
//    payments); if the parent is excluded, the child fails at finalization too;
//  - seq increases by one per sealed block and prev links to the previous header, so the
//    producer's blocks form a chain and an equivocation is two signed headers with one seq;
//  - pending work is bounded (pending_tx_count_max) and forgotten once finalized, excluded, or
//    older than pending_blocks_max final blocks (lost on the network: the client resubmits);
//  - a pending tx is batched once: a resubmission of the same bytes is answered with the block
//    it is (or will be) sealed in, never sealed again. Without this, one client resubmitting one
//    tx 13,000 times filled five final blocks with copies (docs/security.md
//    "Resubmitted pending transactions").
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "contracts/state_change.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::protocol::pob {

inline constexpr std::size_t pending_tx_count_max = 200'000;
inline constexpr std::uint64_t pending_blocks_max = 40;

class OptimisticProducer {
 public:
  OptimisticProducer(core::Bytes chain_id, std::uint32_t shard, std::uint64_t epoch, const crypto::SigningKey& key,
                     chain::Amount min_fee);

  // Everything but the witnesses: inputs unspent here (final state plus this producer's
  // unfinalized work, so it never vouches for its own double spend and chained payments
  // work), amounts, fee, the pending bound, no second witness set for a pending id; on
  // success the tx joins the next batch. Requires: its witnesses verified (the caller does
  // that off the protocol thread, chain::witness_checks, docs/STYLE.md rule 7). Resubmitting a
  // pending tx is accepted again, but it is not batched a second time (sealed_in says where).
  core::Status admit(const chain::Tx& tx, const contracts::LedgerView& final_state, std::uint64_t final_height);
  // These exact bytes are pending here (so their witnesses were verified once already).
  bool is_pending(const chain::Tx& tx) const;
  bool is_pending_hash(const core::Hash32& tx) const { return pending_.count(tx) != 0; }
  // The header hash of the optimistic block a pending tx was sealed in; nullopt while it waits
  // in the batch (or is not pending).
  std::optional<core::Hash32> sealed_in(const core::Hash32& tx) const;

  bool has_batch() const { return !batch_.empty(); }
  std::size_t batch_size() const { return batch_.size(); }
  // Signs the batch (possibly empty: a heartbeat that keeps this producer counted as live).
  chain::OptimisticBlock seal(TimeMs now_ms);

  // A final block applied these txs or excluded them: forget them; then drop stale pending work.
  void on_final(const std::vector<core::Hash32>& done, std::uint64_t final_height);

  // After a restart: continue after what was persisted or merged, never reusing a seq.
  void resume(std::uint64_t next_seq, const core::Hash32& prev) {
    seq_ = next_seq;
    prev_ = prev;
  }
  std::uint64_t next_seq() const { return seq_; }
  const core::Hash32& prev() const { return prev_; }
  std::size_t pending_count() const { return pending_.size(); }

 private:
  class Overlay;
  struct Pending {
    chain::Tx tx;
    std::uint64_t admitted_at_height = 0;
    std::optional<core::Hash32> sealed_in;  // header hash, once sealed
  };
  void rebuild_overlay();
  // The state change admitting `tx` makes; nullopt if it is already pending (same bytes).
  core::Result<std::optional<contracts::StateChange>> evaluate(const chain::Tx& tx,
                                                               const contracts::LedgerView& final_state) const;

  core::Bytes chain_id_;
  std::uint32_t shard_;
  std::uint64_t epoch_;
  const crypto::SigningKey& key_;
  chain::Amount min_fee_;
  std::uint64_t seq_ = 0;
  core::Hash32 prev_{};
  std::vector<chain::Tx> batch_;
  std::map<core::Hash32, Pending> pending_;

 public:
  // Admitted and not final yet (a segment that ends hands them to its successor).
  std::vector<chain::Tx> pending_txs() const {
    std::vector<chain::Tx> out;
    for (const auto& [hash, p] : pending_) out.push_back(p.tx);
    return out;
  }

 private:
  std::set<chain::OutPoint> pending_spent_;
  std::map<chain::OutPoint, chain::TxOutput> pending_created_;
};

}  // namespace ios::protocol::pob
