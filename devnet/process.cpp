#include "devnet/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace ios::devnet {

namespace {

// /proc/<pid>/stat: "pid (comm) S ppid ... starttime(22) ..."; comm may contain spaces and
// parentheses, so fields are counted after the last ')'.
std::optional<std::pair<char, std::uint64_t>> stat_of(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  char state = 0;
  rest >> state;
  std::string field;
  for (int i = 4; i < 22 && rest >> field; ++i) {
  }
  std::uint64_t start = 0;
  if (!(rest >> start)) return std::nullopt;
  return std::pair{state, start};
}

[[noreturn]] void exec_child(const SpawnSpec& spec, pid_t parent) {
  if (spec.new_session) ::setsid();
  else ::setpgid(0, 0);
  if (spec.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(0);  // the parent died before prctl took effect
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  const int log = ::open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log >= 0) {
    ::dup2(log, 1);
    ::dup2(log, 2);
  }
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) ::_exit(127);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  const std::string msg = "ios devnet: cannot execute " + spec.argv[0] + ": " + std::strerror(errno) + "\n";
  [[maybe_unused]] auto n = ::write(2, msg.data(), msg.size());
  ::_exit(127);
}

void signal_process(const ProcessRef& p, int sig) {
  const auto pid = static_cast<pid_t>(p.pid);
  if (::getpgid(pid) == pid) ::kill(-pid, sig);  // the node and anything it started
  ::kill(pid, sig);
}

}  // namespace

std::optional<std::uint64_t> process_start_time(std::int64_t pid) {
  auto s = stat_of(pid);
  if (!s) return std::nullopt;
  return s->second;
}

bool process_alive(const ProcessRef& ref) {
  if (ref.pid <= 0) return false;
  // The kernel's answer first; /proc then tells a zombie and a reused pid apart. A stat file
  // that cannot be read (a restricted /proc) does not make a live process dead.
  if (::kill(static_cast<pid_t>(ref.pid), 0) != 0 && errno == ESRCH) return false;
  auto s = stat_of(ref.pid);
  if (!s) return true;
  if (s->first == 'Z' || s->first == 'X') return false;
  return ref.start == 0 || s->second == ref.start;
}

DevnetResult<ProcessRef> spawn_process(const SpawnSpec& spec) {
  if (spec.argv.empty()) return devnet_error(ErrorKind::io, "spawn: empty command");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return devnet_error(ErrorKind::io, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(spec, parent);
  // Set the group from both sides so that a kill(-pid) right after spawn cannot miss it.
  if (!spec.new_session) ::setpgid(pid, pid);
  return ProcessRef{pid, process_start_time(pid).value_or(0)};
}

std::vector<std::pair<pid_t, int>> reap_children() {
  std::vector<std::pair<pid_t, int>> out;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    out.emplace_back(pid, status);
  }
  return out;
}

std::vector<ProcessRef> stop_processes(const std::vector<ProcessRef>& processes, std::uint64_t grace_ms) {
  auto alive = [&] {
    std::vector<ProcessRef> out;
    for (const auto& p : processes) {
      if (process_alive(p)) out.push_back(p);
    }
    return out;
  };
  auto wait_for_exit = [&](std::uint64_t ms) {
    const std::uint64_t deadline = steady_ms() + ms;
    for (;;) {
      reap_children();
      auto left = alive();
      if (left.empty() || steady_ms() >= deadline) return left;
      sleep_ms(20);
    }
  };
  for (const auto& p : alive()) signal_process(p, SIGTERM);
  auto left = wait_for_exit(grace_ms);
  for (const auto& p : left) signal_process(p, SIGKILL);
  if (!left.empty()) left = wait_for_exit(1000);
  return left;
}

std::string node_program() {
  if (const char* stub = std::getenv("IOS_DEVNET_NODE_CMD"); stub != nullptr && *stub != '\0') return stub;
  return "/proc/self/exe";
}

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

void sleep_ms(std::uint64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace ios::devnet
