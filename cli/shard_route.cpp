#include "cli/shard_route.hpp"

namespace ios::cli {

ShardRoute::ShardRoute(const Globals& g, const TxTarget& target)
    : g_(g), target_(target), client_(std::make_unique<rpc::RpcClient>(target.rpc_url)),
      checked_at_(std::chrono::steady_clock::now()) {}

bool ShardRoute::reroute() {
  if (!g_.rpc.empty()) return false;
  left_.insert(target_.rpc_url);
  // A node this route has not left yet first: two nodes whose statuses lag behind their moves
  // must not pass a transfer back and forth while a third serves the shard.
  std::optional<TxTarget> found, again;
  for (auto& t : devnet_targets(devnet_home(g_))) {
    if (!serves(t, target_.shard) || t.rpc_url == target_.rpc_url) continue;
    auto& slot = left_.contains(t.rpc_url) ? again : found;
    if (!slot) slot = std::move(t);
  }
  if (!found) found = std::move(again);
  if (!found) return false;
  target_ = std::move(*found);
  client_ = std::make_unique<rpc::RpcClient>(target_.rpc_url);
  checked_at_ = std::chrono::steady_clock::now();
  return true;
}

bool ShardRoute::follow() {
  const auto now = std::chrono::steady_clock::now();
  if (!g_.rpc.empty() || now - checked_at_ < std::chrono::milliseconds(route_check_interval_ms)) return false;
  checked_at_ = now;
  auto status = client_->status();
  // Unreachable or unreadable: not a move; the transfer's own poll reports the node's state.
  if (!status) return false;
  const auto now_serving = target_of(target_.rpc_url, *status);
  if (!now_serving || serves(*now_serving, target_.shard)) return false;
  return reroute();
}

}  // namespace ios::cli
