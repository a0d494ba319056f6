// ios devnet: a multi-process network on loopback (docs/CLI.md "Devnet home", "Processes").
// The home and the supervisor live in devnet/ (library ios_devnet); this file parses flags,
// maps devnet errors to the exit codes of docs/CLI.md and prints.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/user_file.hpp"
#include "devnet/files.hpp"
#include "devnet/health.hpp"
#include "devnet/home.hpp"
#include "devnet/supervisor.hpp"
#include "node/crypto/keystore_file.hpp"

namespace ios::cli {

namespace {

using devnet::DevnetError;
using devnet::DevnetHome;
using devnet::DevnetState;
using nlohmann::json;

std::filesystem::path home_dir(const Globals& g) { return g.home.empty() ? devnet::default_home : g.home; }

Exit exit_of(devnet::ErrorKind kind) {
  switch (kind) {
    case devnet::ErrorKind::not_found: return Exit::not_found;
    case devnet::ErrorKind::bad_config: return Exit::usage;
    case devnet::ErrorKind::conflict: return Exit::conflict;
    case devnet::ErrorKind::timeout: return Exit::timeout;
    case devnet::ErrorKind::unhealthy: return Exit::unhealthy;
    case devnet::ErrorKind::io: return Exit::internal;
  }
  return Exit::internal;
}

// The details (log tails) go to stderr for people and into the JSON error document. -q
// silences progress notes, never the evidence of a failure.
[[noreturn]] void fail_devnet(const DevnetError& e) {
  if (!e.details.empty()) std::cerr << e.details;
  throw Failure(exit_of(e.kind), e.message, e.details.empty() ? json(nullptr) : json{{"logs", e.details}});
}

template <class T>
T must(devnet::DevnetResult<T> r) {
  if (!r) fail_devnet(r.error());
  return std::move(r).value();
}

// For commands that already printed their document: the exit code without a second one.
[[noreturn]] void exit_after_output(const Globals& g, Exit exit, const std::string& message) {
  std::cout.flush();
  if (!g.quiet || exit != Exit::ok) std::cerr << "ios: error: " << message << '\n';
  std::exit(static_cast<int>(exit));
}

DevnetHome load_home(const Globals& g) { return must(devnet::load_devnet_home(home_dir(g))); }

// --- init ------------------------------------------------------------------------------------

struct InitArgs {
  devnet::DevnetOptions o;
  std::string balance = std::to_string(devnet::DevnetOptions{}.balance);
  std::string epoch_length = "60s";
  std::string policy_file;
};

void add_init_flags(CLI::App* cmd, InitArgs& a) {
  cmd->add_option("--shards", a.o.shards, "Shards the validators are cut into (EDS)")->capture_default_str();
  cmd->add_option("--validators", a.o.validators,
                  "Validators over all shards (each shard: believable + normal league); default 6 per shard")
      ->capture_default_str();
  cmd->add_option("--believable", a.o.believable, "Believable league size")->capture_default_str();
  cmd->add_option("--believable-min", a.o.believable_min, "Fewer live believable validators: one league")->capture_default_str();
  cmd->add_option("--accounts", a.o.accounts, "Funded dev accounts (accounts/acct<i>.json)")->capture_default_str();
  cmd->add_option("--balance", a.balance, "Genesis balance of each account")->capture_default_str();
  cmd->add_option("--seed", a.o.seed, "Same seed, same keys and genesis hash")->capture_default_str();
  cmd->add_option("--epoch-length", a.epoch_length,
                  "Time from one epoch record to forming the next (lottery, RandHound, co-signed record); 0: one epoch")
      ->capture_default_str();
  cmd->add_option("--policy", a.policy_file, "Sharding policy file (JSON); its league sizes set the defaults of the flags");
}

devnet::DevnetOptions options_of(const InitArgs& a, const CLI::App* cmd) {
  devnet::DevnetOptions o = a.o;
  auto balance = chain::parse_amount(a.balance);
  if (!balance) throw Failure(Exit::usage, "--balance: " + balance.error().message());
  o.balance = *balance;
  o.epoch_ms = a.epoch_length == "0" ? 0 : parse_duration_ms("--epoch-length", a.epoch_length);
  if (o.epoch_ms != 0 && o.epoch_ms < chain::epoch_ms_min)
    throw Failure(Exit::usage, "--epoch-length: 0 (one epoch) or at least " + std::to_string(chain::epoch_ms_min / 1000) + "s");
  if (a.policy_file.empty()) {
    // Without --validators every shard gets the default league sizes.
    if (cmd->count("--validators") == 0) o.validators = o.shards * devnet::DevnetOptions{}.validators;
    return o;
  }
  auto policy = chain::parse_shard_policy(read_user_file("--policy", a.policy_file, chain::policy_json_bytes_max));
  if (!policy) fail(Exit::usage, policy.error(), "--policy " + a.policy_file);
  o.policy = *policy;
  // The file's league sizes unless the flags say otherwise (then they must agree: devnet_policy).
  if (cmd->count("--believable") == 0) o.believable = policy->believable_size;
  if (cmd->count("--believable-min") == 0) o.believable_min = policy->believable_min;
  if (cmd->count("--shards") == 0) o.shards = policy->shards;
  if (cmd->count("--epoch-length") == 0) o.epoch_ms = policy->epoch_ms;
  else o.policy->epoch_ms = o.epoch_ms;
  if (cmd->count("--validators") == 0) o.validators = o.shards * (policy->believable_size + policy->normal_size);
  return o;
}

// "node3, node4" (or "none").
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// The believable and normal members of shard `s`, by name.
std::pair<std::vector<std::string>, std::vector<std::string>> leagues_of(const DevnetHome& h, std::uint32_t s) {
  std::pair<std::vector<std::string>, std::vector<std::string>> leagues;
  for (const auto& n : h.nodes) {
    if (n.shard == s) (n.believable ? leagues.first : leagues.second).push_back(n.name);
  }
  return leagues;
}

json home_json(const DevnetHome& h) {
  json nodes = json::array();
  for (const auto& n : h.nodes) {
    nodes.push_back({{"name", n.name},
                     {"index", n.index},
                     {"shard", n.shard},
                     {"role", devnet::role_name(n.believable)},
                     {"address", chain::Address::from_public_key(h.genesis.validators[n.index].identity.signing).to_string()},
                     {"home", n.home}});
  }
  json accounts = json::array();
  for (const auto& a : h.accounts) {
    accounts.push_back({{"name", a.name}, {"address", a.address.to_string()},
                        {"balance", std::to_string(h.genesis.allocations[a.allocation].amount)}});
  }
  return {{"home", h.dir.string()},        {"chain_id", h.genesis.chain_id}, {"genesis_hash", core::to_hex(h.genesis_hash)},
          {"seed", std::to_string(h.options.seed)}, {"policy", chain::to_json(h.genesis.policy)},
          {"nodes", nodes},                {"accounts", accounts}};
}

std::string home_text(const DevnetHome& h) {
  std::ostringstream t;
  t << "genesis   " << core::to_hex(h.genesis_hash) << "\n"
    << "chain id  " << h.genesis.chain_id << " (seed " << h.options.seed << ")\n"
    << "home      " << h.dir.string() << "\n";
  for (std::uint32_t s = 0; s < h.genesis.policy.shards; ++s) {
    const auto [believable, normal] = leagues_of(h, s);
    t << (h.genesis.policy.shards == 1 ? std::string("leagues  ") : "shard " + std::to_string(s) + "  ")
      << " believable: " << joined(believable) << "; normal: " << joined(normal) << "\n";
  }
  t << "accounts  " << h.accounts.size() << " x " << h.options.balance << " (" << (h.dir / "accounts").string() << ")\n";
  return t.str();
}

void register_devnet_init(CLI::App& devnet, Globals& g) {
  auto args = std::make_shared<InitArgs>();
  auto* cmd = devnet.add_subcommand("init", "Write a devnet home: genesis, keys, node configs; prints the genesis hash");
  add_init_flags(cmd, *args);
  cmd->footer(
      "Refuses an existing non-empty home (exit 9). The same --seed gives the same keys and genesis hash.\n"
      "Example:\n  ios devnet init --validators 7 --believable 3 --seed 42 --home /tmp/devnet");
  cmd->callback([args, cmd, &g] {
    auto home = must(devnet::write_devnet_home(home_dir(g), options_of(*args, cmd)));
    emit(g, "ios.devnet.init.v1", home_json(home), home_text(home));
  });
}

// --- up, supervise ---------------------------------------------------------------------------

json state_json(const DevnetState& s) { return devnet::to_json(s); }

std::string state_table(const DevnetState& s) {
  std::ostringstream t;
  t << "name     index  shard  role        pid      p2p    rpc\n";
  for (const auto& n : s.nodes) {
    t << n.name << std::string(n.name.size() < 9 ? 9 - n.name.size() : 1, ' ') << n.index
      << std::string(std::to_string(n.index).size() < 7 ? 7 - std::to_string(n.index).size() : 1, ' ') << n.shard
      << std::string(std::to_string(n.shard).size() < 7 ? 7 - std::to_string(n.shard).size() : 1, ' ') << n.role
      << std::string(n.role.size() < 12 ? 12 - n.role.size() : 1, ' ') << n.pid
      << std::string(std::to_string(n.pid).size() < 9 ? 9 - std::to_string(n.pid).size() : 1, ' ') << n.p2p << "  " << n.rpc_url
      << "\n";
  }
  return t.str();
}

struct UpArgs {
  InitArgs init;
  bool detach = false;
  std::string wait_for = "rpc";
  std::string timeout = "60s";
};

// The init flags given that differ from what the existing home was made with, as
// "--validators 7 (the home has 6)".
std::vector<std::string> changed_init_flags(const InitArgs& a, const CLI::App* cmd, const DevnetHome& home) {
  const auto wanted = options_of(a, cmd);
  const auto& had = home.options;
  std::vector<std::string> changed;
  auto compare = [&](const char* flag, auto want, auto have) {
    if (cmd->count(flag) > 0 && want != have)
      changed.push_back(std::string(flag) + " " + std::to_string(want) + " (the home has " + std::to_string(have) +
                        ")");
  };
  compare("--shards", wanted.shards, had.shards);
  compare("--validators", wanted.validators, had.validators);
  compare("--believable", wanted.believable, had.believable);
  compare("--believable-min", wanted.believable_min, had.believable_min);
  compare("--accounts", wanted.accounts, had.accounts);
  compare("--balance", wanted.balance, had.balance);
  compare("--seed", wanted.seed, had.seed);
  if (cmd->count("--epoch-length") > 0 && wanted.epoch_ms != had.epoch_ms)
    changed.push_back("--epoch-length " + a.epoch_length + " (the home has " + std::to_string(had.epoch_ms) + " ms)");
  // The policy the options describe (a file may leave fields to the devnet defaults).
  if (cmd->count("--policy") > 0 && must(devnet::devnet_policy(wanted)) != home.genesis.policy)
    changed.push_back("--policy " + a.policy_file + " (the home's genesis has another policy)");
  return changed;
}

// A home is made once: flags that would make a different one are refused rather than
// silently ignored (the user would test a network they did not ask for).
DevnetHome init_or_reuse(const Globals& g, const UpArgs& a, const CLI::App* cmd) {
  if (devnet::devnet_home_exists(home_dir(g))) {
    auto home = load_home(g);
    const auto changed = changed_init_flags(a.init, cmd, home);
    if (!changed.empty()) {
      std::string list;
      for (const auto& c : changed) list += (list.empty() ? "" : ", ") + c;
      const std::string dir = home_dir(g).string();
      throw Failure(Exit::conflict, "the devnet home " + dir + " was made with other options: " + list +
                                        "; run it as it is with `ios devnet up --home " + dir +
                                        "`, or start over in a new --home (or after `ios devnet down --home " + dir +
                                        " && rm -r " + dir + "`)");
    }
    return home;
  }
  auto home = must(devnet::write_devnet_home(home_dir(g), options_of(a.init, cmd)));
  note(g, "devnet: new home " + home.dir.string() + ", genesis " + core::to_hex(home.genesis_hash));
  return home;
}

void refuse_running(const DevnetHome& home) {
  auto state = devnet::read_state(home.state_file());
  if (state && devnet::devnet_running(*state))
    throw Failure(Exit::conflict, "the devnet in " + home.dir.string() + " is already running (supervisor pid " +
                                      std::to_string(state->supervisor_pid) + "); `ios devnet down` stops it");
}

// `down`: the supervisor and every node by the pids in state.json, then state.json marked stopped.
std::vector<devnet::ProcessRef> stop_devnet(const DevnetHome& home) {
  auto state = devnet::read_state(home.state_file());
  if (!state) return {};
  auto running = devnet::recorded_processes(*state);
  // The supervisor stops its nodes within node_stop_grace_ms; one more second before SIGKILL.
  auto left = devnet::stop_processes(running, devnet::node_stop_grace_ms + 1000);
  if (auto w = devnet::write_state(home.state_file(), state->stopped()); !w)
    throw Failure(Exit::internal, w.error().message);
  if (!left.empty()) throw Failure(Exit::internal, "pid " + std::to_string(left.front().pid) + " survived SIGKILL");
  return running;
}

void print_up(const Globals& g, const DevnetState& s) { emit(g, "ios.devnet.up.v1", state_json(s), state_table(s)); }

void up_foreground(const Globals& g, const DevnetHome& home, const devnet::Readiness& ready, std::uint64_t timeout_ms) {
  const std::uint64_t deadline = devnet::steady_ms() + timeout_ms;
  devnet::Supervisor supervisor(home);
  if (auto started = supervisor.start(timeout_ms); !started) fail_devnet(started.error());
  const std::uint64_t now = devnet::steady_ms();
  auto ready_now = devnet::wait_until_ready(home, supervisor.state(), ready, deadline > now ? deadline - now : 0,
                                            [&](std::uint64_t ms) { return supervisor.pause(ms); });
  if (!ready_now) {
    supervisor.stop();
    if (supervisor.stop_requested()) return;  // Ctrl-C while waiting: a normal stop
    fail_devnet(ready_now.error());
  }
  print_up(g, supervisor.state());
  note(g, "devnet: ready (" + ready.text + "); supervising until Ctrl-C (logs: ios devnet logs -f)");
  supervisor.run_until_signal();
  supervisor.stop();
  note(g, "devnet: every node stopped");
}

// The detached supervisor has written its state once every node reported its ports.
DevnetState wait_for_supervisor(const DevnetHome& home, pid_t child, std::uint64_t deadline) {
  for (;;) {
    auto state = devnet::read_state(home.state_file());
    if (state && state->running && state->supervisor_pid == child &&
        std::all_of(state->nodes.begin(), state->nodes.end(), [](const auto& n) { return n.rpc != 0; }))
      return *state;
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      const std::string log = devnet::tail_lines(home.dir / "supervisor.log", 10);
      std::cerr << log;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      throw Failure(code > 0 && code <= 10 ? static_cast<Exit>(code) : Exit::internal,
                    "the devnet supervisor exited during startup (" + (home.dir / "supervisor.log").string() + ")",
                    json{{"logs", log}});
    }
    if (devnet::steady_ms() >= deadline) {
      stop_devnet(home);
      throw Failure(Exit::timeout, "the devnet supervisor did not start the nodes in time (" +
                                       (home.dir / "supervisor.log").string() + ")");
    }
    devnet::sleep_ms(50);
  }
}

void up_detached(const Globals& g, const DevnetHome& home, const devnet::Readiness& ready, std::uint64_t timeout_ms) {
  const std::uint64_t deadline = devnet::steady_ms() + timeout_ms;
  const auto dir = std::filesystem::absolute(home.dir);
  devnet::SpawnSpec spec{{"/proc/self/exe", "devnet", "supervise", "--home", dir.string(), "--timeout",
                          std::to_string(timeout_ms) + "ms"},
                         std::filesystem::current_path(), dir / "supervisor.log", true, false};
  auto child = must(devnet::spawn_process(spec));
  auto state = wait_for_supervisor(home, static_cast<pid_t>(child.pid), deadline);
  const std::uint64_t now = devnet::steady_ms();
  auto ready_now = devnet::wait_until_ready(home, state, ready, deadline > now ? deadline - now : 0, devnet::plain_pause);
  if (!ready_now) {
    stop_devnet(home);  // no orphans: a devnet that failed to come up is stopped (its logs stay)
    // The supervisor logged how each node exited (code or signal); that belongs with the error.
    auto e = ready_now.error();
    const auto log = home.dir / "supervisor.log";
    e.details += "--- supervisor (" + log.string() + ", last lines)\n" + devnet::tail_lines(log, 10);
    fail_devnet(e);
  }
  print_up(g, state);
  note(g, "devnet: ready (" + ready.text + "), supervisor pid " + std::to_string(child.pid) + "; `ios devnet down` stops it");
}

void register_up(CLI::App& devnet, Globals& g) {
  auto args = std::make_shared<UpArgs>();
  auto* cmd = devnet.add_subcommand("up", "Start one node process per validator (init the home first if needed) and wait");
  add_init_flags(cmd, args->init);
  cmd->add_flag("-d,--detach", args->detach, "Run the supervisor in the background and return once ready");
  cmd->add_option("--wait-for", args->wait_for, "Readiness: rpc, blocks:N, final or epoch:E")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Give up (exit 4, naming the unready nodes) after this long")->capture_default_str();
  cmd->footer(
      "Foreground: supervises until Ctrl-C, then stops every node. A second `up` on a running devnet exits 9.\n"
      "Examples:\n  ios devnet up --seed 7 --wait-for final\n  ios devnet up -d --wait-for blocks:5 --timeout 90s --json");
  cmd->callback([args, cmd, &g] {
    const auto ready = must(devnet::parse_readiness(args->wait_for));
    const auto timeout_ms = parse_duration_ms("--timeout", args->timeout);
    const auto home = init_or_reuse(g, *args, cmd);
    refuse_running(home);
    if (args->detach) up_detached(g, home, ready, timeout_ms);
    else up_foreground(g, home, ready, timeout_ms);
  });
}

void register_supervise(CLI::App& devnet, Globals& g) {
  auto timeout = std::make_shared<std::string>("60s");
  auto* cmd = devnet.add_subcommand("supervise", "The detached supervisor of `ios devnet up -d` (not for direct use)");
  cmd->group("");  // hidden
  cmd->add_option("--timeout", *timeout, "Startup timeout")->capture_default_str();
  cmd->footer("Example (what `up -d` runs):\n  ios devnet supervise --home .ios-devnet --timeout 60s");
  cmd->callback([timeout, &g] {
    const auto timeout_ms = parse_duration_ms("--timeout", *timeout);
    devnet::Supervisor supervisor(load_home(g));
    if (auto started = supervisor.start(timeout_ms); !started) fail_devnet(started.error());
    note(g, "devnet: supervisor pid " + std::to_string(::getpid()) + " started " +
                std::to_string(supervisor.state().nodes.size()) + " nodes");
    supervisor.run_until_signal();
    supervisor.stop();
    note(g, "devnet: every node stopped");
  });
}

// --- status, wait ----------------------------------------------------------------------------

// The state of a devnet that has run; "not running" (8) for one that never did or was stopped.
DevnetState running_state(const DevnetHome& home) {
  auto state = devnet::read_state(home.state_file());
  if (!state && state.error().kind != devnet::ErrorKind::not_found) fail_devnet(state.error());
  if (!state || !devnet::devnet_running(*state))
    throw Failure(Exit::unhealthy, "the devnet in " + home.dir.string() + " is not running (`ios devnet up` starts it)");
  return *state;
}

// Per shard: the segment it runs (epoch and TransEpoch step, as its most advanced node says),
// its leagues in that segment, its highest height, and its ByzCoin leader as the node at that
// height names it (a validator index). Without epochs the leagues are the home's (EDS of the
// genesis); with epochs they move, and are the roles the nodes serving the segment report.
json shards_json(const DevnetHome& home, const std::vector<devnet::NodeStatus>& statuses,
                 const std::map<std::uint32_t, std::uint64_t>& tops) {
  json shards = json::array();
  for (std::uint32_t s = 0; s < home.genesis.policy.shards; ++s) {
    auto [believable, normal] = leagues_of(home, s);
    std::pair<std::uint64_t, std::uint32_t> segment{0, 0};
    for (const auto& st : statuses)
      if (st.answered && st.shard == s) segment = std::max(segment, {st.segment_epoch, st.segment_step});
    if (home.genesis.policy.epoch_ms != 0) {
      believable.clear();
      normal.clear();
      for (std::size_t i = 0; i < statuses.size() && i < home.nodes.size(); ++i) {
        const auto& st = statuses[i];
        if (!st.answered || st.shard != s || std::pair{st.segment_epoch, st.segment_step} != segment) continue;
        if (st.role == "believable") believable.push_back(home.nodes[i].name);
        if (st.role == "normal") normal.push_back(home.nodes[i].name);
      }
    }
    const auto top = tops.find(s);
    json leader = nullptr;
    for (const auto& st : statuses)
      if (st.answered && st.shard == s && top != tops.end() && st.height == top->second && st.document.contains("leader"))
        leader = st.document["leader"];
    shards.push_back({{"shard", s},
                      {"epoch", segment.first},
                      {"step", segment.second},
                      {"believable", believable},
                      {"normal", normal},
                      {"leader", leader},
                      {"height_max", top == tops.end() ? 0 : top->second}});
  }
  return shards;
}

void register_devnet_status(CLI::App& devnet, Globals& g) {
  auto* cmd = devnet.add_subcommand("status", "Per node: pid, role, height, view, peers and lag; exit 8 if unhealthy");
  cmd->footer(
      "Exit 8 if a node is down or lags more than 20 heights behind the highest.\n"
      "Example:\n  ios devnet status --json");
  cmd->callback([&g] {
    const auto home = load_home(g);
    const auto state = running_state(home);
    const auto statuses = devnet::fetch_statuses(state);
    const auto tops = devnet::top_heights(statuses);
    std::uint64_t top = 0;
    for (const auto& [shard, h] : tops) top = std::max(top, h);
    json nodes = json::array();
    std::ostringstream t;
    std::vector<std::string> problems;
    t << "name     shard  segment  role        pid      height  view  peers  lag  state        rpc\n";
    for (std::size_t i = 0; i < state.nodes.size(); ++i) {
      const auto& n = state.nodes[i];
      const auto& s = statuses[i];
      const bool alive = devnet::process_alive({n.pid, n.pid_start});
      // Lag within the node's own shard: each shard has its own chain and height. A node that
      // moves to another shard (TransEpoch) is "joining" until the state is handed over.
      const bool joining = s.answered && s.role == "joining";
      const std::uint64_t lag = s.answered && !joining ? tops.at(s.shard) - s.height : 0;
      const std::uint32_t shard = s.answered ? s.shard : n.shard;
      // The node's role now (it changes with the epochs); the home's when it does not answer.
      const std::string role = s.answered ? s.role : n.role;
      const std::string segment =
          s.answered && !joining ? std::to_string(s.segment_epoch) + "." + std::to_string(s.segment_step) : "-";
      const std::string health = !alive                                      ? "down"
                                 : !s.answered                               ? "unreachable"
                                 : joining                                   ? "joining"
                                 : lag > devnet::status_lag_heights_max      ? "lagging"
                                                                             : "ok";
      if (health != "ok" && health != "joining") problems.push_back(n.name + " " + health);
      json node{{"name", n.name}, {"index", n.index}, {"shard", shard}, {"role", role}, {"pid", alive ? n.pid : 0},
                {"rpc_url", n.rpc_url}, {"state", health}};
      if (s.answered) {
        node.update({{"height", s.height}, {"view", s.view}, {"peers", s.peers}, {"lag", lag}, {"mode", s.mode},
                     {"epoch", s.segment_epoch}, {"step", s.segment_step}});
      }
      nodes.push_back(node);
      char line[256];
      std::snprintf(
          line, sizeof line, "%-8s %-6u %-8s %-11s %-8lld %-7s %-5s %-6s %-4s %-12s %s\n", n.name.c_str(), shard,
          segment.c_str(), role.c_str(), static_cast<long long>(alive ? n.pid : 0),
          s.answered ? std::to_string(s.height).c_str() : "-",
          s.answered ? std::to_string(s.view).c_str() : "-", s.answered ? std::to_string(s.peers).c_str() : "-",
          s.answered ? std::to_string(lag).c_str() : "-", health.c_str(), n.rpc_url.c_str());
      t << line;
    }
    const auto shards = shards_json(home, statuses, tops);
    // The epoch chain as the most advanced node holds it (all agree on each record: the
    // record is co-signed by 2/3; a node behind is one that has not heard of it yet).
    json epoch_chain = nullptr;
    if (home.genesis.policy.epoch_ms != 0) {
      std::uint64_t epoch = 0;
      std::string phase;
      for (const auto& s : statuses) {
        if (!s.answered || s.epoch < epoch || (s.epoch == epoch && !phase.empty())) continue;
        epoch = s.epoch;
        phase = s.epoch_phase;
      }
      epoch_chain = {{"epoch", epoch}, {"epoch_ms", home.genesis.policy.epoch_ms}, {"forming", epoch + 1}, {"phase", phase}};
      t << "epochs   record " << epoch << " of the epoch chain (one every " << home.genesis.policy.epoch_ms / 1000
        << " s), forming " << epoch + 1 << ": " << (phase.empty() ? "?" : phase) << "\n";
    }
    for (std::uint32_t s = 0; shards.size() > 1 && s < shards.size(); ++s) {
      // The leagues of the shard's latest segment (shards_json), not the home's epoch-0 ones.
      const auto believable = shards[s]["believable"].get<std::vector<std::string>>();
      const auto normal = shards[s]["normal"].get<std::vector<std::string>>();
      const auto& leader = shards[s]["leader"];
      t << "shard " << s << "  segment " << shards[s]["epoch"] << "." << shards[s]["step"] << "  height "
        << shards[s]["height_max"] << "  leader "
        << (leader.is_number_unsigned() ? "node" + std::to_string(leader.get<std::uint32_t>()) : std::string("?"))
        << "  believable " << (believable.empty() ? std::string("none (a step before the last: one league)") : joined(believable))
        << "; normal " << joined(normal) << "\n";
    }
    emit(g, "ios.devnet.status.v1",
         {{"home", home.dir.string()}, {"healthy", problems.empty()}, {"supervisor_pid", state.supervisor_pid},
          {"height_max", top}, {"shards", shards}, {"epoch_chain", epoch_chain}, {"nodes", nodes}},
         t.str());
    if (!problems.empty()) {
      std::string message = "network unhealthy:";
      for (const auto& p : problems) message += " " + p + ";";
      message.pop_back();
      exit_after_output(g, Exit::unhealthy, message);
    }
  });
}

// Single quotes keep a home path with spaces or $ one word for the shell that evals this.
std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void register_env(CLI::App& devnet, Globals& g) {
  auto* cmd =
      devnet.add_subcommand("env", "Shell lines that point later ios commands at this devnet (IOS_HOME, IOS_RPC)");
  cmd->footer(
      "IOS_RPC is the first running node's API. Exit 8 if the devnet is not running.\n"
      "Example:\n  eval \"$(ios devnet env --home /tmp/devnet)\" && ios tx send --from acct0 --to acct1 --amount 5");
  cmd->callback([&g] {
    const auto home = load_home(g);
    const auto state = running_state(home);
    const auto running = std::find_if(state.nodes.begin(), state.nodes.end(),
                                      [](const auto& n) { return n.pid != 0 && !n.rpc_url.empty(); });
    if (running == state.nodes.end())
      throw Failure(Exit::unhealthy, "no node of the devnet in " + home.dir.string() + " has an API address");
    const auto dir = std::filesystem::absolute(home.dir).lexically_normal().string();
    emit(g, "ios.devnet.env.v1",
         {{"home", dir}, {"rpc", running->rpc_url}, {"env", {{"IOS_HOME", dir}, {"IOS_RPC", running->rpc_url}}}},
         "export IOS_HOME=" + shell_quoted(dir) + "\nexport IOS_RPC=" + shell_quoted(running->rpc_url) + "\n");
  });
}

void register_wait(CLI::App& devnet, Globals& g) {
  struct Args {
    std::string condition = "rpc";
    std::string timeout = "60s";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = devnet.add_subcommand("wait", "Wait until the running devnet is ready: rpc, blocks:N, final or epoch:E");
  cmd->add_option("--for", args->condition, "rpc, blocks:N, final or epoch:E")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Exit 4 (naming the unready nodes) after this long")->capture_default_str();
  cmd->footer("Example:\n  ios devnet wait --for blocks:10 --timeout 30s");
  cmd->callback([args, &g] {
    const auto ready = must(devnet::parse_readiness(args->condition));
    const auto timeout_ms = parse_duration_ms("--timeout", args->timeout);
    const auto home = load_home(g);
    const auto state = running_state(home);
    const auto statuses = must(devnet::wait_until_ready(home, state, ready, timeout_ms, devnet::plain_pause));
    json heights = json::object();
    std::string text = "ready (" + ready.text + "):";
    for (std::size_t i = 0; i < state.nodes.size(); ++i) {
      heights[state.nodes[i].name] = statuses[i].height;
      text += " " + state.nodes[i].name + "@" + std::to_string(statuses[i].height);
    }
    emit(g, "ios.devnet.wait.v1", {{"condition", ready.text}, {"ready", true}, {"heights", heights}}, text);
  });
}

// --- logs --------------------------------------------------------------------------------------

struct LogLine {
  std::string key;  // the leading timestamp token, carried forward over lines without one
  std::size_t node = 0;
  std::string text;
};

// Node logs are merged by their leading timestamp when lines have one (a digit-first token);
// otherwise each node's lines stay together, in node order.
std::vector<LogLine> read_log_lines(const std::vector<std::filesystem::path>& files) {
  std::vector<LogLine> out;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i]);
    std::string line, key;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] >= '0' && line[0] <= '9') key = line.substr(0, line.find(' '));
      out.push_back({key, i, line});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const LogLine& a, const LogLine& b) { return a.key < b.key; });
  return out;
}

