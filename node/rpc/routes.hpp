#pragma once
// The routes of the node API (docs/DESIGN.md §5) as pure functions from (NodeApi, path parameter,
// body) to a Reply, and the table that binds them to methods and path patterns. server.cpp
// only adapts httplib to this table, so what each route answers is decided here in one place:
//
//   GET  /v1/status            200 ios.rpc.status.v1
//   POST /v1/tx                202 ios.rpc.tx.submit.v1 | 400 bad body | 422 refused by the node
//   GET  /v1/tx/{hash}         200 ios.rpc.tx.status.v1 | 400 bad hash | 404 unknown
//   GET  /v1/accounts/{ios1…}  200 ios.rpc.account.v1 | 400 bad address | 404 not served here
//   GET  /v1/blocks/{height}   200 ios.rpc.block.v1 | 400 bad height | 404 none yet
//   GET  /metrics              200 text/plain; version=0.0.4
//
// A handler may let an exception from the NodeApi escape; the server turns it into a 500.
// A NodeApi that answers with something other than a JSON object is a bug in the node, not
// in the request: 500 as well, never a crash.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/rpc/documents.hpp"
#include "node/rpc/node_api.hpp"

namespace ios::rpc {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

Reply json_reply(int status, const nlohmann::json& doc);
Reply error_reply(ErrorCode code, std::string_view message, std::string_view reason = {});
Reply error_reply(ErrorCode code, const core::Error& error);

struct RouteInput {
  std::string_view param;  // the one path parameter ({hash}, {address}, {height}), or empty
  std::string_view body;
};

struct Route {
  std::string_view method;   // "GET" or "POST"
  std::string_view pattern;  // an ECMAScript regex over the whole path, one capture at most
  Reply (*handle)(NodeApi& api, const RouteInput& in);
};

std::span<const Route> route_table();

Reply on_status(NodeApi& api, const RouteInput& in);
Reply on_submit(NodeApi& api, const RouteInput& in);
Reply on_tx_status(NodeApi& api, const RouteInput& in);
Reply on_tx_body(NodeApi& api, const RouteInput& in);
Reply on_account(NodeApi& api, const RouteInput& in);
Reply on_block(NodeApi& api, const RouteInput& in);
Reply on_epoch(NodeApi& api, const RouteInput& in);
Reply on_metrics(NodeApi& api, const RouteInput& in);

}  // namespace ios::rpc
