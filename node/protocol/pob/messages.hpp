#pragma once
// Proof-of-Believability messages (whitepaper §8.2; docs/PROTOCOLS.md §12). Every message starts
// with message_tag so a validator can run PoB and ByzCoin (tag 0xB1) over one connection.
//
//   SubmitTx          client → a believable validator (two leagues), or → every normal
//                     validator (one league, the fallback); the tx carries its own witnesses
//   TxReceipt         believable validator → client: "optimistic" with the optimistic block's
//                     header hash, or "rejected" with the reason. Signed, because an optimistic
//                     receipt is a promise clients may act on: a false one is attributable.
//   OptimisticBlock   believable validator → every normal validator (signed header, PROTOCOLS §12)
//   FraudProof        normal validator → every normal validator; self-certifying, no state needed
//   HandoverRequest   a validator joining the shard (TransEpoch) → a host of the segment that
//                     ended the previous epoch: "your last block and the state after it"
//   Handover          the answer: that final block and ledger::encode_snapshot of the state.
//                     Checked by the joiner, not trusted: the block's finality under the
//                     segment's roster, then the snapshot's digest against the block's
//                     (node/protocol/pob/handover.hpp)
//
// Transactions and blocks are authenticated by their own signatures, so SubmitTx,
// OptimisticBlock and FraudProof need no envelope signature.
#include <cstdint>
#include <string>
#include <variant>

#include "node/chain/finality.hpp"
#include "node/chain/fraud_proof.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/chain/tx.hpp"
#include "node/core/result.hpp"
#include "node/protocol/pob/shard_setup.hpp"

namespace ios::protocol::pob {

inline constexpr std::uint8_t message_tag = 0xB0;
inline constexpr std::size_t receipt_reason_bytes_max = 256;

struct SubmitTx {
  chain::Tx tx;
};

enum class ReceiptStatus : std::uint8_t { optimistic = 1, rejected = 2 };

struct TxReceipt {
  core::Hash32 tx{};
  std::uint32_t shard = 0;  // bound into the signature with the chain id: a receipt of one
  std::uint64_t epoch = 0;  // shard or epoch is never believed in another (docs/security.md "Forged receipts")
  ReceiptStatus status = ReceiptStatus::optimistic;
  core::Hash32 optimistic_block{};  // header hash; zeros when rejected
  std::string reason;               // empty when optimistic
  crypto::PublicKey producer{};
  crypto::Signature signature{};  // sign_tagged("IOS/v1/pob-receipt", chain id, receipt_body)
};

struct OptimisticBlockMsg {
  chain::OptimisticBlock block;
};

struct FraudProofMsg {
  chain::FraudProof proof;
};

struct HandoverRequest {};

struct Handover {
  chain::FinalizedBlock last;  // the segment's last final block
  core::Bytes snapshot;        // ledger::encode_snapshot of the state after it
};

using PobMessage = std::variant<SubmitTx, TxReceipt, OptimisticBlockMsg, FraudProofMsg, HandoverRequest, Handover>;

core::Bytes encode(const PobMessage& m);
core::Result<PobMessage> decode_pob_message(core::ByteView bytes);

TxReceipt make_receipt(const crypto::SigningKey& key, core::ByteView chain_id, std::uint32_t shard, std::uint64_t epoch,
                       const core::Hash32& tx, ReceiptStatus status, const core::Hash32& optimistic_block,
                       std::string reason);
// The signature alone, under `chain_id` (shard and epoch are in the signed body). Whether the
// signer may vouch for anything is the caller's question: check_receipt.
bool verify_receipt(const TxReceipt& receipt, core::ByteView chain_id);
// The same check as data, for a Verify effect (docs/STYLE.md rule 7).
crypto::SignatureCheck receipt_check(const TxReceipt& receipt, core::ByteView chain_id);
// Whether `message` says it is a receipt (tag, version, kind), without decoding the rest: the
// client door takes receipts out of the shard's traffic without decoding every block twice.
bool is_receipt(core::ByteView message);

// A receipt a client may believe (docs/security.md "Forged receipts": a forged receipt made `ios tx
// send --wait final` report "rejected" for a tx final on every node). Checked in this order,
// cheapest first, so a flood of junk costs no signature check:
//   wrong_height   — not for this setup's shard and epoch;
//   not_in_roster  — the producer is not a believable validator of this shard and epoch, or
//                    the receipt did not come from the producer itself (`from`, the NodeId the
//                    authenticated transport names) — a validator of another league cannot
//                    speak for a believable one;
//   bad_signature  — verify_receipt fails.
// `check_signature = false` skips the last step for callers that verify it elsewhere (the client
// door asks for it as a Verify effect, receipt_check).
core::Status check_receipt(const ShardSetup& setup, NodeId from, const TxReceipt& receipt, bool check_signature = true);

}  // namespace ios::protocol::pob
