#include "node/crypto/lthash.hpp"

#include <sodium.h>

#include "node/crypto/hash.hpp"

namespace ios::crypto {
namespace {

std::array<std::uint16_t, LtHash::lanes> element_vector(core::ByteView element) {
  const auto key = sha256({core::as_bytes("IOS/v1/lthash"), element});
  std::array<std::uint8_t, 2 * LtHash::lanes> stream{};
  const std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> nonce{};
  crypto_stream_chacha20(stream.data(), stream.size(), nonce.data(), key.data());
  std::array<std::uint16_t, LtHash::lanes> v{};
  for (std::size_t i = 0; i < LtHash::lanes; ++i) {
    v[i] = static_cast<std::uint16_t>(stream[2 * i] | (stream[2 * i + 1] << 8));
  }
  return v;
}

}  // namespace

void LtHash::add(core::ByteView element) {
  const auto v = element_vector(element);
  for (std::size_t i = 0; i < lanes; ++i) sum_[i] = static_cast<std::uint16_t>(sum_[i] + v[i]);
}

void LtHash::remove(core::ByteView element) {
  const auto v = element_vector(element);
  for (std::size_t i = 0; i < lanes; ++i) sum_[i] = static_cast<std::uint16_t>(sum_[i] - v[i]);
}

core::Hash32 LtHash::digest() const {
  std::array<std::uint8_t, 2 * lanes> bytes{};
  for (std::size_t i = 0; i < lanes; ++i) {
    bytes[2 * i] = static_cast<std::uint8_t>(sum_[i] & 0xff);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(sum_[i] >> 8);
  }
  return sha256({core::as_bytes("IOS/v1/lthash-digest"), bytes});
}

}  // namespace ios::crypto
