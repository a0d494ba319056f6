// The sharded system in the simulator (node/sim/sharded_scenario.hpp): epochs formed by the
// validators themselves re-form the shards, TransEpoch moves members in batches, and every shard
// keeps finalizing one chain across segments, steps and epochs, checked after every event.
#include <gtest/gtest.h>

#include <iostream>

#include "node/sim/sharded_scenario.hpp"
#include "sim/toy_protocols.hpp"

using namespace ios;

namespace {

void print(const sim::ShardedRunResult& r) {
  for (std::size_t j = 0; j < r.shards.size(); ++j) {
    const auto& s = r.shards[j];
    std::cout << "shard " << j << ": " << s.height << " blocks; per epoch";
    for (std::size_t e = 0; e < s.blocks_per_epoch.size(); ++e)
      std::cout << " " << s.blocks_per_epoch[e] << " (" << s.steps_per_epoch[e] << " steps)";
    std::cout << "; longest gap " << s.longest_gap_ms << " ms, during swaps " << s.longest_swap_gap_ms << " ms\n";
  }
  std::cout << r.simulated_ms << " ms simulated, " << r.messages << " messages\n";
}

}  // namespace

TEST(TransEpochSim, ShardsReformEveryEpochAndKeepFinalizingThroughTheSwaps) {
  sim::ShardedRunOptions o;
  o.seed = sim::toy::test_seeds({5}).front();
  SCOPED_TRACE(sim::toy::announce_seed(o.seed));
  const auto r = sim::run_sharded(o);
  print(r);
  ASSERT_FALSE(r.failure) << *r.failure;
  EXPECT_EQ(r.epochs_formed, o.epochs);
  bool swapped = false;
  for (const auto& s : r.shards) {
    for (std::uint64_t e = 0; e <= o.epochs; ++e) EXPECT_GT(s.blocks_per_epoch[e], 0u) << "epoch " << e;
    for (std::uint64_t e = 1; e <= o.epochs; ++e) swapped |= s.steps_per_epoch[e] > 1;
    // Each step waits Δ = 500 ms of blocks; a shard never stops for long while members move.
    EXPECT_LT(s.longest_swap_gap_ms, 2'000);
  }
  EXPECT_TRUE(swapped) << "some epoch moved members between the shards";
}
