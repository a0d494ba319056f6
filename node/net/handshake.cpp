#include "node/net/handshake.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "node/chain/genesis.hpp"
#include "node/core/encoding.hpp"

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
  w.u8(handshake_version).u8(kind_hello).bytes(hello.chain_id).u32(hello.node).raw(hello.key).raw(hello.nonce);
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
  h.nonce = r.fixed<32>();
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

core::Bytes proof_body(const Nonce& peer_nonce, const Nonce& own_nonce, const crypto::PublicKey& own_key,
                       const crypto::PublicKey& peer_key) {
  return core::concat({peer_nonce, own_nonce, own_key, peer_key});
}

Handshake::Handshake(protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key, core::Bytes chain_id,
                     std::shared_ptr<const Roster> roster, Nonce own_nonce, std::optional<protocol::NodeId> dialed)
    : self_(self),
      key_(std::move(key)),
      chain_id_(std::move(chain_id)),
      roster_(std::move(roster)),
      own_nonce_(own_nonce),
      dialed_(dialed) {
  IOS_ASSERT(key_ != nullptr);
  IOS_ASSERT(roster_ != nullptr);
}

core::Bytes Handshake::hello() const { return encode_hello(Hello{chain_id_, self_, key_->public_key(), own_nonce_}); }

core::Status Handshake::check_hello(const Hello& h) const {
  if (h.chain_id != chain_id_)
    return core::reject(Reject::not_in_roster, "peer is on chain " + core::to_hex(h.chain_id) + ", not ours");
  // Our own Hello echoed back would make our proof the one we expect (reflection).
  if (h.node == self_) return core::reject(Reject::duplicate, "peer claims our own node id");
  if (h.nonce == own_nonce_) return core::reject(Reject::duplicate, "peer echoed our nonce");
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

core::Result<core::Bytes> Handshake::on_hello(core::ByteView payload) {
  if (peer_hello_) return core::reject(Reject::wrong_phase, "second hello");
  auto hello = decode_hello(payload);
  if (!hello) return hello.error();
  if (auto s = check_hello(*hello); !s) return s.error();
  peer_hello_ = std::move(*hello);
  const auto body = proof_body(peer_hello_->nonce, own_nonce_, key_->public_key(), peer_hello_->key);
  return encode_proof(Proof{crypto::sign_tagged(*key_, handshake_tag, chain_id_, body)});
}

core::Status Handshake::on_proof(core::ByteView payload) {
  if (!peer_hello_) return core::reject(Reject::wrong_phase, "proof before hello");
  if (done_) return core::reject(Reject::wrong_phase, "second proof");
  auto proof = decode_proof(payload);
  if (!proof) return proof.error();
  // The peer signed from its side: its peer nonce is ours, its own key is the one it claimed.
  const auto body = proof_body(own_nonce_, peer_hello_->nonce, peer_hello_->key, key_->public_key());
  if (!crypto::verify_tagged(peer_hello_->key, handshake_tag, chain_id_, body, proof->signature))
    return core::reject(Reject::bad_signature, "handshake proof of node " + std::to_string(peer_hello_->node));
  peer_ = Peer{peer_hello_->node, peer_hello_->key};
  done_ = true;
  return core::Ok{};
}

const Peer& Handshake::peer() const {
  IOS_ASSERT(done_);
  return peer_;
}

}  // namespace ios::net
