// The setups of a shard's TransEpoch steps (pob::ShardSetup::for_segment): each step's roster in
// one league, the last in the epoch's two, every step signing in a domain of its own, and every
// host of the shard that does not sign a step observing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "node/chain/finality.hpp"
#include "node/crypto/hash.hpp"
#include "node/protocol/eds/shard_assignment.hpp"
#include "node/protocol/pob/shard_setup.hpp"
#include "node/protocol/transepoch/swap_plan.hpp"
#include "node/sim/epoch_scenario.hpp"
#include "support/chain_fixtures.hpp"  // libsodium initialised before any test

using namespace ios;
using protocol::pob::ShardSetup;

TEST(ShardSegments, EveryStepIsARosterOfItsOwnAndTheLastRunsTheEpochsLeagues) {
  sim::EpochRunOptions o;  // 10 validators, 2 shards of 5, a believable league of 1
  const auto setup = sim::make_epoch_setup(o);
  const auto& genesis = *setup.genesis;
  const auto n = static_cast<std::uint32_t>(genesis.validators.size());
  const auto k = protocol::transepoch::swap_batch_size(n / o.shards - o.believable);
  ASSERT_EQ(k, 1u);
  std::size_t multi_step_plans = 0;
  for (std::uint64_t e = 1; e <= 8; ++e) {
    const auto before = crypto::sha256(core::as_bytes("rnd " + std::to_string(e - 1)));
    const auto after = crypto::sha256(core::as_bytes("rnd " + std::to_string(e)));
    const auto old_a = protocol::eds::ShardAssignment::compute(n, o.shards, before);
    const auto new_a = protocol::eds::ShardAssignment::compute(n, o.shards, after);
    for (std::uint32_t j = 0; j < o.shards; ++j) {
      const auto plan = protocol::transepoch::plan_swaps(old_a.members[j], new_a.members[j], n, core::ShardId{j}, after, k);
      if (plan.steps() > 1) ++multi_step_plans;
      std::vector<std::uint32_t> hosts;
      std::set_union(old_a.members[j].begin(), old_a.members[j].end(), new_a.members[j].begin(),
                     new_a.members[j].end(), std::back_inserter(hosts));
      std::set<std::string> domains;  // as strings: GCC 12 warns falsely on a set of byte vectors
      for (std::uint32_t step = 0; step < plan.steps(); ++step) {
        const bool last = step + 1 == plan.steps();
        ShardSetup::Segment seg{core::ShardId{j}, core::Epoch{e}, step, last, 10, after, plan.rosters[step], hosts};
        auto s = ShardSetup::for_segment(genesis, seg, {});
        ASSERT_TRUE(s.ok()) << s.error().message();
        EXPECT_EQ(s->members, plan.rosters[step]);
        EXPECT_EQ(s->domain, chain::consensus_domain(genesis.chain_id_bytes(), core::ShardId{j}, core::Epoch{e}, step));
        EXPECT_TRUE(domains.emplace(s->domain.begin(), s->domain.end()).second);
        if (last) {
          EXPECT_EQ(s->believable.size(), o.believable) << "the epoch's leagues";
          EXPECT_EQ(s->members, new_a.members[j]);
        } else {
          EXPECT_TRUE(s->believable.empty()) << "one league while members move";
          EXPECT_EQ(s->normal, s->members);
        }
        EXPECT_EQ(s->normal_roster->size(), s->normal.size());
        // Observers: exactly the hosts outside the normal league.
        std::vector<protocol::NodeId> expected;
        for (auto i : hosts)
          if (!std::binary_search(s->normal.begin(), s->normal.end(), i)) expected.push_back(i);
        auto observers = s->observers;
        std::sort(observers.begin(), observers.end());
        EXPECT_EQ(observers, expected);
      }
    }
  }
  EXPECT_GT(multi_step_plans, 0u) << "some epochs move members between the two shards";
}

TEST(ShardSegments, AShardBeyondThePolicyIsRefused) {
  const auto setup = sim::make_epoch_setup(sim::EpochRunOptions{});
  ShardSetup::Segment seg{core::ShardId{2}, core::Epoch{1}, 0, true, 0, {}, {0, 1, 2, 3, 4}, {0, 1, 2, 3, 4}};
  EXPECT_EQ(ShardSetup::for_segment(*setup.genesis, seg, {}).error().reason, core::Reject::wrong_shard);
}
