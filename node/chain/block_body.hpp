#pragma once
// The body of a final block: what the normal league agrees on with ByzCoin (whitepaper §8.2,
// docs/PROTOCOLS.md §11-12). It merges believable validators' optimistic blocks by header hash, in
// apply order, carries the transactions sent straight to the normal league, lists what was
// NOT applied, carries fraud proofs, and commits to the ledger state after applying it.
//
// Encoding (version 1):
//   u8 1 ‖ u32 shard ‖ u64 epoch ‖ u64 height ‖ u8 mode ‖ leader 32
//   ‖ u32 n ‖ n × hash 32                (optimistic_blocks)
//   ‖ u32 n ‖ n × bytes(encode(tx))      (direct_txs)
//   ‖ u32 n ‖ n × hash 32                (excluded, strictly increasing)
//   ‖ u32 n ‖ n × bytes(encode(proof))   (fraud_proofs)
//   ‖ state_digest 32 ‖ u64 time_ms
//   body_hash = SHA-256("IOS/v1/block-body" ‖ encoding)
//
// Invariants: every list is bounded; `excluded` is sorted and without repeats (one body, one
// encoding); mode is 0 or 1. Whether the lists are right for the state is the ledger's
// question (node/ledger/block.hpp); the body only carries them.
//
// `excluded` holds the tx hashes (tx_hash, witnesses excluded) of every transaction, merged or
// direct, that the block does not apply: conflicts with an earlier spend, unknown inputs, bad
// amounts, and forged witnesses caught by a fraud proof or a full re-check. Listing them makes
// the leader's decision explicit, so every validator checks the same claim instead of
// silently skipping.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "node/chain/fraud_proof.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::chain {

inline constexpr std::uint8_t block_body_version = 1;
inline constexpr std::size_t block_optimistic_blocks_max = 64;
inline constexpr std::size_t block_direct_txs_max = 4096;
inline constexpr std::size_t block_excluded_max =
    block_optimistic_blocks_max * optimistic_block_txs_max + block_direct_txs_max;
inline constexpr std::size_t block_fraud_proofs_max = 64;
inline constexpr std::size_t fraud_proof_bytes_max = 32 * 1024;

enum class LeagueMode : std::uint8_t { two_leagues = 0, one_league = 1 };

struct BlockBody {
  std::uint32_t shard = 0;
  std::uint64_t epoch = 0;
  std::uint64_t height = 0;
  LeagueMode mode = LeagueMode::two_leagues;
  crypto::PublicKey leader{};                   // ByzCoin leader that proposed it (earns the fees of direct txs)
  std::vector<core::Hash32> optimistic_blocks;  // header hashes merged, in apply order
  std::vector<Tx> direct_txs;                   // one-league mode (and txs sent straight to the normal league)
  std::vector<core::Hash32> excluded;           // tx hashes not applied (see above), sorted
  std::vector<FraudProof> fraud_proofs;
  core::Hash32 state_digest{};  // LedgerState::digest() after applying this block
  std::uint64_t time_ms = 0;

  bool operator==(const BlockBody&) const = default;
};

core::Bytes encode(const BlockBody& body);
core::Result<BlockBody> decode_block_body(core::ByteView bytes);
core::Hash32 body_hash(const BlockBody& body);

}  // namespace ios::chain
