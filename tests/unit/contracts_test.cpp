// System contracts (contracts/): every refusal of the token contract, Servi issue and clear,
// the believability formula, slashing and compensation amounts, and conservation of the
// total supply by each contract applied to a real LedgerState.
#include <gtest/gtest.h>

#include <map>

#include "contracts/believability.hpp"
#include "contracts/servi.hpp"
#include "contracts/slashing.hpp"
#include "contracts/token.hpp"
#include "node/chain/genesis.hpp"
#include "node/crypto/hash.hpp"
#include "node/ledger/ledger_state.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::contracts {
namespace {

using chain::Asset;
using chain::OutPoint;
using chain::Tx;
using chain::TxOutput;
using core::Reject;

using test::account_key;
using test::addr;
using test::validator;

// A map-based view, for states the ledger itself would never build (a Servi output).
class FakeView final : public LedgerView {
 public:
  const TxOutput* find_output(const OutPoint& op) const override {
    auto it = outputs.find(op);
    return it == outputs.end() ? nullptr : &it->second;
  }
  const ValidatorAccount* find_validator(const crypto::PublicKey& k) const override {
    auto it = validators.find(k);
    return it == validators.end() ? nullptr : &it->second;
  }
  chain::Amount slashed_pool() const override { return pool; }
  ShardScope shard_scope() const override { return scope; }

  std::map<OutPoint, TxOutput> outputs;
  ShardScope scope;
  std::map<crypto::PublicKey, ValidatorAccount> validators;
  chain::Amount pool = 0;
};

struct ContractsTest : ::testing::Test {
  crypto::SigningKey alice = account_key(1), bob = account_key(2);
  crypto::Identity producer = validator(1), leader = validator(2);
  chain::Genesis genesis = make_genesis();
  ledger::LedgerState state = ledger::LedgerState::from_genesis(genesis);
  core::ByteView chain_id = genesis.chain_id_bytes();

