// The fault menu and the timer rules: crash and restart (incarnations, dropped timers and
// messages, the persisted store), Byzantine rewrites, and timers that fire in order and cancel.
#include <gtest/gtest.h>

#include "node/crypto/hash.hpp"
#include "sim/toy_protocols.hpp"

using namespace ios;
using namespace ios::sim;
using namespace ios::sim::toy;

namespace {

NetworkConfig fixed_latency(TimeMs ms) {
  NetworkConfig net;
  net.link_default.latency = Latency::fixed_ms(ms);
  return net;
}

std::uint64_t count_of(const Delivery& d) {
  core::Reader r(d.value);
  return r.u64();
}

}  // namespace

TEST(SimFaults, CrashDropsTimersAndMessagesAndRestartReadsTheStore) {
  for (std::uint64_t seed : test_seeds({31})) {
    SCOPED_TRACE(announce_seed(seed));
    Simulator sim(seed, fixed_latency(5));
    sim.add_node(beacon(1, 10));  // beats at 0, 10, 20, ... arrive 5 ms later
    NodeId node = sim.add_node(boot_counter(25));
    sim.crash(node, 100);
    sim.restart(node, 200);
    sim.start();

    sim.run_until(150);
    EXPECT_FALSE(sim.is_up(node));
    EXPECT_EQ(sim.core(node), nullptr);
    sim.run_until(300);
    EXPECT_TRUE(sim.is_up(node));
    EXPECT_EQ(sim.incarnation(node), 1u);
    EXPECT_EQ(sim.core_as<BootCounter>(node)->boots(), 2u);

    std::vector<std::string> first, second;
    for (const auto& d : sim.deliveries(node)) {
      EXPECT_FALSE(d.time_us >= 100'000 && d.time_us < 200'000) << d.kind << " while down at " << d.time_us;
      std::string line = d.kind + "@" + std::to_string(d.time_ms());
      if (d.kind != "beat") line += "=" + std::to_string(count_of(d));
      (d.incarnation == 0 ? first : second).push_back(line);
    }
    // Incarnation 0: boot 1, ticks at 25/50/75 (the one due at 100 died with it), beats 5..95.
    EXPECT_EQ(first.front(), "boot@0=1");
    EXPECT_EQ(std::count(first.begin(), first.end(), "tick@75=1"), 1);
    EXPECT_EQ(first.size(), 1u + 3 + 10);
    // Incarnation 1 read the store: boot 2, ticks counting 2, beats from 205 on.
    EXPECT_EQ(second.front(), "boot@200=2");
    EXPECT_EQ(second[1], "beat@205");
    EXPECT_EQ(std::count(second.begin(), second.end(), "tick@300=2"), 1);
    core::Bytes boots = sim.store(node).at("boots");
    EXPECT_EQ(boots, BootCounter::count(2));
    // The beats sent at 100, 110, ..., 190 found the node down.
    EXPECT_EQ(sim.stats().dropped_destination_down, 10u);
    EXPECT_EQ(sim.stats().nodes[node].crashes, 1u);
    EXPECT_EQ(sim.stats().nodes[node].restarts, 1u);
    EXPECT_EQ(sim.stats().nodes[node].persists, 2u);
  }
}

TEST(SimFaults, MessagesToAnEarlierIncarnationAreDropped) {
  Simulator sim(32, fixed_latency(5));
  sim.add_node(beacon(1, 10));
  NodeId node = sim.add_node(boot_counter(1000));
  sim.crash(node, 102);
  sim.restart(node, 104);  // up again when "beat 11" (sent at 100 to incarnation 0) lands at 105
  sim.start();
  sim.run_until(120);
  auto beats = delivered_texts(sim, node, "beat");
  ASSERT_EQ(beats.size(), 11u);
  EXPECT_EQ(beats[9], "beat 10");
  EXPECT_EQ(beats[10], "beat 12");
  EXPECT_EQ(sim.stats().dropped_destination_down, 1u);
}

