#pragma once
// The sharded system's coordinates as types of their own (docs/DESIGN.md §4): a shard number
// passed where an epoch was meant, or a view where a height was meant, does not compile. All are
// plain values on the wire (u32 shard, u64 epoch, height and view, little-endian like every
// other integer of core/encoding.hpp). Height and View guard the functions that take both side
// by side — what a consensus signature covers (chain/finality.hpp) and who leads
// (byzcoin::ByzcoinEngine::leader_index) — where swapped arguments would still compile as two
// integers and sign, or elect, something else. ByzCoin's messages keep u64 fields, which the
// engine compares with its own height and view on every input; every place that builds one
// names its fields (designated initializers), so a swap there is visible in the code instead.
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

struct Height {
  std::uint64_t value = 0;
  auto operator<=>(const Height&) const = default;
};

struct View {
  std::uint64_t value = 0;
  auto operator<=>(const View&) const = default;
};

inline std::string to_string(ShardId s) { return std::to_string(s.value); }
inline std::string to_string(Epoch e) { return std::to_string(e.value); }
inline std::string to_string(Height h) { return std::to_string(h.value); }
inline std::string to_string(View v) { return std::to_string(v.value); }

}  // namespace ios::core
