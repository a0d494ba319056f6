// One PoB shard in the simulator: the named scenarios of the shard-consensus issue, each with
// real keys and real crypto, the shard invariants checked after every event, and the seed
// printed on failure (replay with the same options and seed).
#include <gtest/gtest.h>

#include "node/crypto/hash.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::sim {
namespace {

const bool sodium_ready = (crypto::init(), true);

std::string describe(const ShardRunResult& r) {
  std::string s = "seed " + std::to_string(r.seed) + ": submitted " + std::to_string(r.submitted) + ", optimistic " +
                  std::to_string(r.optimistic) + ", final " + std::to_string(r.finalized) + ", excluded " +
                  std::to_string(r.excluded) + ", rejected " + std::to_string(r.rejected) + ", lost " +
                  std::to_string(r.lost) + ", height " + std::to_string(r.final_height) + ", view changes " +
                  std::to_string(r.view_changes);
  if (r.failure) s += "\n" + *r.failure;
  return s;
}

TEST(PobShard, HappyPathFinalizesEveryTransaction) {
  ShardRunOptions o;
  o.tx_rate = 100;
  o.duration_ms = 3000;
  o.seed = 1;
  const auto r = run_shard(o);
  SCOPED_TRACE(describe(r));
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r.submitted, 250u);
  EXPECT_EQ(r.finalized, r.submitted);
  EXPECT_EQ(r.optimistic, r.submitted);
  EXPECT_GT(r.final_latency.p50, r.optimistic_latency.p50);
}

}  // namespace
}  // namespace ios::sim
