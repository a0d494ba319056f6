#pragma once
// The whole sharded system in the simulator (whitepaper §3–§6; docs/DESIGN.md §4): every
// validator's NodeCore forms the epoch chain (lottery, RandHound, co-signed records) and runs its
// shards' PoB segments, which TransEpoch re-forms every epoch in batches
// (node/protocol/transepoch). The same hosting code runs in `ios node`.
//
// Invariants (checked after every event; the first violation fails the run with its seed):
//   epoch agreement     one record per epoch
//   shard agreement     one final block per (shard, height), whichever segment, node or step
//                       finalized it
//   segment finality    each final block verifies under the roster and domain of the segment
//                       (shard, epoch, step) that finalized it, recomputed from the records
//   chain links         each block's parent is the shard's block one height below, across
//                       segments and epochs
//   supply constant     each segment's ledger holds its shard's genesis supply
// Every validator runs behind its client door (node/protocol/client/client_core.hpp), as in
// `ios node`: the simulated clients submit where the devnet's wallets do.
// Client load (tx_rate > 0): funded accounts in every shard pay themselves, one payment in
// flight per account; each is sent as a ClientSubmit to the door of the first up validator that
// runs a segment of the payer's shard, which checks it and forwards it on the shard's
// submission route, and it is submitted again when not final after resubmit_ms (the door sends
// it on again, to the route's next believable validator) — a producer's batch that the block
// opening the next epoch leaves behind is the case this covers. At the end every payment must be
// final or excluded with a reason: none lost across the epoch changes.
//
// Liveness, measured: when each (shard, height) first became final, so a run reports the
// longest gap between final blocks of a shard, overall and while its members were moving.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/sim/epoch_scenario.hpp"

namespace ios::sim {

struct ShardedRunOptions {
  std::uint32_t validators = 12;
  std::uint32_t shards = 2;
  std::uint32_t believable = 1;   // per shard
  std::uint32_t epochs = 3;       // records to form after the genesis
  std::uint64_t seed = 1;
  TimeMs latency_ms = 5;
  TimeMs epoch_ms = 3'000;        // from one record to the lottery of the next
  TimeMs delta_ms = 500;          // Δ: the lottery's ticket window and a TransEpoch step
  TimeMs view_timeout_ms = 1'000;
  TimeMs settle_ms = 2'000;       // after the last record: the last epoch's steps run out
  TimeMs time_limit_ms = 0;       // 0: enough for every epoch to take two views
  // Faults (`ios sim run --epochs --faults`): `crashes` validators, drawn with the seed, crash
  // one after another during epoch 1's swaps and each restarts a second later from its store;
  // `partition` splits the roster in halves from before epoch 1's lottery until 4 s after it.
  std::uint32_t crashes = 0;
  bool partition = false;
  double tx_rate = 0;             // payments per simulated second per shard; 0: no load
  std::uint32_t accounts_per_shard = 16;  // funded when tx_rate > 0 or fund_accounts
  bool fund_accounts = false;             // with no load too: a test's own client spends them
  TimeMs resubmit_ms = 2'000;
};

struct ShardedRunResult {
  struct Shard {
    std::uint64_t height = 0;               // final blocks
    std::vector<std::uint64_t> blocks_per_epoch;  // by the epoch of the segment that finalized them
    std::vector<std::uint32_t> steps_per_epoch;   // TransEpoch steps seen
    TimeMs longest_gap_ms = 0;              // between two consecutive final blocks
    TimeMs longest_swap_gap_ms = 0;         // the same, ending in a block of a step before the last
  };
  struct Load {
    std::uint64_t submitted = 0;    // distinct payments
    std::uint64_t resubmitted = 0;
    std::uint64_t finalized = 0;
    std::uint64_t excluded = 0;
    std::uint64_t pending = 0;      // neither at the end: lost
    std::uint64_t sent = 0;         // ClientSubmits sent to a door (submissions and resubmissions)
    std::uint64_t accepted = 0;     // doors' answers
    std::map<std::string, std::uint64_t> refused;  // the other answers, by Reject name
    std::uint64_t bad_answers = 0;  // what reached the client and was no answer
  };
  std::optional<std::string> failure;
  std::uint64_t epochs_formed = 0;
  Load load;
  std::vector<Shard> shards;
  TimeMs simulated_ms = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  core::Hash32 sim_transcript{};
};

// `customize` runs after the nodes are added and before start: crashes, partitions, rewrites.
ShardedRunResult run_sharded(const ShardedRunOptions& options,
                             const std::function<void(Simulator&, const EpochSetup&)>& customize = {});

}  // namespace ios::sim
