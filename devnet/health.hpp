#pragma once
// Is the devnet ready, and is it healthy? Both answers come from the nodes' own RPC
// (GET /v1/status), never from "the process exists": docs/CLI.md's first complaint is that
// "RPC up" is not "ready". The readiness conditions of `--wait-for`:
//
//   rpc       every node answers /v1/status
//   blocks:N  every node's height >= N
//   final     every node has a final block (height >= 1) and all are within 2 heights of
//             each other (they follow one chain, none is stuck behind)
//   epoch:E   every node holds epoch record E (node/protocol/epoch: formed by the lottery's
//             winner with RandHound and co-signed by 2/3 of the roster)
//
// Evaluation is a pure function of the polled statuses (tested without processes); the
// polling loop fails fast when a node process has exited, since it can never become ready.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devnet/error.hpp"
#include "devnet/home.hpp"
#include "devnet/state.hpp"

namespace ios::devnet {

inline constexpr std::uint64_t final_spread_heights_max = 2;
inline constexpr std::uint64_t status_lag_heights_max = 20;  // `ios devnet status` exits 8 beyond this
inline constexpr int status_timeout_ms = 2000;
inline constexpr std::size_t log_tail_lines = 20;

struct Readiness {
  enum class Kind { rpc, blocks, final, epoch } kind = Kind::rpc;
  std::uint64_t blocks = 0;  // or the epoch, for Kind::epoch
  std::string text;  // as given
};

// bad_config for anything but "rpc", "blocks:N" (N a decimal >= 0), "final" and "epoch:E".
DevnetResult<Readiness> parse_readiness(const std::string& text);

struct NodeStatus {
  bool answered = false;
  std::string error;  // why not, when !answered
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  std::uint64_t peers = 0;
  std::uint32_t shard = 0;  // the shard the node serves: heights compare only within one
  // The segment it serves (TransEpoch: epoch and step of its shard's chain; 0.0 without epochs).
  std::uint64_t segment_epoch = 0;
  std::uint32_t segment_step = 0;
  std::uint64_t epoch = 0;  // the last epoch record it holds (status epoch_chain.epoch)
  std::string epoch_phase;  // of the epoch it forms: waiting, lottery, drp ("" without an epoch chain)
  std::string role;
  std::string mode;
  nlohmann::json document;  // the node's /v1/status as it answered
};

NodeStatus fetch_status(const std::string& rpc_url, int timeout_ms = status_timeout_ms);
std::vector<NodeStatus> fetch_statuses(const DevnetState& state);
// The highest height among the nodes that answered, per shard (each shard has its own chain).
std::map<std::uint32_t, std::uint64_t> top_heights(const std::vector<NodeStatus>& statuses);

// The names of the nodes that keep the condition from holding, each with a short reason
// ("node2: height 0 < 3"); empty when ready.
std::vector<std::string> unready_nodes(const Readiness& readiness, const std::vector<NodeState>& nodes,
                                       const std::vector<NodeStatus>& statuses);

// Pauses between polls; returns false to give up early (e.g. Ctrl-C in the supervisor).
using Pause = std::function<bool(std::uint64_t ms)>;
bool plain_pause(std::uint64_t ms);

// Polls until the condition holds. timeout (the message names the unready nodes and the
// details carry the last lines of each one's node.log); unhealthy if a node process has
// exited; io if `pause` gave up.
DevnetResult<std::vector<NodeStatus>> wait_until_ready(const DevnetHome& home, const DevnetState& state,
                                                       const Readiness& readiness, std::uint64_t timeout_ms,
                                                       const Pause& pause);

// "node2" and its last log lines, indented, for error details.
std::string log_tail_block(const DevnetHome& home, const std::string& node_name);

}  // namespace ios::devnet
