// Fuzz target: keystore files are attacker-controllable text. Parsing must never crash or
// allocate without bound; decryption with a fixed password must fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "node/crypto/hash.hpp"
#include "node/crypto/keystore.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bool ready = (ios::crypto::init(), true);
  (void)ready;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pub = ios::crypto::keystore_read_public(text);
  if (pub.ok() && pub->kdf.memlimit <= (1u << 20)) (void)ios::crypto::keystore_decrypt(text, "fuzz");
  return 0;
}