TEST(SimFaults, MessagesSentBeforeACrashStillArrive) {
  Simulator sim(33, fixed_latency(50));
  sim.add_node(beacon(1, 1000));  // one beat at 0
  sim.add_node(recorder());
  sim.crash(0, 10);
  sim.start();
  EXPECT_EQ(sim.run_until_idle(1000), RunEnd::idle);
  EXPECT_EQ(delivered_texts(sim, 1, "from 0"), std::vector<std::string>{"beat 1"});
}

TEST(SimFaults, CrashBeforeStartThenRestartStartsOnce) {
  Simulator sim(34, fixed_latency(5));
  sim.add_node(boot_counter(1000));
  sim.crash(0, 0);
  sim.restart(0, 50);
  sim.start();
  sim.run_until(100);
  ASSERT_EQ(sim.deliveries(0).size(), 1u);
  EXPECT_EQ(sim.deliveries(0)[0].time_ms(), 50u);
  EXPECT_EQ(count_of(sim.deliveries(0)[0]), 1u);
  EXPECT_EQ(sim.incarnation(0), 1u);
}

TEST(SimFaults, RestartOfARunningNodeIsAReboot) {
  Simulator sim(35, fixed_latency(5));
  sim.add_node(boot_counter(1000));
  sim.restart(0, 30);
  sim.start();
  sim.run_until(100);
  EXPECT_EQ(sim.core_as<BootCounter>(0)->boots(), 2u);
  EXPECT_EQ(sim.stats().nodes[0].crashes, 1u);
  EXPECT_EQ(sim.stats().nodes[0].restarts, 1u);
}

TEST(SimFaults, ByzantineRewriteAltersDropsDuplicatesAndRedirects) {
  Simulator sim(36, fixed_latency(5));
  sim.add_node([](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    core->start = [](TimeMs, protocol::Effects& out) {
      for (NodeId to = 1; to <= 3; ++to) out.send(to, bytes_of("value-A"));
    };
    return core;
  });
  for (int i = 0; i < 4; ++i) sim.add_node(recorder());
  sim.set_byzantine(0, [](const protocol::Send& s) -> std::vector<protocol::Send> {
    switch (s.to) {
      case 1:
        return {{1, bytes_of("value-B")}};  // altered
      case 2:
        return {};  // dropped
      case 3:
        return {s, s, {4, s.payload}, {99, s.payload}};  // duplicated, redirected, misdirected
      default:
        return {s};
    }
  });
  EXPECT_TRUE(sim.is_byzantine(0));
  sim.start();
  ASSERT_EQ(sim.run_until_idle(100), RunEnd::idle);
  EXPECT_EQ(delivered_texts(sim, 1, "from 0"), std::vector<std::string>{"value-B"});
  EXPECT_TRUE(sim.deliveries(2).empty());
  EXPECT_EQ(delivered_texts(sim, 3, "from 0"), (std::vector<std::string>{"value-A", "value-A"}));
  EXPECT_EQ(delivered_texts(sim, 4, "from 0"), std::vector<std::string>{"value-A"});
  EXPECT_EQ(sim.stats().messages_sent, 5u);
  EXPECT_EQ(sim.stats().dropped_unknown_destination, 1u);
}

TEST(SimFaults, ByzantineRewriteOutlivesRestartsUntilCleared) {
  Simulator sim(37, fixed_latency(5));
  sim.add_node(beacon(1, 20));  // beats at 0, 20, 40, ...
  sim.add_node(recorder());
  sim.set_byzantine(0, [](const protocol::Send& s) -> std::vector<protocol::Send> {
    return {{s.to, bytes_of("forged " + text_of(s.payload))}};
  });
  sim.restart(0, 30);  // a fresh incarnation: beats at 30, 50, 70, ...
  sim.schedule(60, "honest again", [](Simulator& s) { s.clear_byzantine(0); });
  sim.start();
  sim.run_until(100);
  EXPECT_EQ(delivered_texts(sim, 1, "from 0"),
            (std::vector<std::string>{"forged beat 1", "forged beat 2", "forged beat 1", "forged beat 2", "beat 3",
                                      "beat 4"}));
}

