#pragma once
// Child processes of a devnet, by pid only (docs/CLI.md "Processes": never by name).
//
// Safety against pid reuse: every pid the devnet records comes with the process's start time
// (field 22 of /proc/<pid>/stat). A recorded process counts as alive only if a process with
// that pid exists, is not a zombie, and started at that time — so `down` after a reboot or
// long after a crash never signals an unrelated program that inherited the number.
//
// Orphans: a node is spawned in its own process group (Ctrl-C in the supervisor's terminal is
// the supervisor's to handle) with PR_SET_PDEATHSIG = SIGTERM, so a supervisor killed with
// SIGKILL still takes its nodes down; the node's --exit-with-parent is the second line.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "devnet/error.hpp"

namespace ios::devnet {

struct ProcessRef {
  std::int64_t pid = 0;
  std::uint64_t start = 0;  // 0: unknown (then only existence is checked)
};

std::optional<std::uint64_t> process_start_time(std::int64_t pid);
// The process exists, is not a zombie, and (if ref.start != 0) started at ref.start.
bool process_alive(const ProcessRef& ref);

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the program executed
  std::filesystem::path cwd;
  std::filesystem::path log;  // stdout and stderr, appended (created 0600)
  bool new_session = false;   // setsid (the detached supervisor) instead of a new process group
  bool die_with_parent = false;  // PR_SET_PDEATHSIG = SIGTERM (nodes)
};

// fork + exec. In the child every signal is unblocked and default again before exec. An exec
// failure is written to the log and the child exits 127.
DevnetResult<ProcessRef> spawn_process(const SpawnSpec& spec);

// Reaps any of our exited children without blocking; returns (pid, wait status) pairs.
std::vector<std::pair<pid_t, int>> reap_children();

// SIGTERM every live process (its whole group when it leads one: a node's helpers go too),
// waits up to grace_ms, SIGKILLs the leftovers and waits up to 1 s more. Reaps our own
// children meanwhile. Returns the processes that were still alive at the end (normally none).
std::vector<ProcessRef> stop_processes(const std::vector<ProcessRef>& processes, std::uint64_t grace_ms);

// The program that spawns nodes: $IOS_DEVNET_NODE_CMD if set (a test stub receiving the same
// arguments as `ios`), else /proc/self/exe (this very ios binary).
std::string node_program();

std::uint64_t wall_clock_ms();  // for state.json's started_ms
std::uint64_t steady_ms();      // for deadlines
void sleep_ms(std::uint64_t ms);

}  // namespace ios::devnet
