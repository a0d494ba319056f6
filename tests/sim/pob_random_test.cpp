// PoB shards under random faults within f: 200 seeds per CI run, in 8 batches so ctest spreads
// them over both cores. Each seed draws its shard size and faults from its own stream; the
// shard invariants are checked after every event (safety), and finality must resume once the
// faults are over (liveness). More seeds: IOS_SIM_SEEDS_FROM / IOS_SIM_SEEDS (see
// scripts/sim-nightly.sh). A failing seed prints the `ios sim run` line that replays it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/sim/cpu_metered.hpp"
#include "node/sim/shard_client.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::sim {
namespace {

const bool sodium_ready = (crypto::init(), true);

constexpr std::uint64_t batches = 8;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::strtoull(v, nullptr, 10);
}

// A shard and a mix of faults that stays within what the normal league tolerates: at most f
// faulty members (crashed or equivocating), plus network faults.
ShardRunOptions random_options(std::uint64_t seed) {
  crypto::ChaChaRng rng("IOS/v1/test/pob-random", seed);
  ShardRunOptions o;
  o.seed = seed;
  const bool larger = rng.uniform(4) == 0;
  o.validators = larger ? 9 : 6;  // normal league of 7 (f = 2) or 4 (f = 1)
  o.believable = 2;
  o.tx_rate = 30;
  o.duration_ms = 800;
  o.drain_ms = 2500;
  o.view_timeout_ms = 500;
  std::uint32_t faulty = 0;
  const std::uint32_t f = larger ? 2 : 1;
  const auto kinds = rng.uniform(3);  // 0, 1 or 2 faults
  for (std::uint64_t k = 0; k < kinds; ++k) {
    switch (rng.uniform(6)) {
      case 0:
        if (faulty < f) o.faults.push_back({ShardFaultKind::crash, 1}), ++faulty;
        break;
      case 1:
        if (faulty < f) o.faults.push_back({ShardFaultKind::byzantine_leader, 0}), ++faulty;
        break;
      case 2: o.faults.push_back({ShardFaultKind::loss, 0.01 * static_cast<double>(1 + rng.uniform(3))}); break;
      case 3: o.faults.push_back({ShardFaultKind::delay, static_cast<double>(5 + rng.uniform(20))}); break;
      case 4: o.faults.push_back({ShardFaultKind::partition, 0}); break;
      default: o.faults.push_back({ShardFaultKind::forging_believable, 0}); break;
    }
  }
  return o;
}

std::string replay_line(const ShardRunOptions& o) {
  std::ostringstream s;
  s << "ios sim run --validators " << o.validators << " --believable " << o.believable << " --tx-rate " << o.tx_rate
    << " --duration " << o.duration_ms << "ms --drain " << o.drain_ms << "ms --view-timeout-ms " << o.view_timeout_ms
    << " --seed " << o.seed;
  if (!o.faults.empty()) {
    s << " --faults ";
    for (std::size_t i = 0; i < o.faults.size(); ++i) s << (i ? "," : "") << to_string(o.faults[i]);
  }
  return s.str();
}

class PobRandomSeeds : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(PobRandomSeeds, SafeAlwaysLiveAfterFaults) {
  const std::uint64_t first = env_or("IOS_SIM_SEEDS_FROM", 1000), count = env_or("IOS_SIM_SEEDS", 200);
  for (std::uint64_t seed = first + GetParam(); seed < first + count; seed += batches) {
    const auto o = random_options(seed);
    std::uint64_t height_at_load_end = 0;
    const auto r = run_shard(o, [&](Simulator& sim, const ShardWorld& w) {
      sim.schedule(o.duration_ms, "probe height", [&height_at_load_end, &w](Simulator& s) {
        height_at_load_end = metered_core<ShardClient>(s.core(w.client))->ledger().height();
      });
    });
    SCOPED_TRACE("replay: " + replay_line(o));
    ASSERT_TRUE(r.ok()) << (r.failure ? *r.failure : "an invariant failed");
    // Liveness: once the load and the timed faults are over, finality goes on; and without
    // message loss (which can drop a submission until the client's resubmission) every
    // transaction is final by the end.
    EXPECT_GE(r.final_height, height_at_load_end + 3);
    bool lossy = false;
    for (const auto& f : o.faults) lossy = lossy || f.kind == ShardFaultKind::loss;
    if (!lossy) {
      EXPECT_EQ(r.finalized, r.submitted);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Batches, PobRandomSeeds, ::testing::Range<std::uint64_t>(0, batches));

}  // namespace
}  // namespace ios::sim
