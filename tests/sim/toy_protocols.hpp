#pragma once
// Toy protocol cores for the simulator's own tests, and the seed helpers every sim test uses.
// They are honest protocol::Core implementations, written the way real cores are: inputs in,
// effects out, no clock, randomness only from the Rng the simulator hands over.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/sim/seed.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim::toy {

using protocol::Effects;

inline core::Bytes bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
inline std::string text_of(core::ByteView b) { return {b.begin(), b.end()}; }

// --- seeds (docs/STYLE.md rule 8) -------------------------------------------------------------------

inline std::string current_test_name() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name();
}

// The seeds a test runs: only IOS_SIM_SEED when it is set (replaying one failure), else the defaults.
inline std::vector<std::uint64_t> test_seeds(std::vector<std::uint64_t> defaults) {
  const char* env = std::getenv(std::string(seed_env_var).c_str());
  if (env == nullptr) return defaults;
  auto seed = parse_seed(env);
  if (!seed) {
    ADD_FAILURE() << seed_env_var << " is not a seed: '" << env << "'";
    return {};
  }
  return {*seed};
}

// Prints the seed and its replay command, records it as a test property, and returns the
// hint for SCOPED_TRACE so every assertion failure shows how to replay.
inline std::string announce_seed(std::uint64_t seed) {
  testing::Test::RecordProperty("seed", std::to_string(seed));
  std::string hint = replay_hint(seed, current_test_name());
  std::cout << "[ seed     ] " << seed << "  " << hint << std::endl;
  return hint;
}

// --- a core from lambdas, for short scripted tests -------------------------------------------

struct Script final : protocol::Core {
  std::function<void(TimeMs, Effects&)> start;
  std::function<void(TimeMs, NodeId, core::ByteView, Effects&)> message;
  std::function<void(TimeMs, TimerId, Effects&)> timer;

  void on_start(TimeMs now_ms, Effects& out) override {
    if (start) start(now_ms, out);
  }
  // Without a handler, a message is delivered as ("from <id>", payload): a recorder.
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override {
    if (message) {
      message(now_ms, from, payload, out);
    } else {
      out.deliver("from " + std::to_string(from), core::Bytes(payload.begin(), payload.end()));
    }
  }
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override {
    if (timer) timer(now_ms, id, out);
  }
};

inline CoreFactory recorder() {
  return [](const SimNodeContext&) { return std::make_unique<Script>(); };
}

// --- flooding broadcast ------------------------------------------------------------------------

// The origin draws an 8-byte value from its Rng and sends it to everyone; every node, on the
// first copy, delivers it and forwards it to everyone but the sender. Later copies are ignored.
class Flood final : public protocol::Core {
 public:
  Flood(NodeId self, std::uint32_t nodes, NodeId origin, core::Rng& rng)
      : self_(self), nodes_(nodes), origin_(origin), rng_(rng) {}

  void on_start(TimeMs, Effects& out) override {
    if (self_ != origin_) return;
    core::Writer w;
    w.u64(rng_.next_u64());
    accept(w.view(), self_, out);
  }
  void on_message(TimeMs, NodeId from, core::ByteView payload, Effects& out) override {
    ++copies_;
    if (!value_.empty()) return;
    accept(payload, from, out);
  }
  void on_timer(TimeMs, TimerId, Effects&) override {}

  const core::Bytes& value() const { return value_; }
  std::uint64_t copies() const { return copies_; }

 private:
  void accept(core::ByteView value, NodeId from, Effects& out) {
    value_.assign(value.begin(), value.end());
    out.deliver("value", value_);
    for (NodeId to = 0; to < nodes_; ++to) {
      if (to != self_ && to != from) out.send(to, value_);
    }
  }

  NodeId self_;
  std::uint32_t nodes_;
  NodeId origin_;
  core::Rng& rng_;
  core::Bytes value_;
  std::uint64_t copies_ = 0;
};

inline CoreFactory flood(std::uint32_t nodes, NodeId origin = 0) {
  return [nodes, origin](const SimNodeContext& c) { return std::make_unique<Flood>(c.id, nodes, origin, c.rng); };
}

// --- ping / echo with retransmission -----------------------------------------------------------

// The pinger sends "ping" to the server every retry_ms until the first echo comes back, then
// delivers "echo" and cancels its retransmission timer. The server echoes every message.
class Pinger final : public protocol::Core {
 public:
  static constexpr TimerId retry_timer = 1;
  Pinger(NodeId server, TimeMs retry_ms) : server_(server), retry_ms_(retry_ms) {}

