#pragma once
// The NodeCore a simulated validator runs: bare (epoch runs) or behind its client door
// (sharded runs, node/protocol/client/client_core.hpp); nullptr while the node is down.
// Invariants and probes read nodes through this, so none of them skips a node for its shape.
#include <optional>

#include "node/protocol/client/client_core.hpp"
#include "node/protocol/node/node_core.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

inline const protocol::node::NodeCore* node_core(const Simulator& s, protocol::NodeId id) {
  if (const auto* door = s.core_as<protocol::client::ClientCore>(id)) return &door->node();
  return s.core_as<protocol::node::NodeCore>(id);
}

// Where a wallet submits a payment of `shard` now: the first up validator (of ids below
// `validators`) that runs a segment of the shard; nullopt when none does.
inline std::optional<protocol::NodeId> door_for(const Simulator& s, std::uint32_t shard, protocol::NodeId validators) {
  for (protocol::NodeId id = 0; id < validators; ++id) {
    const auto* node = node_core(s, id);
    if (node == nullptr) continue;
    for (const auto& [key, v] : node->all<protocol::pob::ShardValidator>())
      if (key.shard.value == shard && !v->ended()) return id;
  }
  return std::nullopt;
}

}  // namespace ios::sim
