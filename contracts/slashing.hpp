#pragma once
// Slashing and compensation (whitepaper §8.2: "If a validator is detected as misbehaviour, it
// will lose all the tokens and reputation in the system while the defrauded users will be
// compensated for any loss"; docs/PROTOCOLS.md §12).
//
// slash(): given a fraud proof that verifies (chain/fraud_proof.hpp) and convicts `offender`,
// the offender's whole stake and unpaid fees move to the slashed pool and the account is
// marked slashed (score 0, Servi 0, never again a fee recipient or Servi earner). Refusals:
// the proof's own reason (bad_signature, bad_merkle_proof, bad_proof), bad_proof when the
// proof convicts another producer, unknown_validator, slashed (already convicted: a validator
// can lose its stake only once, and a replayed proof must not move anything).
//
// compensate(): the owners of the outputs a forged transaction spent are paid back the amount
// of each, in input order, from the slashed pool, as new outputs
// OutPoint{SHA-256("IOS/v1/compensation" ‖ forged tx hash), i} (i the input position, so ids
// are deterministic and never collide with transaction outputs or each other). Never more than
// the pool holds: when it runs dry the rest is recorded as compensation_shortfall. It does not
// claw back the forged outputs: they may have moved on to honest hands, and the pool, funded
// by the offender, bears the loss instead.
#include <span>

#include "contracts/state_change.hpp"
#include "node/chain/fraud_proof.hpp"
#include "node/core/result.hpp"

namespace ios::contracts {

core::Result<StateChange> slash(const LedgerView& view, const crypto::PublicKey& offender,
                                const chain::FraudProof& proof, core::ByteView chain_id);

chain::OutPoint compensation_outpoint(const core::Hash32& forged_tx_hash, std::uint32_t index);
// `stolen[i]` is the output spent by input i of the forged transaction.
StateChange compensate(const LedgerView& view, const core::Hash32& forged_tx_hash,
                       std::span<const chain::TxOutput> stolen);

}  // namespace ios::contracts
