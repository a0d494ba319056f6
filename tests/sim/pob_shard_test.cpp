// One PoB shard in the simulator (whitepaper §8.2; docs/PROTOCOLS.md §11–12): the named scenarios
// of the shard-consensus issue, each with real keys and real crypto and the shard invariants
// (shard_scenario.hpp) checked after every event. On failure the trace names the seed; replay
// with `ios sim run` and the same options, or rerun this test.
#include <gtest/gtest.h>

#include "node/crypto/hash.hpp"
#include "node/protocol/byzcoin/messages.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/sim/cpu_metered.hpp"
#include "node/sim/in_envelope.hpp"
#include "node/sim/shard_client.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::sim {
namespace {

const bool sodium_ready = (crypto::init(), true);

std::string describe(const ShardRunResult& r) {
  std::string s = "seed " + std::to_string(r.seed) + ": submitted " + std::to_string(r.submitted) + ", optimistic " +
                  std::to_string(r.optimistic) + ", final " + std::to_string(r.finalized) + ", excluded " +
                  std::to_string(r.excluded) + ", rejected " + std::to_string(r.rejected) + ", lost " +
                  std::to_string(r.lost) + ", height " + std::to_string(r.final_height) + ", view changes " +
                  std::to_string(r.view_changes) + ", one-league blocks " + std::to_string(r.one_league_blocks);
  if (r.failure) s += "\n" + *r.failure;
  return s;
}

const ShardClient& client_of(const Simulator& sim, const ShardWorld& w) {
  const auto* c = metered_core<ShardClient>(sim.core(w.client));
  IOS_ASSERT(c != nullptr);
  return *c;
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
  EXPECT_EQ(r.optimistic, r.submitted);
  EXPECT_EQ(r.finalized, r.submitted);
  EXPECT_EQ(r.view_changes, 0u);
  // Optimistic answers come from one believable validator; finality needs two CoSi rounds.
  EXPECT_LT(r.optimistic_latency.p99, r.final_latency.p50);
  // The same seed replays the same run, event for event.
  EXPECT_EQ(run_shard(o).transcript, r.transcript);
}

TEST(PobShard, LeaderCrashDuringPrepare) {
  ShardRunOptions o;
  o.tx_rate = 100;
  o.duration_ms = 3000;
  o.seed = 11;
  auto crashed = std::make_shared<std::optional<NodeId>>();
  const auto r = run_shard(o, [&](Simulator& sim, const ShardWorld& w) {
    const auto n = w.setup->normal.size();
    for (auto id : w.setup->normal) {
      // Passes everything; the first time a leader announces the prepare round of height 10,
      // it crashes right there (the announce may reach some members) and restarts 2 s later.
      sim.set_byzantine(id, in_envelope([&sim, crashed, id, n](const protocol::Send& s) -> std::vector<protocol::Send> {
        auto m = protocol::byzcoin::decode_message(s.payload, n);
        const auto* a = m ? std::get_if<protocol::byzcoin::Announce>(&*m) : nullptr;
        if (a && a->height == 10 && a->phase == protocol::byzcoin::Phase::prepare && !*crashed) {
          *crashed = id;
          sim.crash(id, sim.now_ms());
          sim.restart(id, sim.now_ms() + 2000);
        }
        return {s};
      }));
    }
  });
  SCOPED_TRACE(describe(r));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(crashed->has_value());
  EXPECT_GE(r.view_changes, 1u);
  EXPECT_GT(r.final_height, 20u);
  EXPECT_EQ(r.finalized, r.submitted);
}

TEST(PobShard, EquivocatingLeaderFinalizesAtMostOneBodyPerHeight) {
  ShardRunOptions o;
  o.tx_rate = 100;
  o.duration_ms = 3000;
  o.seed = 12;
  o.faults = {{ShardFaultKind::byzantine_leader, 0}};
  const auto r = run_shard(o);
  SCOPED_TRACE(describe(r));
  ASSERT_TRUE(r.ok());  // final-agreement held after every event
  EXPECT_GT(r.restarts + r.view_changes, 0u);  // the split league cannot finish the liar's round
  EXPECT_EQ(r.finalized, r.submitted);
}

TEST(PobShard, PartitionStopsFinalityThenHealRestoresIt) {
  ShardRunOptions o;
  o.tx_rate = 100;
  o.duration_ms = 4000;  // partition of the normal league 2|2 from 1000 to 2000 ms
  o.seed = 13;
  o.faults = {{ShardFaultKind::partition, 0}};
  auto heights = std::make_shared<std::vector<std::uint64_t>>();
  const auto r = run_shard(o, [&](Simulator& sim, const ShardWorld& w) {
    for (TimeMs t : {1300u, 1950u}) {
      sim.schedule(t, "probe height", [heights, &w](Simulator& s) { heights->push_back(client_of(s, w).ledger().height()); });
    }
  });
  SCOPED_TRACE(describe(r));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(heights->size(), 2u);
  EXPECT_EQ((*heights)[0], (*heights)[1]) << "a block was finalized without a quorum";
  EXPECT_GT(r.final_height, (*heights)[1] + 10) << "no liveness after heal";
  EXPECT_EQ(r.finalized, r.submitted);
}

// docs/PROTOCOLS.md §12: each forged tx is caught with probability 1 − (1 − p)^L. Over several runs
// the observed rate must match; each run's forger is slashed and every victim of a forgery
// that did become final is repaid from the slashed stake.
TEST(PobShard, ForgingBelievableCaughtAtExpectedRateSlashedVictimsRepaid) {
  std::uint64_t forged = 0, caught = 0;
  double expected = 0;
  for (std::uint64_t seed : {21u, 22u, 23u, 24u}) {
    ShardRunOptions o;
    o.tx_rate = 50;
    o.duration_ms = 6000;
    o.seed = seed;
    o.faults = {{ShardFaultKind::forging_believable, 0}};
    o.forge_interval_ms = 150;
    const auto r = run_shard(o);
    SCOPED_TRACE(describe(r));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.fraud.producer_slashed);
    EXPECT_EQ(r.fraud.victims_repaid, r.fraud.forged_finalized);
    if (r.fraud.forged_finalized > 0) {
      EXPECT_GT(r.fraud.compensation_paid, 0u);
    }
    EXPECT_EQ(r.finalized, r.submitted);  // honest users' txs are unaffected
    forged += r.fraud.forged;
    caught += r.fraud.caught_by_sample;
    expected = r.fraud.expected_rate;
  }
  ASSERT_GE(forged, 100u);
  const double n = static_cast<double>(forged), sd = std::sqrt(n * expected * (1 - expected));
  EXPECT_NEAR(static_cast<double>(caught), n * expected, 4 * sd) << caught << " of " << forged;
}

