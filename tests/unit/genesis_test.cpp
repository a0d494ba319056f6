// Genesis (node/chain/genesis.hpp): JSON round trip, a hash over meaning not formatting, and
// every identity admitted only with a valid proof of possession.
#include "node/chain/genesis.hpp"

#include <gtest/gtest.h>

#include "node/crypto/hash.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::chain {
namespace {

using core::Reject;
using nlohmann::json;

using test::validator;

Address account(std::uint8_t n) { return test::addr(test::account_key(n)); }

Genesis sample() {
  Genesis g;
  g.chain_id = "ios-test";
  g.time_ms = 1700000000000;
  g.policy.normal_size = 7;
  g.validators = {GenesisValidator{validator(1).registration(core::as_bytes(g.chain_id)), 1000, 3, -2},
                  GenesisValidator{validator(2).registration(core::as_bytes(g.chain_id)), 18446744073709550000u, 0, 5}};
  g.allocations = {GenesisAllocation{account(1), 500}, GenesisAllocation{account(2), 115}};
  return g;
}

core::Error refusal(const json& doc) { return test::refusal_of(parse_genesis, doc.dump()); }

TEST(Genesis, JsonRoundTrip) {
  auto g = sample();
  ASSERT_TRUE(validate(g).ok()) << validate(g).error().message();
  auto doc = to_json(g);
  EXPECT_EQ(doc["validators"][1]["stake"], "18446744073709550000");
  auto back = parse_genesis(doc.dump());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, g);
  EXPECT_EQ(back->chain_id_bytes().size(), 8u);
}

TEST(Genesis, AProofOfPossessionForAnotherChainOrNoneIsRefused) {
  // docs/security.md "Proof-of-possession replay across chains": a PoP signed with an empty chain
  // id could be replayed into any network. A genesis admits only PoPs bound to its own chain id.
  auto g = sample();
  ASSERT_TRUE(validate(g).ok());
  auto keystore_pop = g;
  keystore_pop.validators[0].identity = validator(1).public_identity();  // the keystore's, bound to no chain
  EXPECT_EQ(validate(keystore_pop).error().reason, core::Reject::bad_proof);
  auto other_chain = g;
  other_chain.validators[1].identity = validator(2).registration(core::as_bytes("another-network"));
  EXPECT_EQ(validate(other_chain).error().reason, core::Reject::bad_proof);
  EXPECT_NE(validate(other_chain).error().detail.find("validators[1]"), std::string::npos);
  // The same genesis under another chain id: every PoP fails, so it cannot be re-labelled.
  auto relabelled = g;
  relabelled.chain_id = "ios-test2";
  EXPECT_EQ(validate(relabelled).error().reason, core::Reject::bad_proof);
}

TEST(Genesis, HashCoversMeaningNotFormatting) {
  auto g = sample();
  const auto h = genesis_hash(g);
  auto pretty = parse_genesis(to_json(g).dump(2));
  ASSERT_TRUE(pretty.ok());
  EXPECT_EQ(genesis_hash(*pretty), h);
  auto changed = g;
  changed.chain_id = "ios-test2";
  EXPECT_NE(genesis_hash(changed), h);
  changed = g;
  changed.policy.sample_rate = 0.2;
  EXPECT_NE(genesis_hash(changed), h);
  changed = g;
  changed.allocations[1].amount += 1;
  EXPECT_NE(genesis_hash(changed), h);
  changed = g;
  changed.validators[0].reviews = 0;
  EXPECT_NE(genesis_hash(changed), h);
  EXPECT_EQ(h, crypto::sha256({core::as_bytes("IOS/v1/genesis"), encode(g)}));
}

TEST(Genesis, BadProofOfPossessionIsRefused) {
  auto doc = to_json(sample());
  auto sig = doc["validators"][1]["identity"]["proof_of_possession"]["signature"].get<std::string>();
  sig[0] = sig[0] == '0' ? '1' : '0';
  doc["validators"][1]["identity"]["proof_of_possession"]["signature"] = sig;
  auto e = refusal(doc);
  EXPECT_EQ(e.reason, Reject::bad_proof);
  EXPECT_EQ(e.detail.rfind("validators[1].identity", 0), 0u) << e.detail;
  // A PoP made for another epoch does not verify either.
  doc = to_json(sample());
  doc["validators"][0]["identity"]["proof_of_possession"]["epoch"] = 1;
  EXPECT_EQ(refusal(doc).reason, Reject::bad_proof);
  // A small-order signing key.
  doc = to_json(sample());
  doc["validators"][0]["identity"]["public_keys"]["signing"] = std::string(64, '0');
  EXPECT_EQ(refusal(doc).reason, Reject::bad_proof);
}

TEST(Genesis, Refusals) {
  auto g = sample();
  auto doc = to_json(g);
  auto d = doc;
  d["validators"][1] = d["validators"][0];
  EXPECT_EQ(refusal(d).reason, Reject::duplicate);
  d = doc;
  d["validators"][0]["identity"]["type"] = "account";
  EXPECT_EQ(refusal(d).reason, Reject::bad_json);
  EXPECT_EQ(refusal(d).detail.rfind("validators[0].identity.type", 0), 0u);
  d = doc;
  d["allocations"][0]["amount"] = "0";
  EXPECT_EQ(refusal(d).reason, Reject::bad_amount);
  d = doc;
  d["allocations"][0]["amount"] = 5;
  EXPECT_EQ(refusal(d).detail, "allocations[0].amount: must be a string");
  d = doc;
  d["allocations"][0]["amount"] = "2000";  // stakes + allocations over 2^64 - 1
  EXPECT_EQ(refusal(d).reason, Reject::amount_overflow);
  d = doc;
  d["allocations"][0]["owner"] = "ios1notanaddress";
  EXPECT_EQ(refusal(d).detail.rfind("allocations[0].owner: ", 0), 0u);
  d = doc;
  d["version"] = 2;
  EXPECT_EQ(refusal(d).reason, Reject::unknown_version);
  d = doc;
  d["extra"] = 1;
  EXPECT_EQ(refusal(d).detail, "extra: unknown key");
  d = doc;
  d["validators"][0]["identity"]["public_keys"]["bls"] = "00";
  EXPECT_EQ(refusal(d).detail, "validators[0].identity.public_keys.bls: unknown key");
  d = doc;
  d["policy"]["normal_size"] = 2;
  EXPECT_EQ(refusal(d).reason, Reject::bad_policy);
  EXPECT_EQ(refusal(d).detail.rfind("policy.normal_size: ", 0), 0u);
  d = doc;
  d["chain_id"] = "";
  EXPECT_EQ(refusal(d).detail.rfind("chain_id: ", 0), 0u);
  d = doc;
  d["chain_id"] = "has space";
  EXPECT_EQ(refusal(d).detail.rfind("chain_id: ", 0), 0u);
  d = doc;
  d.erase("allocations");
  EXPECT_EQ(refusal(d).detail, "allocations: missing");
  EXPECT_EQ(parse_genesis("not json").error().reason, Reject::bad_json);
}

TEST(Genesis, OutpointsAreFixedAndDistinct) {
  EXPECT_EQ(genesis_outpoint(0).tx, crypto::sha256(core::as_bytes("IOS/v1/genesis-tx")));
  EXPECT_EQ(genesis_outpoint(7).index, 7u);
  EXPECT_NE(genesis_outpoint(0), genesis_outpoint(1));
}

}  // namespace
}  // namespace ios::chain
