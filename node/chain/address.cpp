#include "node/chain/address.hpp"

#include "node/core/bech32.hpp"
#include "node/crypto/hash.hpp"

namespace ios::chain {

Address Address::from_public_key(const crypto::PublicKey& signing_key) {
  return Address(crypto::sha256({core::as_bytes("IOS/v1/address"), signing_key}));
}

core::Result<Address> Address::parse(std::string_view text) {
  auto decoded = core::bech32m_decode(text);
  if (!decoded) return decoded.error();
  if (decoded->hrp != address_hrp)
    return core::reject(core::Reject::wrong_hrp, "expected prefix 'ios1', got '" + decoded->hrp + "1'");
  if (decoded->data.size() != 32)
    return core::reject(core::Reject::bad_address, "payload is " + std::to_string(decoded->data.size()) + " bytes, expected 32");
  core::Hash32 bytes{};
  std::copy(decoded->data.begin(), decoded->data.end(), bytes.begin());
  return Address(bytes);
}

std::string Address::to_string() const { return core::bech32m_encode(address_hrp, bytes_); }

std::uint32_t Address::shard(std::uint32_t shard_count) const {
  IOS_ASSERT(shard_count > 0);
  auto h = crypto::sha256(bytes_);
  // The 256-bit big-endian value mod m, exactly (no truncation bias to argue about).
  std::uint64_t r = 0;
  for (auto b : h) r = (r * 256 + b) % shard_count;
  return static_cast<std::uint32_t>(r);
}

}  // namespace ios::chain
