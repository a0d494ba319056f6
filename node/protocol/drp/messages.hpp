#pragma once
// RandHound messages (docs/PROTOCOLS.md §7.2; Syta et al. 2017 §IV-B). Every message is signed by
// its sender over "IOS/v1/drp" ‖ session id ‖ type ‖ body, so a message of one session, or of
// one type, can never be replayed as another; a response names the hash of the message it
// answers (R1 → H(I1), R2 → H(I2)), so a server's contribution is bound to one request.
//
//   I1          client → all servers   the configuration (servers recompute session and grouping)
//   R1          server → client        H(I1) and a PVSS dealing to the server's own group
//   Announce    client → servers       CoSi round r on the choice: chosen dealers and H(R1) of each
//   Commitment  server → client        H(choice message) and a fresh CoSi commitment V_i
//   Challenge   client → committers    (V, A_M, c) and the participation mask
//   Response    server → client        r_i = v_i + c·a_i
//   I2          client → server j      H(choice message); attached: the choice, its collective
//                                      signature and the chosen dealers' R1 for j's group
//   R2          server j → client      H(I2) and j's decrypted shares with DLEQ proofs
#include <cstdint>
#include <optional>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/cosi.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/pvss.hpp"
#include "node/protocol/drp/session.hpp"

namespace ios::protocol::drp {

enum class MsgType : std::uint8_t { i1 = 1, r1, announce, commitment, challenge, response, i2, r2 };

inline constexpr std::size_t message_bytes_max = 8u << 20;

// The signed envelope: version ‖ type ‖ sender ‖ bytes(body) ‖ signature.
// sender: 0 for the client, server index + 1 for servers.
struct SignedMsg {
  MsgType type = MsgType::i1;
  std::uint32_t sender = 0;
  core::Bytes body;
  crypto::Signature sig{};
};

core::Bytes encode(const SignedMsg& m);
core::Result<SignedMsg> decode_signed(core::ByteView bytes);
core::Hash32 hash(const SignedMsg& m);  // SHA-256 of the encoding: what responses bind to

SignedMsg sign(const crypto::SigningKey& key, const core::Hash32& session, MsgType type, std::uint32_t sender,
               core::Bytes body);
bool verify(const crypto::PublicKey& key, const core::Hash32& session, const SignedMsg& m);

// The client's choice: for each group, the chosen dealers (server indices, ascending), and the
// hash of each chosen dealer's R1 in the same order, so the choice fixes the exact dealings.
struct Choice {
  std::vector<std::vector<std::uint32_t>> dealers;
  std::vector<std::vector<core::Hash32>> r1_hashes;
};
core::Bytes encode(const Choice& c);
core::Result<Choice> decode_choice(core::ByteView bytes, std::size_t servers);
// Every group has at least its threshold of dealers, all of them members of that group.
core::Status check_choice(const Choice& c, const std::vector<Group>& groups);
// The message the servers co-sign (CoSi): tag ‖ session ‖ encode(choice).
core::Bytes choice_message(const core::Hash32& session, const Choice& c);

struct R1Body {
  std::uint32_t server = 0;
  core::Hash32 i1_hash{};
  crypto::PvssDealing dealing;
};
struct AnnounceBody {
  std::uint32_t round = 0;
  Choice choice;
};
struct CommitmentBody {
  std::uint32_t server = 0;
  std::uint32_t round = 0;
  core::Hash32 choice_hash{};
  core::ByteArray<32> commitment{};
};
struct ChallengeBody {
  std::uint32_t round = 0;
  crypto::CosiChallenge challenge;
  crypto::CosiMask mask;
};
struct ResponseBody {
  std::uint32_t server = 0;
  std::uint32_t round = 0;
  core::ByteArray<32> response{};
};
// Signed part of I2; the choice, its signature and the R1s travel beside it (I2Wire).
struct I2Body {
  std::uint32_t server = 0;
  core::Hash32 choice_hash{};
};
struct I2Wire {
  SignedMsg i2;
  Choice choice;
  crypto::CollectiveSignature choice_signature;
  std::vector<SignedMsg> r1s;  // the chosen dealers of the recipient's group, in choice order
};
struct R2Entry {
  std::uint32_t dealer = 0;
  crypto::PvssDecryptedShare share;
};
struct R2Body {
  std::uint32_t server = 0;
  core::Hash32 i2_hash{};
  std::vector<R2Entry> shares;
};

core::Bytes encode(const R1Body& b);
core::Bytes encode(const AnnounceBody& b);
core::Bytes encode(const CommitmentBody& b);
core::Bytes encode(const ChallengeBody& b);
core::Bytes encode(const ResponseBody& b);
core::Bytes encode(const I2Body& b);
core::Bytes encode(const I2Wire& b);
core::Bytes encode(const R2Body& b);

core::Result<R1Body> decode_r1(core::ByteView bytes);
core::Result<AnnounceBody> decode_announce(core::ByteView bytes, std::size_t servers);
core::Result<CommitmentBody> decode_commitment(core::ByteView bytes);
core::Result<ChallengeBody> decode_challenge(core::ByteView bytes, std::size_t servers);
core::Result<ResponseBody> decode_response(core::ByteView bytes);
core::Result<I2Body> decode_i2(core::ByteView bytes);
core::Result<I2Wire> decode_i2_wire(core::ByteView bytes, std::size_t servers);
core::Result<R2Body> decode_r2(core::ByteView bytes);

// What travels between nodes: one kind byte, then a SignedMsg or an I2Wire.
enum class Frame : std::uint8_t { signed_msg = 1, i2_wire = 2 };
core::Bytes frame(const SignedMsg& m);
core::Bytes frame(const I2Wire& w);

// The PVSS session of one dealer: distinct per dealer, so no share or proof of one dealing
// can be presented as part of another.
core::Hash32 dealing_session(const core::Hash32& session, std::uint32_t dealer);

// The random output: SHA-256("IOS/v1/drp-output" ‖ session ‖ Z), Z = Σ chosen secrets s_i·B.
core::Hash32 output_randomness(const core::Hash32& session, const crypto::RistrettoPoint& z);

}  // namespace ios::protocol::drp
