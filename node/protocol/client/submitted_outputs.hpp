#pragma once
// The outputs of transactions this node's door accepted that are not final yet, laid over the
// final state, so a wallet can spend its change as soon as the payment is accepted (chained
// through the optimistic league, whitepaper §8.2) instead of waiting a final block per hop.
// The believable validator judges the chain again with its own overlay (OptimisticProducer);
// this one only keeps the door from refusing what the producer would take.
//
// An entry leaves when its transaction is final, excluded or rejected, or after
// submitted_outputs_blocks_max final blocks of its shard (a submission lost on the way must not
// shadow the final state for ever); at most submitted_outputs_txs_max are kept, oldest dropped
// first. Each shard expires its own entries: a shard the node left stops advancing, and its
// entries must not hold back another shard's expiry.
//
// Each entry remembers whom it was sent to (at most submission_peers_max), so only their
// receipts settle it.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "contracts/state_change.hpp"
#include "node/chain/tx.hpp"
#include "node/core/ids.hpp"

namespace ios::protocol::client {

inline constexpr std::size_t submitted_outputs_txs_max = 100'000;
inline constexpr std::uint64_t submitted_outputs_blocks_max = 40;
// A tx submitted again is sent on again at most this often (the wallet's own resubmit interval).
inline constexpr std::uint64_t submitted_resend_interval_ms = 2000;
// Distinct validators one held tx is remembered as sent to (a route is one believable validator,
// or the normal league in the one-league fallback).
inline constexpr std::size_t submission_peers_max = 64;

class SubmittedOutputs {
 public:
  // `final_height`: the height of `shard` when the door accepted it; `now_ms`: when it was sent on.
  void add(const chain::Tx& tx, core::ShardId shard, std::uint64_t final_height, std::uint64_t now_ms);
  // It was sent to `to` (whose receipt may settle it).
  void sent_to(const core::Hash32& tx, std::uint32_t to);
  bool was_sent_to(const core::Hash32& tx, std::uint32_t to) const;
  // Whether a held tx may be sent on again now; if so, records that it is and returns how many
  // times it was sent before (the route's attempt: each resend goes to the next believable
  // validator, so one that is down does not hold the payment).
  std::optional<std::uint32_t> resend_due(const core::Hash32& tx, std::uint64_t now_ms);
  // Final, excluded or rejected: its outputs are the final state's business now (or nobody's).
  void settle(const core::Hash32& tx);
  // After each final block of `shard`: forget what has waited too long. Heights compare within
  // one shard only (a node hosts two shards while it moves, and their heights differ).
  void expire(core::ShardId shard, std::uint64_t final_height);
  std::size_t size() const { return txs_.size(); }
  bool contains(const core::Hash32& tx) const { return txs_.contains(tx); }
  const chain::Tx* find(const core::Hash32& tx) const {
    auto it = txs_.find(tx);
    return it == txs_.end() ? nullptr : &it->second.tx;
  }
  // Whether a pending transaction spends `o` (it is not spendable again until that one settles).
  bool spends(const chain::OutPoint& o) const { return spent_.contains(o); }
  // The pending outputs paid to `owner`, spent or not, in outpoint order: what an account's
  // view adds to its final outputs (GET /v1/accounts).
  std::vector<std::pair<chain::OutPoint, chain::TxOutput>> outputs_to(const chain::Address& owner) const;

  // `base` (the final state) with the pending inputs spent and the pending outputs created.
  class View final : public contracts::LedgerOverlay {
   public:
    View(const contracts::LedgerView& base, const SubmittedOutputs& pending) : LedgerOverlay(base), pending_(pending) {}
    const chain::TxOutput* find_output(const chain::OutPoint& o) const override;

   private:
    const SubmittedOutputs& pending_;
  };
  View over(const contracts::LedgerView& final_state) const { return View(final_state, *this); }

 private:
  struct Entry {
    chain::Tx tx;
    core::ShardId shard;
    std::uint64_t height = 0;
    std::uint64_t sent_ms = 0;
    std::uint32_t sends = 1;
    std::uint64_t seq = 0;         // arrival order, for the bound
    std::vector<std::uint32_t> to;  // sent to, at most submission_peers_max
  };
  void erase(std::map<core::Hash32, Entry>::iterator it);

  std::map<core::Hash32, Entry> txs_;
  std::map<std::uint64_t, core::Hash32> by_seq_;     // held entries in arrival order, for the bound
  std::map<std::uint32_t, std::deque<core::Hash32>> expiry_;  // per shard, arrival order (may hold settled ids)
  std::uint64_t next_seq_ = 0;
  std::map<chain::OutPoint, std::uint32_t> spent_;   // outpoint -> how many pending txs spend it
  std::map<chain::Address, std::set<chain::OutPoint>> by_owner_;  // pending outputs, for outputs_to
};

}  // namespace ios::protocol::client