  chain::Genesis make_genesis() {
    chain::Genesis g;
    g.chain_id = "ios-contracts-test";
    g.validators = {chain::GenesisValidator{producer.registration(core::as_bytes(g.chain_id)), 10000, 2, 0},
                    chain::GenesisValidator{leader.registration(core::as_bytes(g.chain_id)), 400, 5, 0}};
    g.allocations = {chain::GenesisAllocation{addr(alice), 1000}, chain::GenesisAllocation{addr(bob), 300}};
    return g;
  }
  const crypto::PublicKey& producer_key() const { return producer.public_identity().signing; }
  const crypto::PublicKey& leader_key() const { return leader.public_identity().signing; }
  Tx pay(chain::Amount to_bob, chain::Amount change, chain::Amount fee) {
    return test::transfer_with_change(alice, chain::genesis_outpoint(0), addr(bob), to_bob, change, fee, 1, chain_id);
  }
};

TEST_F(ContractsTest, TransferSpendsCreatesAndPaysTheFee) {
  auto tx = pay(600, 390, 10);
  auto change = transfer(state, tx, producer_key(), 1);
  ASSERT_TRUE(change.ok()) << change.error().message();
  EXPECT_EQ(change->spent, std::vector<OutPoint>{chain::genesis_outpoint(0)});
  ASSERT_EQ(change->created.size(), 2u);
  EXPECT_EQ(change->created[1].first, (OutPoint{chain::tx_hash(tx), 1}));
  EXPECT_EQ(change->created[1].second.amount, 390u);
  EXPECT_EQ(change->fee_credits, (std::vector<FeeCredit>{{producer_key(), 10}}));
  const auto supply = state.total_supply();
  ASSERT_TRUE(state.apply(*change).ok());
  EXPECT_EQ(state.total_supply(), supply);
  EXPECT_EQ(state.balance(addr(bob)), 900u);
  EXPECT_EQ(state.balance(addr(alice)), 390u);
  EXPECT_EQ(state.find_validator(producer_key())->fees, 10u);
}

TEST_F(ContractsTest, TransferRefusals) {
  auto tx = pay(600, 390, 10);
  EXPECT_EQ(transfer(state, pay(600, 395, 10), producer_key(), 1).error().reason, Reject::bad_amount);  // mints 5
  EXPECT_EQ(transfer(state, pay(600, 380, 10), producer_key(), 1).error().reason, Reject::bad_amount);  // burns 10
  EXPECT_EQ(transfer(state, pay(995, 5, 0), producer_key(), 1).error().reason, Reject::fee_too_low);
  EXPECT_TRUE(transfer(state, pay(995, 5, 0), producer_key(), 0).ok());
  Tx t = tx;
  t.inputs[0].prev.index = 9;
  EXPECT_EQ(transfer(state, t, producer_key(), 1).error().reason, Reject::unknown_input);
  t = chain::make_transfer({{chain::genesis_outpoint(0), &bob}}, tx.outputs, 10, 1,
                           chain_id);  // bob signs alice's coin
  EXPECT_EQ(transfer(state, t, producer_key(), 1).error().reason, Reject::wrong_owner);
  t = tx;
  t.outputs[1].asset = Asset::servi;
  EXPECT_EQ(transfer(state, t, producer_key(), 1).error().reason, Reject::servi_not_transferable);
  t = chain::make_transfer({{chain::genesis_outpoint(0), &alice}, {chain::genesis_outpoint(0), &alice}}, tx.outputs, 10,
                           1, chain_id);
  EXPECT_EQ(transfer(state, t, producer_key(), 1).error().reason, Reject::double_spend);
  EXPECT_EQ(transfer(state, tx, alice.public_key(), 1).error().reason, Reject::unknown_validator);
  FakeView view;
  view.outputs[chain::genesis_outpoint(0)] = TxOutput{addr(alice), Asset::ios, 1000};
  view.validators[producer_key()] = ValidatorAccount{producer_key(), 0, 0, 0, 0, true};
  EXPECT_EQ(transfer(view, tx, producer_key(), 1).error().reason, Reject::slashed);
  view.validators[producer_key()].slashed = false;
  EXPECT_TRUE(transfer(view, tx, producer_key(), 1).ok());
  view.outputs[chain::genesis_outpoint(0)].asset = Asset::servi;
  EXPECT_EQ(transfer(view, tx, producer_key(), 1).error().reason, Reject::servi_not_transferable);
  view.outputs[chain::genesis_outpoint(0)] = TxOutput{addr(alice), Asset::ios, UINT64_MAX};
  view.outputs[chain::genesis_outpoint(1)] = TxOutput{addr(alice), Asset::ios, 1};
  t = chain::make_transfer({{chain::genesis_outpoint(0), &alice}, {chain::genesis_outpoint(1), &alice}}, tx.outputs, 10,
                           1, chain_id);
  EXPECT_EQ(transfer(view, t, producer_key(), 1).error().reason, Reject::amount_overflow);
}

// With m shards a shard's ledger takes payments of its own payers to its own payees only
// (docs/DESIGN.md §4 "State"). An output to another shard's address would be a coin that no
// shard can ever spend; a payer of another shard belongs to another shard's ledger.
TEST_F(ContractsTest, TransfersStayInsideTheLedgersShard) {
  const auto tx = pay(600, 390, 10);  // alice pays bob, change to alice
  FakeView view;
  view.outputs[chain::genesis_outpoint(0)] = TxOutput{addr(alice), Asset::ios, 1000};
  view.validators[producer_key()] = ValidatorAccount{producer_key(), 0, 0, 0, 0, false};
  // Find a shard count that separates alice from bob, and one that keeps them together.
  std::uint32_t apart = 0, together = 0;
  for (std::uint32_t m = 2; m < 64 && (apart == 0 || together == 0); ++m) {
    const bool same = addr(alice).shard(m) == addr(bob).shard(m);
    if (same && together == 0) together = m;
    if (!same && apart == 0) apart = m;
  }
  ASSERT_NE(apart, 0u);
  ASSERT_NE(together, 0u);

  view.scope = {addr(alice).shard(together), together};
  EXPECT_TRUE(transfer(view, tx, producer_key(), 1).ok()) << "payer and payees in this shard";
  view.scope = {(addr(alice).shard(together) + 1) % together, together};
  auto wrong = transfer(view, tx, producer_key(), 1);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().reason, Reject::wrong_shard) << wrong.error().message();

  view.scope = {addr(alice).shard(apart), apart};
  auto cross = transfer(view, tx, producer_key(), 1);
  ASSERT_FALSE(cross.ok());
  EXPECT_EQ(cross.error().reason, Reject::cross_shard);
  EXPECT_NE(cross.error().detail.find("output 0"), std::string::npos) << "names the output: " << cross.error().detail;
  // A self-payment stays inside alice's shard, whatever m.
  const auto self = test::transfer_with_change(alice, chain::genesis_outpoint(0), addr(alice), 600, 390, 10, 1, chain_id);
  EXPECT_TRUE(transfer(view, self, producer_key(), 1).ok());
  // And a ledger built for one shard of a genesis holds that shard's allocations only.
  auto g = genesis;
  g.policy.shards = apart;
  const auto mine = ledger::LedgerState::from_genesis_shard(g, addr(alice).shard(apart));
  EXPECT_EQ(mine.balance(addr(alice)), 1000u);
  EXPECT_EQ(mine.balance(addr(bob)), 0u) << "bob's allocation lives in the other shard";
  EXPECT_EQ(mine.shard_scope().shard, addr(alice).shard(apart));
  EXPECT_EQ(mine.shard_scope().shard_count, apart);
}

