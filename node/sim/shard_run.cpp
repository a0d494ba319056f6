// run_shard: builds the nodes of a ShardWorld, applies the faults, runs the safety phase
// (load for duration_ms) and the liveness phase (drain_ms without new load, faults healed),
// and collects what shard_scenario.hpp reports.
#include <algorithm>
#include <memory>

#include "node/protocol/pob/sampler.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/sim/cpu_metered.hpp"
#include "node/sim/in_envelope.hpp"
#include "node/sim/pob_adversaries.hpp"
#include "node/sim/shard_client.hpp"
#include "node/sim/shard_invariants.hpp"
#include "node/sim/shard_scenario.hpp"

namespace ios::sim {

using protocol::pob::ShardValidator;

namespace {

protocol::byzcoin::ByzcoinConfig timing_of(const ShardRunOptions& o) {
  protocol::byzcoin::ByzcoinConfig c;
  c.block_interval_ms = o.block_interval_ms;
  c.phase_timeout_ms = o.phase_timeout_ms;
  c.view_timeout_ms = o.view_timeout_ms;
  c.tree = o.tree;
  return c;
}

void apply_faults(Simulator& sim, const ShardRunOptions& o, const ShardWorld& w, std::shared_ptr<Forger>& forger) {
  const auto& setup = *w.setup;
  const TimeMs d = o.duration_ms;
  for (const auto& f : o.faults) {
    switch (f.kind) {
      case ShardFaultKind::crash: {
        // K normal validators, chosen with the seed, crash at D/4 and restart at 3D/4.
        auto order = setup.normal;
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[sim.fault_rng().uniform(i)]);
        for (std::uint32_t k = 0; k < static_cast<std::uint32_t>(f.value) && k < order.size(); ++k) {
          sim.crash(order[k], d / 4);
          sim.restart(order[k], 3 * d / 4);
        }
        break;
      }
      case ShardFaultKind::partition: {
        std::vector<NodeId> a, b;
        for (std::size_t k = 0; k < setup.normal.size(); ++k) (k < setup.normal.size() / 2 ? a : b).push_back(setup.normal[k]);
        for (auto i : setup.believable) a.push_back(i);
        a.push_back(w.client);
        sim.partition({a, b}, d / 4, d / 2);
        break;
      }
      case ShardFaultKind::delay: {
        LinkConfig link;
        const auto ms = static_cast<TimeMs>(f.value);
        link.latency = Latency::uniform_ms(ms, std::max<TimeMs>(1, ms / 5));
        sim.set_default_link(link, 0);
        break;
      }
      case ShardFaultKind::loss:
        sim.set_loss(f.value, 0);
        break;
      case ShardFaultKind::byzantine_leader:
        // The first normal validator equivocates whenever it leads (byzcoin's own rewrite).
        // The first normal validator equivocates whenever it leads.
        sim.set_byzantine(setup.normal[0], in_envelope(equivocating_leader(w, setup.normal[0])));
        break;
      case ShardFaultKind::forging_believable: {
        forger = std::make_shared<Forger>(w, setup.believable[0], o.forge_interval_ms);
        sim.set_byzantine(setup.believable[0], in_envelope([forger](const protocol::Send& s) { return (*forger)(s); }));
        break;
      }
    }
  }
}

void collect_fraud(ShardRunResult& r, const ShardRunOptions& o, const ShardWorld& w, const Forger& forger,
                   const ShardInvariants& inv, const protocol::pob::ShardLedger& ledger) {
  const auto& setup = *w.setup;
  r.fraud.forged = forger.forgeries().size();
  r.fraud.expected_rate = protocol::pob::detection_probability(o.sample_rate, static_cast<std::uint32_t>(setup.normal.size()));
  std::vector<crypto::VrfSecretKey> keys;
  for (auto i : setup.normal) keys.emplace_back(w.validators[i].vrf_seed());
  std::vector<protocol::pob::TxSampler> samplers;
  for (const auto& k : keys) samplers.emplace_back(k, o.sample_rate);
  for (const auto& f : forger.forgeries()) {
    bool caught = false;
    for (const auto& sampler : samplers) caught = caught || sampler.sampled(sampler.seed_for(f.optimistic_block), f.index);
    r.fraud.caught_by_sample += caught;
  }
  r.fraud.producer_slashed = ledger.is_slashed(setup.signing_key(forger.producer_index()));
  const auto& applied = inv.applied();
  for (const auto& f : forger.forgeries()) {
    if (applied.count(f.tx) == 0) continue;
    ++r.fraud.forged_finalized;
    const auto victim = chain::Address::from_public_key(w.victims[f.victim].public_identity().signing);
    if (ledger.state().balance(victim) > 0) ++r.fraud.victims_repaid;
  }
  r.fraud.compensation_paid = ledger.compensation_paid();
}

}  // namespace

