#include "node/rpc/routes.hpp"

#include <array>
#include <utility>

#include "node/rpc/request.hpp"

namespace ios::rpc {

namespace {

constexpr std::array<Route, 8> routes{{
    {"GET", "/v1/status", on_status},
    {"POST", "/v1/tx", on_submit},
    {"GET", "/v1/tx/([^/]+)", on_tx_status},
    {"GET", "/v1/tx/([^/]+)/body", on_tx_body},
    {"GET", "/v1/accounts/([^/]+)", on_account},
    {"GET", "/v1/blocks/([^/]+)", on_block},
    {"GET", "/v1/epochs/([^/]+)", on_epoch},
    {"GET", "/metrics", on_metrics},
}};

// The NodeApi's object with our schema (and identifying fields) set over whatever it sent.
Reply object_reply(std::string_view schema, std::optional<nlohmann::json> doc, std::string_view what) {
  if (!doc) return error_reply(ErrorCode::not_found, std::string(what) + " not found");
  if (!doc->is_object())
    return error_reply(ErrorCode::internal, "the node answered with something other than an object");
  (*doc)["schema"] = schema;
  return json_reply(200, *doc);
}

}  // namespace

std::span<const Route> route_table() { return routes; }

Reply json_reply(int status, const nlohmann::json& doc) { return Reply{status, dump_document(doc)}; }

Reply error_reply(ErrorCode code, std::string_view message, std::string_view reason) {
  return json_reply(http_status(code), error_document(code, message, reason));
}

Reply error_reply(ErrorCode code, const core::Error& error) {
  return json_reply(http_status(code), error_document(code, error));
}

Reply on_status(NodeApi& api, const RouteInput&) { return object_reply(schema_status, api.status(), "status"); }

Reply on_submit(NodeApi& api, const RouteInput& in) {
  auto tx = parse_submit_body(in.body);
  if (!tx) return error_reply(ErrorCode::bad_request, tx.error());
  const SubmitResult result = api.submit(*tx);
  if (!result.accepted) {
    auto doc = error_document(ErrorCode::rejected, result.reason.empty() ? "refused by the node" : result.reason);
    doc["hash"] = core::to_hex(result.hash);
    return json_reply(http_status(ErrorCode::rejected), doc);
  }
  return json_reply(202, submit_document(result));
}

Reply on_tx_status(NodeApi& api, const RouteInput& in) {
  auto hash = parse_tx_hash(in.param);
  if (!hash) return error_reply(ErrorCode::bad_request, hash.error());
  TxStatus status = api.tx_status(*hash);
  if (status.state == TxState::unknown)
    return error_reply(ErrorCode::not_found, "transaction " + core::to_hex(*hash) + " is unknown");
  status.hash = *hash;  // answer for what was asked, whatever the node echoed
  return json_reply(200, tx_status_document(status));
}

Reply on_tx_body(NodeApi& api, const RouteInput& in) {
  auto hash = parse_tx_hash(in.param);
  if (!hash) return error_reply(ErrorCode::bad_request, hash.error());
  return object_reply(schema_tx_body, api.tx_body(*hash), "transaction " + core::to_hex(*hash));
}

Reply on_account(NodeApi& api, const RouteInput& in) {
  auto address = chain::Address::parse(in.param);
  if (!address) return error_reply(ErrorCode::bad_request, address.error());
  if (auto why = api.misdirected(*address)) return error_reply(ErrorCode::misdirected, *why);
  auto doc = api.account(*address);
  if (doc && doc->is_object()) (*doc)["address"] = address->to_string();
  return object_reply(schema_account, std::move(doc), "account " + address->to_string());
}

Reply on_block(NodeApi& api, const RouteInput& in) {
  if (in.param == "latest") return object_reply(schema_block, api.block(std::nullopt), "the latest block");
  auto height = parse_height(in.param);
  if (!height) return error_reply(ErrorCode::bad_request, height.error());
  return object_reply(schema_block, api.block(*height), "block " + std::to_string(*height));
}

Reply on_epoch(NodeApi& api, const RouteInput& in) {
  if (in.param == "latest") return object_reply(schema_epoch, api.epoch_chain(std::nullopt), "an epoch record");
  auto epoch = parse_height(in.param);
  if (!epoch || *epoch == 0) return error_reply(ErrorCode::bad_request, "epoch: a number from 1 (record 0 is the genesis), or latest");
  return object_reply(schema_epoch, api.epoch_chain(*epoch), "epoch record " + std::to_string(*epoch));
}

Reply on_metrics(NodeApi& api, const RouteInput&) { return Reply{200, api.metrics(), metrics_content_type}; }

}  // namespace ios::rpc
