// Fraud proofs (node/chain/fraud_proof.hpp, docs/PROTOCOLS.md §12): verifiable with no state,
// valid only against a producer that really signed a forged transaction.
#include "node/chain/fraud_proof.hpp"

#include <gtest/gtest.h>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::chain {
namespace {

using core::Reject;

using test::chain_id;

struct FraudProofTest : ::testing::Test {
  crypto::SigningKey producer = test::seeded_key(7), user = test::seeded_key(8);
  static constexpr std::uint32_t forged_index = 4;
  OptimisticBlock block = make_block();

  OptimisticBlock make_block() {
    std::vector<Tx> txs;
    for (std::uint32_t i = 0; i < 7; ++i)
      txs.push_back(test::self_transfer(user, test::outpoint("funding", i), 9, i, chain_id));
    txs[forged_index].inputs[0].witness[7] ^= 0x40;  // the producer vouches for a forgery
    OptimisticHeader h;
    h.shard = 0;
    h.epoch = 1;
    return make_optimistic_block(producer, chain_id, h, std::move(txs));
  }
};

TEST_F(FraudProofTest, ForgedTransactionConvictsTheProducer) {
  auto proof = make_fraud_proof(block, forged_index);
  EXPECT_TRUE(verify_fraud_proof(proof, chain_id).ok());
  EXPECT_EQ(offending_tx(proof), tx_hash(block.txs[forged_index]));
  EXPECT_EQ(proof.header.producer, producer.public_key());
}

TEST_F(FraudProofTest, ValidTransactionIsNoFraud) {
  for (std::uint32_t i : {0u, 3u, 6u}) {
    auto s = verify_fraud_proof(make_fraud_proof(block, i), chain_id);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().reason, Reject::bad_proof);
    EXPECT_EQ(s.error().detail, "witnesses verify: no fraud");
  }
}

TEST_F(FraudProofTest, WrongPathIndexOrTxIsRefused) {
  auto good = make_fraud_proof(block, forged_index);
  auto p = good;
  p.path[0][0] ^= 1;
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_merkle_proof);
  p = good;
  p.path.pop_back();
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_merkle_proof);
  p = good;
  p.index = forged_index + 1;
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_merkle_proof);
  p = good;
  p.index = block.header.tx_count;  // index >= size
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_merkle_proof);
  // Framing: a forged tx the producer never signed, with the path of a real position.
  p = make_fraud_proof(block, 2);
  p.tx.inputs[0].witness[0] ^= 1;
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_merkle_proof);
}

TEST_F(FraudProofTest, HeaderSignatureMustVerify) {
  auto p = make_fraud_proof(block, forged_index);
  p.header_signature[1] ^= 1;
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_signature);
  p = make_fraud_proof(block, forged_index);
  p.header.producer = user.public_key();  // blame someone else
  EXPECT_EQ(verify_fraud_proof(p, chain_id).error().reason, Reject::bad_signature);
  EXPECT_EQ(verify_fraud_proof(make_fraud_proof(block, forged_index), core::as_bytes("other")).error().reason,
            Reject::bad_signature);
}

TEST_F(FraudProofTest, RoundTripAndDecodeRefusals) {
  auto proof = make_fraud_proof(block, forged_index);
  auto bytes = encode(proof);
  auto back = decode_fraud_proof(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, proof);
  EXPECT_EQ(encode(*back), bytes);
  EXPECT_TRUE(verify_fraud_proof(*back, chain_id).ok());
  EXPECT_EQ(decode_fraud_proof(core::ByteView(bytes).first(bytes.size() - 3)).error().reason, Reject::truncated);
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(decode_fraud_proof(trailing).error().reason, Reject::trailing_bytes);
  auto v = bytes;
  v[0] = 0;
  EXPECT_EQ(decode_fraud_proof(v).error().reason, Reject::unknown_version);
  core::Writer w;
  w.u8(fraud_proof_version).raw(encode(proof.header)).raw(proof.header_signature).bytes(encode(proof.tx)).u32(0);
  w.u32(static_cast<std::uint32_t>(fraud_proof_path_max + 1));
  EXPECT_EQ(decode_fraud_proof(w.view()).error().reason, Reject::length_over_limit);
  core::Writer bad_tx;
  bad_tx.u8(fraud_proof_version).raw(encode(proof.header)).raw(proof.header_signature).bytes(core::Bytes{1, 0});
  auto e = decode_fraud_proof(bad_tx.view());
  EXPECT_EQ(e.error().reason, Reject::truncated);
  EXPECT_EQ(e.error().detail.rfind("tx: ", 0), 0u);
}

}  // namespace
}  // namespace ios::chain
