// The door's view of this node's own unfinalized submissions (node/protocol/client/
// submitted_outputs.hpp): their outputs can be spent at once, their inputs are spent, and
// they leave on final, exclusion, rejection, expiry or the bound.
#include "node/protocol/client/submitted_outputs.hpp"

#include <gtest/gtest.h>

#include "support/chain_fixtures.hpp"

namespace ios::protocol::client {
namespace {

const core::ShardId S0{0};

using test::addr;
using test::chain_id;

// The final state: a fixed set of outputs.
class FinalState final : public contracts::LedgerView {
 public:
  std::map<chain::OutPoint, chain::TxOutput> utxos;
  const chain::TxOutput* find_output(const chain::OutPoint& o) const override {
    auto it = utxos.find(o);
    return it == utxos.end() ? nullptr : &it->second;
  }
  const contracts::ValidatorAccount* find_validator(const crypto::PublicKey&) const override { return nullptr; }
  chain::Amount slashed_pool() const override { return 0; }
  contracts::ShardScope shard_scope() const override { return {}; }
};

struct SubmittedOutputsTest : ::testing::Test {
  crypto::SigningKey alice = test::seeded_key(1);
  chain::OutPoint coin = test::outpoint("coin", 0);
  FinalState final_state;
  SubmittedOutputs pending;
  chain::Tx parent = test::self_transfer(alice, coin, 99, 1, chain_id);
  chain::OutPoint change{chain::tx_hash(parent), 0};

