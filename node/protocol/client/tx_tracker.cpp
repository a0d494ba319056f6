#include "node/protocol/client/tx_tracker.hpp"

namespace ios::protocol::client {

TxStatus& TxTracker::entry(const core::Hash32& tx) {
  auto it = txs_.find(tx);
  if (it != txs_.end()) return it->second;
  while (txs_.size() >= tracked_txs_max && !order_.empty()) {
    receipts_.erase(order_.front());
    txs_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(tx);
  auto& e = txs_[tx];
  e.hash = tx;
  e.state = TxState::unknown;
  return e;
}

void TxTracker::submitted(const core::Hash32& tx) {
  refusals_.erase(tx);
  auto& e = entry(tx);
  if (e.state == TxState::unknown || e.state == TxState::rejected) {
    e.state = TxState::pending;
    e.reason.clear();
    ++submitted_;
  }
}

void TxTracker::optimistic(const core::Hash32& tx, const crypto::PublicKey& producer,
                           const core::Hash32& optimistic_block) {
  auto it = txs_.find(tx);
  if (it == txs_.end() || it->second.state != TxState::pending) return;
  it->second.state = TxState::optimistic;
  receipts_[tx] = Receipt{producer, optimistic_block};
}

std::optional<TxTracker::Receipt> TxTracker::receipt(const core::Hash32& tx) const {
  auto it = receipts_.find(tx);
  if (it == receipts_.end()) return std::nullopt;
  return it->second;
}

void TxTracker::rejected(const core::Hash32& tx, std::string reason) {
  auto it = txs_.find(tx);
  if (it == txs_.end() || it->second.state == TxState::final) return;
  if (it->second.state != TxState::rejected) ++rejected_;
  it->second.state = TxState::rejected;
  it->second.reason = std::move(reason);
}

void TxTracker::final(const core::Hash32& tx, std::uint64_t height) {
  auto it = txs_.find(tx);
  if (it == txs_.end() || it->second.state == TxState::final) return;
  it->second.state = TxState::final;
  it->second.height = height;
  it->second.reason.clear();
  ++finals_;
}

void TxTracker::excluded(const core::Hash32& tx, std::uint64_t height) {
  auto it = txs_.find(tx);
  if (it == txs_.end() || it->second.state == TxState::final) return;
  rejected(tx, "excluded from final block " + std::to_string(height));
  it->second.height = height;
}

void TxTracker::refused(const core::Hash32& tx, std::string reason) {
  if (txs_.contains(tx)) return;  // submitted earlier: that state is the truth
  if (reason.size() > refusal_reason_bytes_max) reason.resize(refusal_reason_bytes_max);
  const auto seq = ++refusal_seq_;
  refusals_.insert_or_assign(tx, Refusal{std::move(reason), seq});
  refusal_order_.emplace_back(tx, seq);
  // The order holds at most refused_txs_max entries, live or not, so the map does too.
  while (refusal_order_.size() > refused_txs_max) {
    const auto [old, old_seq] = refusal_order_.front();
    refusal_order_.pop_front();
    if (auto it = refusals_.find(old); it != refusals_.end() && it->second.seq == old_seq) refusals_.erase(it);
  }
}

std::optional<TxStatus> TxTracker::find_refusal(const core::Hash32& tx) const {
  auto it = refusals_.find(tx);
  if (it == refusals_.end()) return std::nullopt;
  return TxStatus{tx, TxState::rejected, std::nullopt, it->second.reason};
}

std::optional<TxStatus> TxTracker::find(const core::Hash32& tx) const {
  auto it = txs_.find(tx);
  if (it == txs_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ios::protocol::client
