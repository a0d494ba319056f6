#include "devnet/state.hpp"

#include "devnet/files.hpp"
#include "node/runtime/node_config.hpp"

namespace ios::devnet {

namespace {

using nlohmann::json;

DevnetError bad(const std::string& what) { return devnet_error(ErrorKind::bad_config, what); }

bool is_port(const json& v) { return v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 && v.get<std::uint64_t>() <= 65535; }

// An optional non-negative integer (start times); 0 when absent or malformed, which only
// weakens the pid-reuse check to "the pid exists", never breaks reading the state.
std::uint64_t optional_u64(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

bool is_pid(const json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() <= (std::int64_t{1} << 31); }

DevnetResult<NodeState> node_from_json(const json& j, std::size_t i) {
  const std::string where = "state.json: nodes[" + std::to_string(i) + "]";
  if (!j.is_object()) return bad(where + " must be an object");
  for (const char* s : {"name", "role", "rpc_url", "home"}) {
    if (!j.value(s, json()).is_string()) return bad(where + "." + s + " must be a string");
  }
  if (!j.value("index", json()).is_number_unsigned()) return bad(where + ".index must be a non-negative integer");
  if (!is_pid(j.value("pid", json()))) return bad(where + ".pid must be a pid (0: not running)");
  NodeState n;
  n.name = j["name"].get<std::string>();
  n.index = j["index"].get<std::uint32_t>();
  n.pid = j["pid"].get<std::int64_t>();
  n.pid_start = optional_u64(j, "pid_start");
  n.shard = static_cast<std::uint32_t>(optional_u64(j, "shard"));  // absent in states of one-shard devnets before shards
  n.role = j["role"].get<std::string>();
  n.rpc_url = j["rpc_url"].get<std::string>();
  n.home = j["home"].get<std::string>();
  // Ports are 0 only in a state written before the node reported them.
  for (auto [key, out] : {std::pair{"p2p", &n.p2p}, std::pair{"rpc", &n.rpc}}) {
    const json v = j.value(key, json());
    if (!(is_port(v) || (v.is_number_unsigned() && v.get<std::uint64_t>() == 0))) return bad(where + "." + key + " must be a port");
    *out = v.get<std::uint16_t>();
  }
  return n;
}

}  // namespace

DevnetResult<NodePorts> ports_from_json(const json& doc) {
  auto ports = runtime::ports_from_json(doc);  // the node writes it; one parser for both sides
  if (!ports) return bad(ports.error().detail);
  return *ports;
}

DevnetResult<NodePorts> read_ports(const std::filesystem::path& path) {
  auto doc = read_json_file(path);
  if (!doc) return doc.error();
  auto ports = ports_from_json(*doc);
  if (!ports) return bad(path.string() + ": " + ports.error().message);
  return ports;
}

DevnetState DevnetState::stopped() const {
  DevnetState s = *this;
  s.running = false;
  s.supervisor_pid = 0;
  s.supervisor_start = 0;
  for (auto& n : s.nodes) {
    n.pid = 0;
    n.pid_start = 0;
  }
  return s;
}

json to_json(const DevnetState& state) {
  json nodes = json::array();
  for (const auto& n : state.nodes) {
    nodes.push_back({{"name", n.name},   {"index", n.index},     {"shard", n.shard}, {"pid", n.pid},   {"pid_start", n.pid_start},
                     {"role", n.role},   {"p2p", n.p2p},         {"rpc", n.rpc},   {"rpc_url", n.rpc_url},
                     {"home", n.home}});
  }
  return {{"version", devnet_file_version},
          {"state", state.running ? "running" : "stopped"},
          {"supervisor_pid", state.supervisor_pid},
          {"supervisor_start", state.supervisor_start},
          {"started_ms", state.started_ms},
          {"nodes", nodes}};
}

DevnetResult<DevnetState> state_from_json(const json& doc) {
  if (!doc.is_object()) return bad("state.json: not an object");
  if (doc.value("version", json()) != json(1)) return bad("state.json: \"version\" must be 1");
  const json st = doc.value("state", json("running"));
  if (st != json("running") && st != json("stopped")) return bad("state.json: \"state\" must be running or stopped");
  if (!is_pid(doc.value("supervisor_pid", json()))) return bad("state.json: \"supervisor_pid\" must be a pid");
  if (!doc.value("started_ms", json()).is_number_unsigned()) return bad("state.json: \"started_ms\" must be an integer");
  if (!doc.value("nodes", json()).is_array()) return bad("state.json: \"nodes\" must be an array");
  DevnetState s;
  s.running = st == json("running");
  s.supervisor_pid = doc["supervisor_pid"].get<std::int64_t>();
  s.supervisor_start = optional_u64(doc, "supervisor_start");
  s.started_ms = doc["started_ms"].get<std::uint64_t>();
  for (std::size_t i = 0; i < doc["nodes"].size(); ++i) {
    auto n = node_from_json(doc["nodes"][i], i);
    if (!n) return n.error();
    s.nodes.push_back(std::move(n).value());
  }
  return s;
}

DevnetResult<DevnetState> read_state(const std::filesystem::path& path) {
  auto doc = read_json_file(path);
  if (!doc) return doc.error();
  return state_from_json(*doc);
}

DevnetStatus write_state(const std::filesystem::path& path, const DevnetState& state) {
  return write_json_file(path, to_json(state));
}

}  // namespace ios::devnet
