// call_on_io (node/runtime/io_call.hpp): how the RPC threads ask the io thread. docs/security.md
// "Late task on a stalled io thread": a stalled io thread made a late task write into the returned
// frame of its waiter, and the node died with SIGSEGV (ASan: stack-use-after-return on the old code).
#include "node/runtime/io_call.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace ios::runtime {
namespace {

using namespace std::chrono_literals;

TEST(CallOnIo, BeforeTheNodeIsReadyNothingIsPostedAndTheAnswerIsUnavailable) {
  asio::io_context io;
  std::atomic<bool> ready{false};
  bool ran = false;
  try {
    call_on_io(io, ready, 1000ms, [&ran] {
      ran = true;
      return 1;
    });
    FAIL() << "answered before ready";
  } catch (const rpc::NodeUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("starting"), std::string::npos) << e.what();
  }
  EXPECT_EQ(io.poll(), 0u) << "nothing was queued for the io thread";
  EXPECT_FALSE(ran);
}

TEST(CallOnIo, AnAnswerComesBackFromTheIoThread) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  std::atomic<bool> ready{true};
  const auto io_thread = runner.get_id();
  EXPECT_EQ(call_on_io(io, ready, 5000ms, [] { return std::this_thread::get_id(); }), io_thread);
  EXPECT_THROW(call_on_io(io, ready, 5000ms, []() -> int { throw std::runtime_error("bad"); }), std::runtime_error);
  guard.reset();
  runner.join();
}

// The task runs long after its waiter gave up, in frames that reuse the waiter's stack: it
// must write only into what it owns. Its result and its captured argument are still intact.
std::string ask_and_give_up(asio::io_context& io, const std::atomic<bool>& ready, std::string argument) {
  try {
    return call_on_io(io, ready, 20ms, [argument] { return argument + " answered"; });
  } catch (const rpc::NodeUnavailable& e) {
    return e.what();
  }
}

void scribble_on_the_stack() {
  volatile char frame[4096];
  for (auto& c : frame) c = 0x5a;
}

TEST(CallOnIo, ATaskThatRunsAfterItsWaiterLeftIsHarmless) {
  asio::io_context io;  // not running: the io thread is stalled
  std::atomic<bool> ready{true};
  for (int i = 0; i < 8; ++i) {
    const auto answer = ask_and_give_up(io, ready, std::string(64, 'a' + i));
    EXPECT_NE(answer.find("busy"), std::string::npos) << answer;
  }
  scribble_on_the_stack();
  EXPECT_EQ(io.run(), 8u) << "the late tasks run, each on its own state";
}

}  // namespace
}  // namespace ios::runtime
