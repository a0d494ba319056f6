#include "node/ledger/pending_state.hpp"

#include <algorithm>
#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/merkle.hpp"

namespace ios::ledger {

namespace {

using contracts::StateChange;
using contracts::ValidatorAccount;
using core::Reject;

// Σ with overflow refused; the conservation check below runs on these sums.
struct Sum {
  chain::Amount value = 0;
  bool overflow = false;
  void add(chain::Amount a) {
    auto s = chain::add_amount(value, a);
    if (s) value = *s;
    else overflow = true;
  }
};

core::Hash32 validator_leaf(const ValidatorAccount& v) {
  core::Writer w;
  w.raw(v.key).u64(v.stake).u64(v.fees).u64(v.servi).u64(static_cast<std::uint64_t>(v.reviews)).boolean(v.slashed);
  return crypto::merkle::leaf_hash(w.view());
}

// The accounts a change touches, copied so that nothing is written before every check passed.
class Scratch {
 public:
  explicit Scratch(const contracts::LedgerView& view) : view_(view) {}
  ValidatorAccount* account(const crypto::PublicKey& key) {
    if (auto it = touched_.find(key); it != touched_.end()) return &it->second;
    const auto* base = view_.find_validator(key);
    if (base == nullptr) return nullptr;
    return &touched_.emplace(key, *base).first->second;
  }
  const std::map<crypto::PublicKey, ValidatorAccount>& touched() const { return touched_; }

