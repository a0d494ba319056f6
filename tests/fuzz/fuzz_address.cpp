// Fuzz target: addresses typed by people. Parse must refuse or return an address whose text
// form parses back to the same address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "node/chain/address.hpp"
#include "node/crypto/hash.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bool ready = (ios::crypto::init(), true);
  (void)ready;
  auto a = ios::chain::Address::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (a.ok()) {
    auto again = ios::chain::Address::parse(a->to_string());
    if (!again.ok() || !(*again == *a)) std::abort();
  }
  return 0;
}
