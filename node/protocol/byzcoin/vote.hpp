#pragma once
// What a ByzCoin member persists before it speaks (STYLE.md rule 6; CometBFT's own-vote
// store): its last vote and its lock at the current height. After a crash it reloads them, so
// it can never sign a second block at the same (height, view), nor unlock by forgetting.
//
//   "byzcoin/vote/<h>"   Vote: {view, phase, block hash} of the last CoSi commitment made at h
//   "byzcoin/lock/<h>"   LockRecord: the highest prepare certificate seen at h (PBFT lock)
//   "byzcoin/block/<h>"  the FinalizedBlock, persisted before app.on_final
//
// CoSi commitment secrets are never persisted (cosi.hpp): a restarted node simply does not
// answer the challenge of a commitment it lost, and the leader restarts without it.
#include <cstdint>
#include <string>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/protocol/byzcoin/messages.hpp"

namespace ios::protocol::byzcoin {

inline constexpr std::uint8_t vote_record_version = 1;

struct Vote {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  Phase phase = Phase::prepare;
  core::Hash32 block{};
  bool operator==(const Vote&) const = default;
};

struct LockRecord {
  std::uint64_t height = 0;
  PreparedBlock prepared;
};

std::string vote_key(std::uint64_t height);
std::string lock_key(std::uint64_t height);
std::string block_key(std::uint64_t height);

core::Bytes encode(const Vote& v);
core::Result<Vote> decode_vote(core::ByteView bytes);
core::Bytes encode(const LockRecord& l);
core::Result<LockRecord> decode_lock(core::ByteView bytes);

}  // namespace ios::protocol::byzcoin