  SubmittedOutputsTest() { final_state.utxos[coin] = chain::TxOutput{addr(alice), chain::Asset::ios, 100}; }
};

TEST_F(SubmittedOutputsTest, APendingTxsOutputsAreSpendableAndItsInputsSpent) {
  EXPECT_EQ(pending.over(final_state).find_output(change), nullptr);
  pending.add(parent, S0, 5, 0);
  const auto view = pending.over(final_state);
  ASSERT_NE(view.find_output(change), nullptr);
  EXPECT_EQ(view.find_output(change)->amount, 99u);
  EXPECT_EQ(view.find_output(coin), nullptr);  // a second spend of the coin is refused at the door
  EXPECT_EQ(view.find_output(chain::OutPoint{chain::tx_hash(parent), 1}), nullptr);  // no such output
}

TEST_F(SubmittedOutputsTest, SettledTxsLeaveAndTheirInputsComeBack) {
  pending.add(parent, S0, 5, 0);
  pending.add(parent, S0, 6, 0);  // a resubmission changes nothing
  EXPECT_EQ(pending.size(), 1u);
  pending.settle(chain::tx_hash(parent));  // e.g. rejected by the believable validator
  EXPECT_EQ(pending.size(), 0u);
  EXPECT_EQ(pending.over(final_state).find_output(change), nullptr);
  EXPECT_NE(pending.over(final_state).find_output(coin), nullptr);
}

TEST_F(SubmittedOutputsTest, ASubmissionLostOnTheWayExpiresAfterItsBlocks) {
  pending.add(parent, S0, 5, 0);
  pending.expire(S0, 5 + submitted_outputs_blocks_max);
  EXPECT_EQ(pending.size(), 1u);
  pending.expire(S0, 5 + submitted_outputs_blocks_max + 1);
  EXPECT_EQ(pending.size(), 0u);
  EXPECT_NE(pending.over(final_state).find_output(coin), nullptr);
}

// A node hosts two shards while it moves between them (TransEpoch), and their heights differ:
// one shard's blocks must not expire the other's submissions.
TEST_F(SubmittedOutputsTest, OneShardsHeightsNeverExpireAnothersSubmissions) {
  pending.add(parent, S0, 5, 0);
  pending.expire(core::ShardId{1}, 5 + submitted_outputs_blocks_max + 1000);
  EXPECT_EQ(pending.size(), 1u) << "shard 1's height said nothing of shard 0's";
  pending.expire(S0, 5 + submitted_outputs_blocks_max + 1);
  EXPECT_EQ(pending.size(), 0u);
}

// A shard the node left never advances again; an entry of it must not hold back the expiry of
// the shard it serves now (review of the client door: one queue for all shards stopped at the
// left shard's entry, and every lost submission behind it shadowed the final state for ever).
TEST_F(SubmittedOutputsTest, AShardThatStoppedAdvancingHoldsBackNoOtherShardsExpiry) {
  const auto left = test::self_transfer(test::seeded_key(2), test::outpoint("other", 0), 50, 1, chain_id);
  pending.add(left, core::ShardId{1}, 7, 0);  // first in, of the shard the node then left
  pending.add(parent, S0, 5, 0);
  pending.expire(S0, 5 + submitted_outputs_blocks_max + 1);
  EXPECT_FALSE(pending.contains(chain::tx_hash(parent))) << "shard 0's entry expired behind shard 1's";
  EXPECT_TRUE(pending.contains(chain::tx_hash(left)));
}

// Only those the tx was sent to may answer for it.
TEST_F(SubmittedOutputsTest, AnEntryRemembersWhomItWasSentTo) {
  pending.add(parent, S0, 5, 0);
  const auto h = chain::tx_hash(parent);
  EXPECT_FALSE(pending.was_sent_to(h, 3));
  pending.sent_to(h, 3);
  pending.sent_to(h, 3);
  EXPECT_TRUE(pending.was_sent_to(h, 3));
  EXPECT_FALSE(pending.was_sent_to(h, 4));
  pending.settle(h);
  EXPECT_FALSE(pending.was_sent_to(h, 3));
}

TEST_F(SubmittedOutputsTest, TwoPendingSpendsOfOneInputKeepItSpentUntilBothSettle) {
  const auto other = test::self_transfer(alice, coin, 98, 2, chain_id);  // the door would refuse it; a resubmit race
  pending.add(parent, S0, 5, 0);
  pending.add(other, S0, 5, 0);
  pending.settle(chain::tx_hash(parent));
  EXPECT_EQ(pending.over(final_state).find_output(coin), nullptr);
  pending.settle(chain::tx_hash(other));
  EXPECT_NE(pending.over(final_state).find_output(coin), nullptr);
}

// What GET /v1/accounts lists on top of the final outputs (issue 10: a second send from the
// same account picked the coin the first one had spent).
TEST_F(SubmittedOutputsTest, AnAccountSeesItsPendingOutputsAndWhichInputsArePending) {
  EXPECT_TRUE(pending.outputs_to(addr(alice)).empty());
  EXPECT_FALSE(pending.spends(coin));
  pending.add(parent, S0, 5, 0);
  EXPECT_TRUE(pending.contains(chain::tx_hash(parent)));
  EXPECT_TRUE(pending.spends(coin));
  const auto outs = pending.outputs_to(addr(alice));
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].first, change);
  EXPECT_EQ(outs[0].second.amount, 99u);
  // A child spending the change: the change is now spent, the child's output listed.
  const auto child = test::self_transfer(alice, change, 98, 3, chain_id);
  pending.add(child, S0, 5, 0);
  EXPECT_TRUE(pending.spends(change));
  EXPECT_EQ(pending.outputs_to(addr(alice)).size(), 2u);
  pending.settle(chain::tx_hash(parent));
  pending.settle(chain::tx_hash(child));
  EXPECT_TRUE(pending.outputs_to(addr(alice)).empty());
  EXPECT_FALSE(pending.contains(chain::tx_hash(parent)));
}

// A held tx POSTed again in a loop is sent on at most once per interval (review of issue 10:
// every re-POST became a frame to the believable validator and a fresh signed receipt).
TEST_F(SubmittedOutputsTest, AHeldTxIsSentOnAgainAtMostOncePerInterval) {
  pending.add(parent, S0, 5, 1000);
  const auto h = chain::tx_hash(parent);
  EXPECT_FALSE(pending.resend_due(h, 1000));
  EXPECT_FALSE(pending.resend_due(h, 1000 + submitted_resend_interval_ms - 1));
  EXPECT_EQ(pending.resend_due(h, 1000 + submitted_resend_interval_ms), 1u);  // sent once before
  EXPECT_FALSE(pending.resend_due(h, 1000 + submitted_resend_interval_ms + 1));
  EXPECT_EQ(pending.resend_due(h, 1000 + 2 * submitted_resend_interval_ms), 2u);
  EXPECT_FALSE(pending.resend_due(chain::tx_hash(test::self_transfer(alice, coin, 1, 9, chain_id)), 99'999));
}

}  // namespace
}  // namespace ios::protocol::client
