#pragma once
// The NodeCore a simulated validator runs: bare (epoch runs) or behind its client door
// (sharded runs, node/protocol/client/client_core.hpp); nullptr while the node is down.
// Invariants and probes read nodes through this, so none of them skips a node for its shape.
#include "node/protocol/client/client_core.hpp"
#include "node/protocol/node/node_core.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

inline const protocol::node::NodeCore* node_core(const Simulator& s, protocol::NodeId id) {
  if (const auto* door = s.core_as<protocol::client::ClientCore>(id)) return &door->node();
  return s.core_as<protocol::node::NodeCore>(id);
}

}  // namespace ios::sim
