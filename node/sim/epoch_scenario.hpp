#pragma once
// Epochs formed in the simulator (node/protocol/epoch): a genesis roster of validators, each a
// NodeCore hosting the EpochCore that forms the next epoch and, by its succession, the one
// after; real keys, real VRF, RandHound and CoSi on a simulated network. Used by the epoch
// simulation tests and `ios sim epochs`.
//
// Invariant after every event ("epoch agreement"): no two validators hold different records
// for one epoch. After the run, the chain each validator holds verifies from the genesis
// (epoch::verify_chain) — the caller checks that.
#include <functional>
#include <optional>

#include "node/crypto/identity.hpp"
#include "node/protocol/epoch/epoch_core.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

struct EpochRunOptions {
  std::uint32_t validators = 10;
  std::uint32_t shards = 2;
  std::uint32_t believable = 1;  // per shard; each shard also needs a normal league of 4
  std::uint32_t epochs = 1;      // records to form after the genesis
  std::uint64_t seed = 1;
  TimeMs latency_ms = 10;
  double loss = 0;
  TimeMs time_limit_ms = 0;  // 0: enough for every candidate of two views per epoch
  protocol::epoch::EpochTiming timing{};
  std::uint32_t accounts_per_shard = 0;  // funded accounts in every shard (for client load)
};

struct EpochSetup {
  std::shared_ptr<const chain::Genesis> genesis;
  std::vector<crypto::Identity> identities;  // validator i is NodeId i
  // accounts[j]: the funded accounts living in shard j, each with its genesis allocation index.
  std::vector<std::vector<std::pair<crypto::Identity, std::uint32_t>>> accounts;
};

struct EpochRunResult {
  std::vector<protocol::epoch::ChainEntry> chain;  // records 1..E as the validators agreed on them
  std::vector<std::uint64_t> views;                // the view that formed each epoch
  std::optional<std::string> failure;              // the simulator's, or "no record for epoch E"
  TimeMs simulated_ms = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  core::Hash32 sim_transcript{};
};

EpochSetup make_epoch_setup(const EpochRunOptions& options);

// "epoch agreement": no two validators hold different records for any epoch 1..epochs.
Invariant epoch_agreement(std::uint32_t validators, std::uint64_t epochs);

// The epoch core of validator `id` forming `epoch`, or nullptr (down, or not hosted).
const protocol::epoch::EpochCore* epoch_core(const Simulator& sim, NodeId id, std::uint64_t epoch);

// `customize` runs after the nodes are added and before start: crashes, partitions, rewrites.
EpochRunResult run_epochs(const EpochRunOptions& options,
                          const std::function<void(Simulator&, const EpochSetup&)>& customize = {});

}  // namespace ios::sim
