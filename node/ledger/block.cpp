#include "node/ledger/block.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "contracts/servi.hpp"
#include "contracts/slashing.hpp"
#include "contracts/token.hpp"
#include "node/ledger/pending_state.hpp"

namespace ios::ledger {

namespace {

using core::Reject;
using crypto::PublicKey;

// What one block adds to a producer's epoch record.
struct RecordDelta {
  bool merged = false;
  std::uint64_t last_seq = 0;
  bool cleared = false;  // convicted: its unchecked txs were re-checked and are dropped
  std::vector<UncheckedTx> unchecked;
};

enum class Mode { apply, preview, exclusions };

struct BlockRun {
  BlockRun(const LedgerState& s, const chain::BlockBody& b, std::span<const chain::OptimisticBlock> m, chain::Amount fee,
           Mode mode_)
      : state(s), body(b), merged(m), min_fee(fee), mode(mode_), pending(s), new_epoch(b.epoch > s.epoch()) {}

  const LedgerState& state;
  const chain::BlockBody& body;
  std::span<const chain::OptimisticBlock> merged;
  chain::Amount min_fee;
  Mode mode;
  MergedBlocks merged_blocks = MergedBlocks::verify;
  PendingState pending;
  bool new_epoch;
  std::map<PublicKey, const chain::FraudProof*> convicted;
  std::map<core::Hash32, core::Error> not_applied;  // first failure of each tx hash never applied here
  std::set<core::Hash32> applied_ids;               // applied in this block
  std::map<PublicKey, RecordDelta> deltas;
  BlockOutcome outcome;

