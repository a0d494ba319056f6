#pragma once
// `ios sim run --epochs E` (cli/cmd_sim_epochs.cpp): the sharded system with epochs and TransEpoch.
#include <string>

#include "cli/output.hpp"
#include "node/sim/sharded_scenario.hpp"

namespace ios::cli {

// Prints the run (text or --json, schema ios.sim.epochs.v1); exit 8 if an invariant was violated.
void run_sim_epochs(const Globals& g, sim::ShardedRunOptions options, const std::string& faults);

}  // namespace ios::cli
