// ios node init / run / status: one validator process with its home folder (docs/DESIGN.md §5,
// docs/CLI.md). `ios node --home DIR` is `ios node run --home DIR`.
#include <filesystem>
#include <sstream>

#include "cli/commands.hpp"
#include "node/rpc/client.hpp"
#include "node/runtime/node_config.hpp"
#include "node/runtime/node_runtime.hpp"

namespace ios::cli {

namespace {

Exit exit_for(const core::Error& e) {
  switch (e.reason) {
    case core::Reject::io_error:
      // A file of the home that is a folder, unreadable or too large is the user's to fix (README).
      return e.detail.rfind("not found", 0) == 0 || e.detail.rfind("no node config", 0) == 0 ? Exit::not_found
                                                                                             : Exit::usage;
    case core::Reject::duplicate:
    case core::Reject::state_lost:
      return Exit::conflict;
    case core::Reject::bad_keystore:
    case core::Reject::wrong_password:
    case core::Reject::unsupported_keystore_version:
      return Exit::key_error;
    default:
      return Exit::usage;
  }
}

std::string require_home(const Globals& g) {
  if (g.home.empty()) throw Failure(Exit::usage, "--home DIR (or IOS_HOME) is required");
  if (!std::filesystem::is_directory(g.home)) throw Failure(Exit::not_found, "node home not found: " + g.home);
  return g.home;
}

void run_node(Globals& g, const runtime::RuntimeOptions& options) {
  const auto home = require_home(g);
  auto node = runtime::NodeRuntime::open(home, options);
  if (!node) throw Failure(exit_for(node.error()), "cannot start the node in " + home + ": " + node.error().message());
  const int code = (*node)->run();
  if (code != 0) throw Failure(static_cast<Exit>(code), "node stopped with an error (see above)");
}

// The node's RPC URL: --rpc, or the one its ports.json names.
std::string node_rpc_url(const Globals& g) {
  if (!g.rpc.empty()) return g.rpc;
  const auto home = require_home(g);
  auto config = runtime::load_node_config(home);
  if (!config) throw Failure(exit_for(config.error()), config.error().message());
  auto ports = runtime::read_ports_file(std::filesystem::path(home) / config->ports_file);
  if (!ports) throw Failure(Exit::unreachable, "node in " + home + " is not running (no ports.json)");
  return "http://" + config->rpc.host + ":" + std::to_string(ports->rpc);
}

void register_node_init(CLI::App& node, Globals& g) {
  struct Args {
    runtime::NodeConfig config;
    std::vector<std::string> peers;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = node.add_subcommand("init", "Write a node home's config.json (the genesis and keystore must be given)");
  cmd->add_option("--name", args->config.name, "Node name")->required();
  cmd->add_option("--index", args->config.index, "This validator's index in the genesis roster")->required();
  cmd->add_option("--genesis", args->config.genesis, "Genesis file (relative to the home, or absolute)")->required();
  cmd->add_option("--keystore", args->config.keystore, "Validator keystore (relative to the home, or absolute)")
      ->required();
  cmd->add_option("--p2p-port", args->config.p2p.port, "Peer port (0: any free port, reported in ports.json)")
      ->capture_default_str();
  cmd->add_option("--rpc-port", args->config.rpc.port, "RPC port (0: any free port)")->capture_default_str();
  cmd->add_option("--peer", args->peers, "INDEX=HOST:PORT or INDEX=PORTS_FILE, once per peer");
  cmd->footer(
      "Example:\n  ios node init --home n0 --name n0 --index 0 --genesis ../genesis.json --keystore key.json --peer "
      "1=../n1/ports.json");
  cmd->callback([args, &g] {
    if (g.home.empty()) throw Failure(Exit::usage, "--home DIR is required");
    std::filesystem::create_directories(g.home);
    if (std::filesystem::exists(std::filesystem::path(g.home) / "config.json"))
      throw Failure(Exit::conflict, g.home + "/config.json already exists");
    for (const auto& p : args->peers) {
      const auto eq = p.find('=');
      if (eq == std::string::npos)
        throw Failure(Exit::usage, "--peer " + p + ": expected INDEX=HOST:PORT or INDEX=PORTS_FILE");
      runtime::PeerAddress a;
      try {
        a.index = static_cast<std::uint32_t>(std::stoul(p.substr(0, eq)));
      } catch (...) {
        throw Failure(Exit::usage, "--peer " + p + ": bad index");
      }
      const auto rest = p.substr(eq + 1);
      const auto colon = rest.rfind(':');
      if (colon != std::string::npos && rest.find('/') == std::string::npos) {
        a.host = rest.substr(0, colon);
        a.port = static_cast<std::uint16_t>(std::stoul(rest.substr(colon + 1)));
      } else {
        a.ports_file = rest;
      }
      args->config.peers.push_back(a);
    }
    if (auto s = runtime::save_node_config(g.home, args->config); !s)
      throw Failure(Exit::internal, s.error().message());
    emit(g, "ios.node.init.v1", {{"home", g.home}, {"config", args->config.to_json()}},
         "wrote " + g.home + "/config.json\n");
  });
}

void register_node_status(CLI::App& node, Globals& g) {
  auto* cmd = node.add_subcommand("status", "Ask a running node for its status over RPC");
  cmd->footer("Example:\n  ios node status --home .ios-devnet/nodes/node0 --json");
  cmd->callback([&g] {
    rpc::RpcClient client(node_rpc_url(g), 3000);
    auto s = client.get("/v1/status");
    if (!s) throw Failure(Exit::unreachable, "node unreachable: " + s.error().message);
    std::ostringstream t;
    t << "node     " << s->value("name", "?") << " (validator " << s->value("index", 0) << ", " << s->value("role", "?")
      << ")\n"
      << "height   " << s->value("height", 0) << ", view " << s->value("view", 0) << ", mode " << s->value("mode", "?")
      << "\n"
      << "peers    " << s->value("peers", 0) << "\n";
    emit(g, "ios.node.status.v1", *s, t.str());
  });
}

}  // namespace

void register_node(CLI::App& app, Globals& g) {
  auto* node = app.add_subcommand("node", "Run one validator: init its home, run it, ask its status");
  auto options = std::make_shared<runtime::RuntimeOptions>();
  register_node_init(*node, g);
  auto* run = node->add_subcommand("run", "Run the validator in --home until SIGINT or SIGTERM (exit 0)");
  run->add_flag("--exit-with-parent", options->exit_with_parent,
                "Also stop when the parent process (a devnet supervisor) exits");
  run->add_flag("--fresh-validator", options->fresh_validator,
                "Start although the home has run before and its database is missing or empty (exit 9 otherwise): "
                "only for a key that has never signed on this chain, since its old votes are forgotten");
  auto log_level = std::make_shared<std::string>("info");
  auto log_format = std::make_shared<std::string>("text");
  // From the environment too, so `IOS_LOG_FORMAT=json ios devnet up` reaches every node it spawns.
  run->add_option("--log-level", *log_level, "error, warn, info or debug")->capture_default_str()->envname("IOS_LOG_LEVEL");
  run->add_option("--log-format", *log_format, "text (a line per event, timestamp first) or json (an object per line)")
      ->capture_default_str()
      ->envname("IOS_LOG_FORMAT");
  run->footer(
      "Logs go to stderr: start and stop, peers joining and leaving, view changes, every 10 s the blocks finalized\n"
      "and what was refused (counted by reason).\n"
      "Examples:\n  ios node run --home .ios-devnet/nodes/node0\n  ios node run --home DIR --log-format json --log-level debug");
  run->callback([&g, options, log_level, log_format] {
    auto level = runtime::parse_log_level(*log_level);
    if (!level) throw Failure(Exit::usage, "--log-level: expected error, warn, info or debug, got '" + *log_level + "'");
    auto format = runtime::parse_log_format(*log_format);
    if (!format) throw Failure(Exit::usage, "--log-format: expected text or json, got '" + *log_format + "'");
    options->log_level = *level;
    options->log_format = *format;
    run_node(g, *options);
  });
  register_node_status(*node, g);
  node->footer("`ios node --home DIR` runs the node, like `ios node run --home DIR`.");
  node->callback([node, &g] {
    if (node->get_subcommands().empty()) run_node(g, runtime::RuntimeOptions{});
  });
}

}  // namespace ios::cli