  core::ByteView chain_id() const { return state.chain_id_bytes(); }
  const ProducerEpochRecord* record(const PublicKey& key) const {
    if (new_epoch) return nullptr;
    auto it = state.epoch_records().find(key);
    return it == state.epoch_records().end() ? nullptr : &it->second;
  }
};

core::Error with_context(const core::Error& e, const std::string& where) {
  return core::reject(e.reason, where + ": " + e.detail);
}

core::Status check_active(const contracts::LedgerView& view, const PublicKey& key, const char* role) {
  const auto* account = view.find_validator(key);
  if (account == nullptr) return core::reject(Reject::unknown_validator, std::string(role) + " " + core::to_hex(key));
  if (account->slashed) return core::reject(Reject::slashed, std::string(role) + " " + core::to_hex(key));
  return core::Ok{};
}

core::Status check_header(const BlockRun& run) {
  const auto& body = run.body;
  if (body.height != run.state.height() + 1) {
    return core::reject(Reject::wrong_height, "height " + std::to_string(body.height) + ", expected " +
                                                  std::to_string(run.state.height() + 1));
  }
  if (body.epoch < run.state.epoch()) {
    return core::reject(Reject::wrong_height, "epoch " + std::to_string(body.epoch) + " before the ledger's " +
                                                  std::to_string(run.state.epoch()));
  }
  if (auto s = check_active(run.state, body.leader, "leader"); !s) return s;
  if (body.optimistic_blocks.size() != run.merged.size()) {
    return core::reject(Reject::bad_proof, std::to_string(body.optimistic_blocks.size()) + " merged hashes but " +
                                               std::to_string(run.merged.size()) + " blocks given");
  }
  for (std::size_t i = 1; i < body.excluded.size(); ++i) {
    if (!(body.excluded[i - 1] < body.excluded[i]))
      return core::reject(Reject::non_canonical, "excluded not strictly increasing at " + std::to_string(i));
  }
  return core::Ok{};
}

core::Status check_merged_block(BlockRun& run, std::size_t i) {
  const auto& block = run.merged[i];
  const auto& h = block.header;
  if (chain::header_hash(h) != run.body.optimistic_blocks[i]) return core::reject(Reject::bad_proof, "hash differs from the body's");
  if (run.merged_blocks == MergedBlocks::verify) {
    if (auto s = chain::verify_optimistic_block(block, run.chain_id()); !s) return s;
  }
  if (h.shard != run.body.shard) return core::reject(Reject::bad_proof, "shard " + std::to_string(h.shard));
  if (h.epoch != run.body.epoch) return core::reject(Reject::wrong_height, "epoch " + std::to_string(h.epoch));
  if (run.state.find_validator(h.producer) == nullptr)
    return core::reject(Reject::unknown_validator, "producer " + core::to_hex(h.producer));
  auto& delta = run.deltas[h.producer];
  const auto* record = run.record(h.producer);
  const bool seen = delta.merged || (record != nullptr && record->merged_any);
  const std::uint64_t last = delta.merged ? delta.last_seq : (record != nullptr ? record->last_seq : 0);
  if (seen && h.seq <= last)
    return core::reject(Reject::duplicate, "seq " + std::to_string(h.seq) + " after " + std::to_string(last));
  delta.merged = true;
  delta.last_seq = h.seq;
  return core::Ok{};
}

core::Status check_proof(BlockRun& run, const chain::FraudProof& proof) {
  if (auto s = chain::verify_fraud_proof(proof, run.chain_id()); !s) return s;
  if (run.mode != Mode::exclusions && proof.header.shard != run.body.shard)
    return core::reject(Reject::bad_proof, "shard " + std::to_string(proof.header.shard));
  const auto& producer = proof.header.producer;
  if (auto s = check_active(run.state, producer, "producer"); !s) return s;
  if (!run.convicted.emplace(producer, &proof).second)
    return core::reject(Reject::duplicate, "a second proof against " + core::to_hex(producer));
  return core::Ok{};
}

core::Status check_inputs(BlockRun& run) {
  if (auto s = check_header(run); !s) return s;
  for (std::size_t i = 0; i < run.merged.size(); ++i) {
    if (auto s = check_merged_block(run, i); !s) return with_context(s.error(), "optimistic block " + std::to_string(i));
  }
  for (std::size_t i = 0; i < run.body.fraud_proofs.size(); ++i) {
    if (auto s = check_proof(run, run.body.fraud_proofs[i]); !s)
      return with_context(s.error(), "fraud proof " + std::to_string(i));
  }
  return core::Ok{};
}

// An input that is gone because an earlier tx of this block spent it is a double spend, not
// an unknown input: the distinction tells a client its tx lost a race rather than never made
// sense.
core::Error explain(const BlockRun& run, const chain::Tx& tx, const core::Error& e) {
  if (e.reason != Reject::unknown_input) return e;
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    if (run.pending.spent_here(tx.inputs[i].prev))
      return core::reject(Reject::double_spend, "input " + std::to_string(i) + " spent earlier in this block");
  }
  return e;
}

// One tx: applied iff the token contract accepts it and, when `full_check`, its witnesses
// verify. Returns whether it was applied.
bool apply_tx(BlockRun& run, const chain::Tx& tx, const PublicKey& fee_recipient, bool full_check,
              std::vector<UncheckedTx>* record_into) {
  const auto id = chain::tx_hash(tx);
  // A copy of a tx this block already applied (a client resubmitted it to a second producer)
  // is simply skipped: it is neither applied again nor excluded, so "excluded" keeps meaning
  // "not applied" for everyone who reads the block.
  if (run.applied_ids.contains(id)) return false;
  auto fail = [&run, &id](const core::Error& e) {
    run.not_applied.emplace(id, e);
    return false;
  };
  if (full_check) {
    if (auto s = chain::verify_witnesses(tx, run.chain_id()); !s) return fail(s.error());
  }
  auto change = contracts::transfer(run.pending, tx, fee_recipient, run.min_fee);
  if (!change) return fail(explain(run, tx, change.error()));
  std::vector<chain::TxOutput> spent;
  if (record_into != nullptr) {
    for (const auto& op : change->spent) spent.push_back(*run.pending.find_output(op));
  }
  if (auto s = run.pending.apply(*change); !s) return fail(s.error());
  if (record_into != nullptr) record_into->push_back(UncheckedTx{tx, std::move(spent)});
  run.outcome.applied += 1;
  run.applied_ids.insert(id);
  run.not_applied.erase(id);  // an earlier copy failed (say, a bad witness set) but this one applies
  run.outcome.fees += tx.fee;  // bounded by the supply
  return true;
}

void apply_txs(BlockRun& run) {
  for (const auto& block : run.merged) {
    const auto& producer = block.header.producer;
    const auto* account = run.state.find_validator(producer);
    // A slashed or convicted producer's work is re-checked in full, and the leader's league,
    // which did that work, earns the fees.
    // One league (the fall-back): every transaction is fully verified, including those of
    // believable validators that are coming back; their blocks still show they are live.
    const bool full_check = account == nullptr || account->slashed || run.convicted.contains(producer) ||
                            run.body.mode == chain::LeagueMode::one_league;
    const PublicKey& recipient = full_check ? run.body.leader : producer;
    auto* record = full_check ? nullptr : &run.deltas[producer].unchecked;
    for (const auto& tx : block.txs) apply_tx(run, tx, recipient, full_check, record);
  }
  for (const auto& tx : run.body.direct_txs) apply_tx(run, tx, run.body.leader, true, nullptr);
}

core::Status reward(BlockRun& run) {
  std::vector<PublicKey> producers;
  for (const auto& block : run.merged) {
    const auto& p = block.header.producer;
    const auto* account = run.pending.find_validator(p);
    if (account == nullptr || account->slashed || run.convicted.contains(p)) continue;
    if (std::find(producers.begin(), producers.end(), p) == producers.end()) producers.push_back(p);
  }
  auto issued = contracts::issue_servi(run.pending, producers, 1);
  if (!issued) return issued.error();
  if (auto s = run.pending.apply(*issued); !s) return s;
  auto cleared = contracts::clear_servi(run.pending, run.body.leader);
  if (!cleared) return cleared.error();
  return run.pending.apply(*cleared);
}

core::Status compensate_unchecked(BlockRun& run, const PublicKey& producer) {
  const auto* record = run.record(producer);
  if (record == nullptr) return core::Ok{};
  for (const auto& u : record->unchecked) {
    if (chain::verify_witnesses(u.tx, run.chain_id())) continue;
    auto change = contracts::compensate(run.pending, chain::tx_hash(u.tx), u.spent);
    if (auto s = run.pending.apply(change); !s) return s;
    run.outcome.compensated_txs += 1;
    run.outcome.compensation_paid += change.pool_paid;
    auto shortfall = chain::add_amount(run.outcome.compensation_shortfall, change.compensation_shortfall);
    run.outcome.compensation_shortfall = shortfall ? *shortfall : UINT64_MAX;
  }
  return core::Ok{};
}

core::Status punish(BlockRun& run) {
  for (const auto& [producer, proof] : run.convicted) {
    auto change = contracts::slash(run.pending, producer, *proof, run.chain_id());
    if (!change) return change.error();
    if (auto s = run.pending.apply(*change); !s) return s;
    if (auto s = compensate_unchecked(run, producer); !s) return s;
    run.deltas[producer].cleared = true;
    run.outcome.slashed.push_back(producer);
  }
  return core::Ok{};
}

core::Status check_excluded(const BlockRun& run) {
  const auto& listed = run.body.excluded;
  const auto& computed = run.outcome.excluded;
  if (listed == computed) return core::Ok{};
  std::vector<core::Hash32> extra, missing;
  std::set_difference(listed.begin(), listed.end(), computed.begin(), computed.end(), std::back_inserter(extra));
  std::set_difference(computed.begin(), computed.end(), listed.begin(), listed.end(), std::back_inserter(missing));
  if (!missing.empty()) return with_context(run.not_applied.at(missing.front()), "tx " + core::to_hex(missing.front()) + " not excluded");
  return core::reject(Reject::bad_proof, "excluded tx " + core::to_hex(extra.front()) + " applies");
}

core::Status run_block(BlockRun& run) {
  if (auto s = check_inputs(run); !s) return s;
  apply_txs(run);
  if (auto s = reward(run); !s) return s;
  if (auto s = punish(run); !s) return s;
  for (const auto& [id, error] : run.not_applied) run.outcome.excluded.push_back(id);
  run.outcome.state_digest = run.pending.digest(run.body.height, run.body.epoch);
  if (run.mode != Mode::apply) return core::Ok{};
  if (auto s = check_excluded(run); !s) return s;
  if (run.outcome.state_digest != run.body.state_digest) return core::reject(Reject::bad_proof, "state digest differs");
  return core::Ok{};
}

}  // namespace

