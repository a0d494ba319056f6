#pragma once
// What a node tells a client about a transaction it was given (README "Transaction states"):
// the answer to a submission, and the state of a submitted transaction. The HTTP API serves
// these (node/rpc re-exports them) and the simulator's clients receive them in a ClientAnswer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"

namespace ios::protocol::client {

// pending: in the mempool; optimistic: in an optimistic block of a believable validator
// (whitepaper §8.2, PoB); final: in a ByzCoin-final block; rejected: refused, `reason` says why.
enum class TxState { unknown, pending, optimistic, final, rejected };

std::string_view to_string(TxState state);
// The inverse of to_string; nullopt for any other text.
std::optional<TxState> parse_tx_state(std::string_view text);

struct TxStatus {
  core::Hash32 hash{};
  TxState state = TxState::unknown;
  std::optional<std::uint64_t> height;  // the block holding it, once optimistic or final
  std::string reason;                   // the Reject text, when rejected

  bool operator==(const TxStatus&) const = default;
};

struct SubmitResult {
  core::Hash32 hash{};
  bool accepted = false;
  std::string reason;  // the Reject text when refused ("double_spend: input 0 ...")
  bool operator==(const SubmitResult&) const = default;
};

}  // namespace ios::protocol::client
