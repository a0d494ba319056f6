// The sharded system in the simulator. What runs and what is checked: sharded_scenario.hpp.
#include "node/sim/sharded_scenario.hpp"

#include <algorithm>
#include <map>

#include "node/crypto/random.hpp"
#include "node/ledger/ledger_state.hpp"
#include "node/protocol/client/client_core.hpp"
#include "node/protocol/client/messages.hpp"
#include "node/protocol/epoch/hosting.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/protocol/transepoch/shard_hosting.hpp"
#include "node/sim/node_cores.hpp"
#include "node/sim/shard_invariants.hpp"

namespace ios::sim {

using namespace protocol;
using node::InstanceKey;
using node::NodeCore;

namespace {

struct Final {
  core::Hash32 hash{};
  TimeMs at_ms = 0;
  bool swapping = false;  // finalized by a step before the last
};

// The client load: payments in flight, by tx hash, and each account's one output.
struct Load {
  struct Account {
    const crypto::Identity* identity = nullptr;
    chain::OutPoint at;
    chain::Amount amount = 0;
    bool busy = false;
  };
  struct Payment {
    chain::Tx tx;
    std::uint32_t shard = 0;
    std::size_t account = 0;
    TimeMs sent_ms = 0;
  };
  std::vector<std::vector<Account>> accounts;  // by shard
  std::vector<std::size_t> next;               // round robin, by shard
  std::map<core::Hash32, Payment> in_flight;
  ShardedRunResult::Load counts;
  std::uint64_t nonce = 0;
  bool stopped = false;

  void settle(const core::Hash32& hash, bool applied) {
    auto it = in_flight.find(hash);
    if (it == in_flight.end()) return;
    auto& a = accounts[it->second.shard][it->second.account];
    if (applied) {
      a.at = {hash, 0};
      a.amount = it->second.tx.outputs[0].amount;
      ++counts.finalized;
    } else {
      ++counts.excluded;  // its input is still the account's
    }
    a.busy = false;
    in_flight.erase(it);
  }
};

// What the invariants remember between events.
struct Observed {
  std::shared_ptr<const chain::Genesis> genesis;
  transepoch::ShardSchedule schedule;
  std::vector<chain::Amount> supply;                       // by shard, at genesis
  std::map<std::pair<NodeId, InstanceKey>, std::uint64_t> seen;  // per node and segment: the next height to check
  std::map<std::pair<std::uint32_t, std::uint64_t>, Final> finals;  // (shard, height)
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>, std::uint64_t> per_segment;  // blocks
  std::shared_ptr<Load> load;

  void settle_payments(const chain::FinalizedBlock& b) {
    if (!load || load->in_flight.empty()) return;
    auto proposal = pob::decode_proposed_block(b.body);
    IOS_ASSERT(proposal.ok());  // final, so checked by a quorum
    const auto& excluded = proposal->body.excluded;
    const auto one = [&](const chain::Tx& tx) {
      const auto h = chain::tx_hash(tx);
      load->settle(h, !std::binary_search(excluded.begin(), excluded.end(), h));
    };
    for (const auto& m : proposal->merged)
      for (const auto& tx : m.txs) one(tx);
    for (const auto& tx : proposal->body.direct_txs) one(tx);
  }

  std::optional<std::string> pull_records(const Simulator& s, std::uint64_t epoch) {
    const auto n = genesis->validators.size();
    for (NodeId id = 0; id < n && !schedule.knows(epoch); ++id) {
      for (const auto& r : epoch::stored_records(s.store(id), n)) {
        if (r.epoch == schedule.last_epoch() + 1) schedule.add(r);
      }
    }
    if (!schedule.knows(epoch)) return "a segment of epoch " + std::to_string(epoch) + " runs before any node stored its record";
    return std::nullopt;
  }

