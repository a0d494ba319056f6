#pragma once
// Turning user text into typed values at the edge: one clear line and exit 2 on bad input.
#include <cstdint>
#include <string>

#include "cli/output.hpp"
#include "node/core/bytes.hpp"

namespace ios::cli {

core::Bytes parse_hex_arg(const std::string& flag, const std::string& text);

// docs/CLI.md durations: an integer with a unit, "250ms", "30s", "2m". Exit 2 naming the flag
// otherwise (a bare number is refused: a silent unit guess is how 30 s becomes 30 ms).
std::uint64_t parse_duration_ms(const std::string& flag, const std::string& text);

// A decimal integer (no sign, no leading zero, at most 2^64 - 1); exit 2 naming the argument.
std::uint64_t parse_uint_arg(const std::string& name, const std::string& text);

template <std::size_t N>
core::ByteArray<N> parse_hex_arg(const std::string& flag, const std::string& text) {
  auto v = core::from_hex_fixed<N>(text);
  if (!v)
    throw Failure(Exit::usage, flag + ": expected " + std::to_string(2 * N) + " hex characters (" + std::to_string(N) +
                                   " bytes), got " + std::to_string(text.size()) + " characters" +
                                   (core::from_hex(text) ? "" : " that are not valid hex"));
  return *v;
}

}  // namespace ios::cli
