#include "node/protocol/drp/messages.hpp"

#include <algorithm>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::protocol::drp {

namespace {

constexpr std::string_view signing_tag = "IOS/v1/drp";

core::Bytes signed_body(MsgType type, std::uint32_t sender, core::ByteView body) {
  core::Writer w;
  w.u8(static_cast<std::uint8_t>(type)).u32(sender).raw(body);
  return w.take();
}

void write_mask(core::Writer& w, const crypto::CosiMask& m) {
  w.u32(static_cast<std::uint32_t>(m.size())).bytes(m.encode());
}

crypto::CosiMask read_mask(core::Reader& r, std::size_t servers) {
  std::uint32_t n = r.u32();
  auto bytes = r.bytes(servers / 8 + 1);
  if (r.failed()) return {};
  if (n != servers) {
    r.fail(core::Reject::bad_proof, "mask size " + std::to_string(n) + " for " + std::to_string(servers) + " servers");
    return {};
  }
  auto mask = crypto::CosiMask::decode(bytes, n);
  if (!mask) {
    r.fail(mask.error().reason, mask.error().detail);
    return {};
  }
  return *mask;
}

void write_choice(core::Writer& w, const Choice& c) {
  w.u32(static_cast<std::uint32_t>(c.dealers.size()));
  for (std::size_t g = 0; g < c.dealers.size(); ++g) {
    w.u32(static_cast<std::uint32_t>(c.dealers[g].size()));
    for (std::size_t k = 0; k < c.dealers[g].size(); ++k) w.u32(c.dealers[g][k]).raw(c.r1_hashes[g][k]);
  }
}

Choice read_choice(core::Reader& r, std::size_t servers) {
  Choice c;
  std::uint32_t groups = r.count(servers);
  c.dealers.resize(groups);
  c.r1_hashes.resize(groups);
  for (std::uint32_t g = 0; g < groups && !r.failed(); ++g) {
    std::uint32_t n = r.count(servers);
    for (std::uint32_t k = 0; k < n && !r.failed(); ++k) {
      c.dealers[g].push_back(r.u32());
      c.r1_hashes[g].push_back(r.fixed<32>());
    }
  }
  return c;
}

template <class T, class F>
core::Result<T> decode_with(core::ByteView bytes, F&& read) {
  core::Reader r(bytes);
  r.version(drp_version);
  T out = read(r);
  if (auto s = r.finish(); !s) return s.error();
  return out;
}

crypto::PvssDealing read_dealing(core::Reader& r) {
  auto bytes = r.bytes(message_bytes_max);
  if (r.failed()) return {};
  auto d = crypto::decode_dealing(bytes);
  if (!d) {
    r.fail(d.error().reason, "dealing: " + d.error().detail);
    return {};
  }
  return *d;
}

crypto::PvssDecryptedShare read_share(core::Reader& r) {
  auto bytes = r.bytes(4096);
  if (r.failed()) return {};
  auto s = crypto::decode_decrypted_share(bytes);
  if (!s) {
    r.fail(s.error().reason, "decrypted share: " + s.error().detail);
    return {};
  }
  return *s;
}

SignedMsg read_signed(core::Reader& r) {
  auto bytes = r.bytes(message_bytes_max);
  if (r.failed()) return {};
  auto m = decode_signed(bytes);
  if (!m) {
    r.fail(m.error().reason, m.error().detail);
    return {};
  }
  return *m;
}

}  // namespace

core::Bytes encode(const SignedMsg& m) {
  core::Writer w;
  w.u8(drp_version).u8(static_cast<std::uint8_t>(m.type)).u32(m.sender).bytes(m.body).raw(m.sig);
  return w.take();
}

core::Result<SignedMsg> decode_signed(core::ByteView bytes) {
  return decode_with<SignedMsg>(bytes, [](core::Reader& r) {
    SignedMsg m;
    auto type = r.u8();
    if (!r.failed() && (type < 1 || type > 8)) r.fail(core::Reject::non_canonical, "unknown message type");
    m.type = static_cast<MsgType>(type);
    m.sender = r.u32();
    m.body = r.bytes(message_bytes_max);
    m.sig = r.fixed<64>();
    return m;
  });
}

