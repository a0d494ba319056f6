#pragma once
// A node that serves one shard, followed across TransEpoch swaps (node/protocol/transepoch/
// README.md; docs/CLI.md "Shards that move"). Every epoch EDS re-forms the shards, so the node a
// wallet picked for an account's shard may serve the other shard a moment later: it then
// refuses the account's payments with wrong_shard and stops learning the shard's blocks. A
// route notices — from that refusal, or from the node's status (another shard, "joining", or no
// running segment of the shard), asked at most once per route_check_interval_ms while a
// transfer is followed — and moves to a devnet node that serves the shard now, preferring nodes
// it has not left before. With --rpc the user chose the node: the route stays, and the refusal is what
// they see.
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "cli/output.hpp"
#include "cli/tx_wallet.hpp"
#include "node/rpc/client.hpp"

namespace ios::cli {

inline constexpr std::uint64_t route_check_interval_ms = 1000;

class ShardRoute {
 public:
  ShardRoute(const Globals& g, const TxTarget& target);
  const rpc::RpcClient& client() const { return *client_; }
  const TxTarget& target() const { return target_; }
  bool moved() const { return !left_.empty(); }
  // Moves to a devnet node that serves the shard now; false with --rpc or when none answers.
  bool reroute();
  // At most every route_check_interval_ms: whether the node still serves the shard, moving the
  // route when it does not. True if the route moved.
  bool follow();

 private:
  const Globals& g_;
  TxTarget target_;
  std::unique_ptr<rpc::RpcClient> client_;
  std::chrono::steady_clock::time_point checked_at_;
  std::set<std::string> left_;  // nodes this route moved away from (RPC URLs)
};

}  // namespace ios::cli
