// ByzCoin under random faults within f (the TigerBeetle habit: a safety phase with faults, then
// a liveness phase without): 50 seeds, each with n = 4 or 7 members and an observer, a random
// topology (tree or star), random latency, message loss up to 5%, up to f members crashed and
// restarted at random times, and slow links. The safety invariants (agreement, once per
// height in order per incarnation, verify_finality) are checked after every event; after the
// faults stop, every node must finalize three more heights. IOS_SIM_SEED=<s> replays one seed.
#include <gtest/gtest.h>

#include <numeric>

#include "sim/byzcoin_toy_app.hpp"

using namespace ios;
using namespace ios::sim::byzcoin_toy;
using protocol::NodeId;
using protocol::TimeMs;

namespace {

constexpr TimeMs faults_end_ms = 4'000;

void run_seed(std::uint64_t seed) {
  SCOPED_TRACE(sim::toy::announce_seed(seed));
  crypto::ChaChaRng rng("IOS/test/byzcoin/random", seed);
  ClusterOptions o;
  o.members = rng.uniform(2) == 0 ? 4 : 7;
  o.seed = seed;
  o.tree = rng.uniform(3) != 0;
  o.network.link_default.latency = sim::Latency::uniform_ms(1, 1 + rng.uniform(10));
  Cluster c(o);
  c.add_safety_invariants();
  auto& s = c.sim();
  const std::uint32_t f = (o.members - 1) / 3;
  const double loss = rng.unit() * 0.05;
  s.set_loss(loss, 0);
  // Up to f victims, each crashed once (and perhaps restarted) inside the fault window.
  std::vector<NodeId> ids(o.members);
  std::iota(ids.begin(), ids.end(), 0);
  for (std::uint32_t k = 0; k < f; ++k) std::swap(ids[k], ids[k + rng.uniform(o.members - k)]);
  std::string plan = "n=" + std::to_string(o.members) + (o.tree ? " tree" : " star") + " loss=" + std::to_string(loss);
  for (std::uint32_t k = 0; k < f; ++k) {
    const TimeMs down = rng.uniform(3'000);
    s.crash(ids[k], down);
    plan += " crash " + std::to_string(ids[k]) + "@" + std::to_string(down);
    if (rng.uniform(2) == 0) {
      const TimeMs up = down + 200 + rng.uniform(1'500);
      s.restart(ids[k], up);
      plan += " restart@" + std::to_string(up);
    }
  }
  // A few slow links (delay spikes), cleared before the liveness phase.
  for (int k = 0; k < 3; ++k) {
    const auto a = static_cast<NodeId>(rng.uniform(o.members));
    const auto b = static_cast<NodeId>(rng.uniform(o.members));
    if (a == b) continue;
    s.set_link(a, b, sim::LinkConfig{sim::Latency::fixed_ms(50 + rng.uniform(300)), loss}, rng.uniform(3'000));
    s.clear_link(a, b, faults_end_ms);
  }
  SCOPED_TRACE(plan);
  s.start();
  s.run_until(faults_end_ms);
  ASSERT_FALSE(s.failure()) << s.failure()->report(sim::toy::current_test_name());
  // Liveness phase: no loss, everyone up.
  s.set_loss(0.0, faults_end_ms);
  for (NodeId id = 0; id < o.members; ++id)
    if (!s.is_up(id)) s.restart(id, faults_end_ms);
  s.run_until(faults_end_ms + 1);
  std::uint64_t top = 0;
  for (NodeId id = 0; id < c.node_count(); ++id) top = std::max(top, c.height(id));
  const auto end = s.run_until(c.reached(top + 3), faults_end_ms + 120'000);
  ASSERT_FALSE(s.failure()) << s.failure()->report(sim::toy::current_test_name());
  ASSERT_EQ(end, sim::RunEnd::condition_met) << "no liveness after the faults: t=" << s.now_ms();
  c.expect_consistent_chains();
}

}  // namespace

TEST(ByzcoinRandom, FiftySeedsCrashLossDelayWithinF) {
  std::vector<std::uint64_t> seeds(50);
  std::iota(seeds.begin(), seeds.end(), 5000);
  for (auto seed : sim::toy::test_seeds(seeds)) run_seed(seed);
}
