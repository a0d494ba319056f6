#include "node/sim/shard_invariants.hpp"

#include <algorithm>

#include "node/chain/finality.hpp"
#include "node/protocol/byzcoin/vote.hpp"
#include "node/protocol/node/envelope.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/sim/cpu_metered.hpp"
#include "node/sim/shard_client.hpp"

namespace ios::sim {

using protocol::pob::ShardValidator;

const protocol::byzcoin::ByzcoinEngine* engine_of(const Simulator& sim, NodeId id, NodeId client) {
  if (id == client) {
    const auto* c = metered_core<ShardClient>(sim.core(id));
    return c == nullptr ? nullptr : &c->engine();
  }
  const auto* v = metered_core<ShardValidator>(sim.core(id));
  return v == nullptr ? nullptr : &v->engine();
}

const protocol::pob::ShardLedger* ledger_of(const Simulator& sim, NodeId id, NodeId client) {
  if (id == client) {
    const auto* c = metered_core<ShardClient>(sim.core(id));
    return c == nullptr ? nullptr : &c->ledger();
  }
  const auto* v = metered_core<ShardValidator>(sim.core(id));
  return v == nullptr ? nullptr : &v->ledger();
}

std::optional<chain::FinalizedBlock> final_block(const Simulator& sim, NodeId id, const protocol::node::InstanceKey& key,
                                                 const protocol::byzcoin::ByzcoinEngine& engine, std::uint64_t height) {
  if (const auto* b = engine.final_at(height)) return *b;
  const auto& store = sim.store(id);
  // Under the instance's prefix when a NodeCore hosts it, bare when the core runs alone.
  for (const auto& prefix : {protocol::node::persist_prefix(key), std::string()}) {
    auto it = store.find(prefix + protocol::byzcoin::block_key(height));
    if (it == store.end()) continue;
    auto block = chain::decode_finalized_block(it->second);
    IOS_ASSERT(block.ok());  // the engine wrote it
    return std::move(*block);
  }
  return std::nullopt;
}

ShardInvariants::ShardInvariants(const ShardWorld& world) : world_(world) {
  nodes_.assign(world.setup->members.begin(), world.setup->members.end());
  nodes_.push_back(world.client);
}

std::optional<std::string> ShardInvariants::check_chains(const Simulator& sim) {
  for (const NodeId id : nodes_) {
    const auto* engine = engine_of(sim, id, world_.client);
    auto& seen = seen_[id];
    if (engine == nullptr) continue;
    if (seen.incarnation != sim.incarnation(id)) seen = {sim.incarnation(id), 0, 0};
    for (; seen.next_height < engine->height(); ++seen.next_height) {
      auto block = final_block(sim, id, world_.instance(), *engine, seen.next_height);
      if (!block) return "node " + std::to_string(id) + " lost its final block " + std::to_string(seen.next_height);
      if (auto e = on_block(*block, id)) return e;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ShardInvariants::check_supply(const Simulator& sim) {
  for (const NodeId id : nodes_) {
    const auto* ledger = ledger_of(sim, id, world_.client);
    if (ledger == nullptr) continue;
    auto& seen = seen_[id];
    if (ledger->height() == seen.supply_height && seen.supply_height != 0) continue;
    seen.supply_height = ledger->height();
    const auto supply = ledger->state().total_supply();
    if (supply != ledger->genesis_supply()) {
      return "node " + std::to_string(id) + " at height " + std::to_string(ledger->height()) + ": supply " +
             std::to_string(supply) + " != genesis " + std::to_string(ledger->genesis_supply());
    }
  }
  return std::nullopt;
}

std::optional<std::string> ShardInvariants::on_block(const chain::FinalizedBlock& block, NodeId id) {
  const auto k = block.height;
  if (k < canonical_.size()) {
    if (canonical_[k].hash() != block.hash()) {
      return "node " + std::to_string(id) + " finalized a different block at height " + std::to_string(k);
    }
    return std::nullopt;
  }
  if (k != canonical_.size()) return "node " + std::to_string(id) + " skipped to height " + std::to_string(k);
  canonical_.push_back(block);
  const auto& setup = *world_.setup;
  if (auto s = chain::verify_finality(block, *setup.normal_roster, setup.domain); !s && !bad_finality_) {
    bad_finality_ = "height " + std::to_string(k) + ": " + s.error().message();
  }
  auto proposal = protocol::pob::decode_proposed_block(block.body);
  if (!proposal) return "height " + std::to_string(k) + " body: " + proposal.error().message();
  const auto& excluded = proposal->body.excluded;
  auto each_applied = [&](const chain::Tx& tx) {
    const auto hash = chain::tx_hash(tx);
    if (std::binary_search(excluded.begin(), excluded.end(), hash) || !applied_.insert(hash).second) return;
    for (const auto& in : tx.inputs) {
      if (!spent_.insert(in.prev).second && !double_spend_) {
        double_spend_ = "height " + std::to_string(k) + " spends " + core::to_hex(in.prev.tx) + ":" +
                        std::to_string(in.prev.index) + " again";
      }
    }
    for (const auto& out : tx.outputs) {
      if (out.asset == chain::Asset::servi && !servi_moved_) servi_moved_ = "height " + std::to_string(k) + " moves Servi";
    }
  };
  for (const auto& m : proposal->merged) {
    for (const auto& tx : m.txs) each_applied(tx);
  }
  for (const auto& tx : proposal->body.direct_txs) each_applied(tx);
  return std::nullopt;
}

}  // namespace ios::sim
