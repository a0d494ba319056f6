#pragma once
// One RandHound run in the simulator: N servers and a client with real keys and real crypto,
// on a simulated network, with optional silent servers and Byzantine rewrites. Used by
// `ios drp run`, by the DRP simulation tests and by the benchmark.
#include <functional>
#include <optional>

#include "node/crypto/identity.hpp"
#include "node/protocol/drp/client.hpp"
#include "node/protocol/drp/server.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

struct DrpRunOptions {
  std::uint32_t servers = 16;
  std::uint32_t groups = 1;
  std::uint32_t silent = 0;  // servers that never answer, spread over groups (at most f per group while possible)
  TimeMs latency_ms = 10;
  std::uint64_t seed = 1;
  protocol::drp::DrpTiming timing{};
};

// Everything a test needs to play an adversary: the keys, the roster, the grouping.
struct DrpSetup {
  protocol::drp::DrpConfig config;
  std::shared_ptr<const protocol::drp::DrpRoster> roster;
  std::vector<crypto::Identity> server_identities;
  std::optional<crypto::Identity> client_identity;
  core::Hash32 session{};
  std::vector<protocol::drp::Group> groups;
  std::vector<std::uint32_t> silent;  // server indices
};

struct DrpRunResult {
  std::optional<protocol::drp::Transcript> transcript;
  std::optional<std::string> failure;  // the client's reason, or the simulator's
  TimeMs simulated_ms = 0;
  double client_cpu_s = 0;
  double servers_cpu_s = 0;      // all servers together
  double server_cpu_s_max = 0;   // the busiest server
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::size_t servers_decrypted = 0;  // servers that sent decrypted shares
  core::Hash32 sim_transcript{};      // identifies the run (same seed, same hash)
};

DrpSetup make_drp_setup(const DrpRunOptions& options);

// `customize` runs after the nodes are added and before start: add faults, Byzantine rewrites.
DrpRunResult run_drp(const DrpRunOptions& options,
                     const std::function<void(Simulator&, const DrpSetup&)>& customize = {});

}  // namespace ios::sim