  void on_start(TimeMs now_ms, Effects& out) override { ping(now_ms, out); }
  void on_message(TimeMs, NodeId from, core::ByteView payload, Effects& out) override {
    if (done_ || from != server_) return;
    done_ = true;
    out.cancel_timer(retry_timer);
    out.deliver("echo", core::Bytes(payload.begin(), payload.end()));
  }
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override {
    if (id == retry_timer && !done_) ping(now_ms, out);
  }
  std::uint32_t attempts() const { return attempts_; }

 private:
  void ping(TimeMs now_ms, Effects& out) {
    ++attempts_;
    out.send(server_, bytes_of("ping " + std::to_string(attempts_)));
    out.set_timer(retry_timer, now_ms + retry_ms_);
  }

  NodeId server_;
  TimeMs retry_ms_;
  bool done_ = false;
  std::uint32_t attempts_ = 0;
};

inline CoreFactory pinger(NodeId server, TimeMs retry_ms) {
  return [server, retry_ms](const SimNodeContext&) { return std::make_unique<Pinger>(server, retry_ms); };
}

inline CoreFactory echo() {
  return [](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    core->message = [](TimeMs, NodeId from, core::ByteView payload, Effects& out) {
      out.send(from, core::Bytes(payload.begin(), payload.end()));
    };
    return core;
  };
}

// --- a node that remembers its boots -----------------------------------------------------------

// Reads "boots" from its persisted store when built, persists boots + 1 on start (before it
// says anything), delivers ("boot", count), then ("tick", count) every tick_ms and
// ("beat", payload) for every message. `first_draw` is the first u64 of its Rng.
class BootCounter final : public protocol::Core {
 public:
  static constexpr TimerId tick_timer = 7;
  BootCounter(const SimNodeContext& c, TimeMs tick_ms) : tick_ms_(tick_ms), first_draw_(c.rng.next_u64()) {
    if (auto it = c.store.find("boots"); it != c.store.end()) {
      core::Reader r(it->second);
      boots_ = r.u64();
    }
  }

  void on_start(TimeMs now_ms, Effects& out) override {
    ++boots_;
    out.persist("boots", count(boots_));
    out.deliver("boot", count(boots_));
    out.set_timer(tick_timer, now_ms + tick_ms_);
  }
  void on_message(TimeMs, NodeId, core::ByteView payload, Effects& out) override {
    out.deliver("beat", core::Bytes(payload.begin(), payload.end()));
  }
  void on_timer(TimeMs now_ms, TimerId, Effects& out) override {
    out.deliver("tick", count(boots_));
    out.set_timer(tick_timer, now_ms + tick_ms_);
  }
  std::uint64_t boots() const { return boots_; }
  std::uint64_t first_draw() const { return first_draw_; }

  static core::Bytes count(std::uint64_t v) {
    core::Writer w;
    w.u64(v);
    return w.take();
  }

 private:
  TimeMs tick_ms_;
  std::uint64_t boots_ = 0;
  std::uint64_t first_draw_;
};

inline CoreFactory boot_counter(TimeMs tick_ms) {
  return [tick_ms](const SimNodeContext& c) { return std::make_unique<BootCounter>(c, tick_ms); };
}

// Sends "beat <n>" to `to` every period_ms, from t = 0.
inline CoreFactory beacon(NodeId to, TimeMs period_ms) {
  return [to, period_ms](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    auto beats = std::make_shared<std::uint64_t>(0);
    auto beat = [to, period_ms, beats](TimeMs now_ms, Effects& out) {
      out.send(to, bytes_of("beat " + std::to_string(++*beats)));
      out.set_timer(1, now_ms + period_ms);
    };
    core->start = beat;
    core->timer = [beat](TimeMs now_ms, TimerId, Effects& out) { beat(now_ms, out); };
    return core;
  };
}

// The deliveries of a node with one kind, as text.
inline std::vector<std::string> delivered_texts(const Simulator& sim, NodeId id, std::string_view kind) {
  std::vector<std::string> out;
  for (const auto& d : sim.deliveries(id)) {
    if (d.kind == kind) out.push_back(text_of(d.value));
  }
  return out;
}

}  // namespace ios::sim::toy
