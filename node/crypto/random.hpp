#pragma once
// The two sources of randomness: the system CSPRNG (libsodium randombytes) for real nodes and
// keys, and a ChaCha20 stream keyed by SHA-256(tag ‖ seed) for the simulator and for
// permutations derived from public randomness (docs/DESIGN.md §3: "randomness → permutation").
#include <cstdint>
#include <string_view>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/rng.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

class SystemRng final : public core::Rng {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

class ChaChaRng final : public core::Rng {
 public:
  // Key = SHA-256(tag ‖ seed); the same tag and seed give the same stream everywhere.
  ChaChaRng(std::string_view tag, core::ByteView seed);
  ChaChaRng(std::string_view tag, std::uint64_t seed);
  void fill(std::span<std::uint8_t> out) override;

 private:
  core::Hash32 key_{};
  std::uint64_t block_ = 0;  // next keystream block (used as the ChaCha20 nonce)
  core::ByteArray<64> buffer_{};
  std::size_t used_ = 64;
};

// Fisher–Yates permutation of 0..n-1 driven by `rng` (rejection sampling, no modulo bias).
std::vector<std::uint32_t> permutation(std::uint32_t n, core::Rng& rng);

}  // namespace ios::crypto
