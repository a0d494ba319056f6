// ios sim run: one Proof-of-Believability shard (whitepaper §8.2) in the deterministic
// simulator — the real ShardValidator, ByzCoin and ledger code with real keys and crypto on a
// simulated network with faults. Exit 0 only if every invariant held.
#include <cmath>
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/sim_epochs.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::cli {

namespace {

nlohmann::json latency_json(const sim::LatencySummary& s) {
  return {{"count", s.count}, {"p50_ms", s.p50}, {"p90_ms", s.p90}, {"p99_ms", s.p99}, {"max_ms", s.max}};
}

nlohmann::json result_json(const sim::ShardRunOptions& o, const std::string& faults, const sim::ShardRunResult& r) {
  nlohmann::json invariants = nlohmann::json::array();
  for (const auto& i : r.invariants) invariants.push_back({{"name", i.name}, {"held", i.held}, {"detail", i.detail}});
  nlohmann::json doc{
      {"ok", r.ok()},
      {"seed", std::to_string(o.seed)},
      {"shards", o.shards},
      {"validators", o.validators},
      {"believable", o.believable},
      {"normal", o.validators - o.believable},
      {"sample_rate", o.sample_rate},
      {"tx_rate", o.tx_rate},
      {"duration_ms", o.duration_ms},
      {"faults", faults},
      {"transactions",
       {{"submitted", r.submitted},
        {"optimistic", r.optimistic},
        {"final", r.finalized},
        {"excluded", r.excluded},
        {"rejected", r.rejected},
        {"lost", r.lost}}},
      {"latency", {{"optimistic", latency_json(r.optimistic_latency)}, {"final", latency_json(r.final_latency)}}},
      {"messages", r.messages},
      {"bytes", r.bytes},
      {"messages_per_tx", r.messages_per_tx},
      {"final_height", r.final_height},
      {"byzcoin", {{"view_changes", r.view_changes}, {"restarts", r.restarts}, {"star_fallbacks", r.star_fallbacks}}},
      {"leagues", {{"one_league_blocks", r.one_league_blocks}, {"mode_switches", r.mode_switches}}},
      {"invariants", invariants},
      {"cpu_s", r.cpu_s},
      {"simulated_ms", r.simulated_ms},
      {"transcript", core::to_hex(r.transcript)}};
  if (r.fraud.forged > 0) {
    doc["fraud"] = {{"forged", r.fraud.forged},
                    {"caught_by_sample", r.fraud.caught_by_sample},
                    {"observed_rate", static_cast<double>(r.fraud.caught_by_sample) / static_cast<double>(r.fraud.forged)},
                    {"expected_rate", r.fraud.expected_rate},
                    {"producer_slashed", r.fraud.producer_slashed},
                    {"forged_finalized", r.fraud.forged_finalized},
                    {"victims_repaid", r.fraud.victims_repaid},
                    {"compensation_paid", std::to_string(r.fraud.compensation_paid)}};
  }
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& s : r.shards)
    shards.push_back({{"shard", s.shard}, {"submitted", s.submitted}, {"final", s.finalized}, {"final_height", s.final_height}});
  doc["per_shard"] = shards;
  if (r.failure) doc["failure"] = *r.failure;
  return doc;
}

std::string per_shard_text(const sim::ShardRunResult& r) {
  std::string t;
  for (const auto& s : r.shards)
    t += "  shard " + std::to_string(s.shard) + "   " + std::to_string(s.submitted) + " submitted, " +
         std::to_string(s.finalized) + " final, height " + std::to_string(s.final_height) + "\n";
  return t;
}

std::string result_text(const sim::ShardRunOptions& o, const std::string& faults, const sim::ShardRunResult& r) {
  std::ostringstream t;
  t << (o.shards == 1 ? std::string("shard       ") : std::to_string(o.shards) + " shards    each ") << o.validators
    << " validators: " << o.believable << " believable, "
    << (o.validators - o.believable) << " normal; p = " << o.sample_rate << "; faults: " << (faults.empty() ? "none" : faults)
    << "\n"
    << "load        " << o.tx_rate << " tx/s" << (o.shards > 1 ? " per shard" : "") << " for " << o.duration_ms << " ms (simulated), seed " << o.seed << "\n"
    << "txs         " << r.submitted << " submitted, " << r.optimistic << " optimistic, " << r.finalized << " final, "
    << r.excluded << " excluded, " << r.rejected << " rejected, " << r.lost << " lost\n"
    << "optimistic  p50 " << r.optimistic_latency.p50 << " ms, p99 " << r.optimistic_latency.p99 << " ms\n"
    << "final       p50 " << r.final_latency.p50 << " ms, p99 " << r.final_latency.p99 << " ms; height "
    << r.final_height << "\n"
    << (r.shards.size() > 1 ? per_shard_text(r) : std::string())
    << "messages    " << r.messages << " (" << std::lround(r.messages_per_tx) << " per final tx), " << r.bytes << " bytes\n"
    << "byzcoin     " << r.view_changes << " view changes, " << r.restarts << " restarts, " << r.star_fallbacks
    << " star fallbacks; " << r.one_league_blocks << " one-league blocks, " << r.mode_switches << " mode switches\n";
  if (r.fraud.forged > 0) {
    t << "fraud       " << r.fraud.forged << " forged, " << r.fraud.caught_by_sample << " caught by sampling (rate "
      << static_cast<double>(r.fraud.caught_by_sample) / static_cast<double>(r.fraud.forged) << ", expected "
      << r.fraud.expected_rate << "); producer " << (r.fraud.producer_slashed ? "slashed" : "NOT slashed") << "; "
      << r.fraud.forged_finalized << " forged txs final, " << r.fraud.victims_repaid << " victims repaid ("
      << r.fraud.compensation_paid << ")\n";
  }
  for (const auto& i : r.invariants) {
    t << "invariant   " << i.name << ": " << (i.held ? "held" : "VIOLATED " + i.detail) << "\n";
  }
  t << "cpu         " << r.cpu_s << " s for " << r.simulated_ms << " simulated ms\n";
  if (r.failure) t << *r.failure << "\n";
  return t.str();
}

}  // namespace

