#include "contracts/slashing.hpp"

#include <algorithm>

#include "node/crypto/hash.hpp"

namespace ios::contracts {

core::Result<StateChange> slash(const LedgerView& view, const crypto::PublicKey& offender,
                                const chain::FraudProof& proof, core::ByteView chain_id) {
  if (auto s = chain::verify_fraud_proof(proof, chain_id); !s) return s.error();
  if (proof.header.producer != offender)
    return core::reject(core::Reject::bad_proof, "the proof convicts " + core::to_hex(proof.header.producer));
  const auto* account = view.find_validator(offender);
  if (account == nullptr) return core::reject(core::Reject::unknown_validator, core::to_hex(offender));
  if (account->slashed) return core::reject(core::Reject::slashed, "already slashed: " + core::to_hex(offender));
  StateChange change;
  change.slashed.push_back(Slash{offender, account->stake, account->fees});
  return change;
}

chain::OutPoint compensation_outpoint(const core::Hash32& forged_tx_hash, std::uint32_t index) {
  return chain::OutPoint{crypto::sha256({core::as_bytes("IOS/v1/compensation"), forged_tx_hash}), index};
}

StateChange compensate(const LedgerView& view, const core::Hash32& forged_tx_hash,
                       std::span<const chain::TxOutput> stolen) {
  StateChange change;
  chain::Amount pool = view.slashed_pool();
  for (std::size_t i = 0; i < stolen.size(); ++i) {
    IOS_ASSERT(stolen[i].asset == chain::Asset::ios);  // token.hpp never lets a Servi output be spent
    const chain::Amount pay = std::min(pool, stolen[i].amount);
    pool -= pay;
    change.pool_paid += pay;
    auto shortfall = chain::add_amount(change.compensation_shortfall, stolen[i].amount - pay);
    change.compensation_shortfall = shortfall ? *shortfall : UINT64_MAX;
    if (pay == 0) continue;  // outputs are never zero
    change.created.emplace_back(compensation_outpoint(forged_tx_hash, static_cast<std::uint32_t>(i)),
                                chain::TxOutput{stolen[i].owner, chain::Asset::ios, pay});
  }
  return change;
}

}  // namespace ios::contracts
