#pragma once
// What a client says to a node's door, and what the door answers (README "Submitting a
// transaction"; node/protocol/client/client_core.hpp). The HTTP API's POST /v1/tx reaches the
// same door without these bytes; the simulator's clients speak them, so the submit path the
// devnet runs is the one the simulator tests.
//
//   ClientSubmit   client → a node: "take this transaction" (it carries its witnesses)
//   ClientAnswer   the node → the client: accepted, or refused with the Reject text
//
// Sent in the envelope {protocol client, shard 0, epoch 0, step 0}: a door is the node's, not
// an instance's. Neither is signed: the tx authenticates itself, and an answer only tells the
// client what that node thinks (a client that distrusts it asks another node).
#include <cstdint>
#include <variant>

#include "node/chain/tx.hpp"
#include "node/core/result.hpp"
#include "node/protocol/client/tx_status.hpp"

namespace ios::protocol::client {

inline constexpr std::uint8_t message_tag = 0xC0;
inline constexpr std::size_t answer_reason_bytes_max = 512;

struct ClientSubmit {
  chain::Tx tx;
};
struct ClientAnswer {
  SubmitResult result;  // reason cut to answer_reason_bytes_max
};
using ClientMessage = std::variant<ClientSubmit, ClientAnswer>;

// Wrapped in the client envelope, ready to send.
core::Bytes encode(const ClientMessage& m);
// The envelope's payload; typed refusals for anything not canonical.
core::Result<ClientMessage> decode_client_message(core::ByteView payload);

}  // namespace ios::protocol::client
