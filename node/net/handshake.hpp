#pragma once
// The peer handshake of docs/DESIGN.md §5: an authenticated key exchange in the Station-to-Station
// shape that CometBFT's SecretConnection and Noise XX share. Pure: no sockets, no clock; the
// connection feeds it frames and seals/opens what follows with the keys it derives
// (secret_frame.hpp).
//
// Messages (canonical encoding of docs/DESIGN.md §3):
//   Hello = u8 version(2) ‖ u8 kind(1) ‖ bytes chain_id ‖ u32 node id ‖ node key[32]
//           ‖ ephemeral X25519 key[32]                                   (plaintext frame)
//   Proof = u8 version(2) ‖ u8 kind(2) ‖ signature[64]          (the first SEALED frame)
//   transcript = SHA-256("IOS/v2/net-transcript" ‖ Hello_initiator ‖ Hello_responder)
//   signature  = sign_tagged(node key, "IOS/v2/net-handshake", chain_id, role ‖ transcript)
//   session keys: crypto_kx over the two ephemeral keys (the dialer is the kx client), so
//   each direction has its own ChaCha20-Poly1305 key.
// Both sides send Hello at once; on the peer's Hello each derives the session keys and sends
// its Proof sealed under them; a side accepts the peer only when the peer's Proof opens and
// verifies for the PEER's role over the same transcript.
//
// A side accepts the peer only if: the version is known; the chain id is ours; the claimed
// node id is in our roster with exactly the claimed key; (when we dialed) it is the node we
// dialed; the id and ephemeral key are not ours; the DH result is not degenerate; and the
// Proof verifies.
// Attacks this stops:
//   - impersonation: the proof needs the roster key's secret; unknown keys are refused before
//     any signature is checked;
//   - the handshake relay (docs/security.md "Handshake relay"): the signature covers both
//     Hellos byte for byte and the signer's role. A relay that splices two handshakes (dialing
//     B "as A" while dialing A "as B") gets from A a responder's proof over a transcript with its own
//     ephemeral key in it; B wants an initiator's proof over B's transcript, and refuses. A
//     relay that forwards every byte unchanged holds a connection whose keys come from A's
//     and B's ephemeral secrets, which it never sees: it can pass ciphertext on, nothing more;
//   - replay: the ephemeral keys are fresh per connection, so a recorded proof is over another
//     transcript, and recorded frames are sealed under keys that no longer exist;
//   - reflection: our own Hello echoed back has our id or our ephemeral key, refused; and a
//     proof carries its role, so our own proof is never the one we expect;
//   - injection, reordering, truncation inside a session: every frame after the Hello is
//     sealed with a per-direction counter nonce (secret_frame.hpp);
//   - key-compromise impersonation: authentication is by signature, not by static DH, so a
//     stolen node key lets the thief pose as THAT node only, never as others to it;
//   - small-order ephemeral keys: crypto_kx refuses an all-zero shared secret.
// Not stopped (by design): a peer's node key and id cross in plaintext (no identity hiding),
// and an on-path attacker can always cut the connection.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/secret.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::net {

inline constexpr std::uint8_t handshake_version = 2;
inline constexpr std::string_view handshake_tag = "IOS/v2/net-handshake";
inline constexpr std::string_view transcript_tag = "IOS/v2/net-transcript";

// 32 fresh random bytes per connection, from which the ephemeral X25519 key pair is derived.
using EphemeralSeed = core::ByteArray<32>;
using EphemeralKey = core::ByteArray<32>;

enum class Role : std::uint8_t { initiator = 'I', responder = 'R' };

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
  EphemeralKey ephemeral{};

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

// role ‖ SHA-256(transcript_tag ‖ initiator's Hello ‖ responder's Hello): what `role` signs.
core::Bytes proof_body(Role role, core::ByteView initiator_hello, core::ByteView responder_hello);

// One key per direction, derived by crypto_kx; wiped when dropped.
struct SessionKeys {
  crypto::Secret<32> rx;  // opens what the peer sealed
  crypto::Secret<32> tx;  // seals what we send
};

class Handshake {
 public:
  // `seed` must be fresh (the system CSPRNG in the transport). `dialed` names the node an
  // outbound connection was made to (we are the initiator); any other node answering is
  // refused. Without it we accepted the connection and are the responder.
  Handshake(protocol::NodeId self, std::shared_ptr<const crypto::SigningKey> key, core::Bytes chain_id,
            std::shared_ptr<const Roster> roster, const EphemeralSeed& seed,
            std::optional<protocol::NodeId> dialed = std::nullopt);

  // Our Hello, to send first, in plaintext.
  core::Bytes hello() const;
  // The peer's Hello; on success derives the session keys and returns our Proof, which the
  // caller seals with keys().tx and sends next.
  core::Result<core::Bytes> on_hello(core::ByteView payload);
  // The peer's Proof, already opened with keys().rx; on success the peer is authenticated.
  core::Status on_proof(core::ByteView payload);

  Role role() const { return dialed_ ? Role::initiator : Role::responder; }
  bool hello_received() const { return peer_hello_.has_value(); }
  bool done() const { return done_; }
  // Only once hello_received().
  const SessionKeys& keys() const;
  // The authenticated peer; only once done().
  const Peer& peer() const;

 private:
  core::Status check_hello(const Hello& hello) const;
  core::ByteView initiator_hello() const;
  core::ByteView responder_hello() const;

  protocol::NodeId self_;
  std::shared_ptr<const crypto::SigningKey> key_;
  core::Bytes chain_id_;
  std::shared_ptr<const Roster> roster_;
  EphemeralKey ephemeral_pk_{};
  crypto::Secret<32> ephemeral_sk_;
  std::optional<protocol::NodeId> dialed_;
  core::Bytes own_hello_;
  core::Bytes peer_hello_bytes_;
  std::optional<Hello> peer_hello_;
  std::optional<SessionKeys> keys_;
  Peer peer_;
  bool done_ = false;
};

}  // namespace ios::net
