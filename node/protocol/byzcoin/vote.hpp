#pragma once
// What a ByzCoin member persists before it speaks (docs/STYLE.md rule 6; CometBFT's own-vote
// store): its last vote and its lock at the current height. After a crash it reloads them, so
// it can never sign a second block at the same (height, view), nor unlock by forgetting.
//
//   "byzcoin/vote"       Vote: {height, view, phase, block hash} of the last CoSi commitment
//   "byzcoin/lock"       LockRecord: the highest prepare certificate seen at its height (PBFT lock)
//   "byzcoin/block/<h>"  the FinalizedBlock, persisted before app.on_final
//
// One row each for the vote and the lock, overwritten: only the current height's matter after
// a restart (a record of an older height is ignored), and one row per height kept 27 MB of
// dead votes at height 12,000 (docs/security.md "Unbounded queues and storage"). Databases written
// before keep their per-height rows "byzcoin/vote/<h>" and "byzcoin/lock/<h>"; the current height's
// is still read from there when the single row is older (legacy_vote_key, legacy_lock_key).
//
// CoSi commitment secrets are never persisted (cosi.hpp): a restarted node simply does not
// answer the challenge of a commitment it lost, and the leader restarts without it.
#include <cstdint>
#include <string>
#include <string_view>

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

std::string vote_key();
std::string lock_key();
std::string legacy_vote_key(std::uint64_t height);
std::string legacy_lock_key(std::uint64_t height);
std::string block_key(std::uint64_t height);  // block_key_prefix + decimal height
inline constexpr std::string_view block_key_prefix = "byzcoin/block/";

core::Bytes encode(const Vote& v);
core::Result<Vote> decode_vote(core::ByteView bytes);
core::Bytes encode(const LockRecord& l);
core::Result<LockRecord> decode_lock(core::ByteView bytes);

}  // namespace ios::protocol::byzcoin
