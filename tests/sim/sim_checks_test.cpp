// Invariants and limits: the first violation stops the run and names the time, the event and
// the seed; a livelock or a runaway core hits a limit and fails clearly instead of hanging.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/toy_protocols.hpp"

using namespace ios;
using namespace ios::sim;
using namespace ios::sim::toy;

namespace {

std::size_t nodes_with_value(const Simulator& sim) {
  std::size_t count = 0;
  for (NodeId i = 0; i < sim.node_count(); ++i) count += sim.deliveries(i).empty() ? 0 : 1;
  return count;
}

// A core whose timer re-arms itself at the same instant: virtual time never advances.
CoreFactory spinner() {
  return [](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    core->start = [](TimeMs now_ms, protocol::Effects& out) { out.set_timer(1, now_ms); };
    core->timer = [](TimeMs now_ms, TimerId, protocol::Effects& out) { out.set_timer(1, now_ms); };
    return core;
  };
}

CoreFactory sends_on_start(const std::vector<protocol::Send>& sends) {
  return [sends](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    core->start = [sends](TimeMs, protocol::Effects& out) {
      for (const auto& s : sends) out.send(s.to, s.payload);
    };
    return core;
  };
}

}  // namespace

TEST(SimChecks, InvariantViolationStopsTheRunWithTimeEventAndSeed) {
  for (std::uint64_t seed : test_seeds({42, 43})) {
    SCOPED_TRACE(announce_seed(seed));
    NetworkConfig net;
    net.link_default.latency = Latency::uniform_ms(5, 10);
    Simulator sim(seed, net);
    for (int i = 0; i < 10; ++i) sim.add_node(flood(10));
    sim.add_invariant("never violated", [](const Simulator&) { return std::nullopt; });
    sim.add_invariant("at most five", [](const Simulator& s) -> std::optional<std::string> {
      if (nodes_with_value(s) <= 5) return std::nullopt;
      return std::to_string(nodes_with_value(s)) + " nodes hold the value";
    });
    // The event during which the sixth node delivered, seen from the trace.
    std::uint64_t sixth_event = 0;
    TimeUs sixth_time_us = 0;
    std::size_t delivered = 0;
    sim.set_observer([&](const TraceEntry& e) {
      if (e.kind == TraceKind::deliver && ++delivered == 6) {
        sixth_event = e.event;
        sixth_time_us = e.time_us;
      }
    });
    sim.start();
    ASSERT_EQ(sim.run_until_idle(1000), RunEnd::failed);
    ASSERT_TRUE(sim.failure().has_value());
    const Failure& f = *sim.failure();
    EXPECT_EQ(f.kind, FailureKind::invariant);
    EXPECT_EQ(f.name, "at most five");
    EXPECT_EQ(f.detail, "6 nodes hold the value");
    EXPECT_EQ(f.seed, seed);
    EXPECT_EQ(f.event, sixth_event);  // checked after every event: caught at once
    EXPECT_EQ(f.time_us, sixth_time_us);
    EXPECT_EQ(sim.stats().events, sixth_event);
    std::string report = f.report(current_test_name());
    std::cout << report << "\n";
    EXPECT_NE(report.find("invariant 'at most five' violated at t="), std::string::npos);
    EXPECT_NE(report.find("seed " + std::to_string(seed)), std::string::npos);
    EXPECT_NE(report.find("\nreplay: IOS_SIM_SEED=" + std::to_string(seed) + " ctest -R '^SimChecks."),
              std::string::npos);
    // Stopped for good: nothing more runs.
    const std::uint64_t events = sim.stats().events;
    EXPECT_FALSE(sim.step());
    EXPECT_EQ(sim.run_until(5000), RunEnd::failed);
    EXPECT_EQ(sim.stats().events, events);
    EXPECT_EQ(sim.now_us(), sixth_time_us);
  }
}

