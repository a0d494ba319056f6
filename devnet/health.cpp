#include "devnet/health.hpp"

#include <algorithm>

#include "devnet/files.hpp"
#include "devnet/process.hpp"
#include "node/rpc/client.hpp"

namespace ios::devnet {

namespace {

std::uint64_t u64_of(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_string()) {
    auto v = chain::parse_amount(it->get<std::string>());  // a u64 sent as a decimal string
    if (v) return *v;
  }
  return 0;
}

std::string string_of(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

DevnetResult<Readiness> parse_readiness(const std::string& text) {
  if (text == "rpc") return Readiness{Readiness::Kind::rpc, 0, text};
  if (text == "final") return Readiness{Readiness::Kind::final, 0, text};
  for (auto [prefix, kind] : {std::pair{std::string("blocks:"), Readiness::Kind::blocks},
                               std::pair{std::string("epoch:"), Readiness::Kind::epoch}}) {
    if (text.rfind(prefix, 0) != 0) continue;
    const std::string digits = text.substr(prefix.size());
    const bool decimal = !digits.empty() && digits.size() <= 12 &&
                         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (decimal) return Readiness{kind, std::stoull(digits), text};
  }
  return devnet_error(ErrorKind::bad_config, "--wait-for: expected rpc, blocks:N, final or epoch:E, got '" + text + "'");
}

NodeStatus fetch_status(const std::string& rpc_url, int timeout_ms) {
  NodeStatus s;
  rpc::RpcClient client(rpc_url, timeout_ms);
  auto doc = client.get("/v1/status");
  if (!doc) {
    s.error = doc.error().message;
    return s;
  }
  s.answered = true;
  s.document = *doc;
  s.height = u64_of(*doc, "height");
  s.view = u64_of(*doc, "view");
  s.peers = u64_of(*doc, "peers");
  s.shard = static_cast<std::uint32_t>(u64_of(*doc, "shard"));
  s.role = string_of(*doc, "role");
  s.segment_epoch = u64_of(*doc, "epoch");
  s.segment_step = static_cast<std::uint32_t>(u64_of(*doc, "step"));
  s.mode = string_of(*doc, "mode");
  if (auto e = doc->find("epoch_chain"); e != doc->end() && e->is_object()) {
    s.epoch = u64_of(*e, "epoch");
    if (auto f = e->find("forming"); f != e->end() && f->is_object()) s.epoch_phase = string_of(*f, "phase");
  }
  return s;
}

std::vector<NodeStatus> fetch_statuses(const DevnetState& state) {
  std::vector<NodeStatus> out;
  for (const auto& n : state.nodes) {
    if (n.rpc == 0 || n.rpc_url.empty()) {
      NodeStatus s;
      s.error = "no RPC port recorded";
      out.push_back(s);
    } else {
      out.push_back(fetch_status(n.rpc_url));
    }
  }
  return out;
}

std::map<std::uint32_t, std::uint64_t> top_heights(const std::vector<NodeStatus>& statuses) {
  std::map<std::uint32_t, std::uint64_t> top;
  for (const auto& s : statuses) {
    if (s.answered) top[s.shard] = std::max(top[s.shard], s.height);
  }
  return top;
}

std::vector<std::string> unready_nodes(const Readiness& readiness, const std::vector<NodeState>& nodes,
                                       const std::vector<NodeStatus>& statuses) {
  std::vector<std::string> out;
  const auto tops = top_heights(statuses);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string& name = nodes[i].name;
    if (i >= statuses.size() || !statuses[i].answered) {
      out.push_back(name + ": no RPC answer" + (i < statuses.size() ? " (" + statuses[i].error + ")" : ""));
      continue;
    }
    const std::uint64_t h = statuses[i].height;
    const std::uint64_t top = tops.at(statuses[i].shard);
    const std::string height = "height " + std::to_string(h);
    if (readiness.kind == Readiness::Kind::blocks && h < readiness.blocks) {
      out.push_back(name + ": " + height + " < " + std::to_string(readiness.blocks));
    } else if (readiness.kind == Readiness::Kind::final && h < 1) {
      out.push_back(name + ": no final block yet");
    } else if (readiness.kind == Readiness::Kind::epoch && statuses[i].epoch < readiness.blocks) {
      out.push_back(name + ": epoch " + std::to_string(statuses[i].epoch) + " < " + std::to_string(readiness.blocks));
    } else if (readiness.kind == Readiness::Kind::final && top - h > final_spread_heights_max) {
      out.push_back(name + ": " + height + ", " + std::to_string(top - h) + " behind the highest node of its shard");
    }
  }
  return out;
}

bool plain_pause(std::uint64_t ms) {
  sleep_ms(ms);
  return true;
}

std::string log_tail_block(const DevnetHome& home, const std::string& node_name) {
  const DevnetNode* node = home.find_node(node_name);
  if (node == nullptr) return {};
  std::string tail = tail_lines(home.log_file(*node), log_tail_lines);
  std::string out = "--- " + node_name + " (" + (home.dir / node->home / "node.log").string() + ", last lines)\n";
  if (tail.empty()) return out + "    (empty)\n";
  std::size_t start = 0;
  while (start < tail.size()) {
    const std::size_t end = tail.find('\n', start);
    out += "    " + tail.substr(start, end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

DevnetResult<std::vector<NodeStatus>> wait_until_ready(const DevnetHome& home, const DevnetState& state,
                                                       const Readiness& readiness, std::uint64_t timeout_ms,
                                                       const Pause& pause) {
  const std::uint64_t deadline = steady_ms() + timeout_ms;
  for (;;) {
    for (const auto& n : state.nodes) {
      if (n.pid != 0 && !process_alive({n.pid, n.pid_start}))
        return devnet_error(ErrorKind::unhealthy, n.name + " (pid " + std::to_string(n.pid) + ") exited before the devnet was ready",
                            log_tail_block(home, n.name));
    }
    auto statuses = fetch_statuses(state);
    auto unready = unready_nodes(readiness, state.nodes, statuses);
    if (unready.empty()) return statuses;
    if (steady_ms() >= deadline) {
      std::string message = "not ready (" + readiness.text + ") after " + std::to_string(timeout_ms) + " ms:";
      std::string details;
      for (std::size_t i = 0; i < unready.size(); ++i) {
        message += (i == 0 ? " " : "; ") + unready[i];
        details += log_tail_block(home, unready[i].substr(0, unready[i].find(':')));
      }
      return devnet_error(ErrorKind::timeout, message, details);
    }
    if (!pause(100)) return devnet_error(ErrorKind::io, "interrupted while waiting for " + readiness.text);
  }
}

}  // namespace ios::devnet
