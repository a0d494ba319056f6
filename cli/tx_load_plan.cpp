#include "cli/tx_load_plan.hpp"

#include "cli/shard_route.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <thread>

namespace ios::cli {

namespace {

// Nodes that answer, in devnet order (or --rpc alone), with the shard each serves.
std::vector<TxTarget> live_nodes(const Globals& g) {
  if (!g.rpc.empty()) return {target_at(g.rpc)};
  auto live = devnet_targets(devnet_home(g));
  if (live.empty()) throw Failure(Exit::unreachable, "no node of the devnet at " + devnet_home(g) + " answers (is it up?)");
  return live;
}

// Who pays whom and through which node: each sender pays the next sender of its own shard (a
// payment across shards would be refused: Atomix is not built), through the nodes of that
// shard in turn.
struct Routes {
  std::vector<chain::Address> payee;  // per sender
  std::vector<std::size_t> node;      // per sender: index into the plan's nodes
};

Routes route_senders(const Globals& g, const std::vector<Sender>& senders, const std::vector<TxTarget>& nodes) {
  const auto shards = nodes.front().shards;
  std::map<std::uint32_t, std::vector<std::size_t>> senders_of, nodes_of;
  for (std::size_t a = 0; a < senders.size(); ++a) senders_of[senders[a].address.shard(shards)].push_back(a);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (!nodes[i].joining) nodes_of[nodes[i].shard].push_back(i);  // a joiner refuses its new shard's payments
  Routes r;
  r.payee.resize(senders.size());
  r.node.resize(senders.size());
  for (const auto& [shard, list] : senders_of) {
    const auto it = nodes_of.find(shard);
    if (it == nodes_of.end())
      throw Failure(g.rpc.empty() ? Exit::unreachable : Exit::usage,
                    "no node of shard " + std::to_string(shard) + " to send " + senders[list.front()].name +
                        "'s transfers to" + (g.rpc.empty() ? "" : " (--rpc serves shard " + std::to_string(nodes.front().shard) + ")"));
    for (std::size_t k = 0; k < list.size(); ++k) {
      r.payee[list[k]] = senders[list[(k + 1) % list.size()]].address;
      r.node[list[k]] = it->second[k % it->second.size()];
    }
  }
  return r;
}

// Splits the sender's largest coins into `chains` outputs of `value` each, plus change.
Transfer fan_out(const Sender& s, std::vector<Coin> coins, std::size_t chains, chain::Amount value, chain::Amount fee,
                 core::ByteView chain_id) {
  std::sort(coins.begin(), coins.end(), [](const Coin& a, const Coin& b) { return a.amount > b.amount; });
  const chain::Amount need = value * chains + fee;
  chain::Amount total = 0;
  std::vector<std::pair<chain::OutPoint, const crypto::SigningKey*>> inputs;
  for (const auto& c : coins) {
    if (total >= need || inputs.size() == chain::tx_inputs_max) break;
    inputs.emplace_back(c.point, s.key.get());
    total += c.amount;
  }
  if (total < need)
    throw Failure(Exit::failed_on_chain, "account " + s.name + " holds too little for the load: needs " + std::to_string(need));
  std::vector<chain::TxOutput> outputs(chains, chain::TxOutput{s.address, chain::Asset::ios, value});
  if (total > need) outputs.push_back({s.address, chain::Asset::ios, total - need});
  Transfer t;
  t.tx = chain::make_transfer(std::move(inputs), std::move(outputs), fee, std::random_device{}(), chain_id);
  t.hash = chain::tx_hash(t.tx);
  return t;
}

void sign_chains(std::vector<LoadChain>& chains, const std::vector<Sender>& senders, const Routes& routes,
                 std::size_t per_account, std::size_t length, chain::Amount value, const LoadOptions& o,
                 const std::vector<core::Hash32>& fan_outs, core::ByteView chain_id) {
  auto sign_range = [&](std::size_t begin, std::size_t end, std::uint64_t seed) {
    std::mt19937_64 nonces(seed);
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t a = i / per_account;
      Coin coin{chain::OutPoint{fan_outs[a], static_cast<std::uint32_t>(i % per_account)}, value};
      auto& c = chains[i];
      c.transfers.reserve(length);
      for (std::size_t j = 0; j < length; ++j) {
        c.transfers.push_back(chain_transfer(senders[a], coin, routes.payee[a], o.amount, o.fee, chain_id, nonces()));
        coin = *c.transfers.back().change;
      }
    }
  };
  const std::size_t threads = std::max<std::size_t>(1, std::min<std::size_t>(std::thread::hardware_concurrency(), 8));
  std::vector<std::thread> workers;
  const std::uint64_t seed = std::random_device{}();
  for (std::size_t w = 0; w < threads; ++w)
    workers.emplace_back(sign_range, chains.size() * w / threads, chains.size() * (w + 1) / threads, seed + w);
  for (auto& w : workers) w.join();
}

}  // namespace

