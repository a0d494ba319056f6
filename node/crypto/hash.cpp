#include "node/crypto/hash.hpp"

#include <sodium.h>

#include "node/core/result.hpp"

namespace ios::crypto {

void init() { IOS_ASSERT(sodium_init() >= 0); }

Hash32 sha256(ByteView data) { return sha256({data}); }

Hash32 sha256(std::initializer_list<ByteView> parts) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  for (auto p : parts) crypto_hash_sha256_update(&st, p.data(), p.size());
  Hash32 out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

ByteArray<64> sha512(ByteView data) { return sha512({data}); }

ByteArray<64> sha512(std::initializer_list<ByteView> parts) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  for (auto p : parts) crypto_hash_sha512_update(&st, p.data(), p.size());
  ByteArray<64> out;
  crypto_hash_sha512_final(&st, out.data());
  return out;
}

}  // namespace ios::crypto
