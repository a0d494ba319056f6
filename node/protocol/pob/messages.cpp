#include "node/protocol/pob/messages.hpp"

#include "node/core/encoding.hpp"

namespace ios::protocol::pob {
namespace {

constexpr std::uint8_t pob_version = 1;
constexpr std::string_view receipt_tag = "IOS/v1/pob-receipt";

enum class Kind : std::uint8_t { submit_tx = 1, receipt, optimistic_block, fraud_proof, handover_request, handover };

core::Bytes receipt_body(const TxReceipt& r) {
  core::Writer w;
  w.raw(r.tx)
      .u32(r.shard)
      .u64(r.epoch)
      .u8(static_cast<std::uint8_t>(r.status))
      .raw(r.optimistic_block)
      .str(r.reason)
      .raw(r.producer);
  return w.take();
}

// Nested values (tx, block, proof) are length-prefixed and decoded by their own decoders, so
// each keeps its own limits and canonical checks.
template <class T, class F>
core::Result<PobMessage> nested(core::Reader& r, std::size_t len_max, F&& decode) {
  auto bytes = r.bytes(len_max);
  if (auto s = r.finish(); !s) return s.error();
  auto v = decode(bytes);
  if (!v) return v.error();
  return PobMessage{T{std::move(*v)}};
}

}  // namespace

core::Bytes encode(const PobMessage& m) {
  core::Writer w;
  w.u8(message_tag).u8(pob_version);
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, SubmitTx>) {
          w.u8(static_cast<std::uint8_t>(Kind::submit_tx)).bytes(chain::encode(v.tx));
        } else if constexpr (std::is_same_v<T, TxReceipt>) {
          w.u8(static_cast<std::uint8_t>(Kind::receipt)).raw(receipt_body(v)).raw(v.signature);
        } else if constexpr (std::is_same_v<T, OptimisticBlockMsg>) {
          w.u8(static_cast<std::uint8_t>(Kind::optimistic_block)).bytes(chain::encode(v.block));
        } else if constexpr (std::is_same_v<T, HandoverRequest>) {
          w.u8(static_cast<std::uint8_t>(Kind::handover_request));
        } else if constexpr (std::is_same_v<T, Handover>) {
          w.u8(static_cast<std::uint8_t>(Kind::handover)).bytes(chain::encode(v.last)).bytes(v.snapshot);
        } else {
          w.u8(static_cast<std::uint8_t>(Kind::fraud_proof)).bytes(chain::encode(v.proof));
        }
      },
      m);
  return w.take();
}

core::Result<PobMessage> decode_pob_message(core::ByteView bytes) {
  core::Reader r(bytes);
  if (r.u8() != message_tag && !r.failed()) return core::reject(core::Reject::non_canonical, "not a PoB message");
  r.version(pob_version);
  const auto kind = static_cast<Kind>(r.u8());
  if (r.failed()) return r.finish().error();
  switch (kind) {
    case Kind::submit_tx:
      return nested<SubmitTx>(r, chain::tx_bytes_max, chain::decode_tx);
    case Kind::optimistic_block:
      return nested<OptimisticBlockMsg>(r, core::encoded_bytes_len_max, chain::decode_optimistic_block);
    case Kind::fraud_proof:
      return nested<FraudProofMsg>(r, chain::tx_bytes_max * 2, chain::decode_fraud_proof);
    case Kind::handover_request:
      if (auto s = r.finish(); !s) return s.error();
      return PobMessage{HandoverRequest{}};
    case Kind::handover: {
      auto last = r.bytes(chain::finalized_block_bytes_max);
      auto snapshot = r.bytes(core::encoded_bytes_len_max);
      if (auto s = r.finish(); !s) return s.error();
      auto block = chain::decode_finalized_block(last);
      if (!block) return block.error();
      return PobMessage{Handover{std::move(*block), std::move(snapshot)}};
    }
    case Kind::receipt: {
      TxReceipt rc;
      rc.tx = r.fixed<32>();
      rc.shard = r.u32();
      rc.epoch = r.u64();
      const auto status = r.u8();
      rc.optimistic_block = r.fixed<32>();
      rc.reason = r.str(receipt_reason_bytes_max);
      rc.producer = r.fixed<32>();
      rc.signature = r.fixed<64>();
      if (auto s = r.finish(); !s) return s.error();
      if (status != 1 && status != 2) return core::reject(core::Reject::non_canonical, "receipt status");
      rc.status = static_cast<ReceiptStatus>(status);
      return PobMessage{std::move(rc)};
    }
  }
  return core::reject(core::Reject::non_canonical,
                      "unknown PoB message kind " + std::to_string(static_cast<int>(kind)));
}

TxReceipt make_receipt(const crypto::SigningKey& key, core::ByteView chain_id, std::uint32_t shard, std::uint64_t epoch,
                       const core::Hash32& tx, ReceiptStatus status, const core::Hash32& optimistic_block,
                       std::string reason) {
  TxReceipt r{tx, shard, epoch, status, optimistic_block, std::move(reason), key.public_key(), {}};
  if (r.reason.size() > receipt_reason_bytes_max) r.reason.resize(receipt_reason_bytes_max);
  r.signature = crypto::sign_tagged(key, receipt_tag, chain_id, receipt_body(r));
  return r;
}

crypto::SignatureCheck receipt_check(const TxReceipt& receipt, core::ByteView chain_id) {
  return {receipt.producer, crypto::tagged_message(receipt_tag, chain_id, receipt_body(receipt)), receipt.signature};
}

bool verify_receipt(const TxReceipt& receipt, core::ByteView chain_id) {
  return crypto::verify(receipt_check(receipt, chain_id));
}

bool is_receipt(core::ByteView message) {
  return message.size() >= 3 && message[0] == message_tag && message[1] == pob_version &&
         message[2] == static_cast<std::uint8_t>(Kind::receipt);
}

core::Status check_receipt(const ShardSetup& setup, NodeId from, const TxReceipt& receipt, bool check_signature) {
  if (receipt.shard != setup.shard || receipt.epoch != setup.epoch)
    return core::reject(core::Reject::wrong_height, "receipt for shard " + std::to_string(receipt.shard) + " epoch " +
                                                        std::to_string(receipt.epoch));
  if (from >= setup.validator_count() || !setup.is_believable(from) || setup.signing_key(from) != receipt.producer)
    return core::reject(core::Reject::not_in_roster, "receipt not from a believable validator of this shard and epoch");
  if (check_signature && !verify_receipt(receipt, setup.chain_id))
    return core::reject(core::Reject::bad_signature, "receipt signature");
  return core::Ok{};
}

}  // namespace ios::protocol::pob