core::Hash32 hash(const SignedMsg& m) { return crypto::sha256(encode(m)); }

SignedMsg sign(const crypto::SigningKey& key, const core::Hash32& session, MsgType type, std::uint32_t sender,
               core::Bytes body) {
  SignedMsg m{type, sender, std::move(body), {}};
  m.sig = crypto::sign_tagged(key, signing_tag, session, signed_body(type, sender, m.body));
  return m;
}

bool verify(const crypto::PublicKey& key, const core::Hash32& session, const SignedMsg& m) {
  return crypto::verify_tagged(key, signing_tag, session, signed_body(m.type, m.sender, m.body), m.sig);
}

core::Bytes encode(const Choice& c) {
  core::Writer w;
  write_choice(w, c);
  return w.take();
}

core::Result<Choice> decode_choice(core::ByteView bytes, std::size_t servers) {
  core::Reader r(bytes);
  Choice c = read_choice(r, servers);
  if (auto s = r.finish(); !s) return s.error();
  return c;
}

core::Status check_choice(const Choice& c, const std::vector<Group>& groups) {
  if (c.dealers.size() != groups.size() || c.r1_hashes.size() != groups.size())
    return core::reject(core::Reject::bad_proof, "choice has " + std::to_string(c.dealers.size()) + " groups, session has " +
                                                     std::to_string(groups.size()));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& chosen = c.dealers[g];
    if (chosen.size() != c.r1_hashes[g].size()) return core::reject(core::Reject::bad_proof, "choice lists differ in length");
    if (chosen.size() < groups[g].threshold)
      return core::reject(core::Reject::bad_proof, "group " + std::to_string(g) + ": " + std::to_string(chosen.size()) +
                                                       " dealers chosen, threshold " + std::to_string(groups[g].threshold));
    if (!std::is_sorted(chosen.begin(), chosen.end()) || std::adjacent_find(chosen.begin(), chosen.end()) != chosen.end())
      return core::reject(core::Reject::non_canonical, "group " + std::to_string(g) + ": dealers not strictly ascending");
    for (auto d : chosen)
      if (!std::binary_search(groups[g].members.begin(), groups[g].members.end(), d))
        return core::reject(core::Reject::bad_proof, "server " + std::to_string(d) + " is not in group " + std::to_string(g));
  }
  return core::Ok{};
}

core::Bytes choice_message(const core::Hash32& session, const Choice& c) {
  core::Writer w;
  w.raw(core::as_bytes("IOS/v1/drp-choice")).raw(session);
  write_choice(w, c);
  return w.take();
}

core::Bytes encode(const R1Body& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.server).raw(b.i1_hash).bytes(crypto::encode(b.dealing));
  return w.take();
}
core::Result<R1Body> decode_r1(core::ByteView bytes) {
  return decode_with<R1Body>(bytes, [](core::Reader& r) {
    R1Body b;
    b.server = r.u32();
    b.i1_hash = r.fixed<32>();
    b.dealing = read_dealing(r);
    return b;
  });
}

core::Bytes encode(const AnnounceBody& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.round);
  write_choice(w, b.choice);
  return w.take();
}
core::Result<AnnounceBody> decode_announce(core::ByteView bytes, std::size_t servers) {
  return decode_with<AnnounceBody>(bytes, [servers](core::Reader& r) {
    AnnounceBody b;
    b.round = r.u32();
    b.choice = read_choice(r, servers);
    return b;
  });
}

core::Bytes encode(const CommitmentBody& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.server).u32(b.round).raw(b.choice_hash).raw(b.commitment);
  return w.take();
}
core::Result<CommitmentBody> decode_commitment(core::ByteView bytes) {
  return decode_with<CommitmentBody>(bytes, [](core::Reader& r) {
    CommitmentBody b;
    b.server = r.u32();
    b.round = r.u32();
    b.choice_hash = r.fixed<32>();
    b.commitment = r.fixed<32>();
    return b;
  });
}

