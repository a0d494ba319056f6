// The network model: latency distributions, loss rates, per-link settings and their changes
// over time, FIFO links, and partitions that block and heal.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/toy_protocols.hpp"

using namespace ios;
using namespace ios::sim;
using namespace ios::sim::toy;

namespace {

// Node 0 sends `count` messages at t = 0 to each of the nodes 1..receivers.
CoreFactory burst(std::uint32_t receivers, std::uint32_t count) {
  return [receivers, count](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    core->start = [receivers, count](TimeMs, protocol::Effects& out) {
      for (std::uint32_t k = 0; k < count; ++k) {
        for (NodeId to = 1; to <= receivers; ++to) out.send(to, bytes_of("m" + std::to_string(k)));
      }
    };
    return core;
  };
}

// One-way delays (µs) of the messages handed to cores, from the trace.
void observe_delays(Simulator& sim, std::vector<TimeUs>& out) {
  sim.set_observer([&out](const TraceEntry& e) {
    if (e.kind == TraceKind::message && e.drop == DropReason::none) out.push_back(e.time_us - e.at_us);
  });
}

double mean(const std::vector<TimeUs>& v) {
  double sum = 0;
  for (TimeUs x : v) sum += static_cast<double>(x);
  return sum / static_cast<double>(v.size());
}

}  // namespace

