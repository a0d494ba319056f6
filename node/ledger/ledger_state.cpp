#include "node/ledger/ledger_state.hpp"

#include "node/ledger/pending_state.hpp"

namespace ios::ledger {

LedgerState LedgerState::from_genesis(const chain::Genesis& genesis) {
  IOS_ASSERT(genesis.policy.shards == 1);
  return from_genesis_impl(genesis, nullptr);
}

LedgerState LedgerState::from_genesis_shard(const chain::Genesis& genesis, std::uint32_t shard) {
  IOS_ASSERT(shard < genesis.policy.shards);
  return from_genesis_impl(genesis, &shard);
}

const chain::TxOutput* LedgerState::find_output(const chain::OutPoint& outpoint) const {
  auto it = utxos_.find(outpoint);
  return it == utxos_.end() ? nullptr : &it->second;
}

const contracts::ValidatorAccount* LedgerState::find_validator(const crypto::PublicKey& key) const {
  auto it = validators_.find(key);
  return it == validators_.end() ? nullptr : &it->second;
}

core::Status LedgerState::apply(const contracts::StateChange& change) {
  PendingState pending(*this);
  if (auto s = pending.apply(change); !s) return s;
  pending.commit_into(*this);
  return core::Ok{};
}

chain::Amount LedgerState::total_supply() const {
  // Genesis checked that the supply fits in 64 bits and no change creates value, so these
  // sums cannot overflow; the assertions say so.
  chain::Amount total = pool_;
  auto add = [&total](chain::Amount a) {
    auto sum = chain::add_amount(total, a);
    IOS_ASSERT(sum.ok());
    total = *sum;
  };
  for (const auto& [op, out] : utxos_) {
    if (out.asset == chain::Asset::ios) add(out.amount);
  }
  for (const auto& [key, v] : validators_) {
    add(v.stake);
    add(v.fees);
  }
  return total;
}

core::Hash32 LedgerState::digest() const { return PendingState(*this).digest(height_, epoch_); }

chain::Amount LedgerState::balance(const chain::Address& owner) const {
  chain::Amount total = 0;
  for (const auto& [op, out] : utxos_of(owner)) {
    if (out.asset == chain::Asset::ios) total += out.amount;  // bounded by the total supply
  }
  return total;
}

std::vector<std::pair<chain::OutPoint, chain::TxOutput>> LedgerState::utxos_of(const chain::Address& owner) const {
  std::vector<std::pair<chain::OutPoint, chain::TxOutput>> out;
  auto it = by_owner_.find(owner);
  if (it == by_owner_.end()) return out;
  for (const auto& op : it->second) out.emplace_back(op, utxos_.at(op));
  return out;
}

void LedgerState::add_output(const chain::OutPoint& op, const chain::TxOutput& out) {
  auto [it, inserted] = utxos_.emplace(op, out);
  IOS_ASSERT(inserted);
  utxo_hash_.add(utxo_entry(op, out));
  by_owner_[out.owner].insert(op);
}

void LedgerState::remove_output(const chain::OutPoint& op) {
  auto it = utxos_.find(op);
  IOS_ASSERT(it != utxos_.end());
  auto owned = by_owner_.find(it->second.owner);
  IOS_ASSERT(owned != by_owner_.end());
  owned->second.erase(op);
  if (owned->second.empty()) by_owner_.erase(owned);
  utxo_hash_.remove(utxo_entry(op, it->second));
  utxos_.erase(it);
}

LedgerState LedgerState::from_genesis_impl(const chain::Genesis& genesis, const std::uint32_t* shard_only) {
  // A Genesis reaches the ledger only after parse_genesis / validate accepted it.
  IOS_ASSERT(chain::validate(genesis).ok());
  LedgerState state;
  state.chain_id_ = genesis.chain_id;
  state.scope_ = {shard_only != nullptr ? *shard_only : 0, genesis.policy.shards};
  for (std::size_t i = 0; i < genesis.allocations.size(); ++i) {
    const auto& a = genesis.allocations[i];
    if (shard_only != nullptr && a.owner.shard(genesis.policy.shards) != *shard_only) continue;
    state.add_output(chain::genesis_outpoint(static_cast<std::uint32_t>(i)),
                     chain::TxOutput{a.owner, chain::Asset::ios, a.amount});
  }
  for (const auto& v : genesis.validators) {
    const auto& key = v.identity.signing;
    state.validators_.emplace(key, contracts::ValidatorAccount{key, v.stake, 0, v.servi, v.reviews, false});
  }
  return state;
}

}  // namespace ios::ledger
