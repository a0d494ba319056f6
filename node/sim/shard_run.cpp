// run_shard: builds the nodes of a ShardWorld, applies the faults, runs the safety phase
// (load for duration_ms) and the liveness phase (drain_ms without new load, faults healed),
// and collects what shard_scenario.hpp reports.
#include <algorithm>
#include <memory>

#include "node/protocol/pob/sampler.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/sim/cpu_metered.hpp"
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

// A believable validator that slips one forged transaction into each optimistic block it
// sends (PROTOCOLS.md §12's attack): it spends a victim's output with a witness the victim
// never made, and re-signs the block so that the header signature is valid. The same
// rewritten block goes to every destination.
struct Forger {
  const ShardWorld& world;
  std::uint32_t producer_index;
  std::size_t next_victim = 0;
  std::map<std::uint64_t, core::Bytes> rewritten;  // by seq
  std::vector<std::pair<core::Hash32, std::uint32_t>> forged;  // (header hash, tx index)

  std::vector<protocol::Send> operator()(const protocol::Send& send) {
    auto m = protocol::pob::decode_pob_message(send.payload);
    if (!m || !std::holds_alternative<protocol::pob::OptimisticBlockMsg>(*m)) return {send};
    auto& block = std::get<protocol::pob::OptimisticBlockMsg>(*m).block;
    auto it = rewritten.find(block.header.seq);
    if (it == rewritten.end()) {
      it = rewritten.emplace(block.header.seq, forge(std::move(block))).first;
    }
    return {protocol::Send{send.to, it->second}};
  }

  core::Bytes forge(chain::OptimisticBlock block) {
    const auto& setup = *world.setup;
    if (next_victim >= world.victims.size()) return protocol::pob::encode(protocol::pob::PobMessage{protocol::pob::OptimisticBlockMsg{std::move(block)}});
    const auto& victim = world.victims[next_victim];
    const auto allocation = static_cast<std::uint32_t>(world.accounts.size() + next_victim);
    ++next_victim;
    const auto thief = world.validators[producer_index].signing_key();
    chain::Tx tx;
    tx.inputs.push_back({chain::genesis_outpoint(allocation), victim.public_identity().signing, {}});
    const auto amount = setup.genesis.allocations[allocation].amount;
    tx.outputs.push_back({chain::Address::from_public_key(thief.public_key()), chain::Asset::ios, amount - setup.policy().min_fee});
    tx.fee = setup.policy().min_fee;
    tx.nonce = allocation;
    tx.inputs[0].witness = chain::sign_tx(thief, setup.chain_id, tx);  // the wrong key: a forgery
    auto txs = std::move(block.txs);
    txs.push_back(tx);
    const auto index = static_cast<std::uint32_t>(txs.size() - 1);
    auto header = block.header;
    auto forged_block = chain::make_optimistic_block(thief, setup.chain_id, header, std::move(txs));
    forged.emplace_back(chain::header_hash(forged_block.header), index);
    return protocol::pob::encode(protocol::pob::PobMessage{protocol::pob::OptimisticBlockMsg{std::move(forged_block)}});
  }
};

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
        IOS_ASSERT(false);  // WIP
        break;
      case ShardFaultKind::forging_believable: {
        forger = std::make_shared<Forger>(Forger{w, setup.believable[0], 0, {}, {}});
        sim.set_byzantine(setup.believable[0], [forger](const protocol::Send& s) { return (*forger)(s); });
        break;
      }
    }
  }
}

void collect_fraud(ShardRunResult& r, const ShardRunOptions& o, const ShardWorld& w, const Forger& forger,
                   const ShardInvariants& inv, const protocol::pob::ShardLedger& ledger) {
  const auto& setup = *w.setup;
  r.fraud.forged = forger.forged.size();
  r.fraud.expected_rate = protocol::pob::detection_probability(o.sample_rate, static_cast<std::uint32_t>(setup.normal.size()));
  std::vector<crypto::VrfSecretKey> keys;
  for (auto i : setup.normal) keys.emplace_back(w.validators[i].vrf_seed());
  for (const auto& [header, index] : forger.forged) {
    bool caught = false;
    for (const auto& k : keys) {
      protocol::pob::TxSampler sampler(k, o.sample_rate);
      caught = caught || sampler.sampled(sampler.seed_for(header), index);
    }
    r.fraud.caught_by_sample += caught;
  }
  const auto& thief = setup.signing_key(forger.producer_index);
  r.fraud.producer_slashed = ledger.is_slashed(thief);
  // Forged txs that were applied, and whether their victims hold a compensation output.
  std::set<core::Hash32> forged_hashes;
  for (const auto& c : inv.canonical()) {
    auto p = protocol::pob::decode_proposed_block(c.body);
    if (!p) continue;
    for (const auto& m : p->merged) {
      if (m.header.producer != thief) continue;
      for (const auto& tx : m.txs) {
        if (tx.inputs.size() == 1 && chain::verify_witnesses(tx, setup.chain_id).ok()) continue;
        if (!std::binary_search(p->body.excluded.begin(), p->body.excluded.end(), chain::tx_hash(tx))) {
          forged_hashes.insert(chain::tx_hash(tx));
        }
      }
    }
  }
  r.fraud.forged_finalized = forged_hashes.size();
  for (std::size_t v = 0; v < forger.next_victim; ++v) {
    const auto addr = chain::Address::from_public_key(w.victims[v].public_identity().signing);
    const auto allocation = static_cast<std::uint32_t>(w.accounts.size() + v);
    const bool original_left = ledger.state().find_output(chain::genesis_outpoint(allocation)) != nullptr;
    if (!original_left && ledger.state().balance(addr) > 0) ++r.fraud.victims_repaid;
  }
  r.fraud.compensation_paid = ledger.compensation_paid();
}

}  // namespace

