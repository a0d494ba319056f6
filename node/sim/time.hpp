#pragma once
// Virtual time of the simulator. Cores see milliseconds (protocol::TimeMs); the simulator
// keeps microseconds so that link jitter below a millisecond still orders messages, and a
// core's `now_ms` is the floor of the virtual clock. Nothing here reads a real clock.
#include <cstdint>

#include "node/protocol/core/core.hpp"

namespace ios::sim {

using protocol::NodeId;
using protocol::TimeMs;
using protocol::TimerId;
using TimeUs = std::uint64_t;

inline constexpr TimeUs us_per_ms = 1000;

// Saturates, so a far-away limit such as UINT64_MAX ms means "never" instead of wrapping.
constexpr TimeUs to_us(TimeMs ms) { return ms > UINT64_MAX / us_per_ms ? UINT64_MAX : ms * us_per_ms; }
constexpr TimeMs to_ms(TimeUs us) { return us / us_per_ms; }

}  // namespace ios::sim
