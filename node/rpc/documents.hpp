#pragma once
// The JSON documents of the node API (docs/CLI.md conventions): every document carries a "schema",
// integers that can pass 2^53 (amounts) are decimal strings, hashes are lower-case hex, and a
// failure is {"schema": "ios.rpc.error.v1", "ok": false, "error": {"code", "message",
// "reason"?}} with a stable upper-case code that maps to one HTTP status. Pure functions, so
// the server, the client and the tests agree on one definition.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/core/result.hpp"
#include "node/rpc/node_api.hpp"

namespace ios::rpc {

inline constexpr std::string_view schema_status = "ios.rpc.status.v1";
inline constexpr std::string_view schema_tx_submit = "ios.rpc.tx.submit.v1";
inline constexpr std::string_view schema_tx_status = "ios.rpc.tx.status.v1";
inline constexpr std::string_view schema_account = "ios.rpc.account.v1";
inline constexpr std::string_view schema_block = "ios.rpc.block.v1";
inline constexpr std::string_view schema_tx_body = "ios.rpc.tx.body.v1";
inline constexpr std::string_view schema_epoch = "ios.rpc.epoch.v1";
inline constexpr std::string_view schema_error = "ios.rpc.error.v1";
// The Prometheus text exposition format.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4";

enum class ErrorCode {
  bad_request,             // 400: malformed JSON, bad hex, bad encoding, bad address or height
  not_found,               // 404: unknown route, tx, block or account
  method_not_allowed,      // 405: a known route asked with another method
  length_required,         // 411: a body without one Content-Length (chunked, or read until EOF)
  payload_too_large,       // 413: body over RpcLimits::body_bytes_max
  unsupported_media_type,  // 415: a compressed body (it could inflate past body_bytes_max)
  misdirected,             // 421: asks about an account of a shard this node does not serve
  rejected,                // 422: well-formed, but the node refused it (the Reject is the reason)
  internal,                // 500: the node failed to answer (an exception in NodeApi)
  unavailable,             // 503: every connection slot is busy, or the node is starting or too busy; retry
};

std::string_view to_string(ErrorCode code);  // "BAD_REQUEST", ...
int http_status(ErrorCode code);

// The error document; `reason` (a Reject name such as "bad_hex") only when not empty.
nlohmann::json error_document(ErrorCode code, std::string_view message, std::string_view reason = {});
// For a typed rejection: message = error.message(), reason = to_string(error.reason).
nlohmann::json error_document(ErrorCode code, const core::Error& error);

// The accepted answer to POST /v1/tx: {"schema", "hash", "accepted": true}.
nlohmann::json submit_document(const SubmitResult& result);

// {"schema", "hash", "state", "height"?, "reason"?} and back. The decoder (used by the client)
// refuses a document whose schema, hash, state, height or reason is missing or malformed with
// bad_json, so a confused server cannot make the client report a state it never sent.
nlohmann::json tx_status_document(const TxStatus& status);
core::Result<TxStatus> decode_tx_status_document(const nlohmann::json& doc);

// Serialises a response body. Invalid UTF-8 (a NodeApi reason or message may carry any
// bytes) is replaced rather than thrown on.
std::string dump_document(const nlohmann::json& doc);

}  // namespace ios::rpc
