#pragma once
// The IOS token contract (whitepaper §8.1): "the medium of exchange for all transactions and
// commission fees"; Servi is "non-tradable ... can not be traded or exchanged in any way".
//
// transfer() checks, in this order, and returns the first failure:
//   shape (chain::check_tx_shape: inputs and outputs present, no outpoint twice, no zero
//   amount, no overflow); any Servi output (servi_not_transferable); the payer and every payee
//   in the ledger's shard (wrong_shard, cross_shard: check_shard); fee >= min_fee
//   (fee_too_low); every input unspent (unknown_input); Address::from_public_key(owner_key)
//   equal to the spent output's owner (wrong_owner); any Servi input (servi_not_transferable);
//   Σ inputs == Σ outputs + fee (bad_amount); the fee recipient a known (unknown_validator),
//   unslashed (slashed) validator.
// It does NOT verify witnesses: the caller decides between full verification (direct
// transactions, re-checks after fraud) and PoB sampling (optimistic blocks).
//
// Created outputs are OutPoint{tx_hash(tx), i}; the fee goes to `fee_recipient`: "fees to
// the validators that did the work" (the believable producer of the optimistic block, or the
// ByzCoin leader for direct transactions).
//
// Attacks this stops: spending someone else's output with one's own valid signature
// (wrong_owner: the witness only proves knowledge of the key named in the input), minting by
// outputs above inputs (bad_amount), wrap-around sums (amount_overflow), and Servi moved
// between holders, which would let believability be bought.
#include "contracts/state_change.hpp"
#include "node/chain/tx.hpp"
#include "node/core/result.hpp"

namespace ios::contracts {

// The payer (the first input's owner) must live in the ledger's shard (wrong_shard: the tx was
// sent to the wrong shard), and so must every payee (cross_shard: a payment into another shard
// needs Atomix, not built yet). Without the second rule shard A would create an output owned
// by an address of shard B — a coin no shard can ever spend, lost for good.
core::Status check_shard(const ShardScope& scope, const chain::Tx& tx);

core::Result<StateChange> transfer(const LedgerView& view, const chain::Tx& tx, const crypto::PublicKey& fee_recipient,
                                   chain::Amount min_fee);

}  // namespace ios::contracts
