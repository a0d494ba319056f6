#pragma once
// Optimistic blocks: phase 1 of Proof-of-Believability (whitepaper §8.2, docs/PROTOCOLS.md §12). A
// believable validator, a group of one, validates a small batch of transactions alone and
// signs a header that commits to them with an RFC 6962 Merkle root (docs/PROTOCOLS.md §15). The
// normal league later merges these blocks into a final block and re-checks a private sample
// of their witnesses.
//
// Encodings (version 1):
//   header = u8 1 ‖ u32 shard ‖ u64 epoch ‖ producer 32 ‖ u64 seq ‖ prev 32 ‖ tx_root 32
//            ‖ u32 tx_count ‖ u64 time_ms
//   block  = u8 1 ‖ header ‖ signature 64 ‖ u32 n ‖ n × bytes(encode(tx))
//   header_hash = SHA-256("IOS/v1/opt-header" ‖ header)
//   signature   = sign_tagged(producer, "IOS/v1/opt-block", chain_id, header)
//
// Invariants and the attacks they stop:
//   - The leaves are the FULL transaction encodings, witnesses included (tx_leaf). A producer
//     that vouched for a transaction with a forged witness has signed those exact bytes, so a
//     fraud proof (fraud_proof.hpp) can convict it without any state. Leaves of tx ids only
//     would let it claim it had seen a valid witness.
//   - The root commits to tx_count (no duplication, CVE-2012-2459), and the signed header
//     commits to the root, so the transaction list cannot be changed after signing.
//   - Header signatures are domain-separated and chain-bound, so a header cannot be replayed
//     on another chain or passed off as another kind of signed message.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/encoding.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"

namespace ios::chain {

inline constexpr std::uint8_t optimistic_block_version = 1;
inline constexpr std::size_t optimistic_block_txs_max = 4096;
inline constexpr std::size_t optimistic_header_bytes = 1 + 4 + 8 + 32 + 8 + 32 + 32 + 4 + 8;

struct OptimisticHeader {
  std::uint32_t shard = 0;
  std::uint64_t epoch = 0;
  crypto::PublicKey producer{};
  std::uint64_t seq = 0;
  core::Hash32 prev{};  // header hash of the producer's previous optimistic block, zeros for seq 0
  core::Hash32 tx_root{};
  std::uint32_t tx_count = 0;
  std::uint64_t time_ms = 0;

  bool operator==(const OptimisticHeader&) const = default;
};

struct OptimisticBlock {
  OptimisticHeader header;
  crypto::Signature signature{};
  std::vector<Tx> txs;

  bool operator==(const OptimisticBlock&) const = default;
};

core::Bytes encode(const OptimisticHeader& header);
core::Result<OptimisticHeader> decode_optimistic_header(core::ByteView bytes);
core::Bytes encode(const OptimisticBlock& block);
core::Result<OptimisticBlock> decode_optimistic_block(core::ByteView bytes);

core::Hash32 header_hash(const OptimisticHeader& header);
// merkle::leaf_hash(encode(tx)): the full encoding, witnesses included.
core::Hash32 tx_leaf(const Tx& tx);
core::Hash32 tx_root(std::span<const Tx> txs);

crypto::Signature sign_optimistic_header(const crypto::SigningKey& key, core::ByteView chain_id,
                                         const OptimisticHeader& header);
bool verify_optimistic_header(const OptimisticHeader& header, core::ByteView chain_id, const crypto::Signature& sig);

// Sets producer (the key's public key), tx_root and tx_count, then signs.
// Precondition: txs.size() <= optimistic_block_txs_max.
OptimisticBlock make_optimistic_block(const crypto::SigningKey& key, core::ByteView chain_id,
                                      OptimisticHeader header_without_root, std::vector<Tx> txs);
// The header signature under header.producer (bad_signature), tx_count == txs.size() and the
// root (bad_merkle_proof). NOT the transactions' witnesses: re-checking those is the
// sampler's job (PoB phase 2), and checking them all here would defeat the point of PoB.
core::Status verify_optimistic_block(const OptimisticBlock& block, core::ByteView chain_id);

// For nesting in other encodings (fraud proofs): reads or writes the header in place.
void write_optimistic_header(core::Writer& w, const OptimisticHeader& header);
OptimisticHeader read_optimistic_header(core::Reader& r);

}  // namespace ios::chain