void register_sim(CLI::App& app, Globals& g) {
  auto* sim = app.add_subcommand("sim", "Run the real protocol code for many validators in the deterministic simulator");
  sim->require_subcommand(1);
  struct Args {
    sim::ShardRunOptions o;
    std::string faults;
    std::string duration = "5s";
    std::string drain = "4s";
    std::uint32_t epochs = 0;
    std::string epoch_length = "3s";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = sim->add_subcommand("run", "Simulate PoB shards under load and faults; exit 0 only if every invariant held");
  cmd->add_option("--shards", args->o.shards, "Shards (EDS of shards × validators), each with its own client")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--validators", args->o.validators, "Validators per shard (believable + normal)")
      ->capture_default_str()
      ->check(CLI::Range(5, 1000));
  cmd->add_option("--believable", args->o.believable, "Believable league size")->capture_default_str()->check(CLI::Range(0, 200));
  cmd->add_option("--believable-min", args->o.believable_min, "Fewer live believable validators: one league")
      ->capture_default_str();
  cmd->add_option("--p", args->o.sample_rate, "Sampling probability of the normal league")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--tx-rate", args->o.tx_rate, "Transactions per simulated second (each shard's client)")->capture_default_str()->check(CLI::Range(1.0, 100000.0));
  cmd->add_option("--duration", args->duration, "Load duration in simulated time (units ms, s, m)")->capture_default_str();
  cmd->add_option("--drain", args->drain, "Simulated time after the load, for stragglers and recovery")->capture_default_str();
  cmd->add_option("--view-timeout-ms", args->o.view_timeout_ms, "ByzCoin view-change timeout")->capture_default_str();
  cmd->add_option("--faults", args->faults,
                  "Comma-separated: crash:K, partition, delay:MS, loss:RATE, byzantine-leader, forging-believable");
  cmd->add_option("--seed", args->o.seed, "Simulation seed: same seed, same run")->capture_default_str();
  cmd->add_option("--latency-ms", args->o.latency_ms, "One-way link latency (plus up to 20% jitter)")->capture_default_str();
  cmd->add_option("--block-interval-ms", args->o.block_interval_ms, "ByzCoin block interval")->capture_default_str();
  cmd->add_flag("!--no-tree", args->o.tree, "ByzCoin over a star instead of the three-level tree");
  cmd->add_option("--epochs", args->epochs,
                  "Run the whole sharded system for E epochs: the validators form the epoch chain, EDS re-forms the "
                  "shards and TransEpoch moves members in batches; with --tx-rate, payments in every shard")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--epoch-length", args->epoch_length, "With --epochs: from one record to the next lottery")
      ->capture_default_str();
  cmd->footer(
      "Exit 0 when every invariant held, 8 when one was violated (the report names it and the replay seed).\n"
      "Examples:\n  ios sim run --validators 7 --believable 3 --p 0.1 --tx-rate 200 --duration 5s --faults crash:1 --seed 7\n"
      "  ios sim run --shards 2 --validators 6 --believable 2 --tx-rate 100 --faults crash:1 --json\n"
      "  ios sim run --shards 2 --validators 6 --believable 1 --epochs 3 --tx-rate 20 --faults crash:1 --seed 4");
  cmd->callback([args, cmd, &g] {
    auto& o = args->o;
    if (args->epochs > 0) {
      for (const char* name : {"--duration", "--drain", "--p", "--believable-min", "--block-interval-ms", "--no-tree"})
        if (cmd->count(name) > 0)
          throw Failure(Exit::usage, std::string(name) + " does not apply with --epochs (the load runs until the last epoch)");
      if (o.believable + 4 > o.validators)
        throw Failure(Exit::usage, "--validators must leave a normal league of at least 4 after --believable");
      sim::ShardedRunOptions so;
      so.validators = o.shards * o.validators;
      so.shards = o.shards;
      so.believable = o.believable;
      so.epochs = args->epochs;
      so.seed = o.seed;
      so.latency_ms = o.latency_ms;
      so.view_timeout_ms = o.view_timeout_ms;
      if (cmd->count("--tx-rate") > 0) {
        if (o.tx_rate > 200) throw Failure(Exit::usage, "--tx-rate with --epochs: at most 200 per shard");
        so.tx_rate = o.tx_rate;
      }
      so.epoch_ms = parse_duration_ms("--epoch-length", args->epoch_length);
      if (so.epoch_ms < 1000) throw Failure(Exit::usage, "--epoch-length must be at least 1s");
      const std::uint32_t f = (o.validators - o.believable - 1) / 3;
      std::stringstream list(args->faults);
      for (std::string item; std::getline(list, item, ',');) {
        if (item == "partition") {
          so.partition = true;
        } else if (item.rfind("crash:", 0) == 0 && item.size() > 6 &&
                   item.find_first_not_of("0123456789", 6) == std::string::npos && item.size() < 10) {
          so.crashes = static_cast<std::uint32_t>(std::stoul(item.substr(6)));
          if (so.crashes > f)
            throw Failure(Exit::usage, item + " exceeds f = " + std::to_string(f) + " of the normal league");
        } else if (!item.empty()) {
          throw Failure(Exit::usage, "--faults with --epochs: crash:K and partition only, not '" + item + "'");
        }
      }
      return run_sim_epochs(g, so, args->faults);
    }
    o.duration_ms = parse_duration_ms("--duration", args->duration);
    o.drain_ms = parse_duration_ms("--drain", args->drain);
    auto faults = sim::parse_shard_faults(args->faults);
    if (!faults) throw Failure(Exit::usage, "--faults: " + faults.error().message());
    o.faults = *faults;
    if (o.believable + 4 > o.validators)
      throw Failure(Exit::usage, "--validators must leave a normal league of at least 4 after --believable");
    if (o.believable_min > o.believable) throw Failure(Exit::usage, "--believable-min must not exceed --believable");
    const std::uint32_t f = (o.validators - o.believable - 1) / 3;
    for (const auto& fault : o.faults) {
      if (fault.kind == sim::ShardFaultKind::crash && fault.value > f)
        throw Failure(Exit::usage, "crash:" + std::to_string(static_cast<int>(fault.value)) + " exceeds f = " +
                                       std::to_string(f) + " of the normal league");
      if (fault.kind == sim::ShardFaultKind::forging_believable && o.believable == 0)
        throw Failure(Exit::usage, "forging-believable needs a believable league");
    }
    if (auto ok = sim::check_shard_run_options(o); !ok) throw Failure(Exit::usage, ok.error().detail);
    note(g, "sim: seed " + std::to_string(o.seed));
    const auto r = sim::run_shard(o);
    emit(g, "ios.sim.run.v1", result_json(o, args->faults, r), result_text(o, args->faults, r));
    if (!r.ok()) throw Failure(Exit::unhealthy, "an invariant was violated (seed " + std::to_string(o.seed) + ")",
                               {{"seed", std::to_string(o.seed)}});
  });
}

}  // namespace ios::cli
