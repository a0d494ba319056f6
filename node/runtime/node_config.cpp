#include "node/runtime/node_config.hpp"

#include "node/core/json_error.hpp"
#include "node/crypto/keystore_file.hpp"

namespace ios::runtime {
namespace {

nlohmann::json listen_json(const ListenAddress& a) { return {{"host", a.host}, {"port", a.port}}; }

core::Result<ListenAddress> listen_from(const nlohmann::json& j, const char* field) {
  if (!j.is_object() || !j.contains("host") || !j["host"].is_string() || !j.contains("port") ||
      !j["port"].is_number_unsigned() || j["port"].get<std::uint64_t>() > 65535) {
    return core::reject(core::Reject::bad_json, std::string(field) + ": expected {\"host\": string, \"port\": 0..65535}");
  }
  return ListenAddress{j["host"].get<std::string>(), j["port"].get<std::uint16_t>()};
}

}  // namespace

nlohmann::json NodeConfig::to_json() const {
  nlohmann::json peers_json = nlohmann::json::array();
  for (const auto& p : peers) {
    nlohmann::json j{{"index", p.index}};
    if (!p.ports_file.empty()) j["ports_file"] = p.ports_file;
    else j["host"] = p.host, j["port"] = p.port;
    peers_json.push_back(j);
  }
  return {{"version", node_config_version},
          {"name", name},
          {"index", index},
          {"genesis", genesis},
          {"keystore", keystore},
          {"database", database},
          {"p2p", listen_json(p2p)},
          {"rpc", listen_json(rpc)},
          {"ports_file", ports_file},
          {"peers", peers_json},
          {"timing", {{"phase_timeout_ms", phase_timeout_ms}, {"view_timeout_ms", view_timeout_ms}}}};
}

core::Result<NodeConfig> NodeConfig::from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) return core::reject(core::Reject::bad_json, "config: not a JSON object");
  if (!doc.contains("version") || !doc["version"].is_number_integer())
    return core::reject(core::Reject::bad_json, "config: version missing");
  if (doc["version"].get<int>() > node_config_version)
    return core::reject(core::Reject::unknown_version, "config version " + std::to_string(doc["version"].get<int>()) +
                                                           " is newer than this ios (" + std::to_string(node_config_version) + ")");
  NodeConfig c;
  try {
    c.name = doc.at("name").get<std::string>();
    c.index = doc.at("index").get<std::uint32_t>();
    c.genesis = doc.at("genesis").get<std::string>();
    c.keystore = doc.at("keystore").get<std::string>();
    c.database = doc.value("database", c.database);
    c.ports_file = doc.value("ports_file", c.ports_file);
    if (doc.contains("timing")) {
      c.phase_timeout_ms = doc["timing"].value("phase_timeout_ms", c.phase_timeout_ms);
      c.view_timeout_ms = doc["timing"].value("view_timeout_ms", c.view_timeout_ms);
    }
    for (const auto& p : doc.value("peers", nlohmann::json::array())) {
      PeerAddress a;
      a.index = p.at("index").get<std::uint32_t>();
      if (p.contains("ports_file")) a.ports_file = p["ports_file"].get<std::string>();
      else a.host = p.at("host").get<std::string>(), a.port = p.at("port").get<std::uint16_t>();
      c.peers.push_back(a);
    }
  } catch (const nlohmann::json::exception& e) {
    return core::reject(core::Reject::bad_json, "config: " + core::describe_json_error(e));
  }
  auto p2p = listen_from(doc.value("p2p", nlohmann::json{}), "p2p");
  if (!p2p) return p2p.error();
  auto rpc = listen_from(doc.value("rpc", nlohmann::json{}), "rpc");
  if (!rpc) return rpc.error();
  c.p2p = *p2p;
  c.rpc = *rpc;
  return c;
}

nlohmann::json to_json(const PortsFile& p) { return {{"version", 1}, {"pid", p.pid}, {"p2p", p.p2p}, {"rpc", p.rpc}}; }

core::Result<PortsFile> ports_from_json(const nlohmann::json& doc) {
  auto bad = [](const std::string& what) { return core::reject(core::Reject::bad_json, "ports.json: " + what); };
  auto port = [](const nlohmann::json& v) {
    return v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 && v.get<std::uint64_t>() <= 65535;
  };
  if (!doc.is_object()) return bad("not an object");
  if (doc.value("version", nlohmann::json()) != nlohmann::json(1)) return bad("\"version\" must be 1");
  const auto pid = doc.value("pid", nlohmann::json());
  if (!pid.is_number_integer() || pid.get<std::int64_t>() <= 0) return bad("\"pid\" must be a pid");
  if (!port(doc.value("p2p", nlohmann::json()))) return bad("\"p2p\" must be a port in 1..65535");
  if (!port(doc.value("rpc", nlohmann::json()))) return bad("\"rpc\" must be a port in 1..65535");
  return PortsFile{pid.get<std::int64_t>(), doc["p2p"].get<std::uint16_t>(), doc["rpc"].get<std::uint16_t>()};
}

// Read whole through crypto::read_text_file, never a stream: a folder where a file belongs makes
// libstdc++'s filebuf throw from inside the JSON parser, which no caller expects.
inline constexpr std::size_t node_json_bytes_max = 1 << 20;

std::optional<PortsFile> read_ports_file(const std::filesystem::path& path) {
  auto text = crypto::read_text_file(path.string(), node_json_bytes_max);
  if (!text) return std::nullopt;
  auto ports = ports_from_json(nlohmann::json::parse(*text, nullptr, false));
  if (!ports) return std::nullopt;
  return *ports;
}

core::Result<NodeConfig> load_node_config(const std::filesystem::path& home) {
  const auto path = home / "config.json";
  auto text = crypto::read_text_file(path.string(), node_json_bytes_max);
  if (!text && text.error().detail.rfind("not found", 0) == 0)
    return core::reject(core::Reject::io_error, "no node config at " + path.string());
  if (!text) return text.error();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return core::reject(core::Reject::bad_json, path.string() + ": not JSON");
  return NodeConfig::from_json(j);
}

core::Status save_node_config(const std::filesystem::path& home, const NodeConfig& config) {
  return crypto::write_secret_file((home / "config.json").string(), config.to_json().dump(2) + "\n", true);
}

}  // namespace ios::runtime
