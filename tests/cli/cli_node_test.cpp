// `ios node` as a user runs it: a second process on a running node's home is refused (two
// processes with one validator key could sign conflicting votes), a missing home is "not
// found", a running node stops cleanly on SIGTERM with exit 0, and a validator that lost its
// database does not start.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_ios.hpp"

namespace ios::test {
namespace {

bool wait_for_file(const std::string& path, int tries_50ms = 200) {
  for (int i = 0; i < tries_50ms && !std::filesystem::exists(path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return std::filesystem::exists(path);
}

// Starts `ios node run --home HOME [extra]` with its stderr in HOME/node.log and waits until
// it has bound its listeners (a fresh ports.json: the file outlives a stop). -1 if it did not.
pid_t start_node(const std::string& home, const char* extra = nullptr) {
  std::filesystem::remove(home + "/ports.json");
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string log = home + "/node.log";
    freopen(log.c_str(), "w", stderr);
    execl(IOS_BINARY, IOS_BINARY, "node", "run", "--home", home.c_str(), extra, static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid > 0 && wait_for_file(home + "/ports.json") ? pid : -1;
}

// The node's exit code after SIGTERM; -(signal) if a signal ended it.
int stop_node(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1000;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST(CliNode, OneProcessPerHomeAndACleanStop) {
  ::unsetenv("IOS_LOG_FORMAT");  // the default text log is read below
  TempDir dir;
  ASSERT_EQ(run_ios("devnet init --home " + (dir / "dn") + " --seed 3 -q").code, 0);
  const std::string home = dir / "dn/nodes/node0";
  const pid_t pid = start_node(home);
  ASSERT_GT(pid, 0) << slurp(home + "/node.log");

  const auto second = run_ios("node run --home " + home);
  EXPECT_EQ(second.code, 9) << second.err;
  EXPECT_NE(second.err.find("another ios node is running"), std::string::npos) << second.err;

  EXPECT_EQ(stop_node(pid), 0) << slurp(home + "/node.log");
  EXPECT_NE(slurp(home + "/node.log").find("stopped at height"), std::string::npos);

  EXPECT_EQ(run_ios("node run --home " + (dir / "nowhere")).code, 3);

  // An API bound beyond loopback starts, with a warning that says what is exposed.
  auto config = nlohmann::json::parse(slurp(home + "/config.json"));
  config["rpc"]["host"] = "0.0.0.0";
  std::ofstream(home + "/config.json") << config.dump();
  const pid_t exposed = start_node(home);
  ASSERT_GT(exposed, 0) << slurp(home + "/node.log");
  EXPECT_EQ(stop_node(exposed), 0);
  const auto log = slurp(home + "/node.log");
  EXPECT_NE(log.find(" warn rpc_exposed: the RPC API listens on 0.0.0.0"), std::string::npos) << log;
  EXPECT_NE(log.find("POST /v1/tx"), std::string::npos) << log;

  // --log-format json: every line the node writes is one JSON object (issue 10).
  const pid_t json_run = start_node(home, "--log-format=json");
  ASSERT_GT(json_run, 0) << slurp(home + "/node.log");
  EXPECT_EQ(stop_node(json_run), 0);
  std::istringstream lines(slurp(home + "/node.log"));
  std::vector<std::string> events;
  for (std::string line; std::getline(lines, line);) {
    const auto doc = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << line;
    events.push_back(doc.value("event", ""));
  }
  EXPECT_NE(std::find(events.begin(), events.end(), "start"), events.end());
  EXPECT_NE(std::find(events.begin(), events.end(), "rpc_exposed"), events.end());
  EXPECT_EQ(events.back(), "stop");
}

TEST(CliNode, AValidatorWhoseDatabaseIsLostRefusesToStartUnlessToldItIsFresh) {
  // docs/security.md "Lost validator database": a node.db truncated to 0 bytes started silently and
  // re-synced, its vote and lock history gone, so after a crash it could sign a second, conflicting
  // vote for a height it had voted on. The home remembers that it has run (validator.has-run).
  TempDir dir;
  ASSERT_EQ(run_ios("devnet init --home " + (dir / "dn") + " --seed 3 -q").code, 0);
  // Every validator persists something within its first seconds, even alone (a believable
  // one seals heartbeat blocks; a normal one votes or changes view).
  const std::string home = dir / "dn/nodes/node0";
  const pid_t pid = start_node(home);
  ASSERT_GT(pid, 0) << slurp(home + "/node.log");
  EXPECT_TRUE(wait_for_file(home + "/validator.has-run")) << slurp(home + "/node.log");
  ASSERT_EQ(stop_node(pid), 0) << slurp(home + "/node.log");

  // A restart with its database intact is fine.
  const pid_t again = start_node(home);
  ASSERT_GT(again, 0) << slurp(home + "/node.log");
  ASSERT_EQ(stop_node(again), 0) << slurp(home + "/node.log");

  // The database is lost: truncated to 0 bytes, its WAL gone.
  std::filesystem::resize_file(home + "/node.db", 0);
  std::filesystem::remove(home + "/node.db-wal");
  std::filesystem::remove(home + "/node.db-shm");
  const auto refused = run_ios("node run --home " + home);
  EXPECT_EQ(refused.code, 9) << refused.err;
  EXPECT_NE(refused.err.find("vote history is lost"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--fresh-validator"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find('\n'), refused.err.size() - 1) << "one line: " << refused.err;
  // Deleted instead of truncated: the same.
  std::filesystem::remove(home + "/node.db");
  EXPECT_EQ(run_ios("node run --home " + home).code, 9);

  // The operator says it is a fresh validator: it starts, and the home is marked again.
  const pid_t fresh = start_node(home, "--fresh-validator");
  ASSERT_GT(fresh, 0) << slurp(home + "/node.log");
  EXPECT_TRUE(wait_for_file(home + "/validator.has-run")) << slurp(home + "/node.log");
  EXPECT_EQ(stop_node(fresh), 0) << slurp(home + "/node.log");
}

}  // namespace
}  // namespace ios::test