LoadPlan prepare_load(const Globals& g, LoadOptions& o) {
  const auto home = devnet_home(g);
  const auto accounts = devnet_accounts(home);
  if (accounts.empty()) throw Failure(Exit::not_found, "no devnet accounts at " + home + " (accounts/accounts.json)");
  if (o.accounts == 0) o.accounts = accounts.size();
  if (o.accounts > accounts.size())
    throw Failure(Exit::usage, "--accounts " + std::to_string(o.accounts) + ": the devnet has " + std::to_string(accounts.size()));
  if (o.accounts < 2) throw Failure(Exit::usage, "--accounts must be at least 2 (each pays the next)");
  LoadPlan plan;
  const auto live = live_nodes(g);
  for (const auto& t : live) {
    plan.nodes.push_back(t.rpc_url);
    plan.node_shard.push_back(t.joining ? serves_no_shard : t.shard);  // as route_senders: a joiner takes no chain
  }
  const auto chain_id = live.front().chain_id_bytes();
  std::vector<Sender> senders;
  for (std::size_t a = 0; a < o.accounts; ++a) senders.push_back(load_sender(home, accounts[a].name, PasswordSource{}));
  const auto routes = route_senders(g, senders, live);

  // Enough chains that the rate is reachable at one transfer per chain per half second (the
  // worst case: a node that admits only final outputs, with ~0.5 s finality under load).
  if (o.chains_per_account == 0)
    o.chains_per_account = std::clamp<std::size_t>(
        static_cast<std::size_t>(std::ceil(o.tps * 0.5 / static_cast<double>(o.accounts))), 1, 63);
  const std::size_t chain_count = o.accounts * o.chains_per_account;
  const std::size_t length = static_cast<std::size_t>((o.total + chain_count - 1) / chain_count) + 1;
  const chain::Amount value = static_cast<chain::Amount>(length) * (o.amount + o.fee) + 1;

  std::vector<core::Hash32> fan_outs;
  std::vector<chain::Tx> fan_out_txs;
  std::vector<Outcome> outcomes(senders.size());
  const auto started = Clock::now();
  // Each fan-out follows its shard to whichever node serves it (TransEpoch moves nodes).
  std::vector<ShardRoute> fan_out_routes;
  fan_out_routes.reserve(senders.size());
  for (std::size_t a = 0; a < senders.size(); ++a) fan_out_routes.emplace_back(g, live[routes.node[a]]);
  for (std::size_t a = 0; a < senders.size(); ++a) {
    auto& route = fan_out_routes[a];
    auto t = fan_out(senders[a], fetch_coins(route.client(), senders[a].address), o.chains_per_account, value, o.fee, chain_id);
    fan_outs.push_back(t.hash);
    fan_out_txs.push_back(t.tx);
    if (!submit_transfer(route, t.tx, outcomes[a])) {
      if (outcomes[a].unreachable) throw Failure(Exit::unreachable, outcomes[a].error);
      throw Failure(Exit::failed_on_chain, "fan-out of " + senders[a].name + " refused: " + outcomes[a].reason + outcomes[a].error);
    }
  }
  for (std::size_t a = 0; a < senders.size(); ++a) {
    follow_transfer(fan_out_routes[a], WaitLevel::final, started, started + std::chrono::seconds(60), outcomes[a], &fan_out_txs[a]);
    if (outcomes[a].state != rpc::TxState::final)
      throw Failure(outcome_exit(outcomes[a]) == Exit::ok ? Exit::timeout : outcome_exit(outcomes[a]),
                    "fan-out of " + senders[a].name + " did not become final: " + outcome_text(outcomes[a]));
  }
  plan.chains.resize(chain_count);
  for (std::size_t i = 0; i < chain_count; ++i) {
    plan.chains[i].node = routes.node[i / o.chains_per_account];
    plan.chains[i].shard = senders[i / o.chains_per_account].address.shard(live.front().shards);
  }
  sign_chains(plan.chains, senders, routes, o.chains_per_account, length, value, o, fan_outs, chain_id);
  return plan;
}

}  // namespace ios::cli
