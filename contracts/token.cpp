#include "contracts/token.hpp"

#include <string>

namespace ios::contracts {

namespace {

using core::Reject;

core::Status check_fee_recipient(const LedgerView& view, const crypto::PublicKey& recipient) {
  const auto* account = view.find_validator(recipient);
  if (account == nullptr) return core::reject(Reject::unknown_validator, "fee recipient " + core::to_hex(recipient));
  if (account->slashed) return core::reject(Reject::slashed, "fee recipient " + core::to_hex(recipient));
  return core::Ok{};
}

// Σ of the spent outputs, after checking each exists, belongs to its key and is IOS.
core::Result<chain::Amount> input_total(const LedgerView& view, const chain::Tx& tx) {
  chain::Amount total = 0;
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    const auto& in = tx.inputs[i];
    const auto* out = view.find_output(in.prev);
    if (out == nullptr) return core::reject(Reject::unknown_input, "input " + std::to_string(i));
    if (chain::Address::from_public_key(in.owner_key) != out->owner)
      return core::reject(Reject::wrong_owner, "input " + std::to_string(i));
    if (out->asset != chain::Asset::ios) return core::reject(Reject::servi_not_transferable, "input " + std::to_string(i));
    auto sum = chain::add_amount(total, out->amount);
    if (!sum) return sum.error();
    total = *sum;
  }
  return total;
}

}  // namespace

core::Status check_shard(const ShardScope& scope, const chain::Tx& tx) {
  if (scope.shard_count == 1) return core::Ok{};
  const auto payer = chain::payer(tx);  // check_tx_shape ran first: it has an input
  if (const auto s = payer.shard(scope.shard_count); s != scope.shard) {
    return core::reject(Reject::wrong_shard, "payer " + payer.to_string() + " lives in shard " + std::to_string(s) +
                                                 ", this is shard " + std::to_string(scope.shard));
  }
  for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
    if (const auto s = tx.outputs[i].owner.shard(scope.shard_count); s != scope.shard) {
      return core::reject(Reject::cross_shard, "output " + std::to_string(i) + " pays " + tx.outputs[i].owner.to_string() +
                                                   " of shard " + std::to_string(s) + " from shard " +
                                                   std::to_string(scope.shard) +
                                                   "; cross-shard transactions need Atomix, not built yet");
    }
  }
  return core::Ok{};
}

core::Result<StateChange> transfer(const LedgerView& view, const chain::Tx& tx, const crypto::PublicKey& fee_recipient,
                                   chain::Amount min_fee) {
  if (auto s = chain::check_tx_shape(tx); !s) return s.error();
  for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
    if (tx.outputs[i].asset != chain::Asset::ios)
      return core::reject(Reject::servi_not_transferable, "output " + std::to_string(i));
  }
  if (auto s = check_shard(view.shard_scope(), tx); !s) return s.error();
  if (tx.fee < min_fee)
    return core::reject(Reject::fee_too_low, "fee " + std::to_string(tx.fee) + " below " + std::to_string(min_fee));
  auto in = input_total(view, tx);
  if (!in) return in.error();
  auto out = chain::tx_output_total(tx);
  IOS_ASSERT(out.ok());  // check_tx_shape already summed the same values
  if (*in != *out)
    return core::reject(Reject::bad_amount, "inputs " + std::to_string(*in) + " != outputs + fee " + std::to_string(*out));
  if (auto s = check_fee_recipient(view, fee_recipient); !s) return s.error();

  StateChange change;
  const auto id = chain::tx_hash(tx);
  for (const auto& input : tx.inputs) change.spent.push_back(input.prev);
  for (std::size_t i = 0; i < tx.outputs.size(); ++i)
    change.created.emplace_back(chain::OutPoint{id, static_cast<std::uint32_t>(i)}, tx.outputs[i]);
  if (tx.fee > 0) change.fee_credits.push_back(FeeCredit{fee_recipient, tx.fee});
  return change;
}

}  // namespace ios::contracts
