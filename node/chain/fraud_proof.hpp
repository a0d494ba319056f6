#pragma once
// Fraud proofs of Proof-of-Believability (whitepaper §8.2: "the validator who signed the
// invalid block would be detected and held accountable"; docs/PROTOCOLS.md §12). A normal
// validator whose private sample hits a transaction with an invalid witness shows:
// the believable producer's signed optimistic header, the transaction exactly as the producer
// committed to it, and its Merkle path under the header's tx_root.
//
// Anyone can check a fraud proof with no state: the header signature binds the producer to the
// root, the path binds the root to these exact transaction bytes (witnesses included, see
// tx_leaf), and the witnesses either verify or they do not. Nothing else is needed.
//
// Encoding (version 1):
//   u8 1 ‖ header ‖ signature 64 ‖ bytes(encode(tx)) ‖ u32 index ‖ u32 n ‖ n × hash 32
//
// Attacks this stops:
//   - framing an honest producer: the proof only verifies if the producer signed a root that
//     contains a transaction whose witnesses fail; a valid transaction is refused
//     (bad_proof "witnesses verify: no fraud"), and a transaction that was never in the block
//     has no valid path (bad_merkle_proof);
//   - the producer denying it: the signature is its own, over a chain-bound tag.
// What a fraud proof does not cover: double spends and unknown inputs. Those depend on state,
// every normal validator applies every transaction, so they are simply excluded from the
// final block (the producer may not have known about a conflicting spend elsewhere).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "node/chain/optimistic_block.hpp"
#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::chain {

inline constexpr std::uint8_t fraud_proof_version = 1;
// An inclusion path in a tree of at most optimistic_block_txs_max = 2^12 leaves has at most 12
// elements; the limit leaves room and is still tiny.
inline constexpr std::size_t fraud_proof_path_max = 32;

struct FraudProof {
  OptimisticHeader header;
  crypto::Signature header_signature{};
  Tx tx;
  std::uint32_t index = 0;
  std::vector<core::Hash32> path;

  bool operator==(const FraudProof&) const = default;
};

// Precondition: index < block.txs.size() and the block's root matches its txs.
FraudProof make_fraud_proof(const OptimisticBlock& block, std::uint32_t index);
// Ok only if the header signature verifies under header.producer (else bad_signature),
// tx_leaf(tx) is at `index` under header.tx_root for tx_count leaves (else bad_merkle_proof),
// and verify_witnesses(tx) FAILS (else bad_proof).
core::Status verify_fraud_proof(const FraudProof& proof, core::ByteView chain_id);
// tx_hash(proof.tx).
core::Hash32 offending_tx(const FraudProof& proof);

core::Bytes encode(const FraudProof& proof);
core::Result<FraudProof> decode_fraud_proof(core::ByteView bytes);

}  // namespace ios::chain