TEST_F(ContractsTest, ServiIssueAndClear) {
  const std::vector<crypto::PublicKey> both{producer_key(), leader_key()};
  auto issued = issue_servi(state, both, 1);
  ASSERT_TRUE(issued.ok());
  const auto supply = state.total_supply();
  ASSERT_TRUE(state.apply(*issued).ok());
  EXPECT_EQ(state.find_validator(producer_key())->servi, 3u);
  EXPECT_EQ(state.find_validator(leader_key())->servi, 6u);
  auto cleared = clear_servi(state, leader_key());
  ASSERT_TRUE(cleared.ok());
  ASSERT_TRUE(state.apply(*cleared).ok());
  EXPECT_EQ(state.find_validator(leader_key())->servi, 0u);
  EXPECT_EQ(state.total_supply(), supply);  // Servi is not money
  const std::vector<crypto::PublicKey> stranger{alice.public_key()};
  EXPECT_EQ(issue_servi(state, stranger, 1).error().reason, Reject::unknown_validator);
  EXPECT_EQ(clear_servi(state, alice.public_key()).error().reason, Reject::unknown_validator);
}

TEST(Believability, IsqrtIsExact) {
  for (std::uint64_t r : {0ull, 1ull, 2ull, 3ull, 15ull, 16ull, 65535ull, 65536ull, 4294967295ull}) {
    EXPECT_EQ(isqrt(r * r), r);
    if (r > 0) {
      EXPECT_EQ(isqrt(r * r - 1), r - 1);
    }
  }
  EXPECT_EQ(isqrt(UINT64_MAX), 4294967295u);
}

TEST(Believability, FormulaMonotoneAndSlashedZero) {
  ValidatorAccount a;
  a.stake = 10000;
  a.servi = 3;
  a.reviews = 10;
  EXPECT_EQ(believability_score(a), 100u + 12u + 40u);
  auto more = a;
  more.stake = 10201;
  EXPECT_GT(believability_score(more), believability_score(a));
  more = a;
  more.servi = 4;
  EXPECT_GT(believability_score(more), believability_score(a));
  more = a;
  more.reviews = 11;
  EXPECT_GT(believability_score(more), believability_score(a));
  more = a;
  more.reviews = 1'000'000;  // clamped
  EXPECT_EQ(believability_score(more), 100u + 12u + 4u * 256u);
  more.reviews = -1'000'000;
  EXPECT_EQ(believability_score(more), 0u);  // never negative
  more = a;
  more.servi = UINT64_MAX;
  more.stake = UINT64_MAX;
  more.reviews = INT64_MAX;
  EXPECT_EQ(believability_score(more), 4294967295ull + 4ull * (1ull << 20) + 1024ull);
  more.slashed = true;
  EXPECT_EQ(believability_score(more), 0u);
  // 100x the stake buys 10x the stake term.
  ValidatorAccount small, big;
  small.stake = 1'000'000;
  big.stake = 100'000'000;
  EXPECT_EQ(believability_score(big), 10 * believability_score(small));
}

struct SlashingTest : ContractsTest {
  chain::OptimisticBlock block;
  chain::FraudProof proof;
  Tx forged;

  void SetUp() override {
    // The producer vouches for a "payment" from alice to itself that alice never signed.
    forged = pay(990, 0, 10);
    forged.inputs[0].witness[0] ^= 1;
    block = chain::make_optimistic_block(producer.signing_key(), chain_id, chain::OptimisticHeader{}, {forged});
    proof = chain::make_fraud_proof(block, 0);
  }
};