// Text and ndjson stream line by line; -o json gathers the lines into one document instead.
void print_log_line(const Globals& g, const std::string& node, const std::string& text) {
  if (g.format == Format::text) std::cout << node << "| " << text << '\n';
  else std::cout << json{{"schema", "ios.devnet.log.v1"}, {"node", node}, {"line", text}}.dump() << '\n';
}

// -f: prints every complete new line as it arrives, until interrupted. A log that shrank
// (reset) is read again from its start.
[[noreturn]] void follow_logs(const Globals& g, const std::vector<std::string>& names, const std::vector<std::filesystem::path>& files) {
  std::vector<std::uintmax_t> offsets(files.size(), 0);
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    offsets[i] = std::filesystem::file_size(files[i], ec);
    if (ec) offsets[i] = 0;
  }
  std::vector<std::string> partial(files.size());
  for (;;) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(files[i], ec);
      if (ec) continue;
      if (size < offsets[i]) offsets[i] = 0, partial[i].clear();
      if (size == offsets[i]) continue;
      std::ifstream in(files[i], std::ios::binary);
      in.seekg(static_cast<std::streamoff>(offsets[i]));
      std::string chunk(static_cast<std::size_t>(size - offsets[i]), '\0');
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.resize(static_cast<std::size_t>(in.gcount()));
      offsets[i] += chunk.size();
      partial[i] += chunk;
      std::size_t start = 0;
      for (std::size_t end; (end = partial[i].find('\n', start)) != std::string::npos; start = end + 1)
        print_log_line(g, names[i], partial[i].substr(start, end - start));
      partial[i].erase(0, start);
    }
    std::cout.flush();
    devnet::sleep_ms(200);
  }
}