  std::optional<std::string> check(const Simulator& s) {
    const auto n = static_cast<NodeId>(genesis->validators.size());
    for (NodeId id = 0; id < n; ++id) {
      const auto* node = node_core(s, id);
      if (node == nullptr) continue;
      for (const auto& [key, v] : node->all<pob::ShardValidator>()) {
        const auto& engine = v->engine();
        auto& done = seen[{id, key}];
        done = std::max(done, engine.first_height());
        if (done == engine.height()) continue;
        const auto e = key.epoch.value;
        if (auto missing = pull_records(s, e)) return missing;
        const auto setup = schedule.setup(e, key.shard, key.step);
        for (; done < engine.height(); ++done) {
          const auto block = final_block(s, id, key, engine, done);
          if (!block) return "node " + std::to_string(id) + " lost its final block " + std::to_string(done);
          const auto& b = *block;
          const auto where = "shard " + std::to_string(key.shard.value) + " height " + std::to_string(b.height) +
                             " (node " + std::to_string(id) + ", epoch " + std::to_string(e) + " step " +
                             std::to_string(key.step) + ")";
          auto [it, fresh] = finals.try_emplace({key.shard.value, b.height}, Final{b.hash(), s.now_ms(), !setup->last_step});
          if (!fresh) {
            if (it->second.hash != b.hash()) return "shard agreement: two final blocks at " + where;
            continue;
          }
          if (auto ok = chain::verify_finality(b, *setup->normal_roster, setup->domain); !ok)
            return "segment finality: " + where + " does not verify under its segment's roster: " + ok.error().message();
          if (b.height > 0) {
            auto parent = finals.find({key.shard.value, b.height - 1});
            if (parent != finals.end() && parent->second.hash != b.prev) return "chain links: " + where + " does not link to its parent";
          }
          ++per_segment[{key.shard.value, e, key.step}];
          settle_payments(b);
        }
        if (v->ledger().state().total_supply() != supply.at(key.shard.value))
          return "supply constant: shard " + std::to_string(key.shard.value) + " supply changed on node " + std::to_string(id);
      }
    }
    return std::nullopt;
  }
};

}  // namespace

ShardedRunResult run_sharded(const ShardedRunOptions& o, const std::function<void(Simulator&, const EpochSetup&)>& customize) {
  EpochRunOptions eo;
  eo.validators = o.validators;
  eo.shards = o.shards;
  eo.believable = o.believable;
  eo.epochs = o.epochs;
  eo.seed = o.seed;
  eo.timing.start_delay_ms = o.epoch_ms;
  eo.timing.ticket_window_ms = o.delta_ms;
  eo.timing.attempt_ms = 20 * o.delta_ms;
  eo.timing.drp.phase_timeout_ms = 2 * o.delta_ms;
  if (o.tx_rate > 0 || o.fund_accounts) eo.accounts_per_shard = o.accounts_per_shard;
  const EpochSetup setup = make_epoch_setup(eo);
  const auto n = o.validators;
  NetworkConfig net;
  net.link_default.latency = Latency::uniform_ms(o.latency_ms, std::max<TimeMs>(1, o.latency_ms / 5));
  Simulator sim(o.seed, net);

  byzcoin::ByzcoinConfig timing;
  timing.block_interval_ms = setup.genesis->policy.block_interval_ms;
  timing.phase_timeout_ms = 200;
  timing.view_timeout_ms = o.view_timeout_ms;
  for (std::uint32_t i = 0; i < n; ++i) {
    sim.add_node([&, i](const SimNodeContext& ctx) -> std::unique_ptr<Core> {
      auto node = std::make_unique<NodeCore>();
      const epoch::EpochHosting epochs{setup.genesis, i, &setup.identities[i], &ctx.rng, eo.timing, o.epochs};
      // What this node persisted before this incarnation (the runtime reads its SQLite store).
      auto rows = std::make_shared<const node::RowsInMemory>(ctx.store);
      const auto records = epoch::host_epochs(*node, *rows, epochs);
      auto shards = transepoch::host_shards(*node, rows, {setup.genesis, i, &setup.identities[i], &ctx.rng, timing, {}},
                                            records);
      node->set_succession(node::both(epoch::epoch_succession(epochs), std::move(shards.succession)));
      // Behind its door, as in `ios node`; what is final long ago is the node's tx index.
      const auto* applied = &ctx.applied_txs;
      return std::make_unique<client::ClientCore>(
          std::move(node), client::ClientDoorConfig{setup.genesis, i, setup.identities[i].public_identity().signing,
                                                    shards.schedule,
                                                    [applied](const core::Hash32& tx) { return applied->contains(tx); },
                                                    /*client_messages=*/true});
    });
  }
  std::shared_ptr<std::function<void(Simulator&)>> ticks;
  auto observed = std::make_shared<Observed>(Observed{setup.genesis, transepoch::ShardSchedule(setup.genesis, {}), {}, {}, {}, {}, nullptr});
  for (std::uint32_t j = 0; j < o.shards; ++j)
    observed->supply.push_back(ledger::LedgerState::from_genesis_shard(*setup.genesis, j).total_supply());
  if (o.tx_rate > 0) {
    auto load = std::make_shared<Load>();
    for (const auto& list : setup.accounts) {
      auto& mine = load->accounts.emplace_back();
      for (const auto& [identity, allocation] : list)
        mine.push_back({&identity, chain::genesis_outpoint(allocation), setup.genesis->allocations[allocation].amount});
    }
    load->next.assign(o.shards, 0);
    observed->load = load;
    // The client: the doors' answers come back to it, and it acts only through the driver below.
    const NodeId client = sim.add_node([load](const SimNodeContext&) -> std::unique_ptr<Core> {
      struct Wallet final : Core {
        std::shared_ptr<Load> load;
        explicit Wallet(std::shared_ptr<Load> l) : load(std::move(l)) {}
        void on_start(TimeMs, Effects&) override {}
        void on_message(TimeMs, NodeId, core::ByteView payload, Effects&) override {
          // Network input, even here: what does not decode to an answer is counted, not trusted.
          const auto opened = node::open(payload);
          const auto m = opened && opened->key.protocol == node::Protocol::client
                             ? client::decode_client_message(opened->payload)
                             : core::Result<client::ClientMessage>(core::reject(core::Reject::non_canonical, "not a client message"));
          if (!m || !std::holds_alternative<client::ClientAnswer>(*m)) return void(++load->counts.bad_answers);
          const auto& answer = std::get<client::ClientAnswer>(*m).result;
          if (answer.accepted) ++load->counts.accepted;
          else ++load->counts.refused[answer.reason.substr(0, answer.reason.find(':'))];
        }
        void on_timer(TimeMs, TimerId, Effects&) override {}
      };
      return std::make_unique<Wallet>(load);
    });
    const auto fee = setup.genesis->policy.min_fee;
    const auto chain_id = setup.genesis->chain_id_bytes();
    // Where a wallet sends a payment in `shard` now: the door of the first up validator that
    // runs a segment of the shard (`ios devnet status` tells a devnet's wallet the same).
    // When no up validator runs one, nothing is sent: the payment waits for its next resend.
    const auto send = [n, client, load](Simulator& s, std::uint32_t shard, const chain::Tx& tx) {
      const auto door = door_for(s, shard, n);
      if (!door) return;
      s.inject(client, *door, client::encode(client::ClientSubmit{tx}), s.now_ms());
      ++load->counts.sent;
    };
    const TimeMs every = std::max<TimeMs>(1, static_cast<TimeMs>(1000.0 / o.tx_rate));
    // The tick schedules itself again through a weak reference: the event queue holds copies
    // of it, and a strong one would make a cycle no one frees.
    auto tick = std::make_shared<std::function<void(Simulator&)>>();
    std::weak_ptr<std::function<void(Simulator&)>> again = tick;
    *tick = [=, &o](Simulator& s) {
      for (auto& [hash, p] : load->in_flight) {
        if (s.now_ms() < p.sent_ms + o.resubmit_ms) continue;
        p.sent_ms = s.now_ms();
        ++load->counts.resubmitted;
        send(s, p.shard, p.tx);
      }
      for (std::uint32_t j = 0; j < o.shards && !load->stopped; ++j) {
        auto& list = load->accounts[j];
        for (std::size_t tried = 0; tried < list.size(); ++tried) {
          const auto i = load->next[j]++ % list.size();
          auto& a = list[i];
          if (a.busy) continue;
          const auto key = a.identity->signing_key();
          const auto self = chain::Address::from_public_key(key.public_key());
          auto tx = chain::make_transfer({{a.at, &key}}, {{self, chain::Asset::ios, a.amount - fee}}, fee, ++load->nonce,
                                         chain_id);
          a.busy = true;
          const auto h = chain::tx_hash(tx);
          load->in_flight[h] = Load::Payment{tx, j, i, s.now_ms()};
          ++load->counts.submitted;
          send(s, j, tx);
          break;
        }
      }
      if (auto next = again.lock()) s.schedule(s.now_ms() + every, "load", *next);
    };
    sim.schedule(1'000, "load", *tick);
    ticks = tick;  // alive while the simulation runs
  }
  sim.add_invariant("epoch agreement", epoch_agreement(n, o.epochs));
  sim.add_invariant("shards", [observed](const Simulator& s) { return observed->check(s); });
  if (o.crashes > 0) {
    crypto::ChaChaRng rng("IOS/v1/sim/sharded-crashes", o.seed);
    const auto order = crypto::permutation(n, rng);
    for (std::uint32_t k = 0; k < o.crashes && k < n; ++k) {
      const TimeMs at = o.epoch_ms + 1'500 + 200 * k;
      sim.crash(order[k], at);
      sim.restart(order[k], at + 1'000);
    }
  }
  if (o.partition) {
    std::vector<NodeId> a, b;
    for (NodeId id = 0; id < n; ++id) (id < n / 2 ? a : b).push_back(id);
    sim.partition({a, b}, o.epoch_ms > 500 ? o.epoch_ms - 500 : 0, o.epoch_ms + 4'000);
  }
  if (customize) customize(sim, setup);
  sim.start();

  // Done: every shard finalized a block in the last epoch's last step.
  const auto done = [&](const Simulator&) {
    if (!observed->schedule.knows(o.epochs)) return false;
    for (std::uint32_t j = 0; j < o.shards; ++j) {
      const auto last = observed->schedule.steps(o.epochs, core::ShardId{j}) - 1;
      if (observed->per_segment.find({j, o.epochs, last}) == observed->per_segment.end()) return false;
    }
    return true;
  };
  const TimeMs per_epoch = o.epoch_ms + 2 * (o.delta_ms + epoch::attempts_per_view * eo.timing.attempt_ms);
  const TimeMs limit = o.time_limit_ms != 0 ? o.time_limit_ms : o.epochs * per_epoch + o.settle_ms + 10'000;
  const auto end = sim.run_until(done, limit);
  if (observed->load) observed->load->stopped = true;  // no new payments; the ones in flight settle
  const TimeMs settle = observed->load ? std::max(o.settle_ms, 2 * o.resubmit_ms + 2'000) : o.settle_ms;
  if (end == RunEnd::condition_met && !sim.failure()) sim.run_until(sim.now_ms() + settle);

  ShardedRunResult result;
  if (sim.failure()) result.failure = sim.failure()->report();
  result.epochs_formed = observed->schedule.last_epoch();
  if (observed->load) {
    result.load = observed->load->counts;
    result.load.pending = observed->load->in_flight.size();
  }
  result.shards.resize(o.shards);
  for (std::uint32_t j = 0; j < o.shards; ++j) {
    auto& r = result.shards[j];
    r.blocks_per_epoch.assign(result.epochs_formed + 1, 0);
    r.steps_per_epoch.assign(result.epochs_formed + 1, 0);
    for (const auto& [k, count] : observed->per_segment) {
      const auto& [shard, e, step] = k;
      if (shard != j || e > result.epochs_formed) continue;
      r.blocks_per_epoch[e] += count;
      r.steps_per_epoch[e] = std::max(r.steps_per_epoch[e], step + 1);
    }
    std::optional<TimeMs> previous;
    for (auto it = observed->finals.lower_bound({j, 0}); it != observed->finals.end() && it->first.first == j; ++it) {
      ++r.height;
      if (previous) {
        const auto gap = it->second.at_ms - *previous;
        r.longest_gap_ms = std::max(r.longest_gap_ms, gap);
        if (it->second.swapping) r.longest_swap_gap_ms = std::max(r.longest_swap_gap_ms, gap);
      }
      previous = it->second.at_ms;
    }
  }
  if (!result.failure && end != RunEnd::condition_met)
    result.failure = "the run ended (" + std::string(to_string(end)) + " at " + std::to_string(sim.now_ms()) +
                     " ms) before every shard finalized in epoch " + std::to_string(o.epochs) + "'s last step";
  result.simulated_ms = sim.now_ms();
  result.messages = sim.stats().messages_sent;
  result.bytes = sim.stats().bytes_sent;
  result.sim_transcript = sim.transcript_hash();
  return result;
}

}  // namespace ios::sim
