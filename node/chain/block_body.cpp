#include "node/chain/block_body.hpp"

#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::chain {

namespace {

void write_hashes(core::Writer& w, const std::vector<core::Hash32>& hashes) {
  w.u32(static_cast<std::uint32_t>(hashes.size()));
  for (const auto& h : hashes) w.raw(h);
}

std::vector<core::Hash32> read_hashes(core::Reader& r, std::size_t count_max) {
  std::vector<core::Hash32> out;
  std::uint32_t n = r.count(count_max);
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) out.push_back(r.fixed<32>());
  return out;
}

// Decodes n length-prefixed items with `decode`, prefixing any error with "<what> <i>: ".
template <class T, class Decode>
std::vector<T> read_items(core::Reader& r, std::size_t count_max, std::size_t bytes_max, const char* what,
                          Decode decode) {
  std::vector<T> out;
  std::uint32_t n = r.count(count_max);
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    auto bytes = r.bytes(bytes_max);
    if (r.failed()) break;
    auto item = decode(bytes);
    if (!item) {
      r.fail(item.error().reason, std::string(what) + " " + std::to_string(i) + ": " + item.error().detail);
      break;
    }
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace

core::Bytes encode(const BlockBody& body) {
  IOS_ASSERT(body.optimistic_blocks.size() <= block_optimistic_blocks_max);
  IOS_ASSERT(body.direct_txs.size() <= block_direct_txs_max);
  IOS_ASSERT(body.excluded.size() <= block_excluded_max);
  IOS_ASSERT(body.fraud_proofs.size() <= block_fraud_proofs_max);
  core::Writer w;
  w.u8(block_body_version).u32(body.shard).u64(body.epoch).u64(body.height);
  w.u8(static_cast<std::uint8_t>(body.mode)).raw(body.leader);
  write_hashes(w, body.optimistic_blocks);
  w.u32(static_cast<std::uint32_t>(body.direct_txs.size()));
  for (const auto& tx : body.direct_txs) w.bytes(encode(tx));
  write_hashes(w, body.excluded);
  w.u32(static_cast<std::uint32_t>(body.fraud_proofs.size()));
  for (const auto& p : body.fraud_proofs) w.bytes(encode(p));
  w.raw(body.state_digest).u64(body.time_ms);
  return w.take();
}

core::Result<BlockBody> decode_block_body(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(block_body_version);
  BlockBody body;
  body.shard = r.u32();
  body.epoch = r.u64();
  body.height = r.u64();
  auto mode = r.u8();
  if (mode > static_cast<std::uint8_t>(LeagueMode::one_league))
    r.fail(core::Reject::non_canonical, "league mode " + std::to_string(mode));
  body.mode = static_cast<LeagueMode>(mode);
  body.leader = r.fixed<32>();
  body.optimistic_blocks = read_hashes(r, block_optimistic_blocks_max);
  body.direct_txs = read_items<Tx>(r, block_direct_txs_max, tx_bytes_max, "direct tx", decode_tx);
  body.excluded = read_hashes(r, block_excluded_max);
  for (std::size_t i = 1; i < body.excluded.size() && !r.failed(); ++i) {
    if (!(body.excluded[i - 1] < body.excluded[i]))
      r.fail(core::Reject::non_canonical, "excluded not strictly increasing at " + std::to_string(i));
  }
  body.fraud_proofs =
      read_items<FraudProof>(r, block_fraud_proofs_max, fraud_proof_bytes_max, "fraud proof", decode_fraud_proof);
  body.state_digest = r.fixed<32>();
  body.time_ms = r.u64();
  if (auto s = r.finish(); !s) return s.error();
  return body;
}

core::Hash32 body_hash(const BlockBody& body) {
  return crypto::sha256({core::as_bytes("IOS/v1/block-body"), encode(body)});
}

}  // namespace ios::chain
