#include "node/sim/shard_client.hpp"

#include <algorithm>

namespace ios::sim {

using protocol::pob::PobMessage;

ShardClient::ShardClient(std::shared_ptr<const protocol::pob::ShardSetup> setup,
                         std::vector<ClientAccount> accounts, core::Rng& rng, ShardClientOptions options,
                         protocol::byzcoin::ByzcoinConfig timing,
                         const std::map<std::string, core::Bytes, std::less<>>& store)
    : setup_(std::move(setup)), rng_(rng), options_(options), ledger_(setup_) {
  for (auto& a : accounts) {
    const auto address = chain::Address::from_public_key(a.identity.public_identity().signing);
    const auto& alloc = setup_->genesis.allocations.at(a.allocation);
    IOS_ASSERT(alloc.owner == address);
    accounts_.push_back(Account{std::move(a.identity), address,
                                std::make_pair(chain::genesis_outpoint(a.allocation), alloc.amount), {}, false});
  }
  timing.domain = setup_->domain;
  timing.roster = setup_->normal_roster;
  timing.members.assign(setup_->normal.begin(), setup_->normal.end());
  timing.self = std::nullopt;
  timing.observers = setup_->observers;
  engine_ = std::make_unique<protocol::byzcoin::ByzcoinEngine>(
      std::move(timing), static_cast<protocol::byzcoin::ByzcoinApp&>(*this), nullptr, rng_, store);
}

void ShardClient::on_start(TimeMs now_ms, protocol::Effects& out) {
  last_now_ms_ = now_ms;
  engine_->on_start(now_ms, out);
  out.set_timer(tick_timer, std::max(now_ms, options_.start_ms) + tick_ms);
}

void ShardClient::on_timer(TimeMs now_ms, protocol::TimerId id, protocol::Effects& out) {
  last_now_ms_ = now_ms;
  if (protocol::byzcoin::ByzcoinEngine::owns_timer(id)) {
    engine_->on_timer(now_ms, id, out);
    return;
  }
  IOS_ASSERT(id == tick_timer);
  if (now_ms <= options_.stop_ms) send_due(now_ms, out);
  if (now_ms % 100 == 0) resubmit_stale(now_ms, out);
  out.set_timer(tick_timer, now_ms + tick_ms);
}

void ShardClient::on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values,
                            protocol::Effects& out) {
  last_now_ms_ = now_ms;
  engine_->on_loaded(now_ms, id, std::move(values), out);
}

void ShardClient::on_message(TimeMs now_ms, protocol::NodeId from, core::ByteView payload, protocol::Effects& out) {
  last_now_ms_ = now_ms;
  if (!payload.empty() && payload[0] == protocol::byzcoin::ByzcoinEngine::message_tag) {
    engine_->on_message(now_ms, from, payload, out);
    return;
  }
  auto m = protocol::pob::decode_pob_message(payload);
  if (!m) return;
  const auto* receipt = std::get_if<protocol::pob::TxReceipt>(&*m);
  if (receipt == nullptr || !protocol::pob::verify_receipt(*receipt, setup_->chain_id)) return;
  auto it = in_flight_.find(receipt->tx);
  if (it == in_flight_.end()) return;
  auto& f = it->second;
  if (receipt->status == protocol::pob::ReceiptStatus::rejected) {
    // One producer may refuse because it is still catching up after a restart (it does not
    // know the input yet): try the next route, and give up only after attempts_max refusals.
    if (f.attempts < options_.attempts_max && !f.optimistic) {
      ++f.attempts;
      f.last_sent_ms = now_ms;
      ++stats_.resubmitted;
      route(f, out);
      return;
    }
    ++stats_.rejected;
    settle(receipt->tx, false);
    return;
  }
  if (f.optimistic) return;
  f.optimistic = true;
  ++stats_.optimistic;
  stats_.optimistic_latency_ms.push_back(now_ms - f.submitted_ms);
  // Chain the next payment on the change output (last output), if this is the newest payment.
  auto& a = accounts_[f.account];
  if (!a.resync && !a.chain.empty() && a.chain.back() == receipt->tx && f.tx.outputs.back().owner == a.address) {
    const auto index = static_cast<std::uint32_t>(f.tx.outputs.size() - 1);
    a.spendable = std::make_pair(chain::OutPoint{receipt->tx, index}, f.tx.outputs.back().amount);
  }
}

