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

// A chain in segments (TransEpoch, node/protocol/transepoch): one roster finalizes up to its
// last height and stops there for good — no block, round or view change after it — and another
// roster goes on at the next height, linked to the last block of the first.
TEST(ByzcoinHappy, ASegmentEndsAtItsLastHeightAndTheNextRosterGoesOnFromThere) {
  SCOPED_TRACE(sim::toy::announce_seed(31));
  ClusterOptions first;
  first.seed = 31;
  first.end_height = 4;
  Cluster a(first);
  a.add_safety_invariants();
  a.sim().start();
  ASSERT_EQ(a.sim().run_until(a.reached(5), 20'000), sim::RunEnd::condition_met);
  a.sim().run_until(a.sim().now_ms() + 10'000);  // ten view timeouts: nothing moves any more
  ASSERT_FALSE(a.sim().failure()) << a.sim().failure()->report(sim::toy::current_test_name());
  for (protocol::NodeId id = 0; id < a.node_count(); ++id) {
    EXPECT_EQ(a.height(id), 5u) << "node " << id;
    EXPECT_TRUE(a.node(id)->engine().ended()) << "node " << id;
  }
  EXPECT_EQ(a.total_stats().view_changes, 0u);
  const auto last = a.node(0)->engine().recent().back();

  ClusterOptions second;
  second.seed = 32;  // other keys: another roster
  second.first_height = 5;
  second.first_prev = last.hash();
  Cluster b(second);
  b.add_safety_invariants();
  b.sim().start();
  ASSERT_EQ(b.sim().run_until(b.reached(15), 20'000), sim::RunEnd::condition_met);
  ASSERT_FALSE(b.sim().failure()) << b.sim().failure()->report(sim::toy::current_test_name());
  b.expect_consistent_chains();
  const auto& chain = b.node(0)->engine().recent();
  EXPECT_EQ(b.node(0)->engine().first_height(), 5u);
  EXPECT_EQ(chain.front().height, 5u);
  EXPECT_EQ(chain.front().prev, last.hash()) << "the segment links to the previous roster's last block";
  EXPECT_FALSE(chain::verify_finality(chain.front(), *a.keys().roster, chain_id).ok())
      << "signed by the second roster, not the first";
}
