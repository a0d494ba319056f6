// A run is a pure function of (seed, configuration, code): the same seed gives the same
// transcript, stats and deliveries; another seed gives another run; ties at one instant are
// processed in the order they were scheduled.
#include <gtest/gtest.h>

#include "sim/toy_protocols.hpp"

using namespace ios;
using namespace ios::sim;
using namespace ios::sim::toy;

namespace {

constexpr std::uint32_t flood_nodes = 20;

// A flood under jitter, loss, a crash and restart and a partition: every source of randomness
// and every fault kind takes part.
struct FloodRun {
  core::Hash32 transcript{};
  SimStats stats;
  std::vector<std::vector<Delivery>> deliveries;
  std::uint64_t observed = 0;
};

FloodRun run_flood(std::uint64_t seed, bool observe) {
  NetworkConfig net;
  net.link_default = {Latency::uniform_ms(5, 20), 0.1};
  Simulator sim(seed, net);
  for (std::uint32_t i = 0; i < flood_nodes; ++i) sim.add_node(flood(flood_nodes));
  sim.set_link(3, 4, {Latency::exponential_ms(2, 30), 0.0}, 0);
  sim.crash(5, 10);
  sim.restart(5, 40);
  sim.partition({{0, 1, 2}, {6, 7, 8}}, 0, 30);
  FloodRun run;
  if (observe) sim.set_observer([&](const TraceEntry&) { ++run.observed; });
  sim.start();
  EXPECT_EQ(sim.run_until_idle(10'000), RunEnd::idle);
  run.transcript = sim.transcript_hash();
  run.stats = sim.stats();
  for (NodeId i = 0; i < flood_nodes; ++i) run.deliveries.push_back(sim.deliveries(i));
  return run;
}

bool same_deliveries(const std::vector<std::vector<Delivery>>& a, const std::vector<std::vector<Delivery>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (std::size_t k = 0; k < a[i].size(); ++k) {
      if (a[i][k].time_us != b[i][k].time_us || a[i][k].kind != b[i][k].kind || a[i][k].value != b[i][k].value) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

TEST(SimDeterminism, SameSeedSameTranscriptStatsAndDeliveries) {
  for (std::uint64_t seed : test_seeds({1, 42, 0xdeadbeef})) {
    SCOPED_TRACE(announce_seed(seed));
    FloodRun a = run_flood(seed, false);
    FloodRun b = run_flood(seed, false);
    EXPECT_EQ(a.transcript, b.transcript);
    EXPECT_EQ(a.stats, b.stats);
    EXPECT_TRUE(same_deliveries(a.deliveries, b.deliveries));
    // The run did something: messages flowed, some were lost, the partition cut some.
    EXPECT_GT(a.stats.messages_delivered, 100u);
    EXPECT_GT(a.stats.dropped_loss, 0u);
    EXPECT_GT(a.stats.events, a.stats.messages_delivered);
    EXPECT_EQ(a.stats.messages_in_flight(), 0u);
    std::cout << "  " << a.stats.summary() << "\n  transcript " << core::to_hex(a.transcript) << "\n";
  }
}

TEST(SimDeterminism, AnObserverDoesNotChangeTheRun) {
  for (std::uint64_t seed : test_seeds({7})) {
    SCOPED_TRACE(announce_seed(seed));
    FloodRun quiet = run_flood(seed, false);
    FloodRun watched = run_flood(seed, true);
    EXPECT_EQ(quiet.transcript, watched.transcript);
    EXPECT_EQ(quiet.stats, watched.stats);
    EXPECT_GT(watched.observed, watched.stats.events);  // inputs and effects
  }
}

TEST(SimDeterminism, DifferentSeedsDiffer) {
  for (std::uint64_t seed : test_seeds({1, 2, 3})) {
    SCOPED_TRACE(announce_seed(seed));
    FloodRun a = run_flood(seed, false);
    FloodRun b = run_flood(seed + 1, false);
    EXPECT_NE(a.transcript, b.transcript);
    // The origin's Rng drew another value, so every node delivered another value.
    EXPECT_NE(a.deliveries[0][0].value, b.deliveries[0][0].value);
    EXPECT_FALSE(same_deliveries(a.deliveries, b.deliveries));
  }
}

TEST(SimDeterminism, EachNodeAndIncarnationHasItsOwnStream) {
  Simulator sim(5);
  for (int i = 0; i < 3; ++i) sim.add_node(boot_counter(1000));
  sim.restart(0, 0);
  sim.start();
  // Before the restart runs: incarnation 0 of three nodes, three different streams.
  auto draw = [&](NodeId id) { return sim.core_as<BootCounter>(id)->first_draw(); };
  std::uint64_t node0_first = draw(0);
  EXPECT_NE(draw(0), draw(1));
  EXPECT_NE(draw(1), draw(2));
  sim.run_until(1);
  EXPECT_EQ(sim.incarnation(0), 1u);
  EXPECT_NE(draw(0), node0_first);
  // The same (seed, node, incarnation) gives the same stream in another simulator.
  Simulator again(5);
  again.add_node(boot_counter(1000));
  EXPECT_EQ(again.core_as<BootCounter>(0)->first_draw(), node0_first);
}

TEST(SimDeterminism, TiesRunInTheOrderTheyWereScheduled) {
  for (std::uint64_t seed : test_seeds({11, 12})) {
    SCOPED_TRACE(announce_seed(seed));
    NetworkConfig net;
    net.link_default.latency = Latency::fixed_ms(10);
    Simulator sim(seed, net);
    // Node 0 starts first: its two timers for t = 10 are scheduled before the eight messages
    // that also arrive at t = 10, which are scheduled in the senders' start order 1, 2, 3, 4
    // and, within one sender, in the order of its effects.
    sim.add_node([](const SimNodeContext&) {
      auto core = std::make_unique<Script>();
      core->start = [](TimeMs, protocol::Effects& out) {
        out.set_timer(9, 10);
        out.set_timer(8, 10);
      };
      core->timer = [](TimeMs, TimerId id, protocol::Effects& out) {
        out.deliver("timer", bytes_of(std::to_string(id)));
      };
      return core;
    });
    for (NodeId i = 1; i <= 4; ++i) {
      sim.add_node([](const SimNodeContext& c) {
        auto core = std::make_unique<Script>();
        core->start = [id = c.id](TimeMs, protocol::Effects& out) {
          out.send(0, bytes_of(std::to_string(id) + "a"));
          out.send(0, bytes_of(std::to_string(id) + "b"));
        };
        return core;
      });
    }
    sim.start();
    sim.run_until_idle(100);
    std::vector<std::string> order;
    for (const auto& d : sim.deliveries(0)) {
      EXPECT_EQ(d.time_us, 10'000u);
      order.push_back(text_of(d.value));
    }
    EXPECT_EQ(order, (std::vector<std::string>{"9", "8", "1a", "1b", "2a", "2b", "3a", "3b", "4a", "4b"}));
  }
}