 private:
  const contracts::LedgerView& view_;
  std::map<crypto::PublicKey, ValidatorAccount> touched_;
};

core::Status check_outputs(const contracts::LedgerView& view, const StateChange& c, Sum& spent_sum, Sum& created_sum) {
  std::vector<chain::OutPoint> spent = c.spent;
  std::sort(spent.begin(), spent.end());
  if (std::adjacent_find(spent.begin(), spent.end()) != spent.end())
    return core::reject(Reject::double_spend, "an outpoint spent twice in one change");
  for (const auto& op : c.spent) {
    const auto* out = view.find_output(op);
    if (out == nullptr) return core::reject(Reject::unknown_input, core::to_hex(op.tx) + ":" + std::to_string(op.index));
    spent_sum.add(out->amount);
  }
  std::vector<chain::OutPoint> created;
  for (const auto& [op, out] : c.created) {
    IOS_ASSERT(out.amount > 0);                  // contracts never create empty outputs
    IOS_ASSERT(out.asset == chain::Asset::ios);  // nor Servi outputs (Servi lives in accounts)
    // An id is never reused: a tx cannot spend its own outputs (its id hashes its inputs).
    if (view.find_output(op) != nullptr)
      return core::reject(Reject::duplicate, "output " + core::to_hex(op.tx) + ":" + std::to_string(op.index) + " exists");
    created.push_back(op);
    created_sum.add(out.amount);
  }
  std::sort(created.begin(), created.end());
  if (std::adjacent_find(created.begin(), created.end()) != created.end())
    return core::reject(Reject::duplicate, "an output created twice in one change");
  return core::Ok{};
}

core::Status check_accounts(Scratch& scratch, const StateChange& c, Sum& fee_sum) {
  auto active = [&scratch](const crypto::PublicKey& key) -> core::Result<ValidatorAccount*> {
    auto* a = scratch.account(key);
    if (a == nullptr) return core::reject(Reject::unknown_validator, core::to_hex(key));
    if (a->slashed) return core::reject(Reject::slashed, core::to_hex(key));
    return a;
  };
  for (const auto& credit : c.fee_credits) {
    auto a = active(credit.validator);
    if (!a) return a.error();
    auto fees = chain::add_amount((*a)->fees, credit.amount);
    if (!fees) return fees.error();
    (*a)->fees = *fees;
    fee_sum.add(credit.amount);
  }
  for (const auto& issue : c.servi_issued) {
    auto a = active(issue.validator);
    if (!a) return a.error();
    // Servi is a score input, not money: it saturates instead of failing.
    (*a)->servi = (*a)->servi > UINT64_MAX - issue.amount ? UINT64_MAX : (*a)->servi + issue.amount;
  }
  for (const auto& key : c.servi_cleared) {
    auto a = active(key);
    if (!a) return a.error();
    (*a)->servi = 0;
  }
  return core::Ok{};
}

core::Result<chain::Amount> check_slashes(Scratch& scratch, const StateChange& c, chain::Amount pool) {
  for (const auto& s : c.slashed) {
    auto* a = scratch.account(s.validator);
    if (a == nullptr) return core::reject(Reject::unknown_validator, core::to_hex(s.validator));
    if (a->slashed) return core::reject(Reject::slashed, "already slashed: " + core::to_hex(s.validator));
    if (a->stake != s.stake || a->fees != s.fees)
      return core::reject(Reject::bad_proof, "slash of " + core::to_hex(s.validator) + " does not match its account");
    for (auto amount : {a->stake, a->fees}) {
      auto p = chain::add_amount(pool, amount);
      if (!p) return p.error();
      pool = *p;
    }
    a->stake = 0;
    a->fees = 0;
    a->servi = 0;
    a->slashed = true;
  }
  if (c.pool_paid > pool)
    return core::reject(Reject::bad_amount, "pool holds " + std::to_string(pool) + ", asked " + std::to_string(c.pool_paid));
  return pool - c.pool_paid;
}

}  // namespace

core::Bytes utxo_entry(const chain::OutPoint& op, const chain::TxOutput& out) {
  core::Writer w;
  w.raw(op.tx).u32(op.index).raw(out.owner.bytes()).u8(static_cast<std::uint8_t>(out.asset)).u64(out.amount);
  return w.take();
}

const chain::TxOutput* PendingState::find_output(const chain::OutPoint& outpoint) const {
  if (auto it = created_.find(outpoint); it != created_.end()) return &it->second;
  if (spent_.contains(outpoint)) return nullptr;
  return base_.find_output(outpoint);
}

const contracts::ValidatorAccount* PendingState::find_validator(const crypto::PublicKey& key) const {
  if (auto it = validators_.find(key); it != validators_.end()) return &it->second;
  return base_.find_validator(key);
}

core::Status PendingState::apply(const StateChange& c) {
  // Phase 1: every check, on copies. Nothing in the overlay changes until all pass.
  Sum spent_sum, created_sum, fee_sum;
  if (auto s = check_outputs(*this, c, spent_sum, created_sum); !s) return s;
  Scratch scratch(*this);
  if (auto s = check_accounts(scratch, c, fee_sum); !s) return s;
  auto pool = check_slashes(scratch, c, pool_);
  if (!pool) return pool.error();
  // Conservation is our own invariant (contracts never create or destroy value).
  Sum in = spent_sum, out = created_sum;
  in.add(c.pool_paid);
  out.add(fee_sum.value);
  IOS_ASSERT(!in.overflow);
  IOS_ASSERT(!out.overflow);
  IOS_ASSERT(!fee_sum.overflow);
  IOS_ASSERT(in.value == out.value);

  // Phase 2: write.
  for (const auto& op : c.spent) {
    if (created_.erase(op) == 0) spent_.insert(op);
    spent_here_.insert(op);
  }
  for (const auto& [op, o] : c.created) created_.insert_or_assign(op, o);
  for (const auto& [key, account] : scratch.touched()) validators_.insert_or_assign(key, account);
  pool_ = *pool;
  return core::Ok{};
}

core::Hash32 PendingState::digest(std::uint64_t height, std::uint64_t epoch) const {
  auto utxo_hash = base_.utxo_hash_;
  for (const auto& op : spent_) utxo_hash.remove(utxo_entry(op, base_.utxos_.at(op)));
  for (const auto& [op, out] : created_) utxo_hash.add(utxo_entry(op, out));
  std::vector<core::Hash32> validator_leaves;
  for (const auto& [key, account] : base_.validators_) {
    auto changed = validators_.find(key);
    validator_leaves.push_back(validator_leaf(changed == validators_.end() ? account : changed->second));
  }
  core::Writer w;
  w.u64(height).u64(epoch).u64(pool_).raw(utxo_hash.digest()).raw(crypto::merkle::root(validator_leaves));
  return crypto::sha256({core::as_bytes("IOS/v1/ledger-state"), w.view()});
}

void PendingState::commit_into(LedgerState& base) const {
  IOS_ASSERT(&base == &base_);
  for (const auto& op : spent_) base.remove_output(op);
  for (const auto& [op, out] : created_) base.add_output(op, out);
  for (const auto& [key, account] : validators_) base.validators_.at(key) = account;
  base.pool_ = pool_;
}

}  // namespace ios::ledger
