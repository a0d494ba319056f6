// ios sim run --epochs E: the whole sharded system in the simulator (node/sim/sharded_scenario.hpp)
// — the epoch chain formed by the validators, shards re-formed by EDS every epoch, TransEpoch
// moving members in batches — with its invariants checked after every event. Exit 0 only if
// every one held.
#include <sstream>

#include "cli/commands.hpp"
#include "cli/sim_epochs.hpp"
#include "node/sim/cpu_metered.hpp"

namespace ios::cli {

namespace {

const char* const invariant_names[] = {"epoch agreement", "shard agreement", "segment finality", "chain links",
                                       "supply constant"};

// The simulator stops at the first violation; its report names the invariant.
bool held(const sim::ShardedRunResult& r, const char* name) {
  return !r.failure || r.failure->find(name) == std::string::npos;
}

nlohmann::json result_json(const sim::ShardedRunOptions& o, const std::string& faults, const sim::ShardedRunResult& r,
                           double cpu_s) {
  nlohmann::json shards = nlohmann::json::array();
  for (std::size_t j = 0; j < r.shards.size(); ++j) {
    const auto& s = r.shards[j];
    nlohmann::json epochs = nlohmann::json::array();
    for (std::size_t e = 0; e < s.blocks_per_epoch.size(); ++e)
      epochs.push_back({{"epoch", e}, {"blocks", s.blocks_per_epoch[e]}, {"steps", s.steps_per_epoch[e]}});
    shards.push_back({{"shard", j},
                      {"final_height", s.height},
                      {"epochs", epochs},
                      {"longest_gap_ms", s.longest_gap_ms},
                      {"longest_swap_gap_ms", s.longest_swap_gap_ms}});
  }
  nlohmann::json invariants = nlohmann::json::array();
  for (const auto* name : invariant_names) invariants.push_back({{"name", name}, {"held", held(r, name)}});
  nlohmann::json doc{{"ok", !r.failure},
                     {"seed", std::to_string(o.seed)},
                     {"validators", o.validators},
                     {"shards", o.shards},
                     {"believable", o.believable},
                     {"epochs", o.epochs},
                     {"epochs_formed", r.epochs_formed},
                     {"epoch_ms", o.epoch_ms},
                     {"delta_ms", o.delta_ms},
                     {"faults", faults},
                     {"per_shard", shards},
                     {"transactions",
                      {{"tx_rate", o.tx_rate},
                       {"submitted", r.load.submitted},
                       {"resubmitted", r.load.resubmitted},
                       {"final", r.load.finalized},
                       {"excluded", r.load.excluded},
                       {"lost", r.load.pending}}},
                     {"invariants", invariants},
                     {"messages", r.messages},
                     {"bytes", r.bytes},
                     {"cpu_s", cpu_s},
                     {"simulated_ms", r.simulated_ms},
                     {"transcript", core::to_hex(r.sim_transcript)}};
  if (r.failure) doc["failure"] = *r.failure;
  return doc;
}

std::string result_text(const sim::ShardedRunOptions& o, const std::string& faults, const sim::ShardedRunResult& r,
                        double cpu_s) {
  std::ostringstream t;
  t << "system      " << o.validators << " validators in " << o.shards << " shards (believable league " << o.believable
    << " per shard); faults: " << (faults.empty() ? "none" : faults) << "; seed " << o.seed << "\n"
    << "epochs      " << r.epochs_formed << " of " << o.epochs << " formed, one every " << o.epoch_ms << " ms; Δ "
    << o.delta_ms << " ms\n";
  for (std::size_t j = 0; j < r.shards.size(); ++j) {
    const auto& s = r.shards[j];
    t << "shard " << j << "     height " << s.height << "; blocks per epoch";
    for (std::size_t e = 0; e < s.blocks_per_epoch.size(); ++e) {
      t << (e == 0 ? " " : ", ") << e << ": " << s.blocks_per_epoch[e];
      if (s.steps_per_epoch[e] > 1) t << " in " << s.steps_per_epoch[e] << " steps";
    }
    t << "; longest gap " << s.longest_gap_ms << " ms, " << s.longest_swap_gap_ms << " ms while members moved\n";
  }
  if (o.tx_rate > 0)
    t << "txs         " << o.tx_rate << " per second per shard: " << r.load.submitted << " submitted, "
      << r.load.finalized << " final, " << r.load.excluded << " excluded, " << r.load.pending << " lost; "
      << r.load.resubmitted << " sent again\n";
  for (const auto* name : invariant_names)
    t << "invariant   " << name << ": " << (held(r, name) ? "held" : "VIOLATED (below)") << "\n";
  t << "messages    " << r.messages << ", " << r.bytes << " bytes\n"
    << "cpu         " << cpu_s << " s for " << r.simulated_ms << " simulated ms\n";
  if (r.failure) t << *r.failure << "\n";
  return t.str();
}

}  // namespace

void run_sim_epochs(const Globals& g, sim::ShardedRunOptions o, const std::string& faults) {
  note(g, "sim: seed " + std::to_string(o.seed));
  const double t0 = sim::thread_cpu_s();
  const auto r = sim::run_sharded(o);
  const double cpu_s = sim::thread_cpu_s() - t0;
  emit(g, "ios.sim.epochs.v1", result_json(o, faults, r, cpu_s), result_text(o, faults, r, cpu_s));
  if (!r.failure && r.load.pending > 0)
    throw Failure(Exit::unhealthy, std::to_string(r.load.pending) + " payments neither final nor excluded (seed " +
                                       std::to_string(o.seed) + ")",
                  {{"seed", std::to_string(o.seed)}});
  if (r.failure)
    throw Failure(Exit::unhealthy, "an invariant was violated (seed " + std::to_string(o.seed) + ")",
                  {{"seed", std::to_string(o.seed)}});
}

}  // namespace ios::cli
