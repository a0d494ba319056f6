#pragma once
// Account addresses: 32 bytes, SHA-256("IOS/v1/address" ‖ signing public key), shown as
// Bech32m with the human-readable part "ios" so a mistyped address is refused with a
// checksum error instead of sending funds nowhere. The state is partitioned into m shards by
// shard = SHA-256(address bytes) mod m (docs/DESIGN.md §4), the hash read as a big-endian integer.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"

namespace ios::chain {

inline constexpr std::string_view address_hrp = "ios";

class Address {
 public:
  Address() = default;
  explicit Address(const core::Hash32& bytes) : bytes_(bytes) {}

  static Address from_public_key(const crypto::PublicKey& signing_key);
  // Refuses other hrps, bad checksums, mixed case and payloads that are not 32 bytes.
  static core::Result<Address> parse(std::string_view text);

  std::string to_string() const;
  const core::Hash32& bytes() const { return bytes_; }
  std::uint32_t shard(std::uint32_t shard_count) const;

  auto operator<=>(const Address&) const = default;

 private:
  core::Hash32 bytes_{};
};

}  // namespace ios::chain
