// Persisted votes and locks of a ByzCoin member (vote.hpp).
#include "node/protocol/byzcoin/vote.hpp"

#include <utility>

#include "node/core/encoding.hpp"

namespace ios::protocol::byzcoin {

std::string vote_key() { return "byzcoin/vote"; }
std::string lock_key() { return "byzcoin/lock"; }
std::string legacy_vote_key(std::uint64_t height) { return "byzcoin/vote/" + std::to_string(height); }
std::string legacy_lock_key(std::uint64_t height) { return "byzcoin/lock/" + std::to_string(height); }
std::string block_key(std::uint64_t height) { return std::string(block_key_prefix) + std::to_string(height); }

core::Bytes encode(const Vote& v) {
  core::Writer w;
  w.u8(vote_record_version).u64(v.height).u64(v.view).u8(static_cast<std::uint8_t>(v.phase)).raw(v.block);
  return w.take();
}

core::Result<Vote> decode_vote(core::ByteView bytes) {
  core::Reader r(bytes);
  Vote v;
  r.version(vote_record_version);
  v.height = r.u64();
  v.view = r.u64();
  const auto phase = r.u8();
  v.block = r.fixed<32>();
  if (!r.failed() && phase != static_cast<std::uint8_t>(Phase::prepare) &&
      phase != static_cast<std::uint8_t>(Phase::commit))
    r.fail(core::Reject::non_canonical, "unknown phase in a vote record");
  v.phase = static_cast<Phase>(phase);
  if (auto ok = r.finish(); !ok) return ok.error();
  return v;
}

core::Bytes encode(const LockRecord& l) {
  core::Writer w;
  w.u8(vote_record_version).u64(l.height).u64(l.prepared.view).raw(l.prepared.prev).bytes(l.prepared.body);
  w.bytes(crypto::encode(l.prepared.prepare));
  return w.take();
}

core::Result<LockRecord> decode_lock(core::ByteView bytes) {
  core::Reader r(bytes);
  LockRecord l;
  r.version(vote_record_version);
  l.height = r.u64();
  l.prepared.view = r.u64();
  l.prepared.prev = r.fixed<32>();
  l.prepared.body = r.bytes(chain::finalized_body_bytes_max);
  auto sig = r.bytes(chain::collective_signature_bytes_max);
  if (auto ok = r.finish(); !ok) return ok.error();
  auto s = crypto::decode_collective_signature(sig);
  if (!s) return s.error();
  l.prepared.prepare = std::move(s).value();
  return l;
}

}  // namespace ios::protocol::byzcoin