ShardRunResult run_shard(const ShardRunOptions& o, const std::function<void(Simulator&, const ShardWorld&)>& customize) {
  const ShardWorld world = make_shard_world(o);
  NetworkConfig net;
  net.link_default.latency = Latency::uniform_ms(o.latency_ms, std::max<TimeMs>(1, o.latency_ms / 5));
  Simulator sim(o.seed, net);
  ShardRunResult r;
  r.seed = o.seed;
  const auto timing = timing_of(o);
  for (std::uint32_t i = 0; i < o.validators; ++i) {
    sim.add_node([&, i](const SimNodeContext& ctx) -> std::unique_ptr<protocol::Core> {
      return std::make_unique<CpuMetered>(
          std::make_unique<ShardValidator>(world.setup, i, world.validators[i], ctx.rng, ctx.store, timing), r.cpu_s);
    });
  }
  ShardClientOptions co;
  co.tx_rate = o.tx_rate;
  co.start_ms = 100;
  co.stop_ms = o.duration_ms;
  sim.add_node([&](const SimNodeContext& ctx) -> std::unique_ptr<protocol::Core> {
    std::vector<ClientAccount> accounts;
    for (std::uint32_t i = 0; i < world.accounts.size(); ++i) accounts.push_back({world.accounts[i], i});
    return std::make_unique<CpuMetered>(
        std::make_unique<ShardClient>(world.setup, world.client, std::move(accounts), ctx.rng, co, timing, ctx.store),
        r.cpu_s);
  });

  auto invariants = std::make_shared<ShardInvariants>(world);
  sim.add_invariant("final-agreement", [invariants](const Simulator& s) { return invariants->check_chains(s); });
  sim.add_invariant("supply-constant", [invariants](const Simulator& s) { return invariants->check_supply(s); });
  sim.add_invariant("no-double-spend", [invariants](const Simulator&) { return invariants->double_spend(); });
  sim.add_invariant("servi-frozen", [invariants](const Simulator&) { return invariants->servi_moved(); });
  sim.add_invariant("finality-proofs", [invariants](const Simulator&) { return invariants->bad_finality(); });

  std::shared_ptr<Forger> forger;
  apply_faults(sim, o, world, forger);
  if (customize) customize(sim, world);
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
  const auto* client = metered_core<ShardClient>(sim.core(world.client));
  IOS_ASSERT(client != nullptr);  // the client never crashes in these scenarios
  const auto& cs = client->stats();
  r.submitted = cs.submitted;
  r.optimistic = cs.optimistic;
  r.finalized = cs.finalized;
  r.excluded = cs.excluded;
  r.rejected = cs.rejected;
  r.lost = cs.lost;
  r.optimistic_latency = summarize(cs.optimistic_latency_ms);
  r.final_latency = summarize(cs.final_latency_ms);
  r.messages = sim.stats().messages_sent;
  r.bytes = sim.stats().bytes_sent;
  r.messages_per_tx = r.finalized == 0 ? 0.0 : static_cast<double>(r.messages) / static_cast<double>(r.finalized);
  r.final_height = client->ledger().height();
  for (auto i : world.setup->normal) {
    if (const auto* v = metered_core<ShardValidator>(sim.core(i))) {
      r.view_changes = std::max(r.view_changes, v->engine().stats().view_changes);
      r.restarts += v->engine().stats().restarts;
      r.star_fallbacks += v->engine().stats().star_fallbacks;
    }
  }
  chain::LeagueMode last = chain::LeagueMode::two_leagues;
  for (const auto& b : invariants->canonical()) {
    auto p = protocol::pob::decode_proposed_block(b.body);
    if (!p) continue;
    r.one_league_blocks += p->body.mode == chain::LeagueMode::one_league;
    r.mode_switches += p->body.mode != last;
    last = p->body.mode;
  }
  if (forger) collect_fraud(r, o, world, *forger, *invariants, client->ledger());
  r.simulated_ms = sim.now_ms();
  r.transcript = sim.transcript_hash();
  return r;
}

}  // namespace ios::sim