void register_logs(CLI::App& devnet, Globals& g) {
  struct Args {
    bool follow = false;
    std::string node;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = devnet.add_subcommand("logs", "Node logs merged, each line prefixed with its node (\"node0| \")");
  cmd->add_flag("-f,--follow", args->follow, "Keep printing new lines until Ctrl-C");
  cmd->add_option("node", args->node, "Only this node (name or index)");
  cmd->footer(
      "-o json: one document {\"lines\":[{\"node\",\"line\"}]}; -o ndjson: one ios.devnet.log.v1 per line (also with "
      "-f).\n"
      "Examples:\n  ios devnet logs -f\n  ios devnet logs node2 | grep view");
  cmd->callback([args, &g] {
    if (args->follow && g.format == Format::json)
      throw Failure(Exit::usage, "--follow never ends, so it cannot be one JSON document: use -o ndjson");
    const auto home = load_home(g);
    std::vector<std::string> names;
    std::vector<std::filesystem::path> files;
    for (const auto& n : home.nodes) {
      if (!args->node.empty() && n.name != args->node && std::to_string(n.index) != args->node) continue;
      names.push_back(n.name);
      files.push_back(home.log_file(n));
    }
    if (names.empty()) throw Failure(Exit::not_found, "no node '" + args->node + "' in " + home.dir.string());
    if (g.format == Format::json) {
      json lines = json::array();
      for (const auto& line : read_log_lines(files)) lines.push_back({{"node", names[line.node]}, {"line", line.text}});
      emit(g, "ios.devnet.logs.v1", {{"home", home.dir.string()}, {"lines", lines}}, "");
      return;
    }
    for (const auto& line : read_log_lines(files)) print_log_line(g, names[line.node], line.text);
    std::cout.flush();
    if (args->follow) follow_logs(g, names, files);
  });
}

// --- down, reset -------------------------------------------------------------------------------

void register_down(CLI::App& devnet, Globals& g) {
  auto* cmd = devnet.add_subcommand("down", "Stop the supervisor and every node by the pids in state.json");
  cmd->footer(
      "SIGTERM, up to 6 s, then SIGKILL. Idempotent: exit 0 when nothing runs.\n"
      "Example:\n  ios devnet down --home /tmp/devnet");
  cmd->callback([&g] {
    if (!devnet::devnet_home_exists(home_dir(g))) {
      emit(g, "ios.devnet.down.v1", {{"stopped", json::array()}}, "");
      note(g, "devnet: no devnet home at " + home_dir(g).string() + ", nothing to stop");
      return;
    }
    const auto home = load_home(g);
    const auto stopped = stop_devnet(home);
    json pids = json::array();
    for (const auto& p : stopped) pids.push_back(p.pid);
    emit(g, "ios.devnet.down.v1", {{"home", home.dir.string()}, {"stopped", pids}}, "");
    note(g, stopped.empty() ? "devnet: not running" : "devnet: stopped " + std::to_string(stopped.size()) + " processes");
  });
}

// The files a run leaves in a node home (keys, config and genesis stay).
std::vector<std::filesystem::path> run_files(const DevnetHome& home, const devnet::DevnetNode& node) {
  const auto dir = home.node_dir(node);
  std::string database = "node.db";
  if (auto config = devnet::read_json_file(dir / "config.json"); config && config->value("database", json()).is_string())
    database = (*config)["database"].get<std::string>();
  std::vector<std::filesystem::path> out{dir / "node.log", dir / "ports.json"};
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) out.push_back(dir / (database + suffix));
  return out;
}