TEST_F(SlashingTest, SlashMovesStakeAndFeesToThePool) {
  const auto paid = pay(600, 390, 10);
  ASSERT_TRUE(state.apply(*transfer(state, paid, producer_key(), 1)).ok());  // fees 10
  const auto supply = state.total_supply();
  auto change = slash(state, producer_key(), proof, chain_id);
  ASSERT_TRUE(change.ok()) << change.error().message();
  EXPECT_EQ(change->slashed, (std::vector<Slash>{{producer_key(), 10000, 10}}));
  ASSERT_TRUE(state.apply(*change).ok());
  const auto* p = state.find_validator(producer_key());
  EXPECT_TRUE(p->slashed);
  EXPECT_EQ(p->stake, 0u);
  EXPECT_EQ(p->fees, 0u);
  EXPECT_EQ(p->servi, 0u);
  EXPECT_EQ(believability_score(*p), 0u);
  EXPECT_EQ(state.slashed_pool(), 10010u);
  EXPECT_EQ(state.total_supply(), supply);
  EXPECT_EQ(slash(state, producer_key(), proof, chain_id).error().reason, Reject::slashed);
  auto spend_change = chain::make_transfer({{OutPoint{chain::tx_hash(paid), 1}, &alice}},
                                           {TxOutput{addr(bob), Asset::ios, 385}}, 5, 2, chain_id);
  EXPECT_EQ(transfer(state, spend_change, producer_key(), 1).error().reason, Reject::slashed);
  EXPECT_TRUE(transfer(state, spend_change, leader_key(), 1).ok());
  EXPECT_EQ(clear_servi(state, producer_key()).error().reason, Reject::slashed);
}

TEST_F(SlashingTest, SlashRefusals) {
  EXPECT_EQ(slash(state, leader_key(), proof, chain_id).error().reason, Reject::bad_proof);
  auto honest = chain::make_optimistic_block(producer.signing_key(), chain_id, {}, {pay(600, 390, 10)});
  EXPECT_EQ(slash(state, producer_key(), chain::make_fraud_proof(honest, 0), chain_id).error().reason,
            Reject::bad_proof);
  auto bad_sig = proof;
  bad_sig.header_signature[0] ^= 1;
  EXPECT_EQ(slash(state, producer_key(), bad_sig, chain_id).error().reason, Reject::bad_signature);
  auto stranger = validator(9);
  auto theirs = chain::make_optimistic_block(stranger.signing_key(), chain_id, {}, {forged});
  EXPECT_EQ(
      slash(state, stranger.public_identity().signing, chain::make_fraud_proof(theirs, 0), chain_id).error().reason,
      Reject::unknown_validator);
  // A stale Slash record (the account changed since) is refused by the ledger.
  auto change = slash(state, producer_key(), proof, chain_id);
  ASSERT_TRUE(state.apply(*transfer(state, pay(600, 390, 10), producer_key(), 1)).ok());
  EXPECT_EQ(state.apply(*change).error().reason, Reject::bad_proof);
}

TEST_F(SlashingTest, CompensationPaysExactlyAndRecordsShortfall) {
  ASSERT_TRUE(state.apply(*slash(state, producer_key(), proof, chain_id)).ok());
  ASSERT_EQ(state.slashed_pool(), 10000u);
  const auto supply = state.total_supply();
  const auto id = chain::tx_hash(forged);
  std::vector<TxOutput> stolen{TxOutput{addr(alice), Asset::ios, 1000}, TxOutput{addr(bob), Asset::ios, 300}};
  auto change = compensate(state, id, stolen);
  EXPECT_EQ(change.pool_paid, 1300u);
  EXPECT_EQ(change.compensation_shortfall, 0u);
  ASSERT_EQ(change.created.size(), 2u);
  EXPECT_EQ(change.created[0].first, compensation_outpoint(id, 0));
  EXPECT_EQ(change.created[0].first.tx, crypto::sha256({core::as_bytes("IOS/v1/compensation"), id}));
  EXPECT_EQ(change.created[1].second, (TxOutput{addr(bob), Asset::ios, 300}));
  ASSERT_TRUE(state.apply(change).ok());
  EXPECT_EQ(state.slashed_pool(), 8700u);
  EXPECT_EQ(state.balance(addr(alice)), 2000u);
  EXPECT_EQ(state.total_supply(), supply);
  // The same compensation twice would create the same outputs: refused.
  EXPECT_EQ(state.apply(compensate(state, id, stolen)).error().reason, Reject::duplicate);

  // A pool smaller than the theft pays in order and records the rest.
  std::vector<TxOutput> big{TxOutput{addr(bob), Asset::ios, 8000}, TxOutput{addr(alice), Asset::ios, 1000},
                            TxOutput{addr(bob), Asset::ios, 50}};
  auto partial = compensate(state, crypto::sha256(core::as_bytes("other")), big);
  EXPECT_EQ(partial.pool_paid, 8700u);
  EXPECT_EQ(partial.compensation_shortfall, 350u);
  ASSERT_EQ(partial.created.size(), 2u);
  EXPECT_EQ(partial.created[1].second.amount, 700u);
  EXPECT_EQ(partial.created[1].first.index, 1u);
  ASSERT_TRUE(state.apply(partial).ok());
  EXPECT_EQ(state.slashed_pool(), 0u);
  EXPECT_EQ(state.total_supply(), supply);
}

}  // namespace
}  // namespace ios::contracts