TEST(SimNetwork, UniformLatencyStaysWithinBaseAndJitter) {
  for (std::uint64_t seed : test_seeds({3, 4})) {
    SCOPED_TRACE(announce_seed(seed));
    NetworkConfig net;
    net.link_default.latency = Latency::uniform_ms(20, 10);
    Simulator sim(seed, net);
    sim.add_node(burst(1, 4000));
    sim.add_node(recorder());
    std::vector<TimeUs> delays;
    observe_delays(sim, delays);
    sim.start();
    ASSERT_EQ(sim.run_until_idle(1000), RunEnd::idle);
    ASSERT_EQ(delays.size(), 4000u);
    auto [lo, hi] = std::minmax_element(delays.begin(), delays.end());
    EXPECT_GE(*lo, 20'000u);
    EXPECT_LE(*hi, 30'000u);
    EXPECT_LT(*lo, 20'100u);  // the whole range is used
    EXPECT_GT(*hi, 29'900u);
    EXPECT_NEAR(mean(delays), 25'000, 300);  // std error ~46 µs
  }
}

TEST(SimNetwork, ExponentialLatencyHasItsBaseAndMean) {
  for (std::uint64_t seed : test_seeds({5, 6})) {
    SCOPED_TRACE(announce_seed(seed));
    NetworkConfig net;
    net.link_default.latency = Latency::exponential_ms(5, 20);
    net.latency_us_max = 400'000;
    Simulator sim(seed, net);
    sim.add_node(burst(1, 4000));
    sim.add_node(recorder());
    std::vector<TimeUs> delays;
    observe_delays(sim, delays);
    sim.start();
    ASSERT_EQ(sim.run_until_idle(10'000), RunEnd::idle);
    ASSERT_EQ(delays.size(), 4000u);
    EXPECT_GE(*std::min_element(delays.begin(), delays.end()), 5'000u);
    EXPECT_LE(*std::max_element(delays.begin(), delays.end()), 400'000u);
    EXPECT_NEAR(mean(delays), 25'000, 1'500);  // 5 ms + 20 ms; std error ~316 µs
    // P(extra > mean) = 1/e for an exponential.
    auto above = std::count_if(delays.begin(), delays.end(), [](TimeUs d) { return d > 25'000; });
    EXPECT_NEAR(static_cast<double>(above) / 4000.0, 0.3679, 0.03);
  }
}

TEST(SimNetwork, LatencyIsCutAtTheMaximum) {
  NetworkConfig net;
  net.link_default.latency = Latency::exponential_ms(0, 1000);
  net.latency_us_max = 50'000;
  Simulator sim(8, net);
  sim.add_node(burst(1, 500));
  sim.add_node(recorder());
  std::vector<TimeUs> delays;
  observe_delays(sim, delays);
  sim.start();
  sim.run_until_idle(10'000);
  ASSERT_EQ(delays.size(), 500u);
  EXPECT_EQ(*std::max_element(delays.begin(), delays.end()), 50'000u);
}

TEST(SimNetwork, LossRateIsHonoured) {
  for (std::uint64_t seed : test_seeds({9, 10})) {
    SCOPED_TRACE(announce_seed(seed));
    NetworkConfig net;
    net.link_default = {Latency::uniform_ms(1, 1), 0.2};
    Simulator sim(seed, net);
    sim.add_node(burst(3, 5000));
    for (int i = 0; i < 3; ++i) sim.add_node(recorder());
    sim.set_link(0, 2, {Latency::fixed_ms(1), 1.0}, 0);  // a dead link
    sim.set_link(0, 3, {Latency::fixed_ms(1), 0.0}, 0);  // a perfect one
    sim.start();
    ASSERT_EQ(sim.run_until_idle(1000), RunEnd::idle);
    const SimStats& s = sim.stats();
    EXPECT_EQ(s.messages_sent, 15'000u);
    EXPECT_EQ(s.messages_delivered + s.messages_dropped, s.messages_sent);
    EXPECT_EQ(s.dropped_loss, s.messages_dropped);
    EXPECT_NEAR(static_cast<double>(sim.deliveries(1).size()) / 5000.0, 0.8, 0.02);  // std error 0.0057
    EXPECT_EQ(sim.deliveries(2).size(), 0u);
    EXPECT_EQ(sim.deliveries(3).size(), 5000u);
  }
}

TEST(SimNetwork, LinkChangesTakeEffectAtTheirTime) {
  NetworkConfig net;
  net.link_default.latency = Latency::fixed_ms(10);
  Simulator sim(1, net);
  sim.add_node(beacon(1, 100));  // sends at 0, 100, 200, ...
  sim.add_node(recorder());
  sim.set_link(0, 1, {Latency::fixed_ms(50), 0.0}, 150);
  sim.clear_link(0, 1, 250);
  sim.set_loss(1.0, 350);
  sim.start();
  sim.run_until(500);
  std::vector<TimeMs> arrivals;
  for (const auto& d : sim.deliveries(1)) arrivals.push_back(d.time_ms());
  // 0 and 100 with the default 10 ms; 200 over the slow link; 300 default again; 400 lost.
  EXPECT_EQ(arrivals, (std::vector<TimeMs>{10, 110, 250, 310}));
  EXPECT_EQ(sim.stats().dropped_loss, 2u);  // the beats at 400 and 500
}

TEST(SimNetwork, FifoLinksNeverReorder) {
  for (bool fifo : {false, true}) {
    NetworkConfig net;
    net.link_default.latency = Latency::uniform_ms(1, 50);
    net.fifo_links = fifo;
    Simulator sim(21, net);
    sim.add_node(burst(1, 200));
    sim.add_node(recorder());
    sim.start();
    sim.run_until_idle(1000);
    auto texts = delivered_texts(sim, 1, "from 0");
    ASSERT_EQ(texts.size(), 200u);
    bool in_order = true;
    for (std::size_t k = 0; k < texts.size(); ++k) in_order = in_order && texts[k] == "m" + std::to_string(k);
    EXPECT_EQ(in_order, fifo) << (fifo ? "fifo" : "datagram") << " link";
  }
}

TEST(SimNetwork, PartitionBlocksUntilHealThenRetransmissionCompletes) {
  for (std::uint64_t seed : test_seeds({13, 14, 15})) {
    SCOPED_TRACE(announce_seed(seed));
    NetworkConfig net;
    net.link_default.latency = Latency::uniform_ms(5, 5);
    Simulator sim(seed, net);
    NodeId client = sim.add_node(pinger(1, 50));
    NodeId server = sim.add_node(echo());
    NodeId bystander = sim.add_node(beacon(server, 20));  // not in the partition: unaffected
    PartitionId cut = sim.partition({{client}, {server}}, 0);
    sim.heal(cut, 500);
    sim.start();
    EXPECT_EQ(sim.run_until(499), RunEnd::time_reached);
    EXPECT_TRUE(sim.deliveries(client).empty());  // every ping blocked so far
    EXPECT_GE(sim.core_as<Pinger>(client)->attempts(), 9u);
    EXPECT_GT(sim.stats().dropped_partition, 0u);
    EXPECT_GE(sim.deliveries(bystander).size(), 20u);  // its beats were echoed all along
    auto done = [client](const Simulator& s) { return !s.deliveries(client).empty(); };
    ASSERT_EQ(sim.run_until(done, 2000), RunEnd::condition_met);
    const Delivery& echoed = sim.deliveries(client).front();
    EXPECT_GE(echoed.time_ms(), 500u);
    EXPECT_LE(echoed.time_ms(), 500u + 50 + 20);  // the next retry after the heal, there and back
  }
}

TEST(SimNetwork, APartitionWithAnEndHealsByItself) {
  NetworkConfig net;
  net.link_default.latency = Latency::fixed_ms(5);
  Simulator sim(2, net);
  NodeId client = sim.add_node(pinger(1, 40));
  sim.add_node(echo());
  sim.partition({{0}, {1}}, 0, 100);
  sim.start();
  ASSERT_EQ(sim.run_until_idle(1000), RunEnd::idle);
  ASSERT_EQ(sim.deliveries(client).size(), 1u);
  EXPECT_EQ(sim.deliveries(client)[0].time_ms(), 120u + 10);  // pings at 0, 40, 80 blocked; 120 gets through
  EXPECT_EQ(text_of(sim.deliveries(client)[0].value), "ping 4");
}

TEST(SimNetwork, APartitionCutsMessagesAlreadyOnTheWire) {
  NetworkConfig net;
  net.link_default.latency = Latency::fixed_ms(100);
  Simulator sim(3, net);
  sim.add_node(burst(1, 1));  // sends at 0, would arrive at 100
  sim.add_node(recorder());
  sim.partition({{0}, {1}}, 50, 150);
  sim.start();
  sim.run_until_idle(1000);
  EXPECT_TRUE(sim.deliveries(1).empty());
  EXPECT_EQ(sim.stats().dropped_partition, 1u);
}

TEST(SimNetwork, NetworkModelAlone) {
  Network net(1, NetworkConfig{});
  net.add_partition(0, {{1, 2}, {3}});
  EXPECT_TRUE(net.blocked(1, 3));
  EXPECT_TRUE(net.blocked(3, 2));
  EXPECT_FALSE(net.blocked(1, 2));
  EXPECT_FALSE(net.blocked(1, 4));  // 4 is in no group
  EXPECT_FALSE(net.blocked(3, 3));
  EXPECT_EQ(net.route(1, 3, 0).drop, DropReason::partition);
  Route self = net.route(3, 3, 77);
  EXPECT_EQ(self.drop, DropReason::none);
  EXPECT_EQ(self.arrival_us, 77u);  // loopback
  net.heal(0);
  EXPECT_FALSE(net.blocked(1, 3));
  EXPECT_EQ(net.route(1, 3, 0).arrival_us, 1000u);  // the default: 1 ms fixed
  EXPECT_EQ(to_string(DropReason::destination_down), "destination_down");
}
