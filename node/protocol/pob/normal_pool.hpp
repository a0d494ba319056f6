#pragma once
// What a normal-league validator holds between final blocks (whitepaper §8.2 phase 2;
// docs/PROTOCOLS.md §12): optimistic blocks received and not yet merged, its private sample of
// each (TxSampler), the fraud proofs it found or heard of, and transactions sent straight to
// the normal league (one-league fallback). The leader builds its proposal from this pool; a
// witness checks a proposal against it.
//
// Sampling happens when a block first arrives — "normal validators … run concurrently" — so
// a forged transaction is usually caught before any leader proposes it, and the fraud proof
// is gossiped at once. A block first seen inside a proposal is sampled then.
//
// Invariants: every pooled block passed verify_optimistic_block and names a producer of the
// believable league; a block is sampled exactly once per validator (one VRF evaluation);
// every pooled fraud proof passed verify_fraud_proof; all pools are bounded.
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "node/chain/fraud_proof.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/protocol/pob/sampler.hpp"
#include "node/protocol/pob/shard_ledger.hpp"

namespace ios::protocol::pob {

inline constexpr std::size_t pooled_blocks_max = 4096;
inline constexpr std::size_t mempool_tx_count_max = 100'000;
inline constexpr std::size_t proposal_tx_count_max = 3000;  // keeps a body well under 1 MiB
inline constexpr std::uint64_t gap_wait_blocks = 10;

class NormalPool {
 public:
  NormalPool(const ShardLedger& ledger, const crypto::VrfSecretKey& vrf_key);

  // Verified, sampled and pooled. Returns a fraud proof if the sample caught a forged tx.
  // Refuses blocks that do not verify, come from outside the league, or are already merged.
  core::Result<std::optional<chain::FraudProof>> add_block(const chain::OptimisticBlock& block, TimeMs now_ms);
  // Verified and pooled (one per producer). false if already known or not verifiable.
  bool add_fraud_proof(const chain::FraudProof& proof);
  // Shape, state and witnesses checked against the final state.
  core::Status add_direct(const chain::Tx& tx);

  // The leader's proposal for the next height (excluded and digest filled in by the ledger).
  // Each producer's blocks are merged in seq order without gaps, because the ledger refuses a
  // lower seq once a higher one is merged: skipping a block would lose its transactions. A gap
  // (a block lost on the way, or sent before this validator restarted) is waited out for
  // gap_wait_blocks block intervals — the producer retransmits — and then skipped.
  std::optional<ProposedBlock> propose(const crypto::PublicKey& leader, TimeMs now_ms);
  // The witness's check: the ledger's rules, plus this validator's sample of every merged
  // block (Reject::fraud if it knows a forged tx the proposal neither excludes nor convicts).
  core::Status check(const ProposedBlock& proposal, TimeMs now_ms);

  // After a final block: drop what it merged, applied or made obsolete.
  void on_final(const AppliedBlock& applied);

  // Fraud proofs this validator's own sample produced since the last call: to be gossiped.
  std::vector<chain::FraudProof> take_found() { return std::exchange(found_, {}); }

  std::size_t pooled_blocks() const { return blocks_.size(); }
  std::size_t mempool_size() const { return mempool_.size(); }
  const std::map<core::Hash32, chain::Tx>& mempool() const { return mempool_; }
  std::uint64_t frauds_found() const { return frauds_found_; }
  std::uint64_t txs_sampled() const { return txs_sampled_; }

 private:
  struct Pooled {
    chain::OptimisticBlock block;
    TimeMs arrived_ms = 0;
    std::optional<chain::FraudProof> fraud;  // from this validator's own sample
  };
  std::optional<chain::FraudProof> sample(const chain::OptimisticBlock& block);
  bool full_check_needed(const crypto::PublicKey& producer) const;

  const ShardLedger& ledger_;
  TxSampler sampler_;
  std::map<core::Hash32, Pooled> blocks_;                     // by header hash
  std::map<crypto::PublicKey, std::map<std::uint64_t, core::Hash32>> by_producer_;  // seq -> header hash
  std::map<crypto::PublicKey, chain::FraudProof> fraud_proofs_;  // one per producer, not yet applied
  std::map<core::Hash32, chain::Tx> mempool_;
  std::vector<chain::FraudProof> found_;
  std::uint64_t frauds_found_ = 0;
  std::uint64_t txs_sampled_ = 0;
};

}  // namespace ios::protocol::pob