TEST(SimChecks, EventLimitStopsALivelock) {
  SimLimits limits;
  limits.events_max = 10'000;
  Simulator sim(50, {}, limits);
  sim.add_node(spinner());
  sim.start();
  EXPECT_EQ(sim.run_until(1000), RunEnd::failed);
  ASSERT_TRUE(sim.failure().has_value());
  EXPECT_EQ(sim.failure()->kind, FailureKind::event_limit);
  EXPECT_EQ(sim.stats().events, 10'000u);
  EXPECT_EQ(sim.now_ms(), 0u);  // time never moved: a livelock, reported instead of a hang
  std::cout << sim.failure()->report() << "\n";
  EXPECT_NE(sim.failure()->report().find("event_limit (events_max) at t=0.000 ms (event 10000, seed 50)"),
            std::string::npos);
}

TEST(SimChecks, EventLimitStopsAZeroLatencyPingPong) {
  NetworkConfig net;
  net.link_default.latency = Latency::fixed_ms(0);
  SimLimits limits;
  limits.events_max = 5'000;
  Simulator sim(51, net, limits);
  for (int i = 0; i < 2; ++i) {
    sim.add_node([](const SimNodeContext& c) {
      auto core = std::make_unique<Script>();
      if (c.id == 0) core->start = [](TimeMs, protocol::Effects& out) { out.send(1, toy::bytes_of("ball")); };
      core->message = [](TimeMs, NodeId from, core::ByteView p, protocol::Effects& out) {
        out.send(from, core::Bytes(p.begin(), p.end()));
      };
      return core;
    });
  }
  sim.start();
  EXPECT_EQ(sim.run_until_idle(1000), RunEnd::failed);
  EXPECT_EQ(sim.failure()->kind, FailureKind::event_limit);
  EXPECT_EQ(sim.stats().messages_delivered, 5'000u - 2);  // two start events, then the ball
}

TEST(SimChecks, QueueLimitIsAFailureNotGrowth) {
  SimLimits limits;
  limits.queue_size_max = 100;
  Simulator sim(52, {}, limits);
  sim.add_node(sends_on_start(std::vector<protocol::Send>(150, {1, toy::bytes_of("x")})));
  sim.add_node(recorder());
  sim.start();
  EXPECT_EQ(sim.run_until_idle(1000), RunEnd::failed);
  EXPECT_EQ(sim.failure()->kind, FailureKind::queue_limit);
  EXPECT_LE(sim.queue_size(), 100u);
  EXPECT_EQ(sim.stats().queue_size_peak, 100u);
}

TEST(SimChecks, OversizedMessagesAndRunawayEffectsFail) {
  SimLimits limits;
  limits.message_bytes_max = 1000;
  limits.effects_per_input_max = 10;
  {
    Simulator sim(53, {}, limits);
    sim.add_node(sends_on_start({{1, core::Bytes(1001, 0)}}));
    sim.add_node(recorder());
    sim.start();
    EXPECT_EQ(sim.run_until_idle(100), RunEnd::failed);
    EXPECT_EQ(sim.failure()->kind, FailureKind::message_too_large);
    EXPECT_EQ(sim.stats().messages_sent, 0u);
  }
  {
    Simulator sim(54, {}, limits);
    sim.add_node(sends_on_start(std::vector<protocol::Send>(11, {1, {}})));
    sim.add_node(recorder());
    sim.start();
    EXPECT_EQ(sim.run_until_idle(100), RunEnd::failed);
    EXPECT_EQ(sim.failure()->kind, FailureKind::effects_limit);
  }
}

TEST(SimChecks, TimerAndByzantineLimitsFail) {
  SimLimits limits;
  limits.timers_per_node_max = 3;
  limits.byzantine_sends_max = 2;
  {
    Simulator sim(55, {}, limits);
    sim.add_node([](const SimNodeContext&) {
      auto core = std::make_unique<Script>();
      core->start = [](TimeMs, protocol::Effects& out) {
        for (TimerId id = 0; id < 3; ++id) out.set_timer(id, 10);
        out.set_timer(2, 20);  // replacing is fine
        out.set_timer(3, 10);  // a fourth is not
      };
      return core;
    });
    sim.start();
    EXPECT_EQ(sim.run_until_idle(100), RunEnd::failed);
    EXPECT_EQ(sim.failure()->kind, FailureKind::timer_limit);
  }
  {
    Simulator sim(56, {}, limits);
    sim.add_node(sends_on_start({{1, toy::bytes_of("x")}}));
    sim.add_node(recorder());
    sim.set_byzantine(0, [](const protocol::Send& s) { return std::vector<protocol::Send>(3, s); });
    sim.start();
    EXPECT_EQ(sim.run_until_idle(100), RunEnd::failed);
    EXPECT_EQ(sim.failure()->kind, FailureKind::byzantine_limit);
  }
}

TEST(SimChecks, RunUntilConditionStopsWhenItHolds) {
  NetworkConfig net;
  net.link_default.latency = Latency::fixed_ms(10);
  Simulator sim(57, net);
  for (int i = 0; i < 5; ++i) sim.add_node(flood(5));
  sim.start();
  auto all = [](const Simulator& s) { return nodes_with_value(s) == s.node_count(); };
  EXPECT_EQ(sim.run_until(all, 1000), RunEnd::condition_met);
  EXPECT_EQ(sim.now_ms(), 10u);
  EXPECT_GT(sim.queue_size(), 0u);  // the forwarded copies are still on the wire
  EXPECT_EQ(sim.run_until([](const Simulator&) { return false; }, 1000), RunEnd::idle);
  EXPECT_EQ(sim.stats().messages_in_flight(), 0u);
}

TEST(SimChecks, SeedsParseAndReplayHintsNameTheTest) {
  EXPECT_EQ(parse_seed("42"), 42u);
  EXPECT_EQ(parse_seed("0x2a"), 42u);
  EXPECT_EQ(parse_seed("0XFFFFFFFFFFFFFFFF"), UINT64_MAX);
  EXPECT_EQ(parse_seed("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_seed("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_seed(""), std::nullopt);
  EXPECT_EQ(parse_seed("0x"), std::nullopt);
  EXPECT_EQ(parse_seed("-1"), std::nullopt);
  EXPECT_EQ(parse_seed("12a"), std::nullopt);
  EXPECT_EQ(replay_hint(7), "replay: IOS_SIM_SEED=7");
  EXPECT_EQ(replay_hint(7, "SimChecks.Foo"),
            "replay: IOS_SIM_SEED=7 ctest -R '^SimChecks.Foo$' --output-on-failure  (in the build directory)");
}