TEST(SimFaults, InjectedMessagesTravelLikeSentOnes) {
  Simulator sim(39, fixed_latency(5));
  sim.add_node(recorder());  // node 0 never sends anything itself
  sim.add_node(recorder());
  sim.add_node(recorder());
  sim.partition({{0}, {2}}, 0);
  sim.inject(0, 1, bytes_of("forged"), 20);
  sim.inject(0, 2, bytes_of("blocked"), 20);
  sim.start();
  ASSERT_EQ(sim.run_until_idle(100), RunEnd::idle);
  ASSERT_EQ(sim.deliveries(1).size(), 1u);
  EXPECT_EQ(sim.deliveries(1)[0].kind, "from 0");
  EXPECT_EQ(text_of(sim.deliveries(1)[0].value), "forged");
  EXPECT_EQ(sim.deliveries(1)[0].time_ms(), 25u);
  EXPECT_TRUE(sim.deliveries(2).empty());
  EXPECT_EQ(sim.stats().dropped_partition, 1u);
}

TEST(SimFaults, TimersFireInOrderReplaceAndCancel) {
  Simulator sim(38);
  sim.add_node([](const SimNodeContext&) {
    auto core = std::make_unique<Script>();
    core->start = [](TimeMs, protocol::Effects& out) {
      out.set_timer(1, 30);
      out.set_timer(2, 10);
      out.set_timer(3, 20);
      out.set_timer(4, 20);  // same time as 3, set later: fires later (but 3 cancels it)
      out.set_timer(8, 20);  // same time again, after 4
      out.cancel_timer(2);
      out.set_timer(5, 5);
      out.set_timer(5, 40);  // replaces the one at 5
    };
    core->timer = [](TimeMs now_ms, TimerId id, protocol::Effects& out) {
      out.deliver("t" + std::to_string(id) + "@" + std::to_string(now_ms), {});
      if (id == 3) out.cancel_timer(4);  // cancelled at the instant it was due
      if (id == 1) {
        out.set_timer(6, 10);  // in the past: fires now, after what is already due now
        out.cancel_timer(99);  // never set: nothing happens
      }
    };
    return core;
  });
  sim.start();
  EXPECT_EQ(sim.run_until(20), RunEnd::time_reached);
  EXPECT_EQ(sim.now_ms(), 20u);
  EXPECT_EQ(sim.deliveries(0).size(), 2u);  // the events at exactly 20 ms ran
  EXPECT_EQ(sim.run_until_idle(1000), RunEnd::idle);
  std::vector<std::string> fired;
  for (const auto& d : sim.deliveries(0)) fired.push_back(d.kind);
  EXPECT_EQ(fired, (std::vector<std::string>{"t3@20", "t8@20", "t1@30", "t6@30", "t5@40"}));
  EXPECT_EQ(sim.now_ms(), 40u);
  EXPECT_EQ(sim.stats().timers_set, 8u);
  EXPECT_EQ(sim.stats().timers_fired, 5u);
  EXPECT_EQ(sim.stats().timers_cancelled, 2u);
}

