#pragma once
// Wraps a core and adds up the CPU time its inputs take. Measurement only: the figure never
// feeds back into the run, so the simulation stays deterministic while we learn what each
// role costs (the benchmarks of docs/DESIGN.md §7 report CPU per transaction).
#include <memory>

#include "node/protocol/core/core.hpp"
#include "node/protocol/node/node_core.hpp"

namespace ios::sim {

// CPU seconds of the calling thread.
double thread_cpu_s();

class CpuMetered final : public protocol::Core {
 public:
  CpuMetered(std::unique_ptr<protocol::Core> inner, double& total) : inner_(std::move(inner)), total_(total) {}
  void on_start(protocol::TimeMs now, protocol::Effects& out) override { meter([&] { inner_->on_start(now, out); }); }
  void on_message(protocol::TimeMs now, protocol::NodeId from, core::ByteView p, protocol::Effects& out) override {
    meter([&] { inner_->on_message(now, from, p, out); });
  }
  void on_timer(protocol::TimeMs now, protocol::TimerId id, protocol::Effects& out) override {
    meter([&] { inner_->on_timer(now, id, out); });
  }
  void on_verify_done(protocol::TimeMs now, std::uint64_t id, std::vector<bool> valid, protocol::Effects& out) override {
    meter([&] { inner_->on_verify_done(now, id, std::move(valid), out); });
  }
  void on_loaded(protocol::TimeMs now, std::uint64_t id, std::vector<std::optional<core::Bytes>> values,
                 protocol::Effects& out) override {
    meter([&] { inner_->on_loaded(now, id, std::move(values), out); });
  }
  const protocol::Core& inner() const { return *inner_; }

 private:
  template <class F>
  void meter(F&& f) {
    const double t0 = thread_cpu_s();
    f();
    total_ += thread_cpu_s() - t0;
  }
  std::unique_ptr<protocol::Core> inner_;
  double& total_;
};

// The inner core of a metered one, as T (nullptr if down or another type). A NodeCore is looked
// through: its one hosted T.
template <class T>
const T* metered_core(const protocol::Core* core) {
  const auto* m = dynamic_cast<const CpuMetered*>(core);
  if (m == nullptr) return nullptr;
  if (const auto* node = dynamic_cast<const protocol::node::NodeCore*>(&m->inner())) return node->only<T>();
  return dynamic_cast<const T*>(&m->inner());
}

}  // namespace ios::sim
