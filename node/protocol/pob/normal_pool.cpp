#include "node/protocol/pob/normal_pool.hpp"

#include "contracts/token.hpp"

namespace ios::protocol::pob {

NormalPool::NormalPool(const ShardLedger& ledger, const crypto::VrfSecretKey& vrf_key)
    : ledger_(ledger), sampler_(vrf_key, ledger.setup().policy().sample_rate) {}

bool NormalPool::full_check_needed(const crypto::PublicKey& producer) const {
  // The ledger itself re-verifies every witness of these (one league, or a slashed producer),
  // so sampling them would only repeat its work.
  return ledger_.next_mode() == chain::LeagueMode::one_league || ledger_.is_slashed(producer);
}

std::optional<chain::FraudProof> NormalPool::sample(const chain::OptimisticBlock& block) {
  // Nothing to sample in a heartbeat; skipping it saves a VRF evaluation per idle block.
  if (block.txs.empty() || full_check_needed(block.header.producer)) return std::nullopt;
  const auto seed = sampler_.seed_for(chain::header_hash(block.header));
  for (auto j : sampler_.sampled_indices(seed, static_cast<std::uint32_t>(block.txs.size()))) {
    ++txs_sampled_;
    if (!chain::verify_witnesses(block.txs[j], ledger_.setup().chain_id)) {
      ++frauds_found_;
      return chain::make_fraud_proof(block, j);
    }
  }
  return std::nullopt;
}

core::Result<std::optional<chain::FraudProof>> NormalPool::add_block(const chain::OptimisticBlock& block, TimeMs now_ms) {
  const auto& producer = block.header.producer;
  const auto index = ledger_.setup().index_of(producer);
  if (!index || !ledger_.setup().is_believable(*index)) {
    return core::reject(core::Reject::not_in_roster, "producer is not in the believable league");
  }
  // A believable validator of this shard signs blocks of this shard and epoch only; a block it
  // signed for another (shard, epoch) is not ours to merge (docs/security.md "Consensus
  // signatures replayed across shards or epochs").
  if (block.header.shard != ledger_.setup().shard || block.header.epoch != ledger_.setup().epoch) {
    return core::reject(core::Reject::wrong_shard, "block of shard " + std::to_string(block.header.shard) + " epoch " +
                                                       std::to_string(block.header.epoch));
  }
  const auto last = ledger_.last_merged_seq(producer);
  if (last && block.header.seq <= *last) return core::reject(core::Reject::duplicate, "already merged");
  const auto hash = chain::header_hash(block.header);
  if (blocks_.count(hash) != 0) return core::reject(core::Reject::duplicate, "already pooled");
  if (blocks_.size() >= pooled_blocks_max) return core::reject(core::Reject::length_over_limit, "block pool full");
  if (auto s = chain::verify_optimistic_block(block, ledger_.setup().chain_id); !s) return s.error();
  auto& seqs = by_producer_[producer];
  if (seqs.count(block.header.seq) != 0) {
    // Two signed headers with one seq: the producer equivocated. Keep the first; the normal
    // league merges at most one block per seq (the ledger refuses a repeated seq).
    return core::reject(core::Reject::equivocation, "second block for seq " + std::to_string(block.header.seq));
  }
  auto fraud = sample(block);
  if (fraud) {
    fraud_proofs_.emplace(producer, *fraud);
    found_.push_back(*fraud);
  }
  seqs[block.header.seq] = hash;
  blocks_.emplace(hash, Pooled{block, now_ms, fraud});
  return fraud;
}

bool NormalPool::add_fraud_proof(const chain::FraudProof& proof) {
  const auto& producer = proof.header.producer;
  if (fraud_proofs_.count(producer) != 0 || ledger_.is_slashed(producer)) return false;
  if (!chain::verify_fraud_proof(proof, ledger_.setup().chain_id)) return false;
  fraud_proofs_.emplace(producer, proof);
  return true;
}

core::Status NormalPool::add_direct(const chain::Tx& tx) {
  const auto hash = chain::tx_hash(tx);
  if (mempool_.count(hash) != 0) return core::reject(core::Reject::duplicate, "already in the mempool");
  if (mempool_.size() >= mempool_tx_count_max) return core::reject(core::Reject::length_over_limit, "mempool full");
  const auto& policy = ledger_.setup().policy();
  // The fee recipient must be a known validator; which one does not change whether the tx
  // applies (the leader that includes it earns the fee).
  const auto& any_validator = ledger_.setup().signing_key(ledger_.setup().normal.front());
  auto change = contracts::transfer(ledger_.state(), tx, any_validator, policy.min_fee);
  if (!change) return change.error();
  if (auto s = chain::verify_witnesses(tx, ledger_.setup().chain_id); !s) return s;
  mempool_.emplace(hash, tx);
  return core::Ok{};
}

std::optional<ProposedBlock> NormalPool::propose(const crypto::PublicKey& leader, TimeMs now_ms) {
  ProposedBlock p;
  auto& body = p.body;
  body.shard = ledger_.setup().shard;
  body.epoch = ledger_.setup().epoch;
  body.height = ledger_.height() + 1;
  body.mode = ledger_.next_mode();
  body.leader = leader;
  body.time_ms = now_ms;
  for (const auto& [producer, proof] : fraud_proofs_) {
    if (body.fraud_proofs.size() < chain::block_fraud_proofs_max && !ledger_.is_slashed(producer)) {
      body.fraud_proofs.push_back(proof);
    }
  }
  // Round-robin over the league, each producer's blocks in seq order, so no producer starves.
  const TimeMs gap_wait_ms = gap_wait_blocks * ledger_.setup().policy().block_interval_ms;
  std::size_t txs = 0;
  struct Cursor {
    std::map<std::uint64_t, core::Hash32>::const_iterator it, end;
    std::uint64_t expected = 0;
  };
  std::map<crypto::PublicKey, Cursor> next;
  for (auto i : ledger_.setup().believable) {
    const auto& key = ledger_.setup().signing_key(i);
    auto it = by_producer_.find(key);
    if (it == by_producer_.end()) continue;
    const auto last = ledger_.last_merged_seq(key);
    next[key] = Cursor{last ? it->second.upper_bound(*last) : it->second.begin(), it->second.end(), last ? *last + 1 : 0};
  }
  for (bool progress = true; progress;) {
    progress = false;
    for (auto i : ledger_.setup().believable) {
      auto n = next.find(ledger_.setup().signing_key(i));
      if (n == next.end() || n->second.it == n->second.end) continue;
      auto& cursor = n->second;
      const auto& pooled = blocks_.at(cursor.it->second);
      const auto& block = pooled.block;
      if (block.header.seq != cursor.expected && now_ms < pooled.arrived_ms + gap_wait_ms) continue;
      if (body.optimistic_blocks.size() >= chain::block_optimistic_blocks_max) break;
      if (txs + block.txs.size() > proposal_tx_count_max && txs > 0) break;
      txs += block.txs.size();
      body.optimistic_blocks.push_back(cursor.it->second);
      p.merged.push_back(block);
      cursor.expected = block.header.seq + 1;
      ++cursor.it;
      progress = true;
    }
  }
  for (const auto& [hash, tx] : mempool_) {
    if (txs >= proposal_tx_count_max || body.direct_txs.size() >= chain::block_direct_txs_max) break;
    body.direct_txs.push_back(tx);
    ++txs;
  }
  auto completed = ledger_.complete(p);
  if (completed) return std::move(*completed);
  // A pooled item the ledger refuses (it should not happen: everything was checked on entry)
  // must not stall the chain: fall back to a heartbeat block.
  auto heartbeat = ledger_.empty_block(body.epoch, leader, now_ms);
  if (!heartbeat) return std::nullopt;
  return std::move(*heartbeat);
}

core::Status NormalPool::check(const ProposedBlock& proposal, TimeMs now_ms) {
  std::set<crypto::PublicKey> convicted;
  for (const auto& f : proposal.body.fraud_proofs) convicted.insert(f.header.producer);
  for (const auto& block : proposal.merged) {
    const auto hash = chain::header_hash(block.header);
    auto it = blocks_.find(hash);
    std::optional<chain::FraudProof> fraud;
    if (it != blocks_.end()) {
      fraud = it->second.fraud;
    } else {
      auto added = add_block(block, now_ms);
      if (!added) return added.error();
      fraud = *added;
    }
    if (fraud && convicted.count(block.header.producer) == 0 && !ledger_.is_slashed(block.header.producer)) {
      return core::reject(core::Reject::fraud, "merges a forged tx of a producer it does not convict");
    }
  }
  auto outcome = ledger_.check(proposal);
  if (!outcome) return outcome.error();
  return core::Ok{};
}

void NormalPool::on_final(const AppliedBlock& applied) {
  for (const auto& m : applied.block.merged) {
    const auto hash = chain::header_hash(m.header);
    blocks_.erase(hash);
    auto& seqs = by_producer_[m.header.producer];
    // Everything up to the merged seq is obsolete: the ledger refuses lower seqs from now on.
    seqs.erase(seqs.begin(), seqs.upper_bound(m.header.seq));
  }
  for (const auto& h : applied.done) mempool_.erase(h);
  for (auto it = fraud_proofs_.begin(); it != fraud_proofs_.end();) {
    it = ledger_.is_slashed(it->first) ? fraud_proofs_.erase(it) : std::next(it);
  }
  // Blocks whose seq fell below the merged one were erased from by_producer_; drop their bodies.
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    const auto& h = it->second.block.header;
    const auto last = ledger_.last_merged_seq(h.producer);
    it = (last && h.seq <= *last) ? blocks_.erase(it) : std::next(it);
  }
  // Direct txs that no longer apply (an input spent by another tx) would be excluded forever.
  for (auto it = mempool_.begin(); it != mempool_.end();) {
    bool spendable = true;
    for (const auto& in : it->second.inputs) spendable = spendable && ledger_.state().find_output(in.prev) != nullptr;
    it = spendable ? std::next(it) : mempool_.erase(it);
  }
}

}  // namespace ios::protocol::pob
