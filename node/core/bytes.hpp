#pragma once
// Byte containers shared by every layer, and hex text for people and JSON files.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ios::core {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
template <std::size_t N>
using ByteArray = std::array<std::uint8_t, N>;

using Hash32 = ByteArray<32>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string to_hex(ByteView bytes);

// Lower- or upper-case hex, even length, nothing else (no 0x prefix, no spaces).
std::optional<Bytes> from_hex(std::string_view hex);

// Hex of exactly N bytes; nullopt on bad characters or a wrong length.
template <std::size_t N>
std::optional<ByteArray<N>> from_hex_fixed(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes || bytes->size() != N) return std::nullopt;
  ByteArray<N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
  return out;
}

// Concatenation, for building hash and signature inputs.
Bytes concat(std::initializer_list<ByteView> parts);

}  // namespace ios::core
