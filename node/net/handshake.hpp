#pragma once
// The peer handshake of DESIGN.md §5 ("a handshake in which each side proves its node key").
// Pure: no sockets, no clock; the connection feeds it frames and sends what it returns.
//
// Messages (each one frame, canonical encoding of DESIGN.md §3):
//   Hello = u8 version ‖ u8 kind(1) ‖ bytes chain_id ‖ u32 node id ‖ public key[32] ‖ nonce[32]
//   Proof = u8 version ‖ u8 kind(2) ‖ signature[64]
//   signature = sign_tagged(key, "IOS/v1/net-handshake", chain_id,
//                           peer_nonce ‖ own_nonce ‖ own_key ‖ peer_key)
// Both sides send Hello at once, answer the peer's Hello with a Proof, and accept the peer
// only when its Proof verifies.
//
// A side accepts the peer only if: the version is known; the chain id is ours; the claimed
// node id is in our roster with exactly the claimed public key; (when we dialed) it is the
// node we dialed; and the proof verifies under that key.
// Attacks this stops:
//   - impersonation: the proof needs the roster key's secret; unknown keys are refused before
//     any signature is checked;
//   - replay of a recorded proof: it signs our fresh 32-byte nonce, so it fails on any later
//     connection; a signature for another chain or purpose fails on the tag and chain id;
//   - reflection: a peer that echoes our own Hello back (our id, key and nonce) would get a
//     proof from us that is exactly the one it owes us; a Hello with our node id or our nonce
//     is refused.
// Not stopped (by design of this layer): an on-path attacker who relays both Hellos can
// afterwards inject bytes into the TCP stream, since frames carry no MAC. Consensus messages
// are signed on their own; this handshake only decides whose connection it is.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::net {

inline constexpr std::uint8_t handshake_version = 1;
inline constexpr std::string_view handshake_tag = "IOS/v1/net-handshake";

using Nonce = core::ByteArray<32>;

struct Peer {
  protocol::NodeId id = 0;
  crypto::PublicKey key{};
};

// Who may connect: node id -> its one node key.
using Roster = std::map<protocol::NodeId, crypto::PublicKey>;
// Our own configuration: a node id listed twice is our bug, asserted.
Roster make_roster(const std::vector<Peer>& peers);

struct Hello {
  core::Bytes chain_id;
  protocol::NodeId node = 0;
  crypto::PublicKey key{};
  Nonce nonce{};

  bool operator==(const Hello&) const = default;
};

struct Proof {
  crypto::Signature signature{};

  bool operator==(const Proof&) const = default;
};

core::Bytes encode_hello(const Hello& hello);
core::Result<Hello> decode_hello(core::ByteView in);
core::Bytes encode_proof(const Proof& proof);
core::Result<Proof> decode_proof(core::ByteView in);

// peer_nonce ‖ own_nonce ‖ own_key ‖ peer_key, from the signer's point of view.
core::Bytes proof_body(const Nonce& peer_nonce, const Nonce& own_nonce, const crypto::PublicKey& own_key,
                       const crypto::PublicKey& peer_key);

class Handshake {
 public:
  // `own_nonce` must be fresh (the system CSPRNG in the transport). `dialed` names the node
  // an outbound connection was made to; any other node answering is refused.
  Handshake(protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key, core::Bytes chain_id,
            std::shared_ptr<const Roster> roster, Nonce own_nonce,
            std::optional<protocol::NodeId> dialed = std::nullopt);

  // Our Hello, to send first.
  core::Bytes hello() const;
  // The peer's Hello; on success returns our Proof, to send next.
  core::Result<core::Bytes> on_hello(core::ByteView payload);
  // The peer's Proof; on success the peer is authenticated.
  core::Status on_proof(core::ByteView payload);

  bool hello_received() const { return peer_hello_.has_value(); }
  bool done() const { return done_; }
  // The authenticated peer; only once done().
  const Peer& peer() const;

 private:
  core::Status check_hello(const Hello& hello) const;

  protocol::NodeId self_;
  std::shared_ptr<const crypto::SigningKey> key_;
  core::Bytes chain_id_;
  std::shared_ptr<const Roster> roster_;
  Nonce own_nonce_;
  std::optional<protocol::NodeId> dialed_;
  std::optional<Hello> peer_hello_;
  Peer peer_;
  bool done_ = false;
};

}  // namespace ios::net
