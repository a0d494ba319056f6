#include "node/chain/optimistic_block.hpp"

#include <string>

#include "node/crypto/hash.hpp"
#include "node/crypto/merkle.hpp"

namespace ios::chain {

namespace {
constexpr std::string_view opt_block_sign_tag = "IOS/v1/opt-block";
}  // namespace

void write_optimistic_header(core::Writer& w, const OptimisticHeader& h) {
  w.u8(optimistic_block_version).u32(h.shard).u64(h.epoch).raw(h.producer).u64(h.seq).raw(h.prev).raw(h.tx_root);
  w.u32(h.tx_count).u64(h.time_ms);
}

OptimisticHeader read_optimistic_header(core::Reader& r) {
  OptimisticHeader h;
  r.version(optimistic_block_version);
  h.shard = r.u32();
  h.epoch = r.u64();
  h.producer = r.fixed<32>();
  h.seq = r.u64();
  h.prev = r.fixed<32>();
  h.tx_root = r.fixed<32>();
  h.tx_count = r.u32();
  h.time_ms = r.u64();
  return h;
}

core::Bytes encode(const OptimisticHeader& header) {
  core::Writer w;
  write_optimistic_header(w, header);
  return w.take();
}

core::Result<OptimisticHeader> decode_optimistic_header(core::ByteView bytes) {
  core::Reader r(bytes);
  auto h = read_optimistic_header(r);
  if (auto s = r.finish(); !s) return s.error();
  return h;
}

core::Bytes encode(const OptimisticBlock& block) {
  IOS_ASSERT(block.txs.size() <= optimistic_block_txs_max);
  core::Writer w;
  w.u8(optimistic_block_version);
  write_optimistic_header(w, block.header);
  w.raw(block.signature).u32(static_cast<std::uint32_t>(block.txs.size()));
  for (const auto& tx : block.txs) w.bytes(encode(tx));
  return w.take();
}

core::Result<OptimisticBlock> decode_optimistic_block(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(optimistic_block_version);
  OptimisticBlock block;
  block.header = read_optimistic_header(r);
  block.signature = r.fixed<64>();
  std::uint32_t n = r.count(optimistic_block_txs_max);
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    auto bytes_of_tx = r.bytes(tx_bytes_max);
    if (r.failed()) break;
    auto tx = decode_tx(bytes_of_tx);
    if (!tx) {
      r.fail(tx.error().reason, "tx " + std::to_string(i) + ": " + tx.error().detail);
      break;
    }
    block.txs.push_back(std::move(*tx));
  }
  if (auto s = r.finish(); !s) return s.error();
  return block;
}

core::Hash32 header_hash(const OptimisticHeader& header) {
  return crypto::sha256({core::as_bytes("IOS/v1/opt-header"), encode(header)});
}

core::Hash32 tx_leaf(const Tx& tx) { return crypto::merkle::leaf_hash(encode(tx)); }

core::Hash32 tx_root(std::span<const Tx> txs) {
  std::vector<core::Hash32> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(tx_leaf(tx));
  return crypto::merkle::root(leaves);
}

crypto::Signature sign_optimistic_header(const crypto::SigningKey& key, core::ByteView chain_id,
                                         const OptimisticHeader& header) {
  return crypto::sign_tagged(key, opt_block_sign_tag, chain_id, encode(header));
}

bool verify_optimistic_header(const OptimisticHeader& header, core::ByteView chain_id, const crypto::Signature& sig) {
  return crypto::verify_tagged(header.producer, opt_block_sign_tag, chain_id, encode(header), sig);
}

OptimisticBlock make_optimistic_block(const crypto::SigningKey& key, core::ByteView chain_id,
                                      OptimisticHeader header_without_root, std::vector<Tx> txs) {
  IOS_ASSERT(txs.size() <= optimistic_block_txs_max);
  OptimisticBlock block;
  block.header = header_without_root;
  block.header.producer = key.public_key();
  block.header.tx_root = tx_root(txs);
  block.header.tx_count = static_cast<std::uint32_t>(txs.size());
  block.signature = sign_optimistic_header(key, chain_id, block.header);
  block.txs = std::move(txs);
  return block;
}

core::Status verify_optimistic_block(const OptimisticBlock& block, core::ByteView chain_id) {
  using core::Reject;
  if (block.txs.size() > optimistic_block_txs_max)
    return core::reject(Reject::length_over_limit, std::to_string(block.txs.size()) + " txs");
  if (!verify_optimistic_header(block.header, chain_id, block.signature))
    return core::reject(Reject::bad_signature, "optimistic block header");
  if (block.header.tx_count != block.txs.size()) {
    return core::reject(Reject::bad_merkle_proof, "tx_count " + std::to_string(block.header.tx_count) + " but " +
                                                      std::to_string(block.txs.size()) + " txs");
  }
  if (tx_root(block.txs) != block.header.tx_root)
    return core::reject(Reject::bad_merkle_proof, "tx_root does not match the txs");
  return core::Ok{};
}

}  // namespace ios::chain