TEST(PobShard, DoubleSpendToTwoBelievableValidatorsExactlyOneFinal) {
  ShardRunOptions o;
  o.tx_rate = 50;
  o.duration_ms = 2000;
  o.seed = 14;
  std::vector<core::Hash32> hashes;
  bool checked = false;
  const auto r = run_shard(
      o,
      [&](Simulator& sim, const ShardWorld& w) {
        const auto& setup = *w.setup;
        const auto key = w.victims[0].signing_key();
        const auto allocation = w.victim_allocations[0];
        const auto amount = setup.genesis.allocations[allocation].amount;
        for (std::uint32_t k = 0; k < 2; ++k) {
          const auto payee = chain::Address::from_public_key(w.victims[1 + k].public_identity().signing);
          auto tx = chain::make_transfer({{chain::genesis_outpoint(allocation), &key}},
                                         {{payee, chain::Asset::ios, amount - 1}}, 1, k, setup.chain_id);
          hashes.push_back(chain::tx_hash(tx));
          sim.inject(w.client, setup.believable[k],
                     w.enveloped(protocol::pob::encode(protocol::pob::PobMessage{protocol::pob::SubmitTx{tx}})), 500);
        }
      },
      [&](const Simulator& sim, const ShardWorld& w) {
        const auto& state = client_of(sim, w).ledger().state();
        const bool first = state.find_output({hashes[0], 0}) != nullptr;
        const bool second = state.find_output({hashes[1], 0}) != nullptr;
        EXPECT_NE(first, second) << "exactly one of the two spends must be final";
        EXPECT_EQ(state.find_output(chain::genesis_outpoint(w.victim_allocations[0])), nullptr);
        // Both believable validators accepted their half: each one alone saw no conflict.
        for (std::uint32_t k = 0; k < 2; ++k) {
          const auto* v = metered_core<protocol::pob::ShardValidator>(sim.core(w.setup->believable[k]));
          ASSERT_NE(v, nullptr);
          EXPECT_EQ(v->counters().txs_refused, 0u);
        }
        checked = true;
      });
  SCOPED_TRACE(describe(r));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(checked);
}

// Whitepaper §8.2 fall-back: too few believable validators -> one league (every tx fully
// verified, clients send to the normal league); enough again -> two leagues.
TEST(PobShard, FallbackToOneLeagueAndBack) {
  ShardRunOptions o;
  o.validators = 7;
  o.believable = 3;
  o.believable_min = 2;
  o.tx_rate = 60;
  o.duration_ms = 6000;
  o.drain_ms = 4000;
  o.seed = 15;
  bool back = false;
  const auto r = run_shard(
      o,
      [&](Simulator& sim, const ShardWorld& w) {
        for (std::uint32_t k = 0; k < 2; ++k) {
          sim.crash(w.setup->believable[k], 1000);
          sim.restart(w.setup->believable[k], 3500);
        }
      },
      [&](const Simulator& sim, const ShardWorld& w) {
        back = client_of(sim, w).ledger().next_mode() == chain::LeagueMode::two_leagues;
      });
  SCOPED_TRACE(describe(r));
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r.one_league_blocks, 0u);
  EXPECT_GE(r.mode_switches, 2u);
  EXPECT_GT(r.direct_txs_final, 0u);  // while in one league, the normal league took transactions itself
  EXPECT_TRUE(back);
  EXPECT_EQ(r.finalized, r.submitted);
}

}  // namespace
}  // namespace ios::sim
