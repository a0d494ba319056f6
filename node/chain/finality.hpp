#pragma once
// Finality of a ByzCoin block (ByzCoin, Kokoris-Kogias et al., USENIX Security 2016, §3–4;
// docs/PROTOCOLS.md §11.1; docs/DESIGN.md §4 "normal league"). A block at height h is FINAL when it
// carries two collective signatures of the same roster, both made in one view v:
//   prepare σ_p over prepare_message(chain, h, v, H)          — 2f+1 witnesses validated it;
//   commit  σ_c over commit_message(chain, h, v, H, σ_p)      — 2f+1 witnesses saw σ_p.
// H = block_hash(h, prev, body). Anyone holding the roster (light clients too) checks finality
// with verify_finality; no other state is needed.
//
// Policy (explicit, docs/PROTOCOLS.md §11.1): a signature counts when at least
// byzcoin_quorum(n) = n − f members signed, f = ⌊(n − 1)/3⌋. For n = 3f + 1 that is the
// paper's 2f + 1; for other n it stays the safe choice (two quorums overlap in n − 2f ≥ f + 1
// members, so in at least one honest member), where 2f + 1 would not (n = 5: 3 + 3 − 5 = 1).
//
// Attacks this stops:
//   - a prepare signature replayed as a commit (or the reverse): the two messages use
//     distinct domain tags (tagged_message), and the commit binds σ_p itself;
//   - replay across chains, heights or views: chain id, h and v are in both messages;
//   - a block swapped under a signature: H binds height, parent and body;
//   - threshold inflation and rogue keys: cosi_verify counts distinct PoP-admitted keys.
#include <cstddef>
#include <cstdint>

#include "node/core/bytes.hpp"
#include "node/core/ids.hpp"
#include "node/core/result.hpp"
#include "node/crypto/cosi.hpp"

namespace ios::chain {

inline constexpr std::uint8_t finalized_block_version = 1;
// The largest block body ByzCoin agrees on (the PoB block that merges optimistic blocks).
inline constexpr std::size_t finalized_body_bytes_max = 4u << 20;  // 4 MiB
// An encoded CollectiveSignature over the largest roster: 1 + 32 + 32 + 4 + 8192 bytes.
inline constexpr std::size_t collective_signature_bytes_max = 1 + 32 + 32 + 4 + crypto::cosi_roster_size_max / 8;
inline constexpr std::size_t finalized_block_bytes_max =
    1 + 8 + 8 + 32 + 4 + finalized_body_bytes_max + 2 * (4 + collective_signature_bytes_max);

// SHA-256("IOS/v1/block" ‖ u64 height ‖ prev ‖ body). Height 0 links to prev = all zeros.
core::Hash32 block_hash(std::uint64_t height, const core::Hash32& prev, core::ByteView body);

// The domain every consensus signature of one shard in one epoch is made in:
// bytes(chain_id) ‖ u32 shard ‖ u64 epoch. ByzCoin signs announces, view changes and both
// CoSi rounds under it (it is the `chain_id` of tagged_message), so a vote, certificate or
// final block of shard s in epoch e verifies nowhere else — not in another shard whose roster
// shares members, not in the same shard's next epoch (docs/security.md "Consensus signatures
// replayed across shards or epochs"). A TransEpoch step after the first (`step` ≥ 1, a segment
// of the shard's chain run by another roster, node/protocol/transepoch) appends ‖ u32 step; step
// 0 appends nothing, so chains written before segments verify as they did. Still one domain per
// (chain, shard, epoch, step): the chain id is length-prefixed, so only the total length tells
// whether a step follows, and it always does.
core::Bytes consensus_domain(core::ByteView chain_id, core::ShardId shard, core::Epoch epoch, std::uint32_t step = 0);

// tagged_message("IOS/v1/byzcoin/prepare", domain, u64 height ‖ u64 view ‖ block).
core::Bytes prepare_message(core::ByteView domain, core::Height height, core::View view, const core::Hash32& block);
// tagged_message("IOS/v1/byzcoin/commit", domain, u64 height ‖ u64 view ‖ block ‖ bytes(σ_p)).
core::Bytes commit_message(core::ByteView domain, core::Height height, core::View view, const core::Hash32& block,
                           const crypto::CollectiveSignature& prepare);

struct FinalizedBlock {
  std::uint64_t height = 0;
  std::uint64_t view = 0;  // the view in which both rounds ran
  core::Hash32 prev{};
  core::Bytes body;
  crypto::CollectiveSignature prepare;
  crypto::CollectiveSignature commit;

  core::Hash32 hash() const { return block_hash(height, prev, body); }
  bool operator==(const FinalizedBlock&) const = default;
};

// u8 version ‖ u64 height ‖ u64 view ‖ prev (32) ‖ bytes(body) ‖ bytes(σ_p) ‖ bytes(σ_c).
core::Bytes encode(const FinalizedBlock& block);
// Refuses unknown versions, truncation, trailing bytes, a body over finalized_body_bytes_max
// and non-canonical signatures (decode_collective_signature). Does NOT check the signatures:
// that needs the roster (verify_finality).
core::Result<FinalizedBlock> decode_finalized_block(core::ByteView bytes);

// Both signatures verify under `roster` with at least byzcoin_quorum(roster.size()) signers.
// bad_signature naming the round that failed.
// `domain` is consensus_domain(chain, shard, epoch) of the block's shard and epoch.
core::Status verify_finality(const FinalizedBlock& block, const crypto::CosiRoster& roster, core::ByteView domain);

// n − ⌊(n − 1)/3⌋: 2f + 1 for n = 3f + 1 (see the policy above). n ≥ 1.
std::uint32_t byzcoin_quorum(std::uint32_t n);

}  // namespace ios::chain
