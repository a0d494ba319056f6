// EDS (node/protocol/eds/shard_assignment.hpp): the roster permuted by rnd_e and cut into m
// shards. Every node and every offline checker must compute the same partition from the same
// record, and the partition must be even and complete.
#include "node/protocol/eds/shard_assignment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "support/test_support.hpp"

using namespace ios;
using protocol::eds::ShardAssignment;

namespace {

constexpr auto rnd = &test::hash_of_index;

}  // namespace

TEST(ShardAssignment, IsAnEvenPartition) {
  for (std::uint32_t n : {1u, 2u, 7u, 12u, 13u, 100u}) {
    for (std::uint32_t m = 1; m <= std::min(n, 9u); ++m) {
      const auto a = ShardAssignment::compute(n, m, rnd(n * 31 + m));
      ASSERT_EQ(a.shard_count(), m);
      ASSERT_EQ(a.shard_of.size(), n);
      std::set<std::uint32_t> seen;
      std::size_t smallest = n, largest = 0;
      for (std::uint32_t j = 0; j < m; ++j) {
        const auto& members = a.shard(core::ShardId{j});
        smallest = std::min(smallest, members.size());
        largest = std::max(largest, members.size());
        EXPECT_TRUE(std::is_sorted(members.begin(), members.end()));
        for (auto i : members) {
          EXPECT_TRUE(seen.insert(i).second) << "validator " << i << " in two shards";
          EXPECT_EQ(a.shard_of[i], core::ShardId{j});
        }
      }
      EXPECT_EQ(seen.size(), n) << "every validator has a shard";
      EXPECT_LE(largest - smallest, 1u) << "n = " << n << ", m = " << m;
      EXPECT_EQ(smallest, n / m);
    }
  }
}

TEST(ShardAssignment, RecomputesIdenticallyAndDependsOnTheRandomness) {
  const auto a = ShardAssignment::compute(24, 3, rnd(1));
  EXPECT_EQ(ShardAssignment::compute(24, 3, rnd(1)).members, a.members);
  // The documented construction, spelled out: ChaCha20 keyed by SHA-256("IOS/v1/eds" ‖ rnd),
  // Fisher–Yates, contiguous cuts at ⌊j·n/m⌋.
  crypto::ChaChaRng rng("IOS/v1/eds", rnd(1));
  const auto pi = crypto::permutation(24, rng);
  for (std::uint32_t j = 0; j < 3; ++j) {
    std::vector<std::uint32_t> cut(pi.begin() + j * 8, pi.begin() + (j + 1) * 8);
    std::sort(cut.begin(), cut.end());
    EXPECT_EQ(a.members[j], cut) << "shard " << j;
  }
  // Another rnd_e gives another partition (24 into 3 × 8: the chance of the same is ~1e-10).
  EXPECT_NE(ShardAssignment::compute(24, 3, rnd(2)).members, a.members);
}

TEST(ShardAssignment, OneShardHoldsEveryone) {
  for (std::uint64_t r = 0; r < 5; ++r) {
    const auto a = ShardAssignment::compute(6, 1, rnd(r));
    EXPECT_EQ(a.members[0], (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5}));
  }
}

// Over many epochs each validator lands in each shard about equally often: nothing in the cut
// favours a roster position (the uniformity the shard-size tables of PROTOCOLS.md §10.2 assume).
TEST(ShardAssignment, EveryPositionLandsInEveryShardAboutEquallyOften) {
  constexpr std::uint32_t n = 12, m = 3, trials = 3000;
  std::vector<std::vector<std::uint32_t>> count(n, std::vector<std::uint32_t>(m));
  for (std::uint32_t t = 0; t < trials; ++t) {
    const auto a = ShardAssignment::compute(n, m, rnd(1000 + t));
    for (std::uint32_t i = 0; i < n; ++i) ++count[i][a.shard_of[i].value];
  }
  // Expected 1000 per cell, σ ≈ 26: ±150 is more than 5σ.
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j = 0; j < m; ++j) EXPECT_NEAR(count[i][j], trials / m, 150) << "validator " << i << " shard " << j;
}
