#include "node/rpc/documents.hpp"

namespace ios::rpc {

using core::Reject;

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
      return "BAD_REQUEST";
    case ErrorCode::not_found:
      return "NOT_FOUND";
    case ErrorCode::method_not_allowed:
      return "METHOD_NOT_ALLOWED";
    case ErrorCode::length_required:
      return "LENGTH_REQUIRED";
    case ErrorCode::payload_too_large:
      return "PAYLOAD_TOO_LARGE";
    case ErrorCode::unsupported_media_type:
      return "UNSUPPORTED_MEDIA_TYPE";
    case ErrorCode::misdirected:
      return "MISDIRECTED";
    case ErrorCode::rejected:
      return "REJECTED";
    case ErrorCode::internal:
      return "INTERNAL";
    case ErrorCode::unavailable:
      return "UNAVAILABLE";
  }
  return "INTERNAL";
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
      return 400;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::length_required:
      return 411;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unsupported_media_type:
      return 415;
    case ErrorCode::misdirected:
      return 421;
    case ErrorCode::rejected:
      return 422;
    case ErrorCode::internal:
      return 500;
    case ErrorCode::unavailable:
      return 503;
  }
  return 500;
}

nlohmann::json error_document(ErrorCode code, std::string_view message, std::string_view reason) {
  nlohmann::json error{{"code", to_string(code)}, {"message", message}};
  if (!reason.empty()) error["reason"] = reason;
  return {{"schema", schema_error}, {"ok", false}, {"error", std::move(error)}};
}

nlohmann::json error_document(ErrorCode code, const core::Error& error) {
  return error_document(code, error.message(), to_string(error.reason));
}

nlohmann::json submit_document(const SubmitResult& result) {
  return {{"schema", schema_tx_submit}, {"hash", core::to_hex(result.hash)}, {"accepted", result.accepted}};
}

nlohmann::json tx_status_document(const TxStatus& status) {
  nlohmann::json doc{
      {"schema", schema_tx_status}, {"hash", core::to_hex(status.hash)}, {"state", to_string(status.state)}};
  if (status.height) doc["height"] = *status.height;
  if (!status.reason.empty()) doc["reason"] = status.reason;
  return doc;
}

core::Result<TxStatus> decode_tx_status_document(const nlohmann::json& doc) {
  const auto refuse = [](const char* what) {
    return core::reject(Reject::bad_json, std::string("tx status: ") + what);
  };
  if (!doc.is_object()) return refuse("not a JSON object");
  auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string() || schema->get_ref<const std::string&>() != schema_tx_status)
    return refuse("schema is not ios.rpc.tx.status.v1");
  TxStatus out;
  auto hash = doc.find("hash");
  if (hash == doc.end() || !hash->is_string()) return refuse("hash missing");
  auto bytes = core::from_hex_fixed<32>(hash->get_ref<const std::string&>());
  if (!bytes) return refuse("hash is not 64 hex digits");
  out.hash = *bytes;
  auto state = doc.find("state");
  if (state == doc.end() || !state->is_string()) return refuse("state missing");
  auto parsed = parse_tx_state(state->get_ref<const std::string&>());
  if (!parsed) return refuse("unknown state");
  out.state = *parsed;
  if (auto height = doc.find("height"); height != doc.end()) {
    if (!height->is_number_unsigned()) return refuse("height is not an unsigned integer");
    out.height = height->get<std::uint64_t>();
  }
  if (auto reason = doc.find("reason"); reason != doc.end()) {
    if (!reason->is_string()) return refuse("reason is not a string");
    out.reason = reason->get<std::string>();
  }
  return out;
}

std::string dump_document(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ios::rpc
