// Fuzz target: the canonical binary decoders. Any byte string must yield a value or a typed
// rejection, never a crash, and a decoded value must re-encode to exactly the input
// (one value, one encoding: docs/DESIGN.md §3).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "node/protocol/lottery/ticket.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ios::core::ByteView in(data, size);
  auto ticket = ios::protocol::lottery::decode_ticket(in);
  if (ticket.ok()) {
    auto again = ios::protocol::lottery::encode(*ticket);
    if (again != ios::core::Bytes(in.begin(), in.end())) std::abort();
  }
  return 0;
}
