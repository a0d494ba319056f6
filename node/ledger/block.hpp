#pragma once
// Applying one final block body to the ledger: phase 2 of Proof-of-Believability (whitepaper
// §8.2; docs/PROTOCOLS.md §12). The rules, their reasons and the tests that check them are in
// node/ledger/README.md; in short:
//
//   1. The body is for the next height, this or a later epoch, an active leader; the merged
//      blocks are exactly the listed header hashes, each verified (signature, root), of the
//      body's shard and epoch, by a known producer, each producer's seq increasing within the
//      epoch (a replayed optimistic block is refused: duplicate). One-league bodies merge none.
//   2. Every fraud proof verifies, for a known, not yet slashed producer, at most one per
//      producer. Those producers are "convicted in this block".
//   3. Transactions in order: merged blocks' txs, then direct txs. A tx applies iff
//      contracts::transfer accepts it against the state so far and — for direct txs and txs of
//      a slashed or convicted producer — its witnesses verify. Others are not applied.
//      Fees go to the producer, or to the leader for direct txs and for txs of slashed or
//      convicted producers (the leader's league did the full check).
//   4. body.excluded must equal exactly the sorted set of tx hashes not applied.
//   5. Servi: +1 to each distinct active producer merged; the leader's Servi is cleared.
//   6. Each convicted producer is slashed (stake and fees to the pool), then its unchecked
//      txs of this epoch are re-checked and the victims of each forged one compensated.
//   7. body.state_digest must equal the digest of the resulting state.
// Any failure refuses the whole body and leaves the ledger untouched.
#include <cstddef>
#include <span>
#include <vector>

#include "node/chain/block_body.hpp"
#include "node/chain/fraud_proof.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/ledger/ledger_state.hpp"

namespace ios::ledger {

struct BlockOutcome {
  std::size_t applied = 0;
  std::vector<core::Hash32> excluded;  // sorted: what body.excluded must be
  chain::Amount fees = 0;
  std::vector<crypto::PublicKey> slashed;  // convicted in this block, sorted
  std::size_t compensated_txs = 0;
  chain::Amount compensation_paid = 0;
  chain::Amount compensation_shortfall = 0;
  core::Hash32 state_digest{};  // what body.state_digest must be
};

// Whether rule 2 re-verifies each merged block's signature and Merkle root. `verified` is for
// callers that already did (the normal league's pool verifies every block on arrival), and for
// blocks under a finality proof (2f+1 validators checked them, among them f+1 honest ones).
// Each check costs an Ed25519 verification per optimistic block, per validator, per pass.
enum class MergedBlocks : std::uint8_t { verify, verified };

core::Result<BlockOutcome> apply_block(LedgerState& state, const chain::BlockBody& body,
                                       std::span<const chain::OptimisticBlock> merged, chain::Amount min_fee,
                                       MergedBlocks merged_blocks = MergedBlocks::verify);

// The leader's side: runs every rule of apply_block except the two it is meant to fill in
// (excluded and state_digest are ignored) and commits nothing. The outcome's excluded and
// state_digest go into the body to propose.
core::Result<BlockOutcome> preview_block(const LedgerState& state, const chain::BlockBody& body,
                                         std::span<const chain::OptimisticBlock> merged, chain::Amount min_fee,
                                         MergedBlocks merged_blocks = MergedBlocks::verify);

// Which txs to exclude so that apply_block succeeds (deterministic, sorted). Proofs that do
// not verify, or name a producer that is unknown, already slashed or already named, are
// ignored here (the leader must not include them: apply_block would refuse the body).
std::vector<core::Hash32> conflicting_txs(const LedgerState& state, std::span<const chain::OptimisticBlock> merged,
                                          std::span<const chain::Tx> direct, std::span<const chain::FraudProof> proofs,
                                          chain::Amount min_fee);

}  // namespace ios::ledger
