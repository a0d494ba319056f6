#pragma once
// The sharded system's coordinates as types of their own (docs/DESIGN.md §4): a shard number
// passed where an epoch was meant does not compile. Both are plain values on the wire
// (u32 shard, u64 epoch, little-endian like every other integer of core/encoding.hpp).
#include <compare>
#include <cstdint>
#include <string>

namespace ios::core {

struct ShardId {
  std::uint32_t value = 0;
  auto operator<=>(const ShardId&) const = default;
};

struct Epoch {
  std::uint64_t value = 0;
  auto operator<=>(const Epoch&) const = default;
};

inline std::string to_string(ShardId s) { return std::to_string(s.value); }
inline std::string to_string(Epoch e) { return std::to_string(e.value); }

}  // namespace ios::core
