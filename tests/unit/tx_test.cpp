// UTXO transactions (node/chain/tx.hpp): canonical encoding, ids without witnesses,
// chain-bound witnesses, shape checks. Every refusal is a typed Reject.
#include "node/chain/tx.hpp"

#include <gtest/gtest.h>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::chain {
namespace {

using core::Reject;

using test::addr;
using test::chain_id;

struct TxTest : ::testing::Test {
  crypto::SigningKey alice = test::seeded_key(1), bob = test::seeded_key(2);
  OutPoint a = test::outpoint("a", 0), b = test::outpoint("b", 3);
  Tx tx = make_transfer({{a, &alice}, {b, &bob}},
                        {TxOutput{addr(bob), Asset::ios, 70}, TxOutput{addr(alice), Asset::ios, 25}}, 5, 42, chain_id);
};

TEST_F(TxTest, RoundTripsAndVerifies) {
  auto bytes = encode(tx);
  auto back = decode_tx(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, tx);
  EXPECT_EQ(encode(*back), bytes);
  EXPECT_TRUE(verify_witnesses(tx, chain_id).ok());
  EXPECT_TRUE(check_tx_shape(tx).ok());
  EXPECT_EQ(bytes.size(), signing_bytes(tx).size() + 64 * tx.inputs.size());
}

TEST_F(TxTest, IdExcludesWitnessesButCoversEverythingElse) {
  const auto id = tx_hash(tx);
  EXPECT_EQ(id, crypto::sha256({core::as_bytes("IOS/v1/txid"), signing_bytes(tx)}));
  Tx resigned = tx;
  resigned.inputs[0].witness[5] ^= 1;
  EXPECT_EQ(tx_hash(resigned), id);  // not malleable
  EXPECT_NE(encode(resigned), encode(tx));
  for (auto mutate : std::vector<void (*)(Tx&)>{[](Tx& t) { t.fee += 1; }, [](Tx& t) { t.nonce += 1; },
                                                 [](Tx& t) { t.outputs[0].amount += 1; },
                                                 [](Tx& t) { t.outputs[1].asset = Asset::servi; },
                                                 [](Tx& t) { t.inputs[1].prev.index += 1; },
                                                 [](Tx& t) { t.inputs[0].owner_key[0] ^= 1; }}) {
    Tx changed = tx;
    mutate(changed);
    EXPECT_NE(tx_hash(changed), id);
  }
}

TEST_F(TxTest, FlippedWitnessNamesTheInput) {
  Tx bad = tx;
  bad.inputs[1].witness[63] ^= 0x10;
  auto s = verify_witnesses(bad, chain_id);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::bad_signature);
  EXPECT_EQ(s.error().detail, "input 1");
}

TEST_F(TxTest, WitnessChecksAsDataAreTheSameChecksVerifyWitnessesMakes) {
  // What a believable validator hands to its verifier pool (docs/STYLE.md rule 7).
  const auto checks = witness_checks(tx, chain_id);
  ASSERT_EQ(checks.size(), 2u);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    EXPECT_EQ(checks[i].key, tx.inputs[i].owner_key);
    EXPECT_EQ(checks[i].signature, tx.inputs[i].witness);
    EXPECT_EQ(checks[i].message, crypto::tagged_message("IOS/v1/tx", chain_id, tx_hash(tx)));
  }
  EXPECT_EQ(crypto::verify_each(checks), (std::vector<bool>{true, true}));
  EXPECT_TRUE(witness_verdict(crypto::verify_each(checks)).ok());

  Tx bad = tx;
  bad.inputs[1].witness[0] ^= 1;
  const auto valid = crypto::verify_each(witness_checks(bad, chain_id));
  EXPECT_EQ(valid, (std::vector<bool>{true, false}));
  EXPECT_EQ(witness_verdict(valid).error().detail, "input 1");
  EXPECT_EQ(witness_verdict(valid).error().message(), verify_witnesses(bad, chain_id).error().message());
}

TEST_F(TxTest, WitnessIsBoundToChainAndTransaction) {
  const core::Bytes other{'o', 't', 'h', 'e', 'r'};
  EXPECT_EQ(verify_witnesses(tx, other).error().reason, Reject::bad_signature);
  Tx changed = tx;
  changed.outputs[0].amount = 69;  // re-pointing value invalidates every witness
  EXPECT_EQ(verify_witnesses(changed, chain_id).error().detail, "input 0");
  Tx swapped_key = tx;
  swapped_key.inputs[0].owner_key = bob.public_key();
  EXPECT_FALSE(verify_witnesses(swapped_key, chain_id).ok());
}

TEST_F(TxTest, DecodeRefusesTruncationTrailingVersionAndAsset) {
  auto bytes = encode(tx);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    auto r = decode_tx(core::ByteView(bytes).first(n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().reason, Reject::truncated) << n;
  }
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(decode_tx(trailing).error().reason, Reject::trailing_bytes);
  auto v2 = bytes;
  v2[0] = 2;
  EXPECT_EQ(decode_tx(v2).error().reason, Reject::unknown_version);
  // The first output's asset byte: version, count, 2 inputs of 132, count, owner.
  auto asset = bytes;
  const std::size_t asset_at = 1 + 4 + 2 * 132 + 4 + 32;
  ASSERT_EQ(asset[asset_at], 0);
  asset[asset_at] = 2;
  EXPECT_EQ(decode_tx(asset).error().reason, Reject::non_canonical);
}

TEST_F(TxTest, DecodeRefusesCountsOverTheLimit) {
  core::Writer w;
  w.u8(tx_version).u32(static_cast<std::uint32_t>(tx_inputs_max + 1));
  EXPECT_EQ(decode_tx(w.view()).error().reason, Reject::length_over_limit);
  core::Writer w2;
  w2.u8(tx_version).u32(0).u32(static_cast<std::uint32_t>(tx_outputs_max + 1));
  EXPECT_EQ(decode_tx(w2.view()).error().reason, Reject::length_over_limit);
}

TEST_F(TxTest, ShapeRefusals) {
  Tx t = tx;
  t.inputs.clear();
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::bad_amount);
  t = tx;
  t.outputs.clear();
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::bad_amount);
  t = tx;
  t.inputs[1].prev = t.inputs[0].prev;
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::double_spend);
  t = tx;
  t.outputs[1].amount = 0;
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::bad_amount);
  t = tx;
  t.outputs[0].amount = UINT64_MAX;
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::amount_overflow);
  t = tx;
  t.fee = UINT64_MAX - 94;  // outputs sum to 95
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::amount_overflow);
  t = tx;
  t.inputs.resize(tx_inputs_max + 1, t.inputs[0]);
  EXPECT_EQ(check_tx_shape(t).error().reason, Reject::length_over_limit);
}

TEST(Amount, AddAndParse) {
  EXPECT_EQ(*add_amount(1, 2), 3u);
  EXPECT_EQ(add_amount(UINT64_MAX, 1).error().reason, Reject::amount_overflow);
  EXPECT_EQ(*parse_amount("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(*parse_amount("0"), 0u);
  EXPECT_EQ(parse_amount("18446744073709551616").error().reason, Reject::amount_overflow);
  for (const char* bad : {"", "01", "-1", "+1", "1.0", " 1", "1e3", "0x10", "123456789012345678901"})
    EXPECT_EQ(parse_amount(bad).error().reason, Reject::bad_amount) << bad;
}

}  // namespace
}  // namespace ios::chain