core::Bytes encode(const ChallengeBody& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.round).raw(b.challenge.aggregate_commitment).raw(b.challenge.aggregate_key).raw(b.challenge.c);
  write_mask(w, b.mask);
  return w.take();
}
core::Result<ChallengeBody> decode_challenge(core::ByteView bytes, std::size_t servers) {
  return decode_with<ChallengeBody>(bytes, [servers](core::Reader& r) {
    ChallengeBody b;
    b.round = r.u32();
    b.challenge.aggregate_commitment = r.fixed<32>();
    b.challenge.aggregate_key = r.fixed<32>();
    b.challenge.c = r.fixed<32>();
    b.mask = read_mask(r, servers);
    return b;
  });
}

core::Bytes encode(const ResponseBody& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.server).u32(b.round).raw(b.response);
  return w.take();
}
core::Result<ResponseBody> decode_response(core::ByteView bytes) {
  return decode_with<ResponseBody>(bytes, [](core::Reader& r) {
    ResponseBody b;
    b.server = r.u32();
    b.round = r.u32();
    b.response = r.fixed<32>();
    return b;
  });
}

core::Bytes encode(const I2Body& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.server).raw(b.choice_hash);
  return w.take();
}
core::Result<I2Body> decode_i2(core::ByteView bytes) {
  return decode_with<I2Body>(bytes, [](core::Reader& r) {
    I2Body b;
    b.server = r.u32();
    b.choice_hash = r.fixed<32>();
    return b;
  });
}

core::Bytes encode(const I2Wire& b) {
  core::Writer w;
  w.u8(drp_version).bytes(encode(b.i2));
  write_choice(w, b.choice);
  w.bytes(crypto::encode(b.choice_signature)).u32(static_cast<std::uint32_t>(b.r1s.size()));
  for (const auto& m : b.r1s) w.bytes(encode(m));
  return w.take();
}
core::Result<I2Wire> decode_i2_wire(core::ByteView bytes, std::size_t servers) {
  return decode_with<I2Wire>(bytes, [servers](core::Reader& r) {
    I2Wire b;
    b.i2 = read_signed(r);
    b.choice = read_choice(r, servers);
    auto sig = r.bytes(64 + 16 + servers / 8 + 8);
    if (!r.failed()) {
      auto decoded = crypto::decode_collective_signature(sig);
      if (decoded) b.choice_signature = *decoded;
      else r.fail(decoded.error().reason, "choice signature: " + decoded.error().detail);
    }
    std::uint32_t n = r.count(servers);
    for (std::uint32_t k = 0; k < n && !r.failed(); ++k) b.r1s.push_back(read_signed(r));
    return b;
  });
}

core::Bytes encode(const R2Body& b) {
  core::Writer w;
  w.u8(drp_version).u32(b.server).raw(b.i2_hash).u32(static_cast<std::uint32_t>(b.shares.size()));
  for (const auto& e : b.shares) w.u32(e.dealer).bytes(crypto::encode(e.share));
  return w.take();
}
core::Result<R2Body> decode_r2(core::ByteView bytes) {
  return decode_with<R2Body>(bytes, [](core::Reader& r) {
    R2Body b;
    b.server = r.u32();
    b.i2_hash = r.fixed<32>();
    std::uint32_t n = r.count(servers_max);
    for (std::uint32_t k = 0; k < n && !r.failed(); ++k) {
      R2Entry e;
      e.dealer = r.u32();
      e.share = read_share(r);
      b.shares.push_back(std::move(e));
    }
    return b;
  });
}

core::Bytes frame(const SignedMsg& m) {
  core::Bytes out{static_cast<std::uint8_t>(Frame::signed_msg)};
  auto body = encode(m);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

core::Bytes frame(const I2Wire& w) {
  core::Bytes out{static_cast<std::uint8_t>(Frame::i2_wire)};
  auto body = encode(w);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

core::Hash32 dealing_session(const core::Hash32& session, std::uint32_t dealer) {
  core::Writer w;
  w.raw(core::as_bytes("IOS/v1/drp-dealing")).raw(session).u32(dealer);
  return crypto::sha256(w.view());
}

core::Hash32 output_randomness(const core::Hash32& session, const crypto::RistrettoPoint& z) {
  return crypto::sha256({core::as_bytes("IOS/v1/drp-output"), session, z});
}

}  // namespace ios::protocol::drp
