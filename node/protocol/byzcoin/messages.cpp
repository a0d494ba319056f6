// ByzCoin wire messages: canonical, bounded encoding (messages.hpp lists them and the checks).
#include "node/protocol/byzcoin/messages.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "node/core/encoding.hpp"

namespace ios::protocol::byzcoin {

namespace {

using core::Reader;
using core::Reject;
using core::Writer;

void write_head(Writer& w, MsgKind kind) { w.u8(message_tag).u8(message_version).u8(static_cast<std::uint8_t>(kind)); }

// Announce, Commitment, Challenge and Response open with the round they belong to.
template <class M>
void write_round(Writer& w, const M& m) {
  w.u64(m.height).u64(m.view).u8(static_cast<std::uint8_t>(m.phase)).u32(m.attempt);
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

template <class M>
void read_round(Reader& r, M& m) {
  m.height = r.u64();
  m.view = r.u64();
  m.phase = read_phase(r);
  m.attempt = r.u32();
}

// A length-prefixed nested encoding of at most `bytes_max` bytes, decoded by `decode`; its
// refusal is reported as the Reader's, under the name `what`.
template <class T, class Decode>
T read_nested(Reader& r, std::size_t bytes_max, std::string_view what, Decode decode) {
  auto bytes = r.bytes(bytes_max);
  if (r.failed()) return {};
  auto v = decode(bytes);
  if (!v) {
    r.fail(v.error().reason, std::string(what) + ": " + v.error().detail);
    return {};
  }
  return std::move(v).value();
}

crypto::CosiMask read_mask(Reader& r, std::size_t roster_size) {
  return read_nested<crypto::CosiMask>(r, (roster_size + 7) / 8, "mask",
                                       [&](core::ByteView b) { return crypto::CosiMask::decode(b, roster_size); });
}

crypto::CollectiveSignature read_signature(Reader& r) {
  return read_nested<crypto::CollectiveSignature>(r, chain::collective_signature_bytes_max, "collective signature",
                                                  crypto::decode_collective_signature);
}

chain::FinalizedBlock read_block(Reader& r) {
  return read_nested<chain::FinalizedBlock>(r, chain::finalized_block_bytes_max, "finalized block",
                                            chain::decode_finalized_block);
}

bool read_flag(Reader& r) { return r.boolean(); }

std::uint32_t read_index(Reader& r, std::size_t roster_size) {
  const auto i = r.u32();
  if (!r.failed() && i >= roster_size)
    r.fail(Reject::not_in_roster, "index " + std::to_string(i) + " in a roster of " + std::to_string(roster_size));
  return i;
}

void write_announce_fields(Writer& w, const Announce& a) {
  write_round(w, a);
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

void write_body(Writer& w, const ViewChange& v) {
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
  read_round(r, a);
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

// Commitment and Response share one shape: the round, the sender, its 32-byte share of the
// CoSi round (Σ V_i or Σ r_i, the member pointer `share`) and the mask that share covers.
template <class M, core::ByteArray<32> M::*share>
void write_share(Writer& w, const M& m) {
  write_round(w, m);
  w.u32(m.sender).raw(m.*share);
  write_mask(w, m.mask);
}

template <class M, core::ByteArray<32> M::*share>
M read_share(Reader& r, std::size_t roster_size) {
  M m;
  read_round(r, m);
  m.sender = read_index(r, roster_size);
  m.*share = r.fixed<32>();
  m.mask = read_mask(r, roster_size);
  return m;
}

Challenge read_challenge(Reader& r, std::size_t roster_size) {
  Challenge c;
  read_round(r, c);
  c.challenge.aggregate_commitment = r.fixed<32>();
  c.challenge.aggregate_key = r.fixed<32>();
  c.challenge.c = r.fixed<32>();
  c.participants = read_mask(r, roster_size);
  return c;
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

// The bodies after the head, in the order read_body reads them back.
void write_body(Writer& w, const Announce& m) {
  write_announce_fields(w, m);
  w.raw(m.sig).boolean(m.relay);
}

void write_body(Writer& w, const Commitment& m) { write_share<Commitment, &Commitment::commitment>(w, m); }

void write_body(Writer& w, const Challenge& m) {
  write_round(w, m);
  w.raw(m.challenge.aggregate_commitment).raw(m.challenge.aggregate_key).raw(m.challenge.c);
  write_mask(w, m.participants);
}

void write_body(Writer& w, const Response& m) { write_share<Response, &Response::response>(w, m); }

void write_body(Writer& w, const FinalMsg& m) { w.bytes(chain::encode(m.block)); }

void write_body(Writer& w, const NewView& m) {
  w.u64(m.height).u64(m.view).u32(m.sender).u32(static_cast<std::uint32_t>(m.proof.size()));
  for (const auto& v : m.proof) write_body(w, v);
}

void write_body(Writer& w, const SyncRequest& m) { w.u64(m.from_height); }

void write_body(Writer& w, const SyncResponse& m) {
  IOS_ASSERT(m.blocks.size() <= sync_blocks_max);
  w.u32(static_cast<std::uint32_t>(m.blocks.size()));
  for (const auto& b : m.blocks) w.bytes(chain::encode(b));
}

template <class M>
core::Bytes framed(MsgKind kind, const M& m) {
  Writer w;
  write_head(w, kind);
  write_body(w, m);
  return w.take();
}

Message read_body(Reader& r, MsgKind kind, std::size_t roster_size) {
  switch (kind) {
    case MsgKind::announce: return read_announce(r, roster_size);
    case MsgKind::commitment:
      return read_share<Commitment, &Commitment::commitment>(r, roster_size);
    case MsgKind::challenge: return read_challenge(r, roster_size);
    case MsgKind::response:
      return read_share<Response, &Response::response>(r, roster_size);
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

core::Bytes encode(const Announce& m) { return framed(MsgKind::announce, m); }
core::Bytes encode(const Commitment& m) { return framed(MsgKind::commitment, m); }
core::Bytes encode(const Challenge& m) { return framed(MsgKind::challenge, m); }
core::Bytes encode(const Response& m) { return framed(MsgKind::response, m); }
core::Bytes encode(const FinalMsg& m) { return framed(MsgKind::final_block, m); }
core::Bytes encode(const ViewChange& m) { return framed(MsgKind::view_change, m); }
core::Bytes encode(const NewView& m) { return framed(MsgKind::new_view, m); }
core::Bytes encode(const SyncRequest& m) { return framed(MsgKind::sync_request, m); }
core::Bytes encode(const SyncResponse& m) { return framed(MsgKind::sync_response, m); }

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
