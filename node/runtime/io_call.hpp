#pragma once
// How an RPC thread asks the io thread a question (docs/STYLE.md rule 7: one thread owns protocol
// state) without either side outliving the other.
//
// docs/security.md "Late task on a stalled io thread": the first version captured a stack
// std::promise (and the call's arguments) by reference and gave up after 10 s; when the io thread
// was stalled for longer, the posted task ran later and wrote into the dead frame, and the node
// died with SIGSEGV. Here the promise is shared by the waiter and the task, and the task owns
// copies of what it needs, so a task that runs after its waiter left writes only into memory it
// co-owns.
//
// Invariants (tests/unit/io_call_test.cpp):
//   - before `ready` (the node is replaying its chain) nothing is posted: NodeUnavailable;
//   - a call that gets no answer within wait_max throws NodeUnavailable; its task may still
//     run later, harmlessly;
//   - an exception thrown by `f` reaches the caller.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <asio.hpp>

#include "node/rpc/node_api.hpp"

namespace ios::runtime {

// `f` must hold its arguments by value.
template <class F>
auto call_on_io(asio::io_context& io, const std::atomic<bool>& ready, std::chrono::milliseconds wait_max, F f)
    -> decltype(f()) {
  using R = decltype(f());
  if (!ready.load(std::memory_order_acquire)) throw rpc::NodeUnavailable("node is starting (replaying its chain)");
  auto done = std::make_shared<std::promise<R>>();
  auto answer = done->get_future();
  asio::post(io, [done, f = std::move(f)]() mutable {
    try {
      done->set_value(f());
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  if (answer.wait_for(wait_max) != std::future_status::ready)
    throw rpc::NodeUnavailable("node busy: its protocol thread did not answer within " +
                               std::to_string(wait_max.count()) + " ms");
  return answer.get();
}

}  // namespace ios::runtime
