#pragma once
// The live files of a devnet (node contract): each node's ports.json, written by the node once
// both listeners are bound, and the devnet's state.json, written only by the supervisor
// (atomically) and read by `ios devnet status/wait/down`, `ios tx` and the devnet tests.
//
//   ports.json  {"version":1,"pid":1234,"p2p":41234,"rpc":41235}
//   state.json  {"version":1,"state":"running|stopped","supervisor_pid":P,"supervisor_start":T0,
//                "started_ms":T,"nodes":[{"name":"node0","index":0,"pid":1234,"pid_start":T1,
//                "role":"believable|normal","p2p":41234,"rpc":41235,
//                "rpc_url":"http://127.0.0.1:41235","home":"nodes/node0"}]}
//
// A pid of 0 means "not running". *_start are the processes' start times in clock ticks
// (/proc/<pid>/stat), recorded so that a pid the kernel has since reused for another program
// is never signalled (process.hpp).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devnet/error.hpp"
#include "node/runtime/node_config.hpp"

namespace ios::devnet {

using NodePorts = runtime::PortsFile;

// bad_config naming the field for anything but the documented document (ports in 1..65535).
DevnetResult<NodePorts> ports_from_json(const nlohmann::json& doc);
DevnetResult<NodePorts> read_ports(const std::filesystem::path& path);

struct NodeState {
  std::string name;
  std::uint32_t index = 0;
  std::uint32_t shard = 0;
  std::int64_t pid = 0;
  std::uint64_t pid_start = 0;
  std::string role;
  std::uint16_t p2p = 0;
  std::uint16_t rpc = 0;
  std::string rpc_url;
  std::string home;
};

struct DevnetState {
  bool running = false;
  std::int64_t supervisor_pid = 0;
  std::uint64_t supervisor_start = 0;
  std::uint64_t started_ms = 0;
  std::vector<NodeState> nodes;

  // The same document with every pid cleared and "state":"stopped".
  DevnetState stopped() const;
};

nlohmann::json to_json(const DevnetState& state);
DevnetResult<DevnetState> state_from_json(const nlohmann::json& doc);
// not_found if the devnet never ran (no state.json).
DevnetResult<DevnetState> read_state(const std::filesystem::path& path);
DevnetStatus write_state(const std::filesystem::path& path, const DevnetState& state);

}  // namespace ios::devnet