ShardRunResult run_shard(const ShardRunOptions& o, const std::function<void(Simulator&, const ShardWorld&)>& customize,
                         const std::function<void(const Simulator&, const ShardWorld&)>& inspect) {
  IOS_ASSERT(check_shard_run_options(o).ok());  // callers validate user input first
  const std::vector<ShardWorld> worlds = make_shard_worlds(o);
  NetworkConfig net;
  net.link_default.latency = Latency::uniform_ms(o.latency_ms, std::max<TimeMs>(1, o.latency_ms / 5));
  Simulator sim(o.seed, net);
  ShardRunResult r;
  r.seed = o.seed;
  const auto timing = timing_of(o);
  // Witness checks the cores hand out (rule 7) are shard CPU too.
  sim.set_verifier([&r](NodeId, const std::vector<crypto::SignatureCheck>& checks) {
    const double t0 = thread_cpu_s();
    auto valid = crypto::verify_each(checks);
    r.cpu_s += thread_cpu_s() - t0;
    return valid;
  });
  // Each node is a NodeCore hosting its instance, as in the node runtime: the envelopes, timer
  // and persist namespaces are simulated along with the protocol.
  const auto hosted = [](const ShardWorld& w, std::unique_ptr<protocol::Core> instance) {
    auto node = std::make_unique<protocol::node::NodeCore>();
    node->host(w.instance(), std::move(instance));
    return node;
  };
  // Validators are NodeIds 0 .. n-1 in roster order, each in the shard EDS gave it; clients follow.
  std::vector<const ShardWorld*> world_of(worlds.front().validators.size());
  for (const auto& w : worlds) {
    for (auto i : w.setup->members) world_of[i] = &w;
  }
  for (std::uint32_t i = 0; i < world_of.size(); ++i) {
    sim.add_node([&, i](const SimNodeContext& ctx) -> std::unique_ptr<protocol::Core> {
      const auto& w = *world_of[i];
      return std::make_unique<CpuMetered>(
          hosted(w, std::make_unique<ShardValidator>(w.setup, i, w.validators[i], ctx.rng,
                                                     protocol::node::scoped_state(ctx.store, w.instance()), timing)),
          r.cpu_s);
    });
  }
  ShardClientOptions co;
  co.tx_rate = o.tx_rate;
  co.start_ms = 100;
  co.stop_ms = o.duration_ms;
  for (const auto& w : worlds) {
    const auto id = sim.add_node([&](const SimNodeContext& ctx) -> std::unique_ptr<protocol::Core> {
      std::vector<ClientAccount> accounts;
      for (std::size_t i = 0; i < w.accounts.size(); ++i) accounts.push_back({w.accounts[i], w.account_allocations[i]});
      return std::make_unique<CpuMetered>(
          hosted(w, std::make_unique<ShardClient>(w.setup, std::move(accounts), ctx.rng, co, timing,
                                                  protocol::node::scoped_state(ctx.store, w.instance()))),
          r.cpu_s);
    });
    IOS_ASSERT(id == w.client);
  }

  // Each shard's invariants; a violation names its shard when there are several.
  std::vector<std::shared_ptr<ShardInvariants>> invariants;
  for (const auto& w : worlds) invariants.push_back(std::make_shared<ShardInvariants>(w));
  const auto each = [&invariants, m = o.shards](auto check) {
    return [invariants, m, check](const Simulator& s) -> std::optional<std::string> {
      for (std::uint32_t k = 0; k < invariants.size(); ++k) {
        if (auto e = check(*invariants[k], s)) return m == 1 ? *e : "shard " + std::to_string(k) + ": " + *e;
      }
      return std::nullopt;
    };
  };
  sim.add_invariant("final-agreement", each([](ShardInvariants& i, const Simulator& s) { return i.check_chains(s); }));
  sim.add_invariant("supply-constant", each([](ShardInvariants& i, const Simulator& s) { return i.check_supply(s); }));
  sim.add_invariant("no-double-spend", each([](ShardInvariants& i, const Simulator&) { return i.double_spend(); }));
  sim.add_invariant("servi-frozen", each([](ShardInvariants& i, const Simulator&) { return i.servi_moved(); }));
  sim.add_invariant("finality-proofs", each([](ShardInvariants& i, const Simulator&) { return i.bad_finality(); }));

  std::shared_ptr<Forger> forger;
  for (const auto& w : worlds) apply_faults(sim, o, w, forger);
  if (customize) customize(sim, worlds.front());
  sim.start();
  sim.run_until(o.duration_ms + o.drain_ms);

  if (sim.failure()) r.failure = sim.failure()->report("ios sim run");
  for (const char* name : {"final-agreement", "no-double-spend", "supply-constant", "servi-frozen", "finality-proofs"}) {
    InvariantResult ir{name, true, {}};
    if (sim.failure() && sim.failure()->name == name) {
      ir.held = false;
      ir.detail = sim.failure()->detail;
    }
    r.invariants.push_back(ir);
  }
  std::vector<TimeMs> optimistic_latency, final_latency;
  for (std::uint32_t k = 0; k < worlds.size(); ++k) {
    const auto& w = worlds[k];
    const auto* client = metered_core<ShardClient>(sim.core(w.client));
    IOS_ASSERT(client != nullptr);  // the clients never crash in these scenarios
    const auto& cs = client->stats();
    r.submitted += cs.submitted;
    r.optimistic += cs.optimistic;
    r.finalized += cs.finalized;
    r.excluded += cs.excluded;
    r.rejected += cs.rejected;
    r.lost += cs.lost;
    optimistic_latency.insert(optimistic_latency.end(), cs.optimistic_latency_ms.begin(), cs.optimistic_latency_ms.end());
    final_latency.insert(final_latency.end(), cs.final_latency_ms.begin(), cs.final_latency_ms.end());
    r.shards.push_back({k, cs.submitted, cs.finalized, client->ledger().height()});
    r.final_height = std::max(r.final_height, client->ledger().height());
    for (auto i : w.setup->normal) {
      if (const auto* v = metered_core<ShardValidator>(sim.core(i))) {
        r.view_changes = std::max(r.view_changes, v->engine().stats().view_changes);
        r.restarts += v->engine().stats().restarts;
        r.star_fallbacks += v->engine().stats().star_fallbacks;
      }
    }
    chain::LeagueMode last = chain::LeagueMode::two_leagues;
    for (const auto& b : invariants[k]->canonical()) {
      auto p = protocol::pob::decode_proposed_block(b.body);
      if (!p) continue;
      r.one_league_blocks += p->body.mode == chain::LeagueMode::one_league;
      for (const auto& tx : p->body.direct_txs) {
        r.direct_txs_final += !std::binary_search(p->body.excluded.begin(), p->body.excluded.end(), chain::tx_hash(tx));
      }
      r.mode_switches += p->body.mode != last;
      last = p->body.mode;
    }
  }
  r.optimistic_latency = summarize(std::move(optimistic_latency));
  r.final_latency = summarize(std::move(final_latency));
  r.messages = sim.stats().messages_sent;
  r.bytes = sim.stats().bytes_sent;
  r.messages_per_tx = r.finalized == 0 ? 0.0 : static_cast<double>(r.messages) / static_cast<double>(r.finalized);
  if (forger) {
    const auto& w = worlds.front();  // forging runs with one shard (check_shard_run_options)
    collect_fraud(r, o, w, *forger, *invariants.front(), metered_core<ShardClient>(sim.core(w.client))->ledger());
  }
  r.simulated_ms = sim.now_ms();
  r.transcript = sim.transcript_hash();
  if (inspect) inspect(sim, worlds.front());
  return r;
}

}  // namespace ios::sim
