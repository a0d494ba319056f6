#pragma once
// Servi (whitepaper §8.1): "Non-tradable", "Self-destructive: after validating a block, the
// system will automatically clear the Servi balance owned by the validator. In this way, nodes
// with high believability scores can take turns in validating blocks", "Self-issuance: Servi
// will be generated and deposited to user accounts automatically after certain contributions".
//
// Servi lives in validator accounts, never in outputs, so "non-tradable" holds by
// construction (and token.hpp refuses Asset::servi anyway). The ledger decides who earns and
// who loses it per final block (node/ledger/README.md): issue_servi for validation work,
// clear_servi for the validator that produced the block.
//
// Both refuse unknown validators (unknown_validator) and slashed ones (slashed): a convicted
// validator has lost its reputation for good and may not rebuild it.
#include <cstdint>
#include <span>

#include "contracts/state_change.hpp"
#include "node/core/result.hpp"

namespace ios::contracts {

// `amount` Servi to each listed validator (a validator listed twice earns twice).
core::Result<StateChange> issue_servi(const LedgerView& view, std::span<const crypto::PublicKey> validators,
                                      std::uint64_t amount);
core::Result<StateChange> clear_servi(const LedgerView& view, const crypto::PublicKey& holder);

}  // namespace ios::contracts
