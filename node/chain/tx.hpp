#pragma once
// UTXO transactions: whitepaper §8.1 (the IOS token pays for services and commission fees;
// Servi exists but is never transferable) and docs/PROTOCOLS.md §2 (Ed25519 signatures over
// "IOS/v1/tx" ‖ chain_id ‖ body, libsodium as the one consensus verifier).
//
// Encodings (encoding.hpp conventions, version 1):
//   signing_bytes = u8 1 ‖ u32 n_in ‖ n_in × (prev.tx 32 ‖ u32 prev.index ‖ owner_key 32)
//                   ‖ u32 n_out ‖ n_out × (owner 32 ‖ u8 asset ‖ u64 amount) ‖ u64 fee ‖ u64 nonce
//   encode        = the same, with each input followed by its 64-byte witness.
//   tx_hash       = SHA-256("IOS/v1/txid" ‖ signing_bytes)
//   witness       = sign_tagged(key, "IOS/v1/tx", chain_id, tx_hash)
//
// Invariants and the attacks they stop:
//   - The id excludes the witnesses, so nobody can change a transaction's id by re-encoding or
//     re-signing it (the malleability that let Bitcoin ids change in flight). A fraud proof,
//     which must pin the exact witness bytes, uses the full encoding instead (tx_leaf).
//   - Every witness signs the whole transaction (all inputs and outputs), so an input cannot
//     be moved into another transaction; the chain id in the signed bytes stops replay across
//     chains and forks.
//   - Decoding is canonical and bounded: at most tx_inputs_max inputs and tx_outputs_max
//     outputs, asset bytes 0 or 1 only, no truncation, no trailing bytes, version 1 only.
//   - check_tx_shape refuses the same outpoint twice in one tx (it would count its value
//     twice), zero amounts and sums that overflow; whether the inputs exist and belong to the
//     keys is the ledger's question (contracts/token.hpp).
#include <compare>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "node/chain/address.hpp"
#include "node/chain/amount.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"

namespace ios::chain {

inline constexpr std::uint8_t tx_version = 1;
inline constexpr std::size_t tx_inputs_max = 64;
inline constexpr std::size_t tx_outputs_max = 64;
// 1 + 4 + 64 × 132 + 4 + 64 × 41 + 16 = 11 097 bytes; rounded up for containers.
inline constexpr std::size_t tx_bytes_max = 16 * 1024;

enum class Asset : std::uint8_t { ios = 0, servi = 1 };  // decode refuses other values (non_canonical)

struct OutPoint {
  core::Hash32 tx{};
  std::uint32_t index = 0;

  auto operator<=>(const OutPoint&) const = default;
};

struct TxOutput {
  Address owner;
  Asset asset = Asset::ios;
  Amount amount = 0;

  bool operator==(const TxOutput&) const = default;
};

struct TxInput {
  OutPoint prev;
  crypto::PublicKey owner_key{};
  crypto::Signature witness{};

  bool operator==(const TxInput&) const = default;
};

struct Tx {
  std::vector<TxInput> inputs;
  std::vector<TxOutput> outputs;
  Amount fee = 0;
  std::uint64_t nonce = 0;

  bool operator==(const Tx&) const = default;
};

core::Bytes signing_bytes(const Tx& tx);
core::Hash32 tx_hash(const Tx& tx);
// The payer: the owner of the first input. Its address names the shard a tx belongs to
// (docs/DESIGN.md §4 "EDS"). `tx` has at least one input (check_tx_shape).
Address payer(const Tx& tx);
core::Bytes encode(const Tx& tx);
core::Result<Tx> decode_tx(core::ByteView bytes);

crypto::Signature sign_tx(const crypto::SigningKey& key, core::ByteView chain_id, const Tx& tx);
// bad_signature naming the first input whose witness does not verify ("input 3").
core::Status verify_witnesses(const Tx& tx, core::ByteView chain_id);
// The same checks as data, one per input in input order, for a verifier on another thread,
// and the verdict on its answers (what verify_witnesses returns).
std::vector<crypto::SignatureCheck> witness_checks(const Tx& tx, core::ByteView chain_id);
core::Status witness_verdict(const std::vector<bool>& valid);
// >= 1 input and output (bad_amount), counts within the limits (length_over_limit), no outpoint
// twice (double_spend), every amount > 0 (bad_amount), outputs + fee without overflow.
core::Status check_tx_shape(const Tx& tx);
// Σ outputs + fee, or amount_overflow.
core::Result<Amount> tx_output_total(const Tx& tx);

// For tests, the simulator and the CLI: input i spends inputs[i].first and is signed by
// inputs[i].second (which must not be null).
Tx make_transfer(std::vector<std::pair<OutPoint, const crypto::SigningKey*>> inputs, std::vector<TxOutput> outputs,
                 Amount fee, std::uint64_t nonce, core::ByteView chain_id);

}  // namespace ios::chain
