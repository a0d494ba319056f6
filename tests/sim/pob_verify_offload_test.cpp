// docs/STYLE.md rule 7 in the believable validator: a submitted transaction's witnesses leave the
// core as a Verify effect and come back as on_verify_done. Verdicts may return in any order
// (the runtime's pool has several threads) but are applied in arrival order, and the state is
// judged then: a child spending its parent's change is never judged before its parent, and of
// two spends of one input the first to arrive wins, as if nothing had been asynchronous.
#include <gtest/gtest.h>

#include <algorithm>

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

  // The optimistic blocks and receipts among `out`.
  static void collect(const protocol::Effects& out, std::vector<chain::OptimisticBlock>& blocks,
                      std::vector<pob::TxReceipt>& receipts) {
    for (const auto& e : out.list()) {
      const auto* s = std::get_if<protocol::Send>(&e);
      if (s == nullptr) continue;
      auto m = pob::decode_pob_message(s->payload);
      if (!m) continue;
      if (const auto* b = std::get_if<pob::OptimisticBlockMsg>(&*m)) {
        if (std::find(blocks.begin(), blocks.end(), b->block) == blocks.end()) blocks.push_back(b->block);
      }
      if (const auto* r = std::get_if<pob::TxReceipt>(&*m)) receipts.push_back(*r);
    }
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
      EXPECT_TRUE(pob::check_receipt(*world_.setup, index_, *r));
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

TEST_F(BelievableValidator, TwoSpendsOfOneInputTheFirstToArriveWinsWhateverOrderTheVerdictsComeIn) {
  const auto first = payment(100, 1);
  const auto second = payment(200, 2);
  const auto v1 = only_verify(submit(first));
  const auto v2 = only_verify(submit(second));
  EXPECT_NE(v1.id, v2.id);

  // The second verdict first: it waits for the first.
  protocol::Effects out2, out1;
  validator_->on_verify_done(20, v2.id, crypto::verify_each(v2.checks), out2);
  EXPECT_TRUE(out2.empty());
  EXPECT_EQ(validator_->counters().txs_admitted + validator_->counters().txs_refused, 0u);
  validator_->on_verify_done(21, v1.id, crypto::verify_each(v1.checks), out1);
  EXPECT_EQ(rejections(out1).size(), 1u);  // the second, input already spent by the first
  EXPECT_EQ(validator_->counters().txs_admitted, 1u);
  EXPECT_EQ(validator_->counters().txs_refused, 1u);
}

TEST_F(BelievableValidator, AChildSpendingItsParentsChangeIsAdmittedEvenIfItsVerdictComesFirst) {
  const auto parent = payment(100, 1);
  const auto& owner = world_.accounts[0].signing_key();
  const auto change = parent.outputs[1];
  const auto fee = world_.setup->policy().min_fee;
  const auto child =
      chain::make_transfer({{chain::OutPoint{chain::tx_hash(parent), 1}, &owner}},
                           {{change.owner, chain::Asset::ios, change.amount - fee}}, fee, 2, world_.setup->chain_id);
  const auto vp = only_verify(submit(parent));
  const auto vc = only_verify(submit(child));
  protocol::Effects out;
  validator_->on_verify_done(20, vc.id, crypto::verify_each(vc.checks), out);
  validator_->on_verify_done(21, vp.id, crypto::verify_each(vp.checks), out);
  EXPECT_TRUE(rejections(out).empty());
  EXPECT_EQ(validator_->counters().txs_admitted, 2u);
}

TEST_F(BelievableValidator, AResubmittedPendingTxIsSealedOnceAndEveryCopyGetsTheReceiptOfItsBlock) {
  // docs/security.md "Resubmitted pending transactions": 13,000 resubmissions of one pending tx
  // filled five final blocks with copies. A resubmission costs no second Verify, is not batched
  // again, and its client is owed one receipt, naming the block the tx is sealed in.
  const auto tx = payment(100, 1);
  const auto v = only_verify(submit(tx));
  protocol::Effects out;
  validator_->on_verify_done(20, v.id, crypto::verify_each(v.checks), out);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(submit(tx).empty());  // no Verify, no refusal, no receipt yet
  EXPECT_EQ(validator_->counters().txs_admitted, 1u);

  protocol::Effects sealed;
  validator_->on_timer(1000, pob::ShardValidator::seal_timer, sealed);
  std::vector<chain::OptimisticBlock> blocks;
  std::vector<pob::TxReceipt> receipts;
  collect(sealed, blocks, receipts);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].txs, std::vector<chain::Tx>{tx}) << "the tx is sealed once";
  ASSERT_EQ(receipts.size(), 1u) << "one receipt per client, however often it resubmitted";
  const auto block_hash = chain::header_hash(blocks[0].header);
  EXPECT_EQ(receipts[0].optimistic_block, block_hash);

  // After the seal a resubmission is answered at once, with the same block.
  const auto again = submit(tx);
  blocks.clear();
  receipts.clear();
  collect(again, blocks, receipts);
  EXPECT_TRUE(blocks.empty());
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(receipts[0].status, pob::ReceiptStatus::optimistic);
  EXPECT_EQ(receipts[0].optimistic_block, block_hash);
  protocol::Effects next;
  validator_->on_timer(2000, pob::ShardValidator::seal_timer, next);
  blocks.clear();
  receipts.clear();
  collect(next, blocks, receipts);
  std::size_t new_blocks = 0;
  for (const auto& b : blocks) {
    if (chain::header_hash(b.header) == block_hash) continue;  // the first block, retransmitted unmerged
    ++new_blocks;
    EXPECT_TRUE(b.txs.empty()) << "never sealed a second time";
  }
  EXPECT_EQ(new_blocks, 1u);
}

