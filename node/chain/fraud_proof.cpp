#include "node/chain/fraud_proof.hpp"

#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/merkle.hpp"

namespace ios::chain {

FraudProof make_fraud_proof(const OptimisticBlock& block, std::uint32_t index) {
  IOS_ASSERT(index < block.txs.size());
  std::vector<core::Hash32> leaves;
  leaves.reserve(block.txs.size());
  for (const auto& tx : block.txs) leaves.push_back(tx_leaf(tx));
  IOS_ASSERT(crypto::merkle::root(leaves) == block.header.tx_root);
  FraudProof proof;
  proof.header = block.header;
  proof.header_signature = block.signature;
  proof.tx = block.txs[index];
  proof.index = index;
  proof.path = crypto::merkle::inclusion_proof(leaves, index);
  return proof;
}

core::Status verify_fraud_proof(const FraudProof& proof, core::ByteView chain_id) {
  using core::Reject;
  if (!verify_optimistic_header(proof.header, chain_id, proof.header_signature))
    return core::reject(Reject::bad_signature, "optimistic block header");
  auto included = crypto::merkle::verify_inclusion(tx_leaf(proof.tx), proof.index, proof.header.tx_count, proof.path,
                                                   proof.header.tx_root);
  if (!included) return included.error();
  if (verify_witnesses(proof.tx, chain_id)) return core::reject(Reject::bad_proof, "witnesses verify: no fraud");
  return core::Ok{};
}

core::Hash32 offending_tx(const FraudProof& proof) { return tx_hash(proof.tx); }

core::Bytes encode(const FraudProof& proof) {
  IOS_ASSERT(proof.path.size() <= fraud_proof_path_max);
  core::Writer w;
  w.u8(fraud_proof_version);
  write_optimistic_header(w, proof.header);
  w.raw(proof.header_signature).bytes(encode(proof.tx)).u32(proof.index);
  w.u32(static_cast<std::uint32_t>(proof.path.size()));
  for (const auto& h : proof.path) w.raw(h);
  return w.take();
}

core::Result<FraudProof> decode_fraud_proof(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(fraud_proof_version);
  FraudProof proof;
  proof.header = read_optimistic_header(r);
  proof.header_signature = r.fixed<64>();
  auto tx_bytes = r.bytes(tx_bytes_max);
  if (!r.failed()) {
    auto tx = decode_tx(tx_bytes);
    if (tx) proof.tx = std::move(*tx);
    else r.fail(tx.error().reason, "tx: " + tx.error().detail);
  }
  proof.index = r.u32();
  std::uint32_t n = r.count(fraud_proof_path_max);
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) proof.path.push_back(r.fixed<32>());
  if (auto s = r.finish(); !s) return s.error();
  return proof;
}

}  // namespace ios::chain
