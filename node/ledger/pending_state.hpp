#pragma once
// A copy-on-write overlay over a LedgerState: the changes of one final block accumulate here
// and reach the ledger only once the whole block has been found valid (all-or-nothing without
// copying the UTXO set: each access costs O(log n), so a block costs O(txs log n)).
//
// It is also the one implementation of applying a StateChange and of the state digest:
// LedgerState::apply and LedgerState::digest run through an empty overlay.
//
// Digest: SHA-256("IOS/v1/ledger-state" ‖ u64 height ‖ u64 epoch ‖ u64 pool ‖ utxo_hash ‖
// validator_root), where utxo_hash is the LtHash (crypto/lthash.hpp) of the entries
// utxo_entry(outpoint, output) = outpoint.tx ‖ u32 index ‖ owner ‖ u8 asset ‖ u64 amount, and
// validator_root the RFC 6962 root over leaf(key ‖ u64 stake ‖ u64 fees ‖ u64 servi ‖ i64
// reviews ‖ u8 slashed) in key order. The UTXO set grows with use, so its part is incremental:
// a block's digest costs O(changes), not O(set). (A Merkle root would allow a proof of one
// output, but cost O(set) per block: a quarter of a shard's CPU in `scripts/bench-shard.sh`. Clients
// prove transactions through the MSB transaction tree instead.) The validator set is small.
#include <map>
#include <set>

#include "contracts/state_change.hpp"
#include "node/ledger/ledger_state.hpp"

namespace ios::ledger {

core::Bytes utxo_entry(const chain::OutPoint& op, const chain::TxOutput& out);

class PendingState final : public contracts::LedgerView {
 public:
  explicit PendingState(const LedgerState& base) : base_(base), pool_(base.pool_) {}

  const chain::TxOutput* find_output(const chain::OutPoint& outpoint) const override;
  const contracts::ValidatorAccount* find_validator(const crypto::PublicKey& key) const override;
  chain::Amount slashed_pool() const override { return pool_; }
  contracts::ShardScope shard_scope() const override { return base_.shard_scope(); }

  // All-or-nothing within the overlay: unknown_input, double_spend, duplicate (an output that
  // already exists), unknown_validator, slashed, amount_overflow, bad_amount (the pool cannot
  // pay), bad_proof (a Slash record that does not match the account).
  core::Status apply(const contracts::StateChange& change);

  core::Hash32 digest(std::uint64_t height, std::uint64_t epoch) const;
  // Whether an earlier change in this overlay spent `outpoint` (to tell a double spend within
  // one block from an input that never existed).
  bool spent_here(const chain::OutPoint& outpoint) const { return spent_here_.contains(outpoint); }

  // Writes the overlay into the base it was made from (which must not have changed since).
  void commit_into(LedgerState& base) const;

 private:
  const LedgerState& base_;
  std::map<chain::OutPoint, chain::TxOutput> created_;  // outputs added and still unspent
  std::set<chain::OutPoint> spent_;                     // base outputs spent
  std::set<chain::OutPoint> spent_here_;                // every output spent through this overlay
  std::map<crypto::PublicKey, contracts::ValidatorAccount> validators_;  // changed accounts
  chain::Amount pool_ = 0;
};

}  // namespace ios::ledger
