#pragma once
// ByzCoin wire messages (Kokoris-Kogias et al., USENIX Security 2016, §4; docs/PROTOCOLS.md §3, §11).
// Every message starts with message_tag (0xB1, so a host can multiplex engines on one link),
// a version byte and a kind byte, and names the height (and view) it belongs to:
//
//   announce       leader → tree   CoSi announcement of one attempt of one phase: the block
//                                  (prev, body), the invited mask and, for the commit phase,
//                                  σ_p; for a re-proposal after a view change, the prepare
//                                  certificate that justifies it. Signed by the leader.
//   commitment     tree → leader   Σ V_i of a subtree and its mask (sender index bound)
//   challenge      leader → tree   (V, A_M, c) and the participant mask M
//   response       tree → leader   Σ r_i of a subtree and the mask of who answered
//   final          leader → all    the FinalizedBlock (self-verifying)
//   view_change    member → all    "leave views below v", with the sender's highest prepared
//                                  certificate; Ed25519-signed (its identity is what counts)
//   new_view       leader → all    2f+1 signed view_change messages for v (bodies stripped)
//   sync_request   any → any       "send me finalized blocks from height h"
//   sync_response  any → any       up to sync_blocks_max FinalizedBlocks
//
// Decoders are canonical and bounded: truncation, trailing bytes, unknown versions and kinds,
// masks of the wrong size, counts and lengths over the limits below are typed rejections.
// What a decoder cannot know (signatures, the roster's quorum, the sender's identity) is
// checked by the engine.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "node/chain/finality.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/cosi.hpp"
#include "node/crypto/ed25519.hpp"

namespace ios::protocol::byzcoin {

inline constexpr std::uint8_t message_tag = 0xB1;
inline constexpr std::uint8_t message_version = 1;
inline constexpr std::size_t sync_blocks_max = 32;
// A sync response is packed up to this many bytes of blocks (at least one block).
inline constexpr std::size_t sync_response_bytes_max = 8u << 20;
// What one peer may make us send in sync responses per second: at least one full response,
// and for small blocks some 8,000 blocks a second of catch-up.
inline constexpr std::size_t sync_response_bytes_per_peer_per_s_max = 8u << 20;
// Domain tags of the Ed25519-signed messages (docs/PROTOCOLS.md §0.2).
inline constexpr std::string_view announce_tag = "IOS/v1/byzcoin/announce";
inline constexpr std::string_view view_change_tag = "IOS/v1/byzcoin/view-change";

enum class Phase : std::uint8_t { prepare = 1, commit = 2 };
enum class MsgKind : std::uint8_t {
  announce = 1,
  commitment,
  challenge,
  response,
  final_block,
  view_change,
  new_view,
  sync_request,
  sync_response,
};

// A prepare certificate: σ_p over prepare_message(chain, height, view, block_hash(height, prev, body)).
struct PreparedBlock {
  std::uint64_t view = 0;
  core::Hash32 prev{};
  core::Bytes body;
  crypto::CollectiveSignature prepare;

  bool operator==(const PreparedBlock&) const = default;
};

struct Announce {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  Phase phase = Phase::prepare;
  std::uint32_t attempt = 0;
  std::uint32_t leader = 0;  // roster index
  crypto::CosiMask invited;  // who is asked to take part in this attempt
  core::Hash32 prev{};
  core::Bytes body;
  // prepare: when set, a certificate from an earlier view for this same block (a re-proposal
  // after a view change, PBFT lock rule); commit: σ_p of this very view, required.
  std::optional<crypto::CollectiveSignature> certificate;
  std::uint64_t certificate_view = 0;
  crypto::Signature sig{};  // the leader's, over announce_signed_part
  bool relay = false;       // not signed, set per recipient: "you are a sub-leader, forward it"

  core::Hash32 block() const { return chain::block_hash(height, prev, body); }
};

struct Commitment {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  Phase phase = Phase::prepare;
  std::uint32_t attempt = 0;
  std::uint32_t sender = 0;
  core::ByteArray<32> commitment{};  // Σ V_i over `mask`
  crypto::CosiMask mask;
};

struct Challenge {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  Phase phase = Phase::prepare;
  std::uint32_t attempt = 0;
  crypto::CosiChallenge challenge;
  crypto::CosiMask participants;  // M
};

struct Response {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  Phase phase = Phase::prepare;
  std::uint32_t attempt = 0;
  std::uint32_t sender = 0;
  core::ByteArray<32> response{};  // Σ r_i over `mask`
  crypto::CosiMask mask;
};

struct FinalMsg {
  chain::FinalizedBlock block;
};

// The signed part names the prepared block by hash; the body travels beside it, unsigned but
// bound by that hash, and is stripped when the message is quoted in a new_view.
struct ViewChange {
  std::uint64_t height = 0;
  std::uint64_t view = 0;  // the view the sender asks to move to
  std::uint32_t sender = 0;
  struct Prepared {
    std::uint64_t view = 0;
    core::Hash32 prev{};
    core::Hash32 block{};
    crypto::CollectiveSignature prepare;
  };
  std::optional<Prepared> prepared;
  crypto::Signature sig{};
  std::optional<core::Bytes> body;  // of the prepared block; absent inside a new_view
};

struct NewView {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  std::uint32_t sender = 0;
  std::vector<ViewChange> proof;  // bodies stripped
};

struct SyncRequest {
  std::uint64_t from_height = 0;
};

struct SyncResponse {
  std::vector<chain::FinalizedBlock> blocks;
};

using Message =
    std::variant<Announce, Commitment, Challenge, Response, FinalMsg, ViewChange, NewView, SyncRequest, SyncResponse>;

// The bytes the leader signs: everything in the announce except `sig` and `relay`.
core::Bytes announce_signed_part(const Announce& a);
// The bytes a view_change sender signs: everything except `sig` and `body`.
core::Bytes view_change_signed_part(const ViewChange& v);

core::Bytes encode(const Announce& m);
core::Bytes encode(const Commitment& m);
core::Bytes encode(const Challenge& m);
core::Bytes encode(const Response& m);
core::Bytes encode(const FinalMsg& m);
core::Bytes encode(const ViewChange& m);
core::Bytes encode(const NewView& m);
core::Bytes encode(const SyncRequest& m);
core::Bytes encode(const SyncResponse& m);
core::Bytes encode(const Message& m);

// `roster_size` fixes every mask's size and bounds the new_view proof.
core::Result<Message> decode_message(core::ByteView payload, std::size_t roster_size);

std::string_view to_string(Phase phase);
std::string_view to_string(MsgKind kind);

}  // namespace ios::protocol::byzcoin