void register_reset(CLI::App& devnet, Globals& g) {
  auto* cmd = devnet.add_subcommand("reset", "Stop the devnet and delete its databases, logs and state (keys and genesis stay)");
  cmd->footer("The next `ios devnet up` starts from genesis.\nExample:\n  ios devnet reset && ios devnet up -d");
  cmd->callback([&g] {
    const auto home = load_home(g);
    const auto stopped = stop_devnet(home);
    json removed = json::array();
    std::vector<std::filesystem::path> files{home.state_file(), home.dir / "supervisor.log", home.dir / "supervisor.lock"};
    for (const auto& n : home.nodes) {
      for (auto& f : run_files(home, n)) files.push_back(std::move(f));
    }
    for (const auto& f : files) {
      std::error_code ec;
      if (std::filesystem::remove(f, ec)) removed.push_back(f.string());
      if (ec) throw Failure(Exit::internal, "cannot remove " + f.string() + ": " + ec.message());
    }
    // Like `down`: the document on stdout in JSON modes, the status line for people on stderr.
    emit(g, "ios.devnet.reset.v1", {{"home", home.dir.string()}, {"stopped", stopped.size()}, {"removed", removed}},
         "");
    note(g, "devnet: reset " + home.dir.string() + " (" + std::to_string(removed.size()) + " files removed)");
  });
}

}  // namespace

void register_devnet(CLI::App& app, Globals& g) {
  auto* devnet = app.add_subcommand(
      "devnet", "A multi-process network on loopback: init, up, status, env, wait, logs, down, reset, fund");
  devnet->require_subcommand(1);
  devnet->footer(
      "Home: --home DIR, else $IOS_HOME, else ./.ios-devnet. Nodes are stopped by the pids in state.json, never by name.\n"
      "Example:\n  ios devnet up -d --seed 1 --wait-for final && ios devnet status && ios devnet down");
  register_devnet_init(*devnet, g);
  register_up(*devnet, g);
  register_supervise(*devnet, g);
  register_devnet_status(*devnet, g);
  register_env(*devnet, g);
  register_wait(*devnet, g);
  register_logs(*devnet, g);
  register_down(*devnet, g);
  register_reset(*devnet, g);
  register_devnet_fund(*devnet, g);
}

}  // namespace ios::cli