// Writes a validated block into the ledger (a friend of LedgerState).
class BlockCommit {
 public:
  static void commit(LedgerState& state, BlockRun& run) {
    run.pending.commit_into(state);
    if (run.new_epoch) state.epoch_records_.clear();
    for (auto& [key, delta] : run.deltas) {
      auto& record = state.epoch_records_[key];
      if (delta.merged) {
        record.merged_any = true;
        record.last_seq = delta.last_seq;
      }
      if (delta.cleared) record.unchecked.clear();
      for (auto& u : delta.unchecked) record.unchecked.push_back(std::move(u));
      // The re-check window is bounded: the oldest unchecked txs are forgotten first.
      while (record.unchecked.size() > unchecked_txs_per_producer_max) record.unchecked.pop_front();
    }
    state.height_ = run.body.height;
    state.epoch_ = run.body.epoch;
  }
};

core::Result<BlockOutcome> apply_block(LedgerState& state, const chain::BlockBody& body,
                                       std::span<const chain::OptimisticBlock> merged, chain::Amount min_fee,
                                       MergedBlocks merged_blocks) {
  BlockRun run(state, body, merged, min_fee, Mode::apply);
  run.merged_blocks = merged_blocks;
  if (auto s = run_block(run); !s) return s.error();
  BlockCommit::commit(state, run);
  return std::move(run.outcome);
}

