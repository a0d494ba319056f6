#pragma once
// The sharding policy file (whitepaper §8.2: "the sharding policy file specifies the sizes of
// the believable and normal league, respectively, and the sampling probability p"; docs/DESIGN.md
// §4). JSON for people, version 1:
//
//   {"version": 1, "shards": 1, "believable_size": 2, "believable_min": 1, "normal_size": 4,
//    "sample_rate": 0.1, "block_interval_ms": 50, "optimistic_interval_ms": 5,
//    "view_timeout_ms": 1000, "delta_ms": 500, "min_fee": "1", "epoch_ms": 0}
//
// Every key but "version" is optional (the defaults below); unknown keys are refused so a typo
// cannot silently leave a default in force; a newer version is refused (unknown_version).
// Amounts are decimal strings (docs/CLI.md: integers that may exceed 2^53 are strings in JSON).
//
// Invariants (validate): shards in [1, shards_max]; normal_size >= 4 (one fault tolerated,
// n = 3f + 1); 1 <= believable_min, and believable_min <= believable_size unless
// believable_size is 0 (PoB off: always one league); 0 < sample_rate <= 1; every interval > 0;
// optimistic_interval_ms <= block_interval_ms < view_timeout_ms (a view change must not fire
// before a healthy leader could propose).
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/chain/amount.hpp"
#include "node/core/result.hpp"

namespace ios::chain {

inline constexpr std::uint32_t shard_policy_version = 1;
inline constexpr std::uint32_t shards_max = 1024;
inline constexpr std::uint32_t league_size_max = 10000;
inline constexpr std::size_t policy_json_bytes_max = 64 * 1024;
inline constexpr std::uint64_t epoch_ms_min = 1000;
inline constexpr std::uint64_t epoch_ms_max = 7 * 24 * 3600 * 1000ull;  // a week
inline constexpr std::uint64_t delta_ms_max = 3600 * 1000ull;  // an hour: Δ and 20 Δ stay far from overflow

struct ShardPolicy {
  std::uint32_t shards = 1;
  std::uint32_t believable_size = 2;     // believable league size B
  std::uint32_t believable_min = 1;      // below this many live believable validators: one league (fallback)
  std::uint32_t normal_size = 4;         // normal league size L = 3f+1
  double sample_rate = 0.1;              // p
  std::uint64_t block_interval_ms = 50;  // ByzCoin proposals
  std::uint64_t optimistic_interval_ms = 5;
  std::uint64_t view_timeout_ms = 1000;
  std::uint64_t delta_ms = 500;  // Δ of the lottery / TransEpoch
  Amount min_fee = 1;
  // From one epoch's record to the start of forming the next (node/protocol/epoch); 0 = one
  // epoch for ever. Time, not blocks: the epoch is the whole system's, and shards make blocks
  // at their own pace.
  std::uint64_t epoch_ms = 0;

  bool operator==(const ShardPolicy&) const = default;
};

// bad_json (not JSON, not an object, too large), unknown_version, or bad_policy whose detail
// starts with the field name ("normal_size: must be at least 4").
core::Result<ShardPolicy> parse_shard_policy(std::string_view json_text);
core::Result<ShardPolicy> shard_policy_from_json(const nlohmann::json& doc);
nlohmann::json to_json(const ShardPolicy& policy);
core::Status validate(const ShardPolicy& policy);

// f = ⌊(n − 1) / 3⌋, the faults a BFT group of n tolerates (0 for n = 0).
std::uint32_t fault_tolerance(std::uint32_t n);
// ⌈(n + f + 1) / 2⌉: two quorums of this size always share an honest member. It equals the
// familiar 2f + 1 when n = 3f + 1; for other n, 2f + 1 would be unsafe (n = 6, f = 1: two
// quorums of 3 can be disjoint), so the general form is used.
std::uint32_t quorum(std::uint32_t n);

}  // namespace ios::chain
