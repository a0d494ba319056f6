#pragma once
// The preparation of `ios tx load` (tx_load.cpp): the nodes to talk to, one fan-out transfer
// per account (waited until final) and the pre-signed chains of transfers that follow.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/tx_wallet.hpp"

namespace ios::cli {

struct LoadOptions {
  double tps = 100;
  std::uint64_t duration_ms = 10'000;
  std::uint64_t drain_ms = 30'000;
  WaitLevel level = WaitLevel::final;
  std::size_t accounts = 0;            // 0: every account of the devnet
  std::size_t chains_per_account = 0;  // 0: enough chains for the rate (see prepare_load)
  std::size_t clients = 4;
  std::uint64_t total = 0;             // transfers to offer: tps × duration
  chain::Amount amount = 1;
  chain::Amount fee = default_fee;
};

// One chain: transfers[i + 1] spends the change of transfers[i]; all go to nodes[node].
struct LoadChain {
  std::size_t node = 0;    // index into the plan's nodes: where its transfers go now
  std::uint32_t shard = 0;  // its account's shard (a node that leaves it sends the chain on)
  std::vector<Transfer> transfers;
};

struct LoadPlan {
  std::vector<std::string> nodes;         // RPC URLs
  std::vector<std::uint32_t> node_shard;  // per node: the shard it served when the plan was made
  std::vector<LoadChain> chains;          // account-major: chain a × K + k belongs to account a
};

// Unlocks the accounts, fans their coins out and signs the chains. Sets o.accounts and
// o.chains_per_account to the numbers used. Exits like `ios tx send` on failures (3 unknown
// devnet, 7 unreachable, 5 a fan-out refused or too little balance, 4 a fan-out not final).
LoadPlan prepare_load(const Globals& g, LoadOptions& o);

}  // namespace ios::cli
