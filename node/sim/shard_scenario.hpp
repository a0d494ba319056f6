#pragma once
// One PoB shard in the simulator (whitepaper §8.2; docs/PROTOCOLS.md §11–12): believable and
// normal validators (ShardValidator), a load-generating client (ShardClient), real keys and
// real crypto on a simulated network, with faults, and the shard invariants checked after
// every event. Used by `ios sim run`, the PoB simulation tests and the benchmark.
//
// Invariants (checked after every event; the first violation fails the run with its seed):
//   final-agreement   one final block per height: every node's chain is a prefix of the
//                     longest one (same block hash at every height)
//   no-double-spend   along the final chain no outpoint is spent twice
//   supply-constant   every node's ledger: Σ outputs + Σ stakes + Σ fees + slashed pool
//                     equals the genesis supply
//   servi-frozen      no applied transaction has a Servi input or output
//   finality-proofs   every final block verifies (verify_finality) under the normal roster
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "node/crypto/identity.hpp"
#include "node/protocol/node/envelope.hpp"
#include "node/protocol/pob/shard_setup.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

enum class ShardFaultKind : std::uint8_t { crash, partition, delay, loss, byzantine_leader, forging_believable };

struct ShardFault {
  ShardFaultKind kind = ShardFaultKind::crash;
  double value = 0;  // crash: K validators; delay: ms; loss: rate; otherwise unused
};

// "crash:1,delay:40,loss:0.01,partition,byzantine-leader,forging-believable"; bad_policy
// naming the item that does not parse.
core::Result<std::vector<ShardFault>> parse_shard_faults(std::string_view list);
std::string to_string(const ShardFault& fault);

struct ShardRunOptions {
  std::uint32_t shards = 1;      // EDS cuts shards × validators into this many shards
  std::uint32_t validators = 7;  // per shard: believable + normal
  std::uint32_t believable = 3;
  std::uint32_t believable_min = 1;
  double sample_rate = 0.1;
  double tx_rate = 200;          // per simulated second, per shard (each shard has its own client)
  TimeMs duration_ms = 5'000;    // the client sends for this long
  TimeMs drain_ms = 4'000;       // then the run goes on this long for stragglers
  std::uint64_t seed = 1;
  TimeMs latency_ms = 5;         // one-way link latency (uniform ± 20%)
  std::uint32_t accounts = 0;    // per shard; 0: enough for the rate
  std::vector<ShardFault> faults;
  bool tree = true;
  TimeMs block_interval_ms = 50;
  TimeMs optimistic_interval_ms = 10;
  TimeMs phase_timeout_ms = 200;
  TimeMs view_timeout_ms = 1'000;
  std::uint32_t victims = 32;    // funded accounts the client never uses (targets of forgery)
  TimeMs forge_interval_ms = 300;  // forging-believable: at most one forged tx this often
};

struct LatencySummary {
  std::size_t count = 0;
  TimeMs p50 = 0, p90 = 0, p99 = 0, max = 0;
};
LatencySummary summarize(std::vector<TimeMs> samples);

struct InvariantResult {
  std::string name;
  bool held = true;
  std::string detail;
};

struct FraudSummary {
  std::uint64_t forged = 0;            // forged transactions the Byzantine producer slipped into blocks
  std::uint64_t caught_by_sample = 0;  // of those, how many at least one normal validator's VRF sample covered
  double expected_rate = 0;            // 1 − (1 − p)^L
  bool producer_slashed = false;
  std::uint64_t forged_finalized = 0;  // forged txs that were applied (not caught in time)
  std::uint64_t victims_repaid = 0;    // of those, whose owner was compensated
  chain::Amount compensation_paid = 0;
};

// One shard's figures in a run of several.
struct ShardFigures {
  std::uint32_t shard = 0;
  std::uint64_t submitted = 0, finalized = 0, final_height = 0;
};

struct ShardRunResult {
  std::uint64_t seed = 0;
  std::vector<ShardFigures> shards;  // one per shard; the totals below sum them
  std::uint64_t submitted = 0, optimistic = 0, finalized = 0, excluded = 0, rejected = 0, lost = 0;
  LatencySummary optimistic_latency, final_latency;
  std::uint64_t messages = 0, bytes = 0;
  double messages_per_tx = 0;
  std::uint64_t final_height = 0;
  std::uint64_t view_changes = 0, restarts = 0, star_fallbacks = 0;
  std::uint64_t one_league_blocks = 0, mode_switches = 0;
  std::uint64_t direct_txs_final = 0;  // applied as direct txs (sent to the normal league)
  FraudSummary fraud;
  std::vector<InvariantResult> invariants;
  std::optional<std::string> failure;  // the simulator's report (with the replay command)
  double cpu_s = 0;                    // all cores together
  TimeMs simulated_ms = 0;
  core::Hash32 transcript{};
  bool ok() const;
};

// One shard of a run, and what a test needs to play an adversary in it.
struct ShardWorld {
  std::shared_ptr<const protocol::pob::ShardSetup> setup;
  std::vector<crypto::Identity> validators;  // the whole roster, every shard's; roster order = NodeId
  std::vector<crypto::Identity> accounts;    // the shard client's accounts, all living in this shard
  std::vector<std::uint32_t> account_allocations;  // genesis allocation of accounts[i]
  std::vector<crypto::Identity> victims;           // funded, never used by the client (targets of forgery)
  std::vector<std::uint32_t> victim_allocations;
  NodeId client = 0;  // this shard's client: node shards × validators + shard

  // The (shard, epoch) instance every node hosts, and a payload in its envelope (what a test
  // injects as if a node had sent it).
  protocol::node::InstanceKey instance() const { return {core::ShardId{setup->shard}, core::Epoch{setup->epoch}}; }
  core::Bytes enveloped(core::ByteView payload) const {
    return protocol::node::wrap(instance(), payload);
  }
};

// One world per shard, over one genesis (policy.shards = options.shards): the roster of
// shards × validators identities, and per shard `accounts` + `victims` funded accounts whose
// addresses live in it. With one shard, the same keys and allocations as ever for a seed.
std::vector<ShardWorld> make_shard_worlds(const ShardRunOptions& options);
ShardWorld make_shard_world(const ShardRunOptions& options);  // options.shards == 1

// `customize` runs after the nodes and faults are set up, before start; `inspect` after the
// run, before the simulator is destroyed. Both see shard 0's world. With several shards each
// shard runs its own client and invariants (a failure names the shard); forging-believable
// needs one shard (bad_policy otherwise: check_shard_run_options).
core::Status check_shard_run_options(const ShardRunOptions& options);
ShardRunResult run_shard(const ShardRunOptions& options,
                         const std::function<void(Simulator&, const ShardWorld&)>& customize = {},
                         const std::function<void(const Simulator&, const ShardWorld&)>& inspect = {});

}  // namespace ios::sim
