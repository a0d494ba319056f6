#pragma once
// A validator's home folder and its config.json (version 1), as `ios devnet` and
// `ios node init` write it and `ios node run` reads it. Paths in the file are relative to the
// home. The node binds port 0 by default and reports the real ports in ports.json, so nothing
// ever picks a port and then races to bind it (docs/CLI.md "Binding").
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/core/result.hpp"

namespace ios::runtime {

inline constexpr int node_config_version = 1;

struct ListenAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

struct PeerAddress {
  std::uint32_t index = 0;
  std::string ports_file;  // a devnet peer: read its ports.json (relative to the home)
  std::string host;        // or a fixed address
  std::uint16_t port = 0;
};

struct NodeConfig {
  std::string name;
  std::uint32_t index = 0;
  std::string genesis = "genesis.json";
  std::string keystore = "key.json";
  std::string database = "node.db";
  ListenAddress p2p;
  ListenAddress rpc;
  std::string ports_file = "ports.json";
  std::vector<PeerAddress> peers;
  std::uint64_t phase_timeout_ms = 200;
  std::uint64_t view_timeout_ms = 1000;

  nlohmann::json to_json() const;
  // bad_json / bad_policy naming the field; unknown_version for a newer file.
  static core::Result<NodeConfig> from_json(const nlohmann::json& doc);
};

// The bound ports, written atomically once both listeners are up.
struct PortsFile {
  std::int64_t pid = 0;
  std::uint16_t p2p = 0;
  std::uint16_t rpc = 0;
};
nlohmann::json to_json(const PortsFile& p);
// The one parser of ports.json (the devnet supervisor uses it too): bad_json naming the field
// for anything but {"version":1,"pid":P,"p2p":1..65535,"rpc":1..65535}.
core::Result<PortsFile> ports_from_json(const nlohmann::json& doc);
std::optional<PortsFile> read_ports_file(const std::filesystem::path& path);  // nullopt: absent, partial or bad

// config.json of a home: not_found-like io_error, bad_json, ...
core::Result<NodeConfig> load_node_config(const std::filesystem::path& home);
// Written with crypto::write_secret_file: atomically replaced, never seen half written.
core::Status save_node_config(const std::filesystem::path& home, const NodeConfig& config);

}  // namespace ios::runtime
