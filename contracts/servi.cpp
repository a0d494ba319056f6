#include "contracts/servi.hpp"

namespace ios::contracts {

namespace {

core::Status check_active(const LedgerView& view, const crypto::PublicKey& key) {
  const auto* account = view.find_validator(key);
  if (account == nullptr) return core::reject(core::Reject::unknown_validator, core::to_hex(key));
  if (account->slashed) return core::reject(core::Reject::slashed, core::to_hex(key));
  return core::Ok{};
}

}  // namespace

core::Result<StateChange> issue_servi(const LedgerView& view, std::span<const crypto::PublicKey> validators,
                                      std::uint64_t amount) {
  StateChange change;
  for (const auto& key : validators) {
    if (auto s = check_active(view, key); !s) return s.error();
    change.servi_issued.push_back(ServiIssue{key, amount});
  }
  return change;
}

core::Result<StateChange> clear_servi(const LedgerView& view, const crypto::PublicKey& holder) {
  if (auto s = check_active(view, holder); !s) return s.error();
  StateChange change;
  change.servi_cleared.push_back(holder);
  return change;
}

}  // namespace ios::contracts
