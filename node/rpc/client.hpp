#pragma once
// The client side of the node API (server.hpp), for `ios tx`, `ios node status` and the
// devnet's health checks. A failure says which of three things happened, because the CLI
// maps them to different exit codes (docs/CLI.md): the node could not be reached (7), the node
// answered with an HTTP error and its error document (3 for NOT_FOUND, 5 for REJECTED, ...),
// or the node answered with something that is not the documented JSON.
//
// Each call opens its own connection (no keep-alive): an idle kept-alive connection would pin
// one of the server's few worker threads, and it makes RpcClient safe to share across threads.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "node/chain/address.hpp"
#include "node/chain/tx.hpp"
#include "node/core/result.hpp"
#include "node/rpc/node_api.hpp"

namespace ios::rpc {

enum class RpcErrorKind {
  bad_url,       // the base URL is not http://host[:port]
  unreachable,   // connection refused, reset or timed out: no HTTP answer at all
  http_error,    // an HTTP status >= 400; `document` is the server's error document
  bad_response,  // an answer that is not the documented JSON
};

struct RpcError {
  RpcErrorKind kind = RpcErrorKind::unreachable;
  int http_status = 0;      // http_error only
  std::string code;         // the document's error.code ("NOT_FOUND"), else BAD_URL / UNREACHABLE / BAD_RESPONSE
  std::string message;      // one line for people
  nlohmann::json document;  // the server's error document, null when there was none
};

template <class T>
using RpcResult = core::Result<T, RpcError>;

class RpcClient {
 public:
  // "http://127.0.0.1:PORT"; timeout_ms bounds connecting, and each read and write.
  explicit RpcClient(std::string base_url, int timeout_ms = 5000);
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // 2xx with a JSON body -> the document; otherwise a typed RpcError. `path` starts with '/'.
  RpcResult<nlohmann::json> get(const std::string& path) const;
  RpcResult<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;
  // GET of a text resource (/metrics).
  RpcResult<std::string> get_text(const std::string& path) const;

  RpcResult<nlohmann::json> status() const;
  // Accepted (202) or refused by the node (422: accepted = false, reason = its message) are
  // both answers; anything else is an RpcError.
  RpcResult<SubmitResult> submit(const chain::Tx& tx) const;
  // 404 from the node is an answer too: state unknown.
  RpcResult<TxStatus> tx_status(const core::Hash32& hash) const;
  RpcResult<nlohmann::json> account(const chain::Address& address) const;
  // The final block at `height`, or the latest one (nullopt).
  RpcResult<nlohmann::json> block(std::optional<std::uint64_t> height) const;
  RpcResult<nlohmann::json> epoch_chain(std::optional<std::uint64_t> epoch) const;  // GET /v1/epochs/{e|latest}
  RpcResult<nlohmann::json> tx_body(const core::Hash32& hash) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ios::rpc
