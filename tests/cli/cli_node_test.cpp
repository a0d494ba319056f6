// `ios node` as a user runs it: a second process on a running node's home is refused (two
// processes with one validator key could sign conflicting votes), a missing home is "not
// found", and a running node stops cleanly on SIGTERM with exit 0.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli/run_ios.hpp"

namespace ios::test {
namespace {

TEST(CliNode, OneProcessPerHomeAndACleanStop) {
  TempDir dir;
  ASSERT_EQ(run_ios("devnet init --home " + (dir / "dn") + " --seed 3 -q").code, 0);
  const std::string home = dir / "dn/nodes/node0";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string log = home + "/node.log";
    freopen(log.c_str(), "w", stderr);
    execl(IOS_BINARY, IOS_BINARY, "node", "run", "--home", home.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // ports.json appears once both listeners are bound.
  for (int i = 0; i < 200 && !std::filesystem::exists(home + "/ports.json"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(std::filesystem::exists(home + "/ports.json")) << slurp(home + "/node.log");

  const auto second = run_ios("node run --home " + home);
  EXPECT_EQ(second.code, 9) << second.err;
  EXPECT_NE(second.err.find("another ios node is running"), std::string::npos) << second.err;

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << slurp(home + "/node.log");
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(slurp(home + "/node.log").find("stopped at height"), std::string::npos);

  EXPECT_EQ(run_ios("node run --home " + (dir / "nowhere")).code, 3);
}

}  // namespace
}  // namespace ios::test