namespace {

// Asks to verify one good and one forged signature on start; delivers ("verdict", bytes of
// the answer). An answer it never asked for would trip on_verify_done's id check.
class Verifying final : public protocol::Core {
 public:
  void on_start(TimeMs, Effects& out) override {
    const core::ByteArray<32> seed{7};
    const crypto::SigningKey key{crypto::Seed(seed)};
    const core::Bytes message{'m'};
    auto forged = key.sign(message);
    forged[0] ^= 1;
    out.verify(asked_, {{key.public_key(), message, key.sign(message)}, {key.public_key(), message, forged}});
  }
  void on_message(TimeMs, NodeId, core::ByteView, Effects&) override {}
  void on_timer(TimeMs, TimerId, Effects&) override {}
  void on_verify_done(TimeMs, std::uint64_t id, std::vector<bool> valid, Effects& out) override {
    IOS_ASSERT(id == asked_);
    out.deliver("verdict", core::Bytes(valid.begin(), valid.end()));
  }

 private:
  std::uint64_t asked_ = 42;
};

}  // namespace

TEST(SimFaults, AVerifyIsAnsweredOnceAsTheNodesNextInputAtTheSameInstant) {
  crypto::init();
  Simulator sim(1);
  const auto id = sim.add_node([](const SimNodeContext&) { return std::make_unique<Verifying>(); });
  sim.start();
  sim.run_until_idle(1'000);
  ASSERT_EQ(sim.deliveries(id).size(), 1u);
  EXPECT_EQ(sim.deliveries(id)[0].value, (core::Bytes{1, 0}));
  EXPECT_EQ(sim.deliveries(id)[0].time_us, 0u);
}

// core.hpp Load: the simulator reads the node's own store (every Persist before the Load
// included) and stops after the value that brings the total to bytes_max: with bytes_max 4 the
// first 4-byte value ends the read; without a bound every key is answered, a missing one as
// nullopt.
namespace {
struct Loading final : protocol::Core {
  void on_start(TimeMs, protocol::Effects& out) override {
    out.persist("a", {1, 1, 1, 1});
    out.persist("c", {3, 3, 3, 3});
    out.load(7, {"a", "b", "c"}, 4);
    out.load(8, {"a", "b", "c"});
  }
  void on_message(TimeMs, NodeId, core::ByteView, protocol::Effects&) override {}
  void on_timer(TimeMs, TimerId, protocol::Effects&) override {}
  void on_loaded(TimeMs, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, protocol::Effects& out) override {
    core::Bytes shape{static_cast<std::uint8_t>(id)};
    for (const auto& v : values) shape.push_back(v ? v->front() : 0);
    out.deliver("loaded", shape);
  }
};
}  // namespace

TEST(SimFaults, ALoadReadsTheNodesStoreAndStopsAtItsByteBound) {
  Simulator sim(1);
  const auto id = sim.add_node([](const SimNodeContext&) { return std::make_unique<Loading>(); });
  sim.start();
  sim.run_until_idle(1'000);
  ASSERT_EQ(sim.deliveries(id).size(), 2u);
  EXPECT_EQ(sim.deliveries(id)[0].value, (core::Bytes{7, 1})) << "a reached the bound: b and c not read";
  EXPECT_EQ(sim.deliveries(id)[1].value, (core::Bytes{8, 1, 0, 3}));
}

TEST(SimFaults, AVerifyAnswerForACrashedIncarnationIsDropped) {
  crypto::init();
  Simulator sim(1);
  const auto id = sim.add_node([](const SimNodeContext&) { return std::make_unique<Verifying>(); });
  // The node crashes while its checks are out: the crash is queued before the answer.
  bool crashed = false;
  sim.set_verifier([&](NodeId n, const std::vector<crypto::SignatureCheck>& checks) {
    if (!crashed) sim.crash(n, sim.now_ms());
    crashed = true;
    return crypto::verify_each(checks);
  });
  sim.start();
  sim.restart(id, 10);
  sim.run_until_idle(1'000);
  // Incarnation 0 never got its answer; incarnation 1 asked again and got its own.
  ASSERT_EQ(sim.deliveries(id).size(), 1u);
  EXPECT_EQ(sim.deliveries(id)[0].incarnation, 1u);
  EXPECT_EQ(sim.deliveries(id)[0].value, (core::Bytes{1, 0}));
}
