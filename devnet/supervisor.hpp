#pragma once
// The devnet supervisor: one process (the foreground `ios devnet up`, or the detached
// `ios devnet supervise`) that owns the node processes of one devnet home.
//
//   start   takes <home>/supervisor.lock (flock: two supervisors of one home cannot race),
//           refuses a devnet whose recorded processes are alive (conflict), spawns
//           `ios node run --home nodes/<name> --exit-with-parent` per validator (own process
//           group, PDEATHSIG = SIGTERM, stdout+stderr appended to node.log), records the pids
//           in state.json at once (so `down` can stop a half-started devnet), waits for every
//           ports.json and records the ports and RPC URLs.
//   pause   the supervisor's only way to wait: SIGINT/SIGTERM/SIGHUP/SIGCHLD are blocked and
//           taken with sigtimedwait, so a signal is handled between steps, never inside one.
//           An exited node is reaped and reported on stderr; nothing is restarted (a crash
//           is what a devnet test wants to see, not hide).
//   stop    SIGTERM every node, up to 5 s, SIGKILL leftovers; state.json marked stopped.
//
// Invariant: every pid in state.json with "state":"running" is a process this supervisor
// spawned (checked with its start time before any signal, process.hpp).
#include <signal.h>

#include <cstdint>

#include "devnet/error.hpp"
#include "devnet/home.hpp"
#include "devnet/process.hpp"
#include "devnet/state.hpp"

namespace ios::devnet {

inline constexpr std::uint64_t node_stop_grace_ms = 5000;

// Alive processes recorded in a state (the supervisor first), for `up` and `down`.
std::vector<ProcessRef> recorded_processes(const DevnetState& state);
bool devnet_running(const DevnetState& state);

class Supervisor {
 public:
  explicit Supervisor(DevnetHome home);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // On failure every node already spawned is stopped again.
  DevnetStatus start(std::uint64_t timeout_ms);
  // false once SIGINT, SIGTERM or SIGHUP arrived (then and ever after).
  bool pause(std::uint64_t ms);
  void run_until_signal();
  void stop();

  const DevnetHome& home() const { return home_; }
  const DevnetState& state() const { return state_; }
  bool stop_requested() const { return stop_requested_; }

 private:
  DevnetStatus take_lock();
  DevnetStatus spawn_nodes();
  DevnetStatus wait_for_ports(std::uint64_t timeout_ms);
  void report_exits();

  DevnetHome home_;
  DevnetState state_;
  sigset_t blocked_{};
  sigset_t previous_{};
  int lock_fd_ = -1;
  bool stop_requested_ = false;
  bool started_ = false;
};

}  // namespace ios::devnet
