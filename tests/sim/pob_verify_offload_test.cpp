// STYLE.md rule 7 in the believable validator: a submitted transaction's witnesses leave the
// core as a Verify effect and come back as on_verify_done; the core admits only then, and
// checks the state again, because it may have moved while the witnesses were out.
#include <gtest/gtest.h>

#include "node/crypto/random.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/sim/shard_scenario.hpp"
#include "support/chain_fixtures.hpp"  // libsodium initialised before any test

namespace ios::sim {
namespace {

namespace pob = protocol::pob;

class BelievableValidator : public ::testing::Test {
 protected:
  BelievableValidator() : world_(make_shard_world(options())), rng_("test/verify-offload", 1) {
    index_ = world_.setup->believable.front();
    validator_ = std::make_unique<pob::ShardValidator>(world_.setup, index_, world_.validators[index_], rng_,
                                                       pob::PersistedState{}, protocol::byzcoin::ByzcoinConfig{});
    protocol::Effects ignored;
    validator_->on_start(0, ignored);
  }

  static ShardRunOptions options() {
    ShardRunOptions o;
    o.validators = 5;
    o.believable = 1;
    o.accounts = 2;
    return o;
  }

  // Account 0 pays `amount` to account 1 from its genesis output, change back to itself.
  chain::Tx payment(chain::Amount amount, std::uint64_t nonce) const {
    const auto& from = world_.accounts[0].signing_key();
    const auto funds = validator_->ledger().state().find_output(chain::genesis_outpoint(0))->amount;
    const auto fee = world_.setup->policy().min_fee;
    const auto to = chain::Address::from_public_key(world_.accounts[1].public_identity().signing);
    const auto back = chain::Address::from_public_key(from.public_key());
    return chain::make_transfer({{chain::genesis_outpoint(0), &from}},
                                {{to, chain::Asset::ios, amount}, {back, chain::Asset::ios, funds - amount - fee}}, fee,
                                nonce, world_.setup->chain_id);
  }

  protocol::Effects submit(const chain::Tx& tx) {
    protocol::Effects out;
    validator_->on_message(10, world_.client, pob::encode(pob::PobMessage{pob::SubmitTx{tx}}), out);
    return out;
  }

  // The single Verify among `out` (and nothing else: no receipt before the verdict).
  static protocol::Verify only_verify(const protocol::Effects& out) {
    EXPECT_EQ(out.list().size(), 1u);
    const auto* v = out.list().empty() ? nullptr : std::get_if<protocol::Verify>(&out.list().front());
    EXPECT_NE(v, nullptr);
    return v == nullptr ? protocol::Verify{} : *v;
  }

  // The rejected receipts among `out`, as their reasons.
  std::vector<std::string> rejections(const protocol::Effects& out) const {
    std::vector<std::string> reasons;
    for (const auto& e : out.list()) {
      const auto* s = std::get_if<protocol::Send>(&e);
      if (s == nullptr) continue;
      auto m = pob::decode_pob_message(s->payload);
      const auto* r = m ? std::get_if<pob::TxReceipt>(&*m) : nullptr;
      if (r == nullptr) continue;
      EXPECT_EQ(s->to, world_.client);
      EXPECT_TRUE(pob::verify_receipt(*r, world_.setup->chain_id));
      if (r->status == pob::ReceiptStatus::rejected) reasons.push_back(r->reason);
    }
    return reasons;
  }

  ShardWorld world_;
  crypto::ChaChaRng rng_;
  std::uint32_t index_ = 0;
  std::unique_ptr<pob::ShardValidator> validator_;
};

TEST_F(BelievableValidator, WitnessesLeaveAsOneVerifyAndTheTxIsAdmittedOnlyOnTheVerdict) {
  const auto tx = payment(100, 1);
  const auto v = only_verify(submit(tx));
  ASSERT_EQ(v.checks.size(), tx.inputs.size());
  EXPECT_EQ(v.checks, chain::witness_checks(tx, world_.setup->chain_id));
  EXPECT_EQ(validator_->counters().txs_admitted, 0u);

  protocol::Effects out;
  validator_->on_verify_done(20, v.id, crypto::verify_each(v.checks), out);
  EXPECT_TRUE(rejections(out).empty());
  EXPECT_EQ(validator_->counters().txs_admitted, 1u);
  EXPECT_EQ(validator_->counters().txs_refused, 0u);
}

TEST_F(BelievableValidator, AForgedWitnessIsRefusedWithTheInputItNames) {
  auto tx = payment(100, 1);
  tx.inputs[0].witness[0] ^= 1;
  const auto v = only_verify(submit(tx));
  const auto valid = crypto::verify_each(v.checks);
  ASSERT_EQ(valid, std::vector<bool>{false});

  protocol::Effects out;
  validator_->on_verify_done(20, v.id, valid, out);
  const auto reasons = rejections(out);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], chain::verify_witnesses(tx, world_.setup->chain_id).error().message());
  EXPECT_EQ(validator_->counters().txs_admitted, 0u);
  EXPECT_EQ(validator_->counters().txs_refused, 1u);
}

TEST_F(BelievableValidator, TwoSpendsOfOneInputBothOutForVerifyOnlyTheFirstVerdictIsAdmitted) {
  // Neither is pending when it arrives, so both pass the state check and go out; the second
  // verdict finds the input already spent by the first admission.
  const auto first = payment(100, 1);
  const auto second = payment(200, 2);
  const auto v1 = only_verify(submit(first));
  const auto v2 = only_verify(submit(second));
  EXPECT_NE(v1.id, v2.id);

  protocol::Effects out1, out2;
  validator_->on_verify_done(20, v1.id, crypto::verify_each(v1.checks), out1);
  validator_->on_verify_done(21, v2.id, crypto::verify_each(v2.checks), out2);
  EXPECT_TRUE(rejections(out1).empty());
  EXPECT_EQ(rejections(out2).size(), 1u);
  EXPECT_EQ(validator_->counters().txs_admitted, 1u);
  EXPECT_EQ(validator_->counters().txs_refused, 1u);
}

TEST_F(BelievableValidator, AStateFailureIsRefusedBeforeAnySignatureIsChecked) {
  const auto tx = payment(100, 1);
  protocol::Effects out;
  auto v = only_verify(submit(tx));
  validator_->on_verify_done(20, v.id, crypto::verify_each(v.checks), out);
  // The same input again, other outputs: the overlay already spends it, so no Verify leaves.
  const auto again = submit(payment(300, 3));
  ASSERT_EQ(again.list().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<protocol::Send>(again.list().front()));
  EXPECT_EQ(rejections(again).size(), 1u);
}

}  // namespace
}  // namespace ios::sim
