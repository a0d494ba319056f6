#pragma once
// The UTXO ledger of one shard (docs/DESIGN.md §4 "State"; whitepaper §8.1 tokens, §8.2 PoB): the
// unspent outputs, the validator accounts (stake, fees, Servi, reviews, slashed) and the
// slashed pool, plus what the current epoch must remember for PoB (per producer: the last
// merged optimistic block and the transactions applied from its blocks without a full
// witness check, so that a later fraud proof can re-check them and compensate victims).
//
// Invariants (node/ledger/README.md lists the test that checks each):
//   - apply(StateChange) is all-or-nothing: a refused change leaves the state untouched;
//   - total_supply() = Σ unspent IOS outputs + Σ stakes + Σ fees + pool never changes after
//     genesis (whitepaper §8.1: every token is minted in the genesis block);
//   - digest() is canonical: a function of the state's content only (sorted maps), never of
//     the order in which it was built.
// Nothing here does I/O, reads a clock or draws randomness (docs/STYLE.md rule 1).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "contracts/state_change.hpp"
#include "node/chain/genesis.hpp"
#include "node/chain/tx.hpp"
#include "node/core/result.hpp"
#include "node/crypto/lthash.hpp"

namespace ios::ledger {

// A transaction applied from a producer's optimistic block without its witnesses checked,
// with the outputs it spent (gone from the UTXO set, but needed to compensate their owners).
struct UncheckedTx {
  chain::Tx tx;
  std::vector<chain::TxOutput> spent;
};

// The re-check window of PoB: after a fraud proof, this many of the producer's most recent
// unchecked txs of the epoch are re-checked and their victims compensated; older ones are
// forgotten (bounded memory, docs/STYLE.md rule 5). At 4096 txs per optimistic block this is the
// last 16 blocks of a producer that fills them.
inline constexpr std::size_t unchecked_txs_per_producer_max = 65536;

struct ProducerEpochRecord {
  bool merged_any = false;
  std::uint64_t last_seq = 0;  // of the last merged optimistic block, if merged_any
  std::deque<UncheckedTx> unchecked;
};

class PendingState;

class LedgerState : public contracts::LedgerView {
 public:
  // Every allocation becomes output chain::genesis_outpoint(i); every validator an account.
  // The whole genesis as shard 0: for a one-shard policy only (asserted).
  static LedgerState from_genesis(const chain::Genesis& genesis);
  // Only the allocations whose owner lives in `shard` (Address::shard(policy.shards)); the
  // outpoint index stays the allocation's index in the genesis file. Validators: all of them.
  static LedgerState from_genesis_shard(const chain::Genesis& genesis, std::uint32_t shard);

  const chain::TxOutput* find_output(const chain::OutPoint& outpoint) const override;
  const contracts::ValidatorAccount* find_validator(const crypto::PublicKey& key) const override;
  chain::Amount slashed_pool() const override { return pool_; }
  contracts::ShardScope shard_scope() const override { return scope_; }

  // All-or-nothing (see contracts/state_change.hpp for the order and the checks).
  core::Status apply(const contracts::StateChange& change);

  chain::Amount total_supply() const;
  // SHA-256("IOS/v1/ledger-state" ‖ u64 height ‖ u64 epoch ‖ u64 pool ‖ utxo_hash ‖ validator_root):
  // utxo_hash the LtHash of the UTXO entries (incremental, O(changes)), validator_root an RFC 6962
  // Merkle root over the accounts in key order (pending_state.hpp).
  core::Hash32 digest() const;

  chain::Amount balance(const chain::Address& owner) const;
  std::vector<std::pair<chain::OutPoint, chain::TxOutput>> utxos_of(const chain::Address& owner) const;
  const std::map<chain::OutPoint, chain::TxOutput>& utxos() const { return utxos_; }
  const std::map<crypto::PublicKey, contracts::ValidatorAccount>& validators() const { return validators_; }

  const std::string& chain_id() const { return chain_id_; }
  core::ByteView chain_id_bytes() const { return core::as_bytes(chain_id_); }
  std::uint64_t height() const { return height_; }  // of the last applied final block; 0 = genesis
  std::uint64_t epoch() const { return epoch_; }
  const std::map<crypto::PublicKey, ProducerEpochRecord>& epoch_records() const { return epoch_records_; }

 private:
  friend class PendingState;
  friend class BlockCommit;
  friend core::Bytes encode_snapshot(const LedgerState& state);
  friend core::Result<LedgerState> decode_snapshot(core::ByteView bytes, const chain::Genesis& genesis,
                                                   contracts::ShardScope scope, const core::Hash32& expected_digest);

  static LedgerState from_genesis_impl(const chain::Genesis& genesis, const std::uint32_t* shard_only);
  void add_output(const chain::OutPoint& op, const chain::TxOutput& out);
  void remove_output(const chain::OutPoint& op);

  std::string chain_id_;
  contracts::ShardScope scope_;
  std::uint64_t height_ = 0;
  std::uint64_t epoch_ = 0;
  std::map<chain::OutPoint, chain::TxOutput> utxos_;
  crypto::LtHash utxo_hash_;  // of every utxo_entry(op, out), kept in step with utxos_
  std::map<chain::Address, std::set<chain::OutPoint>> by_owner_;  // for balance and utxos_of
  std::map<crypto::PublicKey, contracts::ValidatorAccount> validators_;
  chain::Amount pool_ = 0;
  std::map<crypto::PublicKey, ProducerEpochRecord> epoch_records_;
};

}  // namespace ios::ledger
