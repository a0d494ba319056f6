#include "node/sim/epoch_scenario.hpp"

#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/epoch/hosting.hpp"
#include "node/sim/node_cores.hpp"
#include "node/sim/sim_keys.hpp"

namespace ios::sim {

using namespace protocol::epoch;
using protocol::node::NodeCore;

EpochSetup make_epoch_setup(const EpochRunOptions& o) {
  IOS_ASSERT(o.validators >= o.shards * (o.believable + 4));
  crypto::init();  // keys are drawn below (idempotent)
  crypto::ChaChaRng keys("IOS/v1/sim/epoch-keys", o.seed);
  chain::Genesis g;
  g.chain_id = "ios-sim-epochs-" + std::to_string(o.seed);
  g.policy.shards = o.shards;
  g.policy.believable_size = o.believable;
  g.policy.believable_min = std::min<std::uint32_t>(1, o.believable);
  g.policy.normal_size = 4;
  g.policy.delta_ms = o.timing.ticket_window_ms;
  EpochSetup setup;
  for (std::uint32_t i = 0; i < o.validators; ++i) {
    setup.identities.push_back(identity_from(keys, crypto::KeyType::validator));
    g.validators.push_back({setup.identities.back().registration(g.chain_id_bytes()), 1'000'000, 0, 0});
  }
  auto account = identity_from(keys, crypto::KeyType::account);
  g.allocations.push_back({chain::Address::from_public_key(account.public_identity().signing), 1'000'000});
  // Accounts live where their address hashes (Address::shard): draw until every shard has its share.
  setup.accounts.resize(o.shards);
  for (bool short_of = o.accounts_per_shard > 0; short_of;) {
    auto a = identity_from(keys, crypto::KeyType::account);
    const auto address = chain::Address::from_public_key(a.public_identity().signing);
    auto& mine = setup.accounts[address.shard(o.shards)];
    if (mine.size() < o.accounts_per_shard) {
      mine.emplace_back(std::move(a), static_cast<std::uint32_t>(g.allocations.size()));
      g.allocations.push_back({address, 1'000'000});
    }
    short_of = false;
    for (const auto& list : setup.accounts) short_of |= list.size() < o.accounts_per_shard;
  }
  IOS_ASSERT(chain::validate(g).ok());
  setup.genesis = std::make_shared<const chain::Genesis>(std::move(g));
  return setup;
}

Invariant epoch_agreement(std::uint32_t n, std::uint64_t epochs) {
  return [n, epochs](const Simulator& s) -> std::optional<std::string> {
    for (std::uint64_t e = 1; e <= epochs; ++e) {
      std::optional<core::Hash32> seen;
      for (NodeId id = 0; id < n; ++id) {
        const auto* core = epoch_core(s, id, e);
        if (core == nullptr || !core->record_id()) continue;
        const auto& h = *core->record_id();
        if (seen && *seen != h) return "two records for epoch " + std::to_string(e) + " (validator " + std::to_string(id) + ")";
        seen = h;
      }
    }
    return std::nullopt;
  };
}

const EpochCore* epoch_core(const Simulator& sim, NodeId id, std::uint64_t epoch) {
  const auto* node = node_core(sim, id);
  return node == nullptr ? nullptr : node->instance<EpochCore>(forming(epoch));
}

EpochRunResult run_epochs(const EpochRunOptions& o, const std::function<void(Simulator&, const EpochSetup&)>& customize) {
  const EpochSetup setup = make_epoch_setup(o);
  const auto n = o.validators;
  NetworkConfig net;
  net.link_default.latency = Latency::uniform_ms(o.latency_ms, std::max<TimeMs>(1, o.latency_ms / 5));
  net.link_default.loss_rate = o.loss;
  Simulator sim(o.seed, net);

  for (std::uint32_t i = 0; i < n; ++i) {
    sim.add_node([&, i](const SimNodeContext& ctx) -> std::unique_ptr<protocol::Core> {
      auto node = std::make_unique<NodeCore>();
      host_epochs(*node, protocol::node::RowsInMemory(ctx.store), EpochHosting{setup.genesis, i, &setup.identities[i], &ctx.rng, o.timing, o.epochs});
      return node;
    });
  }
  sim.add_invariant("epoch agreement", epoch_agreement(n, o.epochs));
  if (customize) customize(sim, setup);
  sim.start();
  const TimeMs per_view = o.timing.ticket_window_ms + attempts_per_view * o.timing.attempt_ms;
  const TimeMs limit = o.time_limit_ms != 0 ? o.time_limit_ms : o.epochs * 2 * per_view + 10'000;
  const auto done = [&](const Simulator& s) {
    bool any = false;
    for (NodeId id = 0; id < n; ++id) {
      if (!s.is_up(id)) continue;
      any = true;
      if (!stored_entry(s.store(id), o.epochs, n, false)) return false;  // after every event: no transcript decoding
    }
    return any;
  };
  const auto end = sim.run_until(done, limit);

  EpochRunResult result;
  if (sim.failure()) result.failure = sim.failure()->report();
  for (NodeId id = 0; id < n && result.chain.empty(); ++id)
    if (sim.is_up(id)) result.chain = stored_chain(sim.store(id), n);
  for (const auto& entry : result.chain) result.views.push_back(entry.signed_record.record.view);
  if (!result.failure && result.chain.size() < o.epochs)
    result.failure = "no record for epoch " + std::to_string(result.chain.size() + 1) + " (simulation ended: " +
                     std::string(to_string(end)) + " at " + std::to_string(sim.now_ms()) + " ms)";
  result.simulated_ms = sim.now_ms();
  result.messages = sim.stats().messages_sent;
  result.bytes = sim.stats().bytes_sent;
  result.sim_transcript = sim.transcript_hash();
  return result;
}

}  // namespace ios::sim
