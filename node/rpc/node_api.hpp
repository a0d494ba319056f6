#pragma once
// What the HTTP API asks of a node (docs/DESIGN.md §5 "API"; docs/security.md "Bad input on a
// live devnet"). The RPC server runs on cpp-httplib's worker threads while the node's protocol
// state lives on the one io_context thread of node/runtime (docs/STYLE.md rule 7: one thread owns
// protocol state). So the server never touches that state: it calls this interface, whose
// implementation (the runtime's) posts the question to the io_context and waits for the answer.
// Every call must be thread-safe; a call may throw, and the server turns that into a 500 without
// dying (server.hpp).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/chain/address.hpp"
#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/protocol/client/tx_status.hpp"

namespace ios::rpc {

// The states and answers of node/protocol/client/tx_status.hpp, which the client core makes.
using protocol::client::parse_tx_state;
using protocol::client::SubmitResult;
using protocol::client::to_string;
using protocol::client::TxState;
using protocol::client::TxStatus;

// Thrown by a NodeApi call that cannot be answered now: the node is starting (its chain is
// being replayed) or its protocol thread did not answer in time. The server answers 503
// UNAVAILABLE, and the client may retry; any other exception is a 500.
struct NodeUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class NodeApi {
 public:
  virtual ~NodeApi() = default;
  // A JSON object: node, role, height, view, peers, mode, ... ("schema" is added by the server).
  virtual nlohmann::json status() = 0;
  virtual SubmitResult submit(const chain::Tx& tx) = 0;
  virtual TxStatus tx_status(const core::Hash32& hash) = 0;
  // A JSON object {"balance": "<decimal>", "utxos": [{"tx", "index", "amount": "<decimal>"}]};
  // nullopt when this node cannot answer for the address.
  virtual std::optional<nlohmann::json> account(const chain::Address& address) = 0;
  // Why this node cannot answer for `address` (wrong_shard: it lives in a shard this node does
  // not serve), or nullopt. Asked before account().
  virtual std::optional<core::Error> misdirected(const chain::Address& address) {
    (void)address;
    return std::nullopt;
  }
  // A JSON object describing the final block at `height` (the last one if nullopt); nullopt
  // if there is none yet.
  virtual std::optional<nlohmann::json> block(std::optional<std::uint64_t> height) = 0;
  // A JSON object with the body of a transaction this node holds (pending through its API, or
  // in a final block); nullopt otherwise.
  virtual std::optional<nlohmann::json> tx_body(const core::Hash32& hash) = 0;
  // {"epoch": e, "chain": the epoch chain document (ios.epoch.chain.v1) of records 1..e, with
  // record e's DRP transcript} for record e (the last one this node holds if nullopt); nullopt
  // if it holds none (or no epoch chain runs).
  virtual std::optional<nlohmann::json> epoch_chain(std::optional<std::uint64_t> epoch) {
    (void)epoch;
    return std::nullopt;
  }
  // Prometheus text exposition format 0.0.4.
  virtual std::string metrics() = 0;
};

}  // namespace ios::rpc
