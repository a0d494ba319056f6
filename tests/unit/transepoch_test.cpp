// TransEpoch swap plans (node/protocol/transepoch/swap_plan.hpp): batches of at most k members
// in and out per step, in the order of the epoch's permutations, ending at the new members; and
// the batch size that keeps the members holding a shard's state a ByzCoin quorum of every step.
#include "node/protocol/transepoch/swap_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "node/chain/finality.hpp"
#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/protocol/eds/shard_assignment.hpp"
#include "support/test_support.hpp"

using namespace ios;
using protocol::eds::ShardAssignment;
using protocol::transepoch::plan_swaps;
using protocol::transepoch::swap_batch_size;

namespace {

constexpr auto rnd = &test::hash_of_index;

std::size_t count_not_in(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  return static_cast<std::size_t>(
      std::count_if(a.begin(), a.end(), [&](auto i) { return !std::binary_search(b.begin(), b.end(), i); }));
}

}  // namespace

TEST(TransEpoch, BatchSizeKeepsTheHoldersAQuorumOfEveryRoster) {
  for (std::uint32_t r = 4; r <= 200; ++r) {
    const auto k = swap_batch_size(r);
    EXPECT_GE(k, 1u);
    // Stayers of a step of a roster of r members (at most k of them new) sign alone.
    EXPECT_GE(r - k, chain::byzcoin_quorum(r)) << "r = " << r;
    // And k is the largest batch for which that holds: one more would wait on a newcomer.
    EXPECT_LT(r - (k + 1), chain::byzcoin_quorum(r)) << "r = " << r;
  }
  // The paper's k = log_m n against ours for the default devnet (12 validators, 2 shards of 6,
  // normal leagues of 4 or 5): log_2 12 ≈ 3.6 would let 3 of 4 signers be newcomers.
  EXPECT_EQ(swap_batch_size(4), 1u);
  EXPECT_GT(std::floor(std::log(12.0) / std::log(2.0)), swap_batch_size(4));
}

TEST(TransEpoch, StepsMoveAtMostKAndEndAtTheNewMembers) {
  for (std::uint64_t e = 1; e <= 200; ++e) {
    const std::uint32_t n = 8 + static_cast<std::uint32_t>(e % 40), m = 1 + static_cast<std::uint32_t>(e % 4);
    const auto before = ShardAssignment::compute(n, m, rnd(e - 1));
    const auto after = ShardAssignment::compute(n, m, rnd(e));
    const std::uint32_t k = 1 + static_cast<std::uint32_t>(e % 3);
    for (std::uint32_t j = 0; j < m; ++j) {
      const auto& old_m = before.members[j];
      const auto& new_m = after.members[j];
      const auto plan = plan_swaps(old_m, new_m, n, core::ShardId{j}, rnd(e), k);
      ASSERT_GE(plan.steps(), 1u);
      EXPECT_EQ(plan.rosters.back(), new_m);
      const auto moving = count_not_in(new_m, old_m);
      EXPECT_EQ(plan.joining.size(), moving);
      EXPECT_EQ(plan.leaving.size(), count_not_in(old_m, new_m));
      EXPECT_EQ(plan.steps(), std::max<std::size_t>(1, (moving + k - 1) / k));
      auto prev = old_m;
      std::set<std::uint32_t> gone;
      for (const auto& r : plan.rosters) {
        EXPECT_TRUE(std::is_sorted(r.begin(), r.end()));
        EXPECT_EQ(r.size(), old_m.size()) << "a shard keeps its size through a swap";
        EXPECT_LE(count_not_in(r, prev), k) << "at most k join per step";
        EXPECT_LE(count_not_in(prev, r), k) << "at most k leave per step";
        for (auto i : prev)
          if (!std::binary_search(r.begin(), r.end(), i)) gone.insert(i);
        for (auto i : r) EXPECT_FALSE(gone.contains(i)) << "validator " << i << " left and came back";
        prev = r;
      }
    }
  }
}

TEST(TransEpoch, OrderComesFromTheEpochRandomnessAlone) {
  const std::vector<std::uint32_t> old_m{0, 1, 2, 3, 4, 5, 6, 7}, new_m{0, 1, 2, 3, 8, 9, 10, 11};
  const auto a = plan_swaps(old_m, new_m, 12, core::ShardId{1}, rnd(7), 1);
  EXPECT_EQ(plan_swaps(old_m, new_m, 12, core::ShardId{1}, rnd(7), 1).rosters, a.rosters);
  ASSERT_EQ(a.steps(), 4u);
  // Another rnd_e or another shard number orders the batches differently (for some draw).
  bool differs = false;
  for (std::uint64_t r = 8; r < 16 && !differs; ++r)
    differs = plan_swaps(old_m, new_m, 12, core::ShardId{1}, rnd(r), 1).leaving != a.leaving ||
              plan_swaps(old_m, new_m, 12, core::ShardId{1}, rnd(r), 1).joining != a.joining;
  EXPECT_TRUE(differs);
  differs = false;
  for (std::uint32_t j = 2; j < 10 && !differs; ++j)
    differs = plan_swaps(old_m, new_m, 12, core::ShardId{j}, rnd(7), 1).leaving != a.leaving;
  EXPECT_TRUE(differs);
}

TEST(TransEpoch, NobodyMovingIsOneStepOfTheSameMembers) {
  const std::vector<std::uint32_t> same{1, 4, 6, 9};
  const auto plan = plan_swaps(same, same, 10, core::ShardId{0}, rnd(3), 1);
  ASSERT_EQ(plan.steps(), 1u);
  EXPECT_EQ(plan.rosters[0], same);
  EXPECT_TRUE(plan.leaving.empty());
  EXPECT_TRUE(plan.joining.empty());
}
