// Finality of ByzCoin blocks (docs/PROTOCOLS.md §11.1): hashes, the two signed messages and the
// check anyone can run. Policy and attacks: finality.hpp.
#include "node/chain/finality.hpp"

#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/hash.hpp"

namespace ios::chain {

namespace {

constexpr std::string_view block_tag = "IOS/v1/block";
constexpr std::string_view prepare_tag = "IOS/v1/byzcoin/prepare";
constexpr std::string_view commit_tag = "IOS/v1/byzcoin/commit";

core::Writer round_fields(std::uint64_t height, std::uint64_t view, const core::Hash32& block) {
  core::Writer w;
  w.u64(height).u64(view).raw(block);
  return w;
}

crypto::CollectiveSignature read_signature(core::Reader& r, const char* which) {
  auto bytes = r.bytes(collective_signature_bytes_max);
  if (r.failed()) return {};
  auto sig = crypto::decode_collective_signature(bytes);
  if (!sig) {
    r.fail(sig.error().reason, std::string(which) + ": " + sig.error().detail);
    return {};
  }
  return std::move(sig).value();
}

}  // namespace

core::Hash32 block_hash(std::uint64_t height, const core::Hash32& prev, core::ByteView body) {
  core::Writer w;
  w.raw(core::as_bytes(block_tag)).u64(height).raw(prev);
  return crypto::sha256({w.view(), body});
}

core::Bytes consensus_domain(core::ByteView chain_id, core::ShardId shard, core::Epoch epoch, std::uint32_t step) {
  core::Writer w;
  w.bytes(chain_id).u32(shard.value).u64(epoch.value);
  if (step != 0) w.u32(step);
  return w.take();
}

core::Bytes prepare_message(core::ByteView domain, core::Height height, core::View view, const core::Hash32& block) {
  return crypto::tagged_message(prepare_tag, domain, round_fields(height.value, view.value, block).view());
}

core::Bytes commit_message(core::ByteView domain, core::Height height, core::View view, const core::Hash32& block,
                           const crypto::CollectiveSignature& prepare) {
  auto w = round_fields(height.value, view.value, block);
  w.bytes(crypto::encode(prepare));
  return crypto::tagged_message(commit_tag, domain, w.view());
}

core::Bytes encode(const FinalizedBlock& block) {
  IOS_ASSERT(block.body.size() <= finalized_body_bytes_max);
  core::Writer w;
  w.u8(finalized_block_version).u64(block.height).u64(block.view).raw(block.prev).bytes(block.body);
  w.bytes(crypto::encode(block.prepare)).bytes(crypto::encode(block.commit));
  return w.take();
}

core::Result<FinalizedBlock> decode_finalized_block(core::ByteView bytes) {
  core::Reader r(bytes);
  FinalizedBlock b;
  r.version(finalized_block_version);
  b.height = r.u64();
  b.view = r.u64();
  b.prev = r.fixed<32>();
  b.body = r.bytes(finalized_body_bytes_max);
  b.prepare = read_signature(r, "prepare signature");
  b.commit = read_signature(r, "commit signature");
  if (auto ok = r.finish(); !ok) return ok.error();
  return b;
}

core::Status verify_finality(const FinalizedBlock& block, const crypto::CosiRoster& roster, core::ByteView domain) {
  IOS_ASSERT(roster.size() >= 1);
  const std::size_t quorum = byzcoin_quorum(static_cast<std::uint32_t>(roster.size()));
  const core::Hash32 h = block.hash();
  const std::string where = "block " + std::to_string(block.height) + " view " + std::to_string(block.view);
  if (auto ok = crypto::cosi_verify(roster, prepare_message(domain, core::Height{block.height}, core::View{block.view}, h), block.prepare, quorum);
      !ok)
    return core::reject(core::Reject::bad_signature, where + ", prepare: " + ok.error().detail);
  if (auto ok = crypto::cosi_verify(roster, commit_message(domain, core::Height{block.height}, core::View{block.view}, h, block.prepare),
                                    block.commit, quorum);
      !ok)
    return core::reject(core::Reject::bad_signature, where + ", commit: " + ok.error().detail);
  return core::Ok{};
}

std::uint32_t byzcoin_quorum(std::uint32_t n) {
  IOS_ASSERT(n >= 1);
  return n - (n - 1) / 3;
}

}  // namespace ios::chain
