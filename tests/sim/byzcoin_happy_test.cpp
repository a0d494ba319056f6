// ByzCoin in the simulator, no faults: n = 4, 7, 10 members and one observer finalize 20
// heights; every node holds the same chain, every block passes verify_finality, and the
// observer (which takes no part in rounds) has the same chain from the pushes.
#include <gtest/gtest.h>

#include "sim/byzcoin_toy_app.hpp"

using namespace ios;
using namespace ios::sim::byzcoin_toy;

namespace {

void run_happy(std::uint32_t n, bool tree, std::uint64_t seed) {
  SCOPED_TRACE(sim::toy::announce_seed(seed));
  ClusterOptions o;
  o.members = n;
  o.seed = seed;
  o.tree = tree;
  Cluster c(o);
  c.add_safety_invariants();
  c.sim().start();
  const auto end = c.sim().run_until(c.reached(20), 20'000);
  ASSERT_FALSE(c.sim().failure()) << c.sim().failure()->report(sim::toy::current_test_name());
  ASSERT_EQ(end, sim::RunEnd::condition_met) << "n=" << n << " reached " << c.height(0) << " at " << c.sim().now_ms();
  c.expect_consistent_chains();
  EXPECT_GE(c.height(c.observer()), 20u);
  const auto stats = c.total_stats();
  EXPECT_EQ(stats.view_changes, 0u);
  EXPECT_EQ(stats.restarts, 0u);
  EXPECT_EQ(stats.star_fallbacks, 0u);
  // Leaders rotate every height (cothority #1963).
  std::set<std::string> proposers;
  for (std::uint64_t h = 0; h < 20; ++h) {
    const auto body = c.agreed_body(h);
    const auto p = body.find(" p=");
    proposers.insert(body.substr(p, body.find(" #") - p));
  }
  EXPECT_EQ(proposers.size(), std::min<std::size_t>(n, 20)) << "leaders rotate";
  std::cout << "n=" << n << (tree ? " tree" : " star") << ": 20 heights at t=" << c.sim().now_ms() << " ms, "
            << c.sim().stats().messages_sent << " messages\n";
}

}  // namespace

TEST(ByzcoinHappy, FourMembersTree) {
  for (auto seed : sim::toy::test_seeds({101})) run_happy(4, true, seed);
}
TEST(ByzcoinHappy, SevenMembersTree) {
  for (auto seed : sim::toy::test_seeds({102})) run_happy(7, true, seed);
}
TEST(ByzcoinHappy, TenMembersTree) {
  for (auto seed : sim::toy::test_seeds({103})) run_happy(10, true, seed);
}
TEST(ByzcoinHappy, SevenMembersStar) {
  for (auto seed : sim::toy::test_seeds({104})) run_happy(7, false, seed);
}
