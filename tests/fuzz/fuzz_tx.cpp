// Fuzz target: the chain decoders of transactions, optimistic blocks, fraud proofs and block
// bodies. The first byte picks the decoder (mod 4), the rest is its input. Any byte string
// must yield a value or a typed rejection, never a crash, and a decoded value must re-encode
// to exactly its input (one value, one encoding: docs/DESIGN.md §3). Decoded values are also put
// through the stateless checks (witnesses, block and proof verification), which must not
// crash on garbage either.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "node/chain/block_body.hpp"
#include "node/chain/fraud_proof.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/chain/tx.hpp"
#include "node/crypto/hash.hpp"

namespace {

template <class T>
void check_roundtrip(const ios::core::Result<T>& decoded, ios::core::ByteView in) {
  if (!decoded.ok()) return;
  if (encode(*decoded) != ios::core::Bytes(in.begin(), in.end())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace chain = ios::chain;
  static const bool initialised = (ios::crypto::init(), true);
  (void)initialised;
  if (size == 0) return 0;
  const ios::core::ByteView in(data + 1, size - 1);
  const auto chain_id = ios::core::as_bytes("fuzz");
  switch (data[0] % 4) {
    case 0: {
      auto tx = chain::decode_tx(in);
      check_roundtrip(tx, in);
      if (tx.ok()) {
        (void)chain::verify_witnesses(*tx, chain_id);
        (void)chain::check_tx_shape(*tx);
        (void)chain::tx_hash(*tx);
      }
      break;
    }
    case 1: {
      auto block = chain::decode_optimistic_block(in);
      check_roundtrip(block, in);
      if (block.ok()) (void)chain::verify_optimistic_block(*block, chain_id);
      break;
    }
    case 2: {
      auto proof = chain::decode_fraud_proof(in);
      check_roundtrip(proof, in);
      if (proof.ok()) (void)chain::verify_fraud_proof(*proof, chain_id);
      break;
    }
    default: {
      auto body = chain::decode_block_body(in);
      check_roundtrip(body, in);
      if (body.ok()) (void)chain::body_hash(*body);
      break;
    }
  }
  return 0;
}
