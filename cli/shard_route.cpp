#include "cli/shard_route.hpp"

namespace ios::cli {

ShardRoute::ShardRoute(const Globals& g, const TxTarget& target)
    : g_(g), target_(target), client_(std::make_unique<rpc::RpcClient>(target.rpc_url)),
      checked_at_(std::chrono::steady_clock::now()) {}

bool ShardRoute::reroute() {
  if (!g_.rpc.empty()) return false;
  const auto home = devnet_home(g_);
  for (const auto& t : devnet_targets(home)) {
    if (t.shard != target_.shard || t.joining || t.rpc_url == target_.rpc_url) continue;
    target_ = t;
    client_ = std::make_unique<rpc::RpcClient>(t.rpc_url);
    checked_at_ = std::chrono::steady_clock::now();
    return true;
  }
  return false;
}

bool ShardRoute::follow() {
  const auto now = std::chrono::steady_clock::now();
  if (!g_.rpc.empty() || now - checked_at_ < std::chrono::milliseconds(route_check_interval_ms)) return false;
  checked_at_ = now;
  auto status = client_->status();
  // Unreachable or unreadable: not a move; the transfer's own poll reports the node's state.
  if (!status || !status->is_object() || !status->contains("shard")) return false;
  if ((*status)["shard"] == target_.shard && status->value("role", "") != "joining") return false;
  return reroute();
}

}  // namespace ios::cli
