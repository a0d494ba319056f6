// What a node answers about transactions submitted through its API (node/protocol/client/
// tx_tracker.hpp), in particular refusals at the door: kept with their reason, bounded, and
// never shadowing a submission (issue 10: a refused transfer read as unknown a moment later).
#include "node/protocol/client/tx_tracker.hpp"

#include <gtest/gtest.h>

namespace ios::protocol::client {
namespace {

core::Hash32 id(std::uint64_t n) {
  core::Hash32 h{};
  for (std::size_t i = 0; i < 8; ++i) h[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return h;
}

TEST(TxTracker, ARefusalIsRememberedWithItsReason) {
  TxTracker t;
  EXPECT_FALSE(t.find_refusal(id(1)));
  t.refused(id(1), "unknown_input: input 0");
  const auto r = t.find_refusal(id(1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, TxState::rejected);
  EXPECT_EQ(r->reason, "unknown_input: input 0");
  EXPECT_FALSE(t.find(id(1)));  // not a submission
}

TEST(TxTracker, ARefusalNeverShadowsASubmission) {
  TxTracker t;
  t.submitted(id(1));
  t.refused(id(1), "unknown_input: input 0");  // e.g. the same tx sent again with forged witnesses
  EXPECT_FALSE(t.find_refusal(id(1)));
  EXPECT_EQ(t.find(id(1))->state, TxState::pending);
  // Refused first, accepted later: the refusal is forgotten.
  t.refused(id(2), "fee_too_low");
  t.submitted(id(2));
  EXPECT_FALSE(t.find_refusal(id(2)));
  EXPECT_EQ(t.find(id(2))->state, TxState::pending);
}

TEST(TxTracker, RefusalsAreBoundedOldestFirstAndReasonsCut) {
  TxTracker t;
  t.refused(id(0), std::string(10 * refusal_reason_bytes_max, 'x'));
  EXPECT_EQ(t.find_refusal(id(0))->reason.size(), refusal_reason_bytes_max);
  for (std::uint64_t n = 1; n <= refused_txs_max; ++n) t.refused(id(n), "r");
  EXPECT_FALSE(t.find_refusal(id(0)));
  EXPECT_TRUE(t.find_refusal(id(1)));
  EXPECT_TRUE(t.find_refusal(id(refused_txs_max)));
  // A refusal forgotten by a submission and refused again keeps its newer place in the order.
  t.submitted(id(1));
  t.refused(id(2), "again");
  t.refused(id(refused_txs_max + 1), "r");
  EXPECT_TRUE(t.find_refusal(id(2)));
  EXPECT_EQ(t.find_refusal(id(2))->reason, "again");
}

TEST(TxTracker, AnOptimisticReceiptIsKeptWithItsProducerAndBlock) {
  TxTracker t;
  const crypto::PublicKey producer{7};
  const core::Hash32 block = id(99);
  t.optimistic(id(1), producer, block);  // not submitted here: nothing to record
  EXPECT_FALSE(t.receipt(id(1)));
  t.submitted(id(1));
  t.optimistic(id(1), producer, block);
  EXPECT_EQ(t.find(id(1))->state, TxState::optimistic);
  ASSERT_TRUE(t.receipt(id(1)));
  EXPECT_EQ(t.receipt(id(1))->producer, producer);
  EXPECT_EQ(t.receipt(id(1))->optimistic_block, block);
}

}  // namespace
}  // namespace ios::protocol::client
