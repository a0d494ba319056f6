#include "node/protocol/pob/shard_ledger.hpp"

#include <algorithm>
#include <cstdio>

namespace ios::protocol::pob {

ShardLedger::ShardLedger(std::shared_ptr<const ShardSetup> setup)
    : setup_(std::move(setup)), state_(ledger::LedgerState::from_genesis_shard(setup_->genesis, setup_->shard)) {
  genesis_supply_ = state_.total_supply();
  for (auto i : setup_->believable) last_merged_height_[setup_->signing_key(i)] = 0;
}

ShardLedger::ShardLedger(std::shared_ptr<const ShardSetup> setup, ledger::LedgerState state)
    : setup_(std::move(setup)), state_(std::move(state)) {
  IOS_ASSERT(state_.shard_scope().shard == setup_->shard);
  IOS_ASSERT(state_.epoch() == setup_->epoch);
  genesis_supply_ = state_.total_supply();
  next_height_ = first_height_ = state_.height();
  for (auto i : setup_->believable) last_merged_height_[setup_->signing_key(i)] = next_height_;
}

bool ShardLedger::ended() const {
  if (setup_->last_step) return setup_->opens_next_epoch() && state_.epoch() > setup_->epoch;
  return next_height_ >= first_height_ + setup_->step_blocks;
}

core::Result<ProposedBlock> ShardLedger::empty_block(std::uint64_t epoch, const crypto::PublicKey& leader,
                                                     TimeMs now_ms) const {
  ProposedBlock p;
  p.body.shard = setup_->shard;
  p.body.epoch = epoch;
  p.body.height = next_height_ + 1;
  p.body.mode = next_mode();
  p.body.leader = leader;
  p.body.time_ms = now_ms;
  return complete(std::move(p));  // refused only for a slashed leader, as any body of its
}

core::Result<ProposedBlock> ShardLedger::opening_block(const crypto::PublicKey& leader, TimeMs now_ms) const {
  IOS_ASSERT(setup_->opens_next_epoch());
  return empty_block(setup_->epoch + 1, leader, now_ms);
}

AppliedBlock ShardLedger::apply(const chain::FinalizedBlock& block) {
  IOS_ASSERT(block.height == next_height_);
  auto proposal = decode_proposed_block(block.body);
  IOS_ASSERT(proposal.ok());
  AppliedBlock out;
  out.height = block.height;
  out.hash = block.hash();
  out.block = std::move(*proposal);
  // Under a finality proof: the league verified every merged block before signing.
  auto outcome = ledger::apply_block(state_, out.block.body, out.block.merged, setup_->policy().min_fee,
                                     ledger::MergedBlocks::verified);
  if (!outcome) {
    std::fprintf(stderr, "ios: finalized block %llu does not apply: %s\n", static_cast<unsigned long long>(block.height),
                 outcome.error().message().c_str());
  }
  IOS_ASSERT(outcome.ok());
  out.outcome = std::move(*outcome);
  compensation_paid_ += out.outcome.compensation_paid;
  const auto& excluded = out.outcome.excluded;
  auto note = [&](const chain::Tx& tx) {
    const auto h = chain::tx_hash(tx);
    out.done.push_back(h);
    if (!std::binary_search(excluded.begin(), excluded.end(), h)) out.applied.push_back(h);
  };
  for (const auto& m : out.block.merged) {
    last_merged_height_[m.header.producer] = next_height_ + 1;
    for (const auto& tx : m.txs) note(tx);
  }
  for (const auto& tx : out.block.body.direct_txs) note(tx);
  ++next_height_;
  return out;
}

core::Result<ledger::BlockOutcome> ShardLedger::check(const ProposedBlock& proposal) const {
  const auto& body = proposal.body;
  // The block that opens the next epoch: the last step's, and empty (epoch e's producers have
  // nothing to merge into e + 1, and a direct tx can wait one block for the next roster).
  const bool opening = setup_->opens_next_epoch() && body.epoch == setup_->epoch + 1 &&
                       body.optimistic_blocks.empty() && body.direct_txs.empty() && body.fraud_proofs.empty();
  if (body.shard != setup_->shard || (body.epoch != setup_->epoch && !opening)) {
    return core::reject(core::Reject::wrong_shard,
                        "body of shard " + std::to_string(body.shard) + " epoch " + std::to_string(body.epoch));
  }
  if (body.height != next_height_ + 1) {
    return core::reject(core::Reject::wrong_height, "body height " + std::to_string(body.height));
  }
  if (body.mode != next_mode()) return core::reject(core::Reject::bad_proof, "league mode disagrees with the chain");
  // apply_block on a copy would cost the whole UTXO set; preview_block checks every rule on an
  // overlay, and the two fields it fills in must equal what the leader wrote.
  // NormalPool::check put every merged block through verify_optimistic_block (add_block).
  auto outcome = ledger::preview_block(state_, body, proposal.merged, setup_->policy().min_fee,
                                       ledger::MergedBlocks::verified);
  if (!outcome) return outcome.error();
  if (outcome->excluded != body.excluded) return core::reject(core::Reject::bad_proof, "excluded list disagrees");
  if (outcome->state_digest != body.state_digest) return core::reject(core::Reject::bad_proof, "state digest disagrees");
  return outcome;
}

core::Result<ProposedBlock> ShardLedger::complete(ProposedBlock proposal) const {
  // The leader's own pool verified every block it merges.
  auto outcome = ledger::preview_block(state_, proposal.body, proposal.merged, setup_->policy().min_fee,
                                       ledger::MergedBlocks::verified);
  if (!outcome) return outcome.error();
  proposal.body.excluded = outcome->excluded;
  proposal.body.state_digest = outcome->state_digest;
  return proposal;
}

bool ShardLedger::is_slashed(const crypto::PublicKey& key) const {
  const auto* v = state_.find_validator(key);
  return v != nullptr && v->slashed;
}

bool ShardLedger::is_live(std::uint32_t validator_index) const {
  const auto& key = setup_->signing_key(validator_index);
  auto it = last_merged_height_.find(key);
  if (it == last_merged_height_.end() || is_slashed(key)) return false;
  return next_height_ <= it->second + believable_liveness_blocks;
}

std::vector<std::uint32_t> ShardLedger::live_believable() const {
  std::vector<std::uint32_t> out;
  for (auto i : setup_->believable) {
    if (is_live(i)) out.push_back(i);
  }
  return out;
}

std::vector<NodeId> ShardLedger::submission_route(const chain::Address& payer, std::uint32_t attempt) const {
  const auto live = live_believable();
  if (next_mode() == chain::LeagueMode::one_league || live.empty()) return {setup_->normal.begin(), setup_->normal.end()};
  std::uint64_t h = 0;
  for (std::size_t b = 0; b < 8; ++b) h = h << 8 | payer.bytes()[b];
  return {live[(h + attempt) % live.size()]};
}

chain::LeagueMode ShardLedger::next_mode() const {
  return live_believable().size() >= setup_->policy().believable_min ? chain::LeagueMode::two_leagues
                                                                      : chain::LeagueMode::one_league;
}

std::optional<std::uint64_t> ShardLedger::last_merged_seq(const crypto::PublicKey& producer) const {
  const auto& records = state_.epoch_records();
  auto it = records.find(producer);
  if (it == records.end() || !it->second.merged_any) return std::nullopt;
  return it->second.last_seq;
}

}  // namespace ios::protocol::pob