void ShardClient::send_due(TimeMs now_ms, protocol::Effects& out) {
  if (now_ms < options_.start_ms) return;
  const auto due = static_cast<std::uint64_t>(static_cast<double>(now_ms - options_.start_ms) * options_.tx_rate / 1000.0);
  while (stats_.submitted + stats_.no_ready_account < due) {
    if (!send_one(now_ms, out)) ++stats_.no_ready_account;
  }
}

bool ShardClient::send_one(TimeMs now_ms, protocol::Effects& out) {
  const auto& policy = setup_->policy();
  for (std::size_t k = 0; k < accounts_.size(); ++k) {
    const auto i = (next_account_ + k) % accounts_.size();
    auto& a = accounts_[i];
    if (a.resync || !a.spendable || a.spendable->second < 2 + policy.min_fee) continue;
    next_account_ = i + 1;
    const auto payee = accounts_[rng_.uniform(accounts_.size())].address;
    const auto [outpoint, amount] = *a.spendable;
    std::vector<chain::TxOutput> outputs{{payee, chain::Asset::ios, 1}};
    const auto change = amount - 1 - policy.min_fee;
    if (change > 0) outputs.push_back({a.address, chain::Asset::ios, change});
    const auto key = a.identity.signing_key();
    auto tx = chain::make_transfer({{outpoint, &key}}, std::move(outputs), policy.min_fee, ++nonce_, setup_->chain_id);
    const auto hash = chain::tx_hash(tx);
    a.spendable.reset();
    a.chain.push_back(hash);
    auto& f = in_flight_[hash];
    f = InFlight{std::move(tx), i, now_ms, now_ms, 1, false};
    ++stats_.submitted;
    route(f, out);
    return true;
  }
  return false;
}

void ShardClient::route(const InFlight& f, protocol::Effects& out) {
  const auto payload = protocol::pob::encode(PobMessage{protocol::pob::SubmitTx{f.tx}});
  for (auto to : ledger_.submission_route(accounts_[f.account].address, f.attempts - 1)) out.send(to, payload);
}

void ShardClient::on_final(const chain::FinalizedBlock& block, protocol::Effects& out) {
  (void)out;
  const auto applied = ledger_.apply(block);
  std::vector<core::Hash32> sorted_applied = applied.applied;
  std::sort(sorted_applied.begin(), sorted_applied.end());
  for (const auto& h : applied.done) {
    auto it = in_flight_.find(h);
    if (it == in_flight_.end()) continue;
    const bool ok = std::binary_search(sorted_applied.begin(), sorted_applied.end(), h);
    if (ok) {
      ++stats_.finalized;
      // The engine calls on_final from the input that completed the block, at that input's time.
      stats_.final_latency_ms.push_back(last_now_ms_ - it->second.submitted_ms);
    } else {
      ++stats_.excluded;
    }
    settle(h, ok);
  }
}

void ShardClient::settle(const core::Hash32& tx, bool applied) {
  auto it = in_flight_.find(tx);
  if (it == in_flight_.end()) return;
  auto& a = accounts_[it->second.account];
  in_flight_.erase(it);
  a.chain.erase(std::remove(a.chain.begin(), a.chain.end(), tx), a.chain.end());
  if (!applied) {
    a.resync = true;  // payments chained on this one cannot apply either
    a.spendable.reset();
  }
  if (a.chain.empty()) resync(a);
}

void ShardClient::resync(Account& a) {
  a.resync = false;
  a.spendable.reset();
  for (const auto& [op, out] : ledger_.state().utxos_of(a.address)) {
    if (out.asset != chain::Asset::ios) continue;
    if (!a.spendable || out.amount > a.spendable->second) a.spendable = std::make_pair(op, out.amount);
  }
}

void ShardClient::resubmit_stale(TimeMs now_ms, protocol::Effects& out) {
  std::vector<core::Hash32> lost;
  for (auto& [hash, f] : in_flight_) {
    if (now_ms < f.last_sent_ms + options_.resubmit_after_ms) continue;
    if (f.attempts >= options_.attempts_max) {
      lost.push_back(hash);
      continue;
    }
    ++f.attempts;
    f.last_sent_ms = now_ms;
    ++stats_.resubmitted;
    route(f, out);
  }
  for (const auto& h : lost) {
    ++stats_.lost;
    settle(h, false);
  }
}

}  // namespace ios::sim
