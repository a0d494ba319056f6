#pragma once
// Real devnets for the devnet label: `ios devnet up -d` in a fresh temp home, its state.json,
// the nodes' RPC, and a guard that always runs `ios devnet down` (also when an assertion
// fails) and then checks that no recorded process is left.
#include <gtest/gtest.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/run_ios.hpp"
#include "node/chain/address.hpp"
#include "node/chain/tx.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/keystore.hpp"
#include "node/rpc/client.hpp"

namespace ios::test {

struct DevnetNode {
  std::string name;
  std::uint32_t index = 0;
  std::uint32_t shard = 0;
  std::int64_t pid = 0;
  std::string role;
  std::uint16_t p2p = 0;
  std::string rpc_url;
  std::string home;  // absolute
};

inline bool pid_alive(std::int64_t pid) {
  if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

// A test that crashes (abort, segfault) runs no destructor, and the detached supervisor would
// outlive it with six nodes. The handler only signals (async-signal-safe): SIGTERM to the
// supervisor stops its nodes; the node the test restarted itself goes too.
inline volatile std::sig_atomic_t crash_supervisor_pid = 0;
inline volatile std::sig_atomic_t crash_child_pid = 0;
inline void stop_devnet_on_crash(int sig) {
  if (crash_supervisor_pid > 0) ::kill(crash_supervisor_pid, SIGTERM);
  if (crash_child_pid > 0) ::kill(crash_child_pid, SIGTERM);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Polls `pred` every 50 ms until it holds or `timeout_ms` passes.
template <class Pred>
bool eventually(std::uint64_t timeout_ms, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

class Devnet {
 public:
  // `ios devnet up -d --home <temp> --wait-for final --timeout 90s <extra>`; asserts it worked.
  explicit Devnet(const std::string& extra = "") {
    crypto::init();
    // Nodes inherit these (cmd_node.cpp); the tests read the default text logs.
    ::unsetenv("IOS_LOG_FORMAT");
    ::unsetenv("IOS_LOG_LEVEL");
    const auto r = run_ios("devnet up -d --home " + home() + " --wait-for final --timeout 90s -q " + extra);
    up_ok_ = r.code == 0;
    load_state();
    EXPECT_EQ(r.code, 0) << r.err << r.out << (up_ok_ ? std::string() : every_log());
  }

  // The supervisor's and every node's whole log: what a failure in CI is diagnosed from.
  std::string every_log() const {
    std::string out = "--- supervisor.log\n" + slurp(home() + "/supervisor.log");
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(home() + "/nodes", ec)) {
      out += "--- " + entry.path().filename().string() + "/node.log\n" + slurp(entry.path() / "node.log");
    }
    return out;
  }
  // The last `lines` lines of every node's log, and `devnet status`: enough to see which node
  // stopped finalizing and why, without the whole of twelve logs.
  std::string every_log_tail(std::size_t lines) const {
    std::string out = "--- devnet status\n" + ios("devnet status").out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(home() + "/nodes", ec)) {
      const auto log = slurp(entry.path() / "node.log");
      std::size_t at = log.size(), seen = 0;
      while (at > 0 && seen <= lines) {
        at = log.rfind('\n', at - 1);
        if (at == std::string::npos) {
          at = 0;
          break;
        }
        ++seen;
      }
      out += "--- " + entry.path().filename().string() + "/node.log (tail)\n" + log.substr(at);
    }
    return out;
  }
  ~Devnet() { down(); }
  Devnet(const Devnet&) = delete;
  Devnet& operator=(const Devnet&) = delete;

  bool up() const { return up_ok_ && !nodes_.empty(); }
  std::string home() const { return dir_.path().string(); }
  const std::vector<DevnetNode>& nodes() const { return nodes_; }
  // `ios <args> --home <home>`.
  Run ios(const std::string& args) const { return run_ios(args + " --home " + home()); }

  // Runs `ios node run --home <node home>` as a child of the test (a restart after a crash);
  // the guard stops it at the end.
  std::int64_t restart_node(const DevnetNode& node) {
    const std::string log = node.home + "/restart.log";
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      // The program the devnet itself spawns nodes with (process.hpp: node_program()).
      const char* env = std::getenv("IOS_DEVNET_NODE_CMD");
      const char* program = env != nullptr && *env != '\0' ? env : IOS_BINARY;
      ::execl(program, program, "node", "run", "--home", node.home.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    children_.push_back(pid);
    crash_child_pid = pid;
    return pid;
  }

  // Stops the devnet (idempotent) and the test's own children; every recorded pid must be gone.
  void down() {
    if (down_) return;
    down_ = true;
    crash_supervisor_pid = 0;
    crash_child_pid = 0;
    const auto r = ios("devnet down");
    EXPECT_EQ(r.code, 0) << r.err;
    for (pid_t c : children_) {
      ::kill(c, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && ::waitpid(c, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (::waitpid(c, &status, WNOHANG) == 0) {
        ::kill(c, SIGKILL);
        ::waitpid(c, &status, 0);
        ADD_FAILURE() << "restarted node " << c << " ignored SIGTERM";
      }
    }
    for (const auto& n : nodes_) {
      EXPECT_TRUE(eventually(3000, [&] { return !pid_alive(n.pid); })) << n.name << " (pid " << n.pid << ") survived down";
    }
    EXPECT_TRUE(eventually(3000, [&] { return !pid_alive(supervisor_pid_); })) << "supervisor survived down";
  }

  // The first running node's RPC URL of a node by name, re-read from its ports.json (a restarted
  // node binds new ports).
  static std::string rpc_url_of(const DevnetNode& node) {
    std::ifstream in(node.home + "/ports.json");
    auto doc = nlohmann::json::parse(in, nullptr, false);
    if (!doc.is_object() || !doc.contains("rpc")) return node.rpc_url;
    return "http://127.0.0.1:" + std::to_string(doc["rpc"].get<int>());
  }

  // Account name -> address, from accounts/accounts.json.
  std::vector<std::pair<std::string, chain::Address>> accounts() const {
    std::ifstream in(home() + "/accounts/accounts.json");
    auto doc = nlohmann::json::parse(in);
    std::vector<std::pair<std::string, chain::Address>> out;
    for (const auto& a : doc["accounts"]) out.emplace_back(a["name"], *chain::Address::parse(a["address"].get<std::string>()));
    return out;
  }

  // The unlocked signing key of a dev account (insecure keystore, empty password).
  crypto::SigningKey account_key(const std::string& name) const {
    auto id = crypto::keystore_decrypt(slurp(home() + "/accounts/" + name + ".json"), "");
    IOS_ASSERT(id.ok());
    return id->signing_key();
  }

 private:
  void load_state() {
    std::ifstream in(home() + "/state.json");
    auto doc = nlohmann::json::parse(in, nullptr, false);
    if (!doc.is_object()) return;
    supervisor_pid_ = doc.value("supervisor_pid", 0);
    crash_supervisor_pid = static_cast<std::sig_atomic_t>(supervisor_pid_);
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE}) ::signal(sig, stop_devnet_on_crash);
    for (const auto& n : doc["nodes"]) {
      nodes_.push_back(DevnetNode{n["name"], n["index"], n.value("shard", 0u), n["pid"], n["role"], n["p2p"],
                                  n["rpc_url"], home() + "/" + n["home"].get<std::string>()});
    }
  }

  TempDir dir_;
  bool up_ok_ = false;
  bool down_ = false;
  std::int64_t supervisor_pid_ = 0;
  std::vector<DevnetNode> nodes_;
  std::vector<pid_t> children_;
};

inline nlohmann::json rpc_get(const std::string& url, const std::string& path) {
  rpc::RpcClient c(url, 3000);
  auto r = c.get(path);
  return r ? *r : nlohmann::json();
}

inline std::optional<std::uint64_t> balance_at(const std::string& url, const chain::Address& a) {
  auto doc = rpc_get(url, "/v1/accounts/" + a.to_string());
  if (!doc.is_object() || !doc.contains("balance")) return std::nullopt;
  return std::stoull(doc["balance"].get<std::string>());
}

inline std::uint64_t height_at(const std::string& url) {
  auto s = rpc_get(url, "/v1/status");
  return s.is_object() ? s.value("height", std::uint64_t{0}) : 0;
}

inline rpc::TxState tx_state_at(const std::string& url, const core::Hash32& hash) {
  rpc::RpcClient c(url, 3000);
  auto s = c.tx_status(hash);
  return s ? s->state : rpc::TxState::unknown;
}

// The NDJSON lines of a `tx batch` run with the given schema.
inline std::vector<nlohmann::json> lines_with_schema(const std::string& out, const std::string& schema) {
  std::vector<nlohmann::json> docs;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto d = nlohmann::json::parse(line, nullptr, false);
    if (d.is_object() && d.value("schema", "") == schema) docs.push_back(d);
  }
  return docs;
}

}  // namespace ios::test
