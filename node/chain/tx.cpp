#include "node/chain/tx.hpp"

#include <algorithm>
#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::chain {

namespace {

constexpr std::string_view tx_sign_tag = "IOS/v1/tx";

void write_tx(core::Writer& w, const Tx& tx, bool with_witnesses) {
  w.u8(tx_version);
  IOS_ASSERT(tx.inputs.size() <= tx_inputs_max);
  IOS_ASSERT(tx.outputs.size() <= tx_outputs_max);
  w.u32(static_cast<std::uint32_t>(tx.inputs.size()));
  for (const auto& in : tx.inputs) {
    w.raw(in.prev.tx).u32(in.prev.index).raw(in.owner_key);
    if (with_witnesses) w.raw(in.witness);
  }
  w.u32(static_cast<std::uint32_t>(tx.outputs.size()));
  for (const auto& out : tx.outputs) w.raw(out.owner.bytes()).u8(static_cast<std::uint8_t>(out.asset)).u64(out.amount);
  w.u64(tx.fee).u64(tx.nonce);
}

Asset read_asset(core::Reader& r) {
  auto v = r.u8();
  if (v > static_cast<std::uint8_t>(Asset::servi)) r.fail(core::Reject::non_canonical, "asset " + std::to_string(v));
  return static_cast<Asset>(v);
}

}  // namespace

core::Bytes signing_bytes(const Tx& tx) {
  core::Writer w;
  write_tx(w, tx, false);
  return w.take();
}

core::Hash32 tx_hash(const Tx& tx) { return crypto::sha256({core::as_bytes("IOS/v1/txid"), signing_bytes(tx)}); }

Address payer(const Tx& tx) {
  IOS_ASSERT(!tx.inputs.empty());
  return Address::from_public_key(tx.inputs.front().owner_key);
}

core::Bytes encode(const Tx& tx) {
  core::Writer w;
  write_tx(w, tx, true);
  return w.take();
}

core::Result<Tx> decode_tx(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(tx_version);
  Tx tx;
  std::uint32_t n_in = r.count(tx_inputs_max);
  for (std::uint32_t i = 0; i < n_in && !r.failed(); ++i) {
    TxInput in;
    in.prev.tx = r.fixed<32>();
    in.prev.index = r.u32();
    in.owner_key = r.fixed<32>();
    in.witness = r.fixed<64>();
    tx.inputs.push_back(in);
  }
  std::uint32_t n_out = r.count(tx_outputs_max);
  for (std::uint32_t i = 0; i < n_out && !r.failed(); ++i) {
    TxOutput out;
    out.owner = Address(r.fixed<32>());
    out.asset = read_asset(r);
    out.amount = r.u64();
    tx.outputs.push_back(out);
  }
  tx.fee = r.u64();
  tx.nonce = r.u64();
  if (auto s = r.finish(); !s) return s.error();
  return tx;
}

crypto::Signature sign_tx(const crypto::SigningKey& key, core::ByteView chain_id, const Tx& tx) {
  return crypto::sign_tagged(key, tx_sign_tag, chain_id, tx_hash(tx));
}

core::Status verify_witnesses(const Tx& tx, core::ByteView chain_id) {
  return witness_verdict(crypto::verify_each(witness_checks(tx, chain_id)));
}

core::Status witness_verdict(const std::vector<bool>& valid) {
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (!valid[i]) return core::reject(core::Reject::bad_signature, "input " + std::to_string(i));
  }
  return core::Ok{};
}

std::vector<crypto::SignatureCheck> witness_checks(const Tx& tx, core::ByteView chain_id) {
  // Every input signs the same message: the tagged tx id.
  const auto message = crypto::tagged_message(tx_sign_tag, chain_id, tx_hash(tx));
  std::vector<crypto::SignatureCheck> checks;
  checks.reserve(tx.inputs.size());
  for (const auto& in : tx.inputs) checks.push_back({in.owner_key, message, in.witness});
  return checks;
}

core::Result<Amount> tx_output_total(const Tx& tx) {
  Amount total = tx.fee;
  for (const auto& out : tx.outputs) {
    auto sum = add_amount(total, out.amount);
    if (!sum) return sum.error();
    total = *sum;
  }
  return total;
}

core::Status check_tx_shape(const Tx& tx) {
  using core::Reject;
  if (tx.inputs.empty()) return core::reject(Reject::bad_amount, "no inputs");
  if (tx.outputs.empty()) return core::reject(Reject::bad_amount, "no outputs");
  if (tx.inputs.size() > tx_inputs_max)
    return core::reject(Reject::length_over_limit, std::to_string(tx.inputs.size()) + " inputs");
  if (tx.outputs.size() > tx_outputs_max)
    return core::reject(Reject::length_over_limit, std::to_string(tx.outputs.size()) + " outputs");
  std::vector<OutPoint> spent;
  spent.reserve(tx.inputs.size());
  for (const auto& in : tx.inputs) spent.push_back(in.prev);
  std::sort(spent.begin(), spent.end());
  if (std::adjacent_find(spent.begin(), spent.end()) != spent.end())
    return core::reject(Reject::double_spend, "the same outpoint twice in one tx");
  for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
    if (tx.outputs[i].amount == 0) return core::reject(Reject::bad_amount, "output " + std::to_string(i) + " is zero");
  }
  if (auto total = tx_output_total(tx); !total) return total.error();
  return core::Ok{};
}

Tx make_transfer(std::vector<std::pair<OutPoint, const crypto::SigningKey*>> inputs, std::vector<TxOutput> outputs,
                 Amount fee, std::uint64_t nonce, core::ByteView chain_id) {
  Tx tx;
  for (const auto& [prev, key] : inputs) {
    IOS_ASSERT(key != nullptr);
    tx.inputs.push_back(TxInput{prev, key->public_key(), {}});
  }
  tx.outputs = std::move(outputs);
  tx.fee = fee;
  tx.nonce = nonce;
  // The witnesses are not part of the signed bytes, so every input signs the same message.
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) tx.inputs[i].witness = sign_tx(*inputs[i].second, chain_id, tx);
  return tx;
}

}  // namespace ios::chain
