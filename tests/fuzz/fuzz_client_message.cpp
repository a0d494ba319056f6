// Fuzz target: what a client sends a node's door, and what the door answers
// (node/protocol/client/messages.hpp). Any byte string must decode to a message that
// re-encodes to exactly the input (in the client envelope), or be refused with a typed reason,
// never crash (docs/STYLE.md rule 2: hostile input is data).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "node/crypto/hash.hpp"
#include "node/protocol/client/messages.hpp"
#include "node/protocol/node/envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ios;
  crypto::init();
  const core::ByteView in(data, size);
  auto m = protocol::client::decode_client_message(in);
  if (m.ok() && protocol::client::encode(*m) != protocol::node::wrap(protocol::node::client_key, in)) std::abort();
  return 0;
}
