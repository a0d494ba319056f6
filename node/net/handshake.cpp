#include "node/net/handshake.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "node/chain/genesis.hpp"
#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

#include <sodium.h>

namespace ios::net {
namespace {

using core::Reject;

constexpr std::uint8_t kind_hello = 1;
constexpr std::uint8_t kind_proof = 2;

void read_kind(core::Reader& r, std::uint8_t expected, const char* name) {
  const auto kind = r.u8();
  if (!r.failed() && kind != expected)
    r.fail(Reject::non_canonical, std::string("message kind ") + std::to_string(kind) + ", expected " + name);
}

}  // namespace

Roster make_roster(const std::vector<Peer>& peers) {
  Roster roster;
  for (const auto& p : peers) {
    const bool inserted = roster.emplace(p.id, p.key).second;
    IOS_ASSERT(inserted);
  }
  return roster;
}

core::Bytes encode_hello(const Hello& hello) {
  core::Writer w;
  w.u8(handshake_version).u8(kind_hello).bytes(hello.chain_id).u32(hello.node).raw(hello.key).raw(hello.ephemeral);
  return w.take();
}

core::Result<Hello> decode_hello(core::ByteView in) {
  core::Reader r(in);
  r.version(handshake_version);
  read_kind(r, kind_hello, "hello");
  Hello h;
  h.chain_id = r.bytes(chain::chain_id_len_max);
  h.node = r.u32();
  h.key = r.fixed<32>();
  h.ephemeral = r.fixed<32>();
  if (auto s = r.finish(); !s) return s.error();
  return h;
}

core::Bytes encode_proof(const Proof& proof) {
  core::Writer w;
  w.u8(handshake_version).u8(kind_proof).raw(proof.signature);
  return w.take();
}

core::Result<Proof> decode_proof(core::ByteView in) {
  core::Reader r(in);
  r.version(handshake_version);
  read_kind(r, kind_proof, "proof");
  Proof p;
  p.signature = r.fixed<64>();
  if (auto s = r.finish(); !s) return s.error();
  return p;
}

core::Bytes proof_body(Role role, core::ByteView initiator_hello, core::ByteView responder_hello) {
  const auto transcript = crypto::sha256({core::as_bytes(transcript_tag), initiator_hello, responder_hello});
  const std::uint8_t role_byte = static_cast<std::uint8_t>(role);
  return core::concat({core::ByteView(&role_byte, 1), transcript});
}

Handshake::Handshake(protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key, core::Bytes chain_id,
                     std::shared_ptr<const Roster> roster, const EphemeralSeed& seed,
                     std::optional<protocol::NodeId> dialed)
    : self_(self), key_(std::move(key)), chain_id_(std::move(chain_id)), roster_(std::move(roster)), dialed_(dialed) {
  IOS_ASSERT(key_ != nullptr);
  IOS_ASSERT(roster_ != nullptr);
  static_assert(crypto_kx_SEEDBYTES == std::tuple_size_v<EphemeralSeed>);
  static_assert(crypto_kx_PUBLICKEYBYTES == std::tuple_size_v<EphemeralKey>);
  static_assert(crypto_kx_SECRETKEYBYTES == 32 && crypto_kx_SESSIONKEYBYTES == 32);
  const int rc = crypto_kx_seed_keypair(ephemeral_pk_.data(), ephemeral_sk_.data(), seed.data());
  IOS_ASSERT(rc == 0);
  own_hello_ = encode_hello(Hello{chain_id_, self_, key_->public_key(), ephemeral_pk_});
}

core::Bytes Handshake::hello() const { return own_hello_; }

core::Status Handshake::check_hello(const Hello& h) const {
  if (h.chain_id != chain_id_)
    return core::reject(Reject::not_in_roster, "peer is on chain " + core::to_hex(h.chain_id) + ", not ours");
  // Our own Hello echoed back (reflection).
  if (h.node == self_) return core::reject(Reject::duplicate, "peer claims our own node id");
  if (h.ephemeral == ephemeral_pk_) return core::reject(Reject::duplicate, "peer echoed our ephemeral key");
  if (dialed_ && h.node != *dialed_)
    return core::reject(Reject::not_in_roster,
                        "dialed node " + std::to_string(*dialed_) + ", node " + std::to_string(h.node) + " answered");
  const auto it = roster_->find(h.node);
  if (it == roster_->end())
    return core::reject(Reject::not_in_roster, "node " + std::to_string(h.node) + " is not in the roster");
  if (it->second != h.key)
    return core::reject(Reject::not_in_roster,
                        "key " + core::to_hex(h.key) + " is not node " + std::to_string(h.node) + "'s");
  return core::Ok{};
}

core::ByteView Handshake::initiator_hello() const {
  return role() == Role::initiator ? core::ByteView(own_hello_) : core::ByteView(peer_hello_bytes_);
}
core::ByteView Handshake::responder_hello() const {
  return role() == Role::responder ? core::ByteView(own_hello_) : core::ByteView(peer_hello_bytes_);
}

core::Result<core::Bytes> Handshake::on_hello(core::ByteView payload) {
  if (peer_hello_) return core::reject(Reject::wrong_phase, "second hello");
  auto hello = decode_hello(payload);
  if (!hello) return hello.error();
  if (auto s = check_hello(*hello); !s) return s.error();
  SessionKeys keys;
  // The dialer is crypto_kx's client: its tx key is the acceptor's rx key and vice versa.
  const int rc = role() == Role::initiator
                     ? crypto_kx_client_session_keys(keys.rx.data(), keys.tx.data(), ephemeral_pk_.data(),
                                                     ephemeral_sk_.data(), hello->ephemeral.data())
                     : crypto_kx_server_session_keys(keys.rx.data(), keys.tx.data(), ephemeral_pk_.data(),
                                                     ephemeral_sk_.data(), hello->ephemeral.data());
  if (rc != 0) return core::reject(Reject::bad_point, "peer's ephemeral key gives a degenerate shared secret");
  keys_.emplace(std::move(keys));
  peer_hello_bytes_.assign(payload.begin(), payload.end());
  peer_hello_ = std::move(*hello);
  const auto body = proof_body(role(), initiator_hello(), responder_hello());
  return encode_proof(Proof{crypto::sign_tagged(*key_, handshake_tag, chain_id_, body)});
}

core::Status Handshake::on_proof(core::ByteView payload) {
  if (!peer_hello_) return core::reject(Reject::wrong_phase, "proof before hello");
  if (done_) return core::reject(Reject::wrong_phase, "second proof");
  auto proof = decode_proof(payload);
  if (!proof) return proof.error();
  // The peer signed in ITS role over the same two Hellos.
  const Role peer_role = role() == Role::initiator ? Role::responder : Role::initiator;
  const auto body = proof_body(peer_role, initiator_hello(), responder_hello());
  if (!crypto::verify_tagged(peer_hello_->key, handshake_tag, chain_id_, body, proof->signature))
    return core::reject(Reject::bad_signature, "handshake proof of node " + std::to_string(peer_hello_->node));
  peer_ = Peer{peer_hello_->node, peer_hello_->key};
  done_ = true;
  return core::Ok{};
}

const SessionKeys& Handshake::keys() const {
  IOS_ASSERT(keys_.has_value());
  return *keys_;
}

const Peer& Handshake::peer() const {
  IOS_ASSERT(done_);
  return peer_;
}

}  // namespace ios::net
