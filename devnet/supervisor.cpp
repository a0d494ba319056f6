#include "devnet/supervisor.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "devnet/files.hpp"
#include "devnet/health.hpp"

namespace ios::devnet {

std::vector<ProcessRef> recorded_processes(const DevnetState& state) {
  std::vector<ProcessRef> out;
  if (process_alive({state.supervisor_pid, state.supervisor_start})) out.push_back({state.supervisor_pid, state.supervisor_start});
  for (const auto& n : state.nodes) {
    if (process_alive({n.pid, n.pid_start})) out.push_back({n.pid, n.pid_start});
  }
  return out;
}

bool devnet_running(const DevnetState& state) { return !recorded_processes(state).empty(); }

Supervisor::Supervisor(DevnetHome home) : home_(std::move(home)) {
  sigemptyset(&blocked_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&blocked_, sig);
  ::sigprocmask(SIG_BLOCK, &blocked_, &previous_);
}

Supervisor::~Supervisor() {
  stop();
  ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
}

DevnetStatus Supervisor::take_lock() {
  const auto path = home_.dir / "supervisor.lock";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return devnet_error(ErrorKind::io, "cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return devnet_error(ErrorKind::conflict, "another supervisor is running this devnet (" + home_.dir.string() + ")");
  return Done{};
}

DevnetStatus Supervisor::spawn_nodes() {
  const std::string program = node_program();
  state_ = DevnetState{};
  state_.running = true;
  state_.supervisor_pid = ::getpid();
  state_.supervisor_start = process_start_time(::getpid()).value_or(0);
  state_.started_ms = wall_clock_ms();
  for (const auto& node : home_.nodes) {
    const auto dir = std::filesystem::absolute(home_.node_dir(node));
    std::error_code ec;
    std::filesystem::remove(dir / "ports.json", ec);  // a stale file must not pass for readiness
    if (ec) return devnet_error(ErrorKind::io, "cannot remove " + (dir / "ports.json").string() + ": " + ec.message());
    std::ofstream(home_.log_file(node), std::ios::app) << "--- ios devnet: starting " << node.name << " at "
                                                       << wall_clock_ms() << " ms (unix)\n";
    SpawnSpec spec{{program, "node", "run", "--home", dir.string(), "--exit-with-parent"},
                   std::filesystem::absolute(home_.dir), home_.log_file(node), false, true};
    auto child = spawn_process(spec);
    if (!child) return child.error();
    state_.nodes.push_back(
        {node.name, node.index, node.shard, child->pid, child->start, role_name(node.believable), 0, 0, "", node.home});
  }
  return write_state(home_.state_file(), state_);
}

DevnetStatus Supervisor::wait_for_ports(std::uint64_t timeout_ms) {
  const std::uint64_t deadline = steady_ms() + timeout_ms;
  for (;;) {
    std::vector<std::string> waiting;
    for (auto& n : state_.nodes) {
      if (n.rpc != 0) continue;
      if (!process_alive({n.pid, n.pid_start}))
        return devnet_error(ErrorKind::unhealthy, n.name + " (pid " + std::to_string(n.pid) + ") exited during startup",
                            log_tail_block(home_, n.name));
      auto ports = read_ports(home_.dir / n.home / "ports.json");
      if (!ports) {
        waiting.push_back(n.name);
        continue;
      }
      n.p2p = ports->p2p;
      n.rpc = ports->rpc;
      n.rpc_url = "http://127.0.0.1:" + std::to_string(ports->rpc);
    }
    if (waiting.empty()) return write_state(home_.state_file(), state_);
    if (steady_ms() >= deadline) {
      std::string message = "no ports.json after " + std::to_string(timeout_ms) + " ms from:";
      std::string details;
      for (const auto& name : waiting) {
        message += " " + name;
        details += log_tail_block(home_, name);
      }
      return devnet_error(ErrorKind::timeout, message, details);
    }
    if (!pause(50)) return devnet_error(ErrorKind::io, "interrupted during startup");
  }
}

DevnetStatus Supervisor::start(std::uint64_t timeout_ms) {
  if (auto locked = take_lock(); !locked) return locked;
  auto previous = read_state(home_.state_file());
  if (previous && devnet_running(*previous))
    return devnet_error(ErrorKind::conflict, "the devnet in " + home_.dir.string() +
                                                 " is already running (supervisor pid " +
                                                 std::to_string(previous->supervisor_pid) + "; `ios devnet down` stops it)");
  started_ = true;
  auto spawned = spawn_nodes();
  if (spawned) spawned = wait_for_ports(timeout_ms);
  if (!spawned) stop();
  return spawned;
}

void Supervisor::report_exits() {
  for (const auto& [pid, status] : reap_children()) {
    for (const auto& n : state_.nodes) {
      if (n.pid != pid) continue;
      const std::string how = WIFEXITED(status) ? "with code " + std::to_string(WEXITSTATUS(status))
                                                : "by signal " + std::to_string(WTERMSIG(status));
      std::cerr << "ios devnet: " << n.name << " (pid " << pid << ") exited " << how << "; see " << (home_.dir / n.home / "node.log").string()
                << std::endl;
    }
  }
}

bool Supervisor::pause(std::uint64_t ms) {
  if (stop_requested_) return false;
  timespec wait{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
  const int sig = ::sigtimedwait(&blocked_, nullptr, &wait);
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
    stop_requested_ = true;
    std::cerr << "ios devnet: " << ::strsignal(sig) << ", stopping the nodes" << std::endl;
  }
  report_exits();
  return !stop_requested_;
}

void Supervisor::run_until_signal() {
  while (pause(1000)) {
  }
}

void Supervisor::stop() {
  if (started_) {
    started_ = false;
    std::vector<ProcessRef> nodes;
    for (const auto& n : state_.nodes) nodes.push_back({n.pid, n.pid_start});
    auto left = stop_processes(nodes, node_stop_grace_ms);
    report_exits();
    for (const auto& p : left) std::cerr << "ios devnet: pid " << p.pid << " did not exit after SIGKILL" << std::endl;
    if (auto w = write_state(home_.state_file(), state_.stopped()); !w) std::cerr << "ios devnet: " << w.error().message << std::endl;
    state_ = state_.stopped();
  }
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);  // releases the flock
    lock_fd_ = -1;
  }
}

}  // namespace ios::devnet
