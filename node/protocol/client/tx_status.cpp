#include "node/protocol/client/tx_status.hpp"

namespace ios::protocol::client {

std::string_view to_string(TxState state) {
  switch (state) {
    case TxState::unknown:
      return "unknown";
    case TxState::pending:
      return "pending";
    case TxState::optimistic:
      return "optimistic";
    case TxState::final:
      return "final";
    case TxState::rejected:
      return "rejected";
  }
  return "unknown";
}

std::optional<TxState> parse_tx_state(std::string_view text) {
  for (auto s : {TxState::unknown, TxState::pending, TxState::optimistic, TxState::final, TxState::rejected}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace ios::protocol::client
