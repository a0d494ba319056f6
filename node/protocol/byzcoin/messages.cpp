// ByzCoin wire messages: canonical, bounded encoding (messages.hpp lists them and the checks).
#include "node/protocol/byzcoin/messages.hpp"

#include <string>
#include <utility>

#include "node/core/encoding.hpp"

namespace ios::protocol::byzcoin {

namespace {

using core::Reader;
using core::Reject;
using core::Writer;

void write_head(Writer& w, MsgKind kind) { w.u8(message_tag).u8(message_version).u8(static_cast<std::uint8_t>(kind)); }

void write_round(Writer& w, std::uint64_t height, std::uint64_t view, Phase phase, std::uint32_t attempt) {
  w.u64(height).u64(view).u8(static_cast<std::uint8_t>(phase)).u32(attempt);
}

void write_mask(Writer& w, const crypto::CosiMask& m) { w.bytes(m.encode()); }
void write_signature(Writer& w, const crypto::CollectiveSignature& s) { w.bytes(crypto::encode(s)); }

Phase read_phase(Reader& r) {
  const auto v = r.u8();
  if (r.failed()) return Phase::prepare;
  if (v != static_cast<std::uint8_t>(Phase::prepare) && v != static_cast<std::uint8_t>(Phase::commit))
    r.fail(Reject::non_canonical, "unknown phase " + std::to_string(v));
  return static_cast<Phase>(v);
}

crypto::CosiMask read_mask(Reader& r, std::size_t roster_size) {
  auto bytes = r.bytes((roster_size + 7) / 8);
  if (r.failed()) return {};
  auto m = crypto::CosiMask::decode(bytes, roster_size);
  if (!m) {
    r.fail(m.error().reason, "mask: " + m.error().detail);
    return {};
  }
  return std::move(m).value();
}

crypto::CollectiveSignature read_signature(Reader& r) {
  auto bytes = r.bytes(chain::collective_signature_bytes_max);
  if (r.failed()) return {};
  auto s = crypto::decode_collective_signature(bytes);
  if (!s) {
    r.fail(s.error().reason, "collective signature: " + s.error().detail);
    return {};
  }
  return std::move(s).value();
}

bool read_flag(Reader& r) { return r.boolean(); }

std::uint32_t read_index(Reader& r, std::size_t roster_size) {
  const auto i = r.u32();
  if (!r.failed() && i >= roster_size)
    r.fail(Reject::not_in_roster, "index " + std::to_string(i) + " in a roster of " + std::to_string(roster_size));
  return i;
}

void write_announce_fields(Writer& w, const Announce& a) {
  write_round(w, a.height, a.view, a.phase, a.attempt);
  w.u32(a.leader);
  write_mask(w, a.invited);
  w.raw(a.prev).bytes(a.body).boolean(a.certificate.has_value());
  if (a.certificate) {
    w.u64(a.certificate_view);
    write_signature(w, *a.certificate);
  }
}

void write_view_change_fields(Writer& w, const ViewChange& v) {
  w.u64(v.height).u64(v.view).u32(v.sender).boolean(v.prepared.has_value());
  if (v.prepared) {
    w.u64(v.prepared->view).raw(v.prepared->prev).raw(v.prepared->block);
    write_signature(w, v.prepared->prepare);
  }
}

void write_view_change(Writer& w, const ViewChange& v) {
  IOS_ASSERT(!v.body || v.prepared);
  write_view_change_fields(w, v);
  w.raw(v.sig).boolean(v.body.has_value());
  if (v.body) w.bytes(*v.body);
}

ViewChange read_view_change(Reader& r, std::size_t roster_size) {
  ViewChange v;
  v.height = r.u64();
  v.view = r.u64();
  v.sender = read_index(r, roster_size);
  if (read_flag(r)) {
    ViewChange::Prepared p;
    p.view = r.u64();
    p.prev = r.fixed<32>();
    p.block = r.fixed<32>();
    p.prepare = read_signature(r);
    v.prepared = std::move(p);
  }
  v.sig = r.fixed<64>();
  if (read_flag(r)) {
    v.body = r.bytes(chain::finalized_body_bytes_max);
    if (!v.prepared) r.fail(Reject::non_canonical, "view_change body without a prepared block");
  }
  return v;
}

Announce read_announce(Reader& r, std::size_t roster_size) {
  Announce a;
  a.height = r.u64();
  a.view = r.u64();
  a.phase = read_phase(r);
  a.attempt = r.u32();
  a.leader = read_index(r, roster_size);
  a.invited = read_mask(r, roster_size);
  a.prev = r.fixed<32>();
  a.body = r.bytes(chain::finalized_body_bytes_max);
  if (read_flag(r)) {
    a.certificate_view = r.u64();
    a.certificate = read_signature(r);
  }
  a.sig = r.fixed<64>();
  a.relay = read_flag(r);
  return a;
}

Commitment read_commitment(Reader& r, std::size_t roster_size) {
  Commitment c;
  c.height = r.u64();
  c.view = r.u64();
  c.phase = read_phase(r);
  c.attempt = r.u32();
  c.sender = read_index(r, roster_size);
  c.commitment = r.fixed<32>();
  c.mask = read_mask(r, roster_size);
  return c;
}

Challenge read_challenge(Reader& r, std::size_t roster_size) {
  Challenge c;
  c.height = r.u64();
  c.view = r.u64();
  c.phase = read_phase(r);
  c.attempt = r.u32();
  c.challenge.aggregate_commitment = r.fixed<32>();
  c.challenge.aggregate_key = r.fixed<32>();
  c.challenge.c = r.fixed<32>();
  c.participants = read_mask(r, roster_size);
  return c;
}

Response read_response(Reader& r, std::size_t roster_size) {
  Response m;
  m.height = r.u64();
  m.view = r.u64();
  m.phase = read_phase(r);
  m.attempt = r.u32();
  m.sender = read_index(r, roster_size);
  m.response = r.fixed<32>();
  m.mask = read_mask(r, roster_size);
  return m;
}

chain::FinalizedBlock read_block(Reader& r) {
  auto bytes = r.bytes(chain::finalized_block_bytes_max);
  if (r.failed()) return {};
  auto b = chain::decode_finalized_block(bytes);
  if (!b) {
    r.fail(b.error().reason, "finalized block: " + b.error().detail);
    return {};
  }
  return std::move(b).value();
}

NewView read_new_view(Reader& r, std::size_t roster_size) {
  NewView m;
  m.height = r.u64();
  m.view = r.u64();
  m.sender = read_index(r, roster_size);
  const auto count = r.count(roster_size);
  for (std::uint32_t i = 0; i < count && !r.failed(); ++i) {
    m.proof.push_back(read_view_change(r, roster_size));
    if (m.proof.back().body) r.fail(Reject::non_canonical, "new_view quotes a view_change with its body");
  }
  return m;
}

SyncResponse read_sync_response(Reader& r) {
  SyncResponse m;
  const auto count = r.count(sync_blocks_max);
  for (std::uint32_t i = 0; i < count && !r.failed(); ++i) m.blocks.push_back(read_block(r));
  return m;
}

Message read_body(Reader& r, MsgKind kind, std::size_t roster_size) {
  switch (kind) {
    case MsgKind::announce: return read_announce(r, roster_size);
    case MsgKind::commitment: return read_commitment(r, roster_size);
    case MsgKind::challenge: return read_challenge(r, roster_size);
    case MsgKind::response: return read_response(r, roster_size);
    case MsgKind::final_block: return FinalMsg{read_block(r)};
    case MsgKind::view_change: return read_view_change(r, roster_size);
    case MsgKind::new_view: return read_new_view(r, roster_size);
    case MsgKind::sync_request: return SyncRequest{r.u64()};
    case MsgKind::sync_response: return read_sync_response(r);
  }
  r.fail(Reject::non_canonical, "unknown message kind " + std::to_string(static_cast<unsigned>(kind)));
  return SyncRequest{};
}

}  // namespace

core::Bytes announce_signed_part(const Announce& a) {
  Writer w;
  write_announce_fields(w, a);
  return w.take();
}

core::Bytes view_change_signed_part(const ViewChange& v) {
  Writer w;
  write_view_change_fields(w, v);
  return w.take();
}

core::Bytes encode(const Announce& m) {
  Writer w;
  write_head(w, MsgKind::announce);
  write_announce_fields(w, m);
  w.raw(m.sig).boolean(m.relay);
  return w.take();
}

core::Bytes encode(const Commitment& m) {
  Writer w;
  write_head(w, MsgKind::commitment);
  write_round(w, m.height, m.view, m.phase, m.attempt);
  w.u32(m.sender).raw(m.commitment);
  write_mask(w, m.mask);
  return w.take();
}

core::Bytes encode(const Challenge& m) {
  Writer w;
  write_head(w, MsgKind::challenge);
  write_round(w, m.height, m.view, m.phase, m.attempt);
  w.raw(m.challenge.aggregate_commitment).raw(m.challenge.aggregate_key).raw(m.challenge.c);
  write_mask(w, m.participants);
  return w.take();
}

core::Bytes encode(const Response& m) {
  Writer w;
  write_head(w, MsgKind::response);
  write_round(w, m.height, m.view, m.phase, m.attempt);
  w.u32(m.sender).raw(m.response);
  write_mask(w, m.mask);
  return w.take();
}

core::Bytes encode(const FinalMsg& m) {
  Writer w;
  write_head(w, MsgKind::final_block);
  w.bytes(chain::encode(m.block));
  return w.take();
}

core::Bytes encode(const ViewChange& m) {
  Writer w;
  write_head(w, MsgKind::view_change);
  write_view_change(w, m);
  return w.take();
}

core::Bytes encode(const NewView& m) {
  Writer w;
  write_head(w, MsgKind::new_view);
  w.u64(m.height).u64(m.view).u32(m.sender).u32(static_cast<std::uint32_t>(m.proof.size()));
  for (const auto& v : m.proof) write_view_change(w, v);
  return w.take();
}

core::Bytes encode(const SyncRequest& m) {
  Writer w;
  write_head(w, MsgKind::sync_request);
  w.u64(m.from_height);
  return w.take();
}

core::Bytes encode(const SyncResponse& m) {
  IOS_ASSERT(m.blocks.size() <= sync_blocks_max);
  Writer w;
  write_head(w, MsgKind::sync_response);
  w.u32(static_cast<std::uint32_t>(m.blocks.size()));
  for (const auto& b : m.blocks) w.bytes(chain::encode(b));
  return w.take();
}

core::Bytes encode(const Message& m) {
  return std::visit([](const auto& x) { return encode(x); }, m);
}

core::Result<Message> decode_message(core::ByteView payload, std::size_t roster_size) {
  IOS_ASSERT(roster_size >= 1);
  IOS_ASSERT(roster_size <= crypto::cosi_roster_size_max);
  Reader r(payload);
  const auto tag = r.u8();
  if (!r.failed() && tag != message_tag) r.fail(Reject::non_canonical, "not a byzcoin message (tag " + std::to_string(tag) + ")");
  r.version(message_version);
  const auto kind = static_cast<MsgKind>(r.u8());
  if (r.failed()) return r.finish().error();
  Message m = read_body(r, kind, roster_size);
  if (auto ok = r.finish(); !ok) return core::reject(ok.error().reason, std::string(to_string(kind)) + ": " + ok.error().detail);
  return m;
}

std::string_view to_string(Phase phase) { return phase == Phase::prepare ? "prepare" : "commit"; }

std::string_view to_string(MsgKind kind) {
  switch (kind) {
    case MsgKind::announce: return "announce";
    case MsgKind::commitment: return "commitment";
    case MsgKind::challenge: return "challenge";
    case MsgKind::response: return "response";
    case MsgKind::final_block: return "final";
    case MsgKind::view_change: return "view_change";
    case MsgKind::new_view: return "new_view";
    case MsgKind::sync_request: return "sync_request";
    case MsgKind::sync_response: return "sync_response";
  }
  return "unknown";
}

}  // namespace ios::protocol::byzcoin