TEST_F(BelievableValidator, ReceiptsAreBelievedOnlyFromTheBelievableValidatorThatSignedThemForThisShardAndEpoch) {
  // docs/security.md "Forged receipts": a receipt was checked only against the key written inside
  // it, so any key could tell a client its final tx was "rejected".
  const auto& setup = *world_.setup;
  const auto tx = chain::tx_hash(payment(100, 1));
  const auto& own_key = world_.validators[index_].signing_key();
  const auto good =
      pob::make_receipt(own_key, setup.chain_id, setup.shard, setup.epoch, tx, pob::ReceiptStatus::rejected, {}, "no");
  EXPECT_TRUE(pob::check_receipt(setup, index_, good));

  const auto normal = setup.normal.front();
  const auto& normal_key = world_.validators[normal].signing_key();
  const auto by_normal = pob::make_receipt(normal_key, setup.chain_id, setup.shard, setup.epoch, tx,
                                           pob::ReceiptStatus::rejected, {}, "no");
  EXPECT_TRUE(pob::verify_receipt(by_normal, setup.chain_id)) << "its signature is fine; its signer may not vouch";
  EXPECT_EQ(pob::check_receipt(setup, normal, by_normal).error().reason, core::Reject::not_in_roster);
  EXPECT_EQ(pob::check_receipt(setup, normal, good).error().reason, core::Reject::not_in_roster)
      << "a believable validator's receipt relayed by another member is not its word";

  const auto other_shard = pob::make_receipt(own_key, setup.chain_id, setup.shard + 1, setup.epoch, tx,
                                             pob::ReceiptStatus::rejected, {}, "no");
  const auto other_epoch = pob::make_receipt(own_key, setup.chain_id, setup.shard, setup.epoch + 1, tx,
                                             pob::ReceiptStatus::rejected, {}, "no");
  EXPECT_EQ(pob::check_receipt(setup, index_, other_shard).error().reason, core::Reject::wrong_height);
  EXPECT_EQ(pob::check_receipt(setup, index_, other_epoch).error().reason, core::Reject::wrong_height);
  auto moved = other_shard;
  moved.shard = setup.shard;  // the signature binds the shard: rewriting it breaks the signature
  EXPECT_EQ(pob::check_receipt(setup, index_, moved).error().reason, core::Reject::bad_signature);
  EXPECT_TRUE(pob::check_receipt(setup, index_, moved, false)) << "the cheap checks alone pass";
  auto other_chain = pob::make_receipt(own_key, core::as_bytes("another-chain"), setup.shard, setup.epoch, tx,
                                       pob::ReceiptStatus::rejected, {}, "no");
  EXPECT_EQ(pob::check_receipt(setup, index_, other_chain).error().reason, core::Reject::bad_signature);
  // Round trip through the wire keeps shard and epoch.
  auto decoded = pob::decode_pob_message(pob::encode(pob::PobMessage{other_epoch}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<pob::TxReceipt>(*decoded).epoch, setup.epoch + 1);
}

TEST_F(BelievableValidator, AStateFailureIsRefusedWithTheVerdict) {
  const auto owner = world_.accounts[0].signing_key();
  const auto valid_shape = payment(100, 1);
  // Signed properly, but its input names a transaction that never existed.
  const auto tx = chain::make_transfer({{chain::OutPoint{core::Hash32{0x42}, 0}, &owner}}, valid_shape.outputs,
                                       valid_shape.fee, 1, world_.setup->chain_id);
  const auto v = only_verify(submit(tx));
  protocol::Effects out;
  validator_->on_verify_done(20, v.id, crypto::verify_each(v.checks), out);
  const auto reasons = rejections(out);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].rfind("unknown_input", 0), 0u) << reasons[0];
}

}  // namespace
}  // namespace ios::sim
