#pragma once
// Proof-of-Believability messages (whitepaper §8.2; PROTOCOLS.md §12). Every message starts
// with message_tag so a validator can run PoB and ByzCoin (tag 0xB1) over one connection.
//
//   SubmitTx          client → a believable validator (two leagues), or → every normal
//                     validator (one league, the fallback); the tx carries its own witnesses
//   TxReceipt         believable validator → client: "optimistic" with the optimistic block's
//                     header hash, or "rejected" with the reason. Signed, because an optimistic
//                     receipt is a promise clients may act on: a false one is attributable.
//   OptimisticBlock   believable validator → every normal validator (signed header, PROTOCOLS §12)
//   FraudProof        normal validator → every normal validator; self-certifying, no state needed
//
// Transactions and blocks are authenticated by their own signatures, so SubmitTx,
// OptimisticBlock and FraudProof need no envelope signature.
#include <cstdint>
#include <string>
#include <variant>

#include "node/chain/fraud_proof.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/chain/tx.hpp"
#include "node/core/result.hpp"

namespace ios::protocol::pob {

inline constexpr std::uint8_t message_tag = 0xB0;
inline constexpr std::size_t receipt_reason_bytes_max = 256;

struct SubmitTx {
  chain::Tx tx;
};

enum class ReceiptStatus : std::uint8_t { optimistic = 1, rejected = 2 };

struct TxReceipt {
  core::Hash32 tx{};
  ReceiptStatus status = ReceiptStatus::optimistic;
  core::Hash32 optimistic_block{};  // header hash; zeros when rejected
  std::string reason;               // empty when optimistic
  crypto::PublicKey producer{};
  crypto::Signature signature{};    // sign_tagged("IOS/v1/pob-receipt", chain id, receipt_body)
};

struct OptimisticBlockMsg {
  chain::OptimisticBlock block;
};

struct FraudProofMsg {
  chain::FraudProof proof;
};

using PobMessage = std::variant<SubmitTx, TxReceipt, OptimisticBlockMsg, FraudProofMsg>;

core::Bytes encode(const PobMessage& m);
core::Result<PobMessage> decode_pob_message(core::ByteView bytes);

TxReceipt make_receipt(const crypto::SigningKey& key, core::ByteView chain_id, const core::Hash32& tx,
                       ReceiptStatus status, const core::Hash32& optimistic_block, std::string reason);
bool verify_receipt(const TxReceipt& receipt, core::ByteView chain_id);

}  // namespace ios::protocol::pob