core::Result<BlockOutcome> preview_block(const LedgerState& state, const chain::BlockBody& body,
                                         std::span<const chain::OptimisticBlock> merged, chain::Amount min_fee,
                                         MergedBlocks merged_blocks) {
  BlockRun run(state, body, merged, min_fee, Mode::preview);
  run.merged_blocks = merged_blocks;
  if (auto s = run_block(run); !s) return s.error();
  return std::move(run.outcome);
}

std::vector<core::Hash32> conflicting_txs(const LedgerState& state, std::span<const chain::OptimisticBlock> merged,
                                          std::span<const chain::Tx> direct, std::span<const chain::FraudProof> proofs,
                                          chain::Amount min_fee) {
  chain::BlockBody body;
  body.epoch = merged.empty() ? state.epoch() : merged.front().header.epoch;
  body.shard = merged.empty() ? 0 : merged.front().header.shard;
  body.direct_txs.assign(direct.begin(), direct.end());
  // Which validator earns the fees does not change which txs apply (fees are not outputs), so
  // any active validator stands in for the leader here.
  for (const auto& [key, account] : state.validators()) {
    if (!account.slashed) {
      body.leader = key;
      break;
    }
  }
  BlockRun run(state, body, merged, min_fee, Mode::exclusions);
  for (const auto& proof : proofs) {
    auto s = check_proof(run, proof);
    (void)s;  // ignored: see block.hpp
  }
  apply_txs(run);
  std::vector<core::Hash32> out;
  for (const auto& [id, error] : run.not_applied) out.push_back(id);
  return out;
}

}  // namespace ios::ledger
