#include "node/protocol/client/submitted_outputs.hpp"

#include <algorithm>

namespace ios::protocol::client {

void SubmittedOutputs::add(const chain::Tx& tx, core::ShardId shard, std::uint64_t final_height, std::uint64_t now_ms) {
  const auto hash = chain::tx_hash(tx);
  if (txs_.count(hash) != 0) return;  // a resubmission
  while (txs_.size() >= submitted_outputs_txs_max) erase(txs_.find(by_seq_.begin()->second));
  for (const auto& in : tx.inputs) ++spent_[in.prev];
  for (std::uint32_t i = 0; i < tx.outputs.size(); ++i) by_owner_[tx.outputs[i].owner].insert({hash, i});
  const auto seq = next_seq_++;
  txs_.emplace(hash, Entry{tx, shard, final_height, now_ms, 1, seq, {}});
  by_seq_.emplace(seq, hash);
  expiry_[shard.value].push_back(hash);
}

void SubmittedOutputs::sent_to(const core::Hash32& tx, std::uint32_t to) {
  auto it = txs_.find(tx);
  if (it == txs_.end()) return;
  auto& list = it->second.to;
  if (list.size() < submission_peers_max && std::find(list.begin(), list.end(), to) == list.end()) list.push_back(to);
}

bool SubmittedOutputs::was_sent_to(const core::Hash32& tx, std::uint32_t to) const {
  auto it = txs_.find(tx);
  return it != txs_.end() && std::find(it->second.to.begin(), it->second.to.end(), to) != it->second.to.end();
}

std::optional<std::uint32_t> SubmittedOutputs::resend_due(const core::Hash32& tx, std::uint64_t now_ms) {
  auto it = txs_.find(tx);
  if (it == txs_.end() || now_ms < it->second.sent_ms + submitted_resend_interval_ms) return std::nullopt;
  it->second.sent_ms = now_ms;
  return it->second.sends++;
}

void SubmittedOutputs::settle(const core::Hash32& tx) {
  if (auto it = txs_.find(tx); it != txs_.end()) erase(it);
}

void SubmittedOutputs::expire(core::ShardId shard, std::uint64_t final_height) {
  auto queue = expiry_.find(shard.value);
  if (queue == expiry_.end()) return;
  auto& order = queue->second;
  while (!order.empty()) {
    auto it = txs_.find(order.front());
    // Entries of one shard arrive in height order: the first one not old enough ends the run.
    if (it != txs_.end() && it->second.shard == shard && final_height <= it->second.height + submitted_outputs_blocks_max)
      break;
    order.pop_front();
    if (it != txs_.end() && it->second.shard == shard) erase(it);
  }
  if (order.empty()) expiry_.erase(queue);
}

void SubmittedOutputs::erase(std::map<core::Hash32, Entry>::iterator it) {
  for (const auto& in : it->second.tx.inputs) {
    auto s = spent_.find(in.prev);
    if (s != spent_.end() && --s->second == 0) spent_.erase(s);
  }
  const auto& outputs = it->second.tx.outputs;
  for (std::uint32_t i = 0; i < outputs.size(); ++i) {
    auto o = by_owner_.find(outputs[i].owner);
    if (o == by_owner_.end()) continue;
    o->second.erase(chain::OutPoint{it->first, i});
    if (o->second.empty()) by_owner_.erase(o);
  }
  by_seq_.erase(it->second.seq);
  txs_.erase(it);
}

std::vector<std::pair<chain::OutPoint, chain::TxOutput>> SubmittedOutputs::outputs_to(const chain::Address& owner) const {
  std::vector<std::pair<chain::OutPoint, chain::TxOutput>> out;
  auto o = by_owner_.find(owner);
  if (o == by_owner_.end()) return out;
  for (const auto& point : o->second) out.emplace_back(point, txs_.at(point.tx).tx.outputs[point.index]);
  return out;
}

const chain::TxOutput* SubmittedOutputs::View::find_output(const chain::OutPoint& o) const {
  if (pending_.spent_.count(o) != 0) return nullptr;
  if (auto it = pending_.txs_.find(o.tx); it != pending_.txs_.end() && o.index < it->second.tx.outputs.size())
    return &it->second.tx.outputs[o.index];
  return base_.find_output(o);
}

}  // namespace ios::protocol::client
