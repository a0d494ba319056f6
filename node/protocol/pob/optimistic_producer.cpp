#include "node/protocol/pob/optimistic_producer.hpp"

#include "contracts/token.hpp"

namespace ios::protocol::pob {

// The final state with this producer's unfinalized work laid over it.
class OptimisticProducer::Overlay final : public contracts::LedgerOverlay {
 public:
  Overlay(const contracts::LedgerView& base, const OptimisticProducer& p) : LedgerOverlay(base), p_(p) {}
  const chain::TxOutput* find_output(const chain::OutPoint& o) const override {
    if (p_.pending_spent_.count(o) != 0) return nullptr;
    if (auto it = p_.pending_created_.find(o); it != p_.pending_created_.end()) return &it->second;
    return base_.find_output(o);
  }

 private:
  const OptimisticProducer& p_;
};

OptimisticProducer::OptimisticProducer(core::Bytes chain_id, std::uint32_t shard, std::uint64_t epoch,
                                       const crypto::SigningKey& key, chain::Amount min_fee)
    : chain_id_(std::move(chain_id)), shard_(shard), epoch_(epoch), key_(key), min_fee_(min_fee) {}

core::Result<std::optional<contracts::StateChange>> OptimisticProducer::evaluate(
    const chain::Tx& tx, const contracts::LedgerView& final_state) const {
  if (auto it = pending_.find(chain::tx_hash(tx)); it != pending_.end()) {
    if (it->second.tx == tx) return std::optional<contracts::StateChange>{};
    return core::reject(core::Reject::duplicate, "a different witness set for a pending tx");
  }
  if (pending_.size() >= pending_tx_count_max) {
    return core::reject(core::Reject::length_over_limit, "producer has too much unfinalized work");
  }
  const Overlay view(final_state, *this);
  auto change = contracts::transfer(view, tx, key_.public_key(), min_fee_);
  if (!change) return change.error();
  return std::optional<contracts::StateChange>{std::move(*change)};
}

bool OptimisticProducer::is_pending(const chain::Tx& tx) const {
  auto it = pending_.find(chain::tx_hash(tx));
  return it != pending_.end() && it->second.tx == tx;
}

std::optional<core::Hash32> OptimisticProducer::sealed_in(const core::Hash32& tx) const {
  auto it = pending_.find(tx);
  return it == pending_.end() ? std::nullopt : it->second.sealed_in;
}

core::Status OptimisticProducer::admit(const chain::Tx& tx, const contracts::LedgerView& final_state,
                                       std::uint64_t final_height) {
  auto e = evaluate(tx, final_state);
  if (!e) return e.error();
  if (!*e) return core::Ok{};  // pending already: batched once, sealed_in tells the receipt
  for (const auto& o : (*e)->spent) pending_spent_.insert(o);
  for (const auto& [o, out] : (*e)->created) pending_created_.emplace(o, out);
  pending_.emplace(chain::tx_hash(tx), Pending{tx, final_height, std::nullopt});
  batch_.push_back(tx);
  return core::Ok{};
}

chain::OptimisticBlock OptimisticProducer::seal(TimeMs now_ms) {
  chain::OptimisticHeader h;
  h.shard = shard_;
  h.epoch = epoch_;
  h.producer = key_.public_key();
  h.seq = seq_;
  h.prev = prev_;
  h.time_ms = now_ms;
  std::vector<chain::Tx> txs;
  const auto take = std::min(batch_.size(), chain::optimistic_block_txs_max);
  txs.assign(batch_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(take));
  batch_.erase(batch_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(take));
  auto block = chain::make_optimistic_block(key_, chain_id_, h, std::move(txs));
  prev_ = chain::header_hash(block.header);
  for (const auto& tx : block.txs) {
    if (auto it = pending_.find(chain::tx_hash(tx)); it != pending_.end()) it->second.sealed_in = prev_;
  }
  ++seq_;
  return block;
}

void OptimisticProducer::on_final(const std::vector<core::Hash32>& done, std::uint64_t final_height) {
  bool changed = false;
  for (const auto& h : done) changed = pending_.erase(h) != 0 || changed;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (final_height > it->second.admitted_at_height + pending_blocks_max) {
      it = pending_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (changed) rebuild_overlay();
}

void OptimisticProducer::rebuild_overlay() {
  pending_spent_.clear();
  pending_created_.clear();
  for (const auto& [hash, p] : pending_) {
    for (const auto& in : p.tx.inputs) pending_spent_.insert(in.prev);
    for (std::uint32_t i = 0; i < p.tx.outputs.size(); ++i)
      pending_created_.emplace(chain::OutPoint{hash, i}, p.tx.outputs[i]);
  }
}

}  // namespace ios::protocol::pob
