// Whitepaper Algorithm 1 ranking: smallest beta wins, two backups, invalid tickets excluded,
// one ticket per key; ticket encoding is canonical.
#include <gtest/gtest.h>

#include <algorithm>

#include "node/crypto/hash.hpp"
#include "node/protocol/lottery/ranking.hpp"

using namespace ios;
using namespace ios::protocol::lottery;

namespace {

struct Validator {
  crypto::VrfSecretKey key;
  explicit Validator(std::uint8_t i) : key(crypto::Seed(core::ByteArray<32>{i, 1, 2, 3})) {}
};

LotteryContext ctx(std::uint64_t epoch = 3, std::uint64_t view = 0) {
  LotteryContext c;
  c.config_hash.fill(0x5a);
  c.epoch = epoch;
  c.view = view;
  return c;
}

}  // namespace

TEST(Lottery, AlphaBindsConfigEpochAndView) {
  auto a = leader_alpha(ctx(3, 0));
  EXPECT_EQ(a.size(), 13u + 32 + 8 + 8);
  EXPECT_NE(a, leader_alpha(ctx(4, 0)));
  EXPECT_NE(a, leader_alpha(ctx(3, 1)));
  auto other = ctx(3, 0);
  other.config_hash[31] ^= 1;
  EXPECT_NE(a, leader_alpha(other));
}

TEST(Lottery, RankOrdersByBetaWithTwoBackups) {
  crypto::init();
  std::vector<LotteryTicket> tickets;
  std::vector<Validator> vs;
  for (std::uint8_t i = 0; i < 10; ++i) vs.emplace_back(i);
  auto alpha = leader_alpha(ctx());
  for (auto& v : vs) tickets.push_back({v.key.public_key(), v.key.prove(alpha)});
  auto ranking = rank_tickets(tickets, ctx());
  ASSERT_EQ(ranking.ranked.size(), 10u);
  EXPECT_TRUE(ranking.invalid.empty());
  EXPECT_TRUE(std::is_sorted(ranking.ranked.begin(), ranking.ranked.end(), ranks_before));
  std::vector<crypto::VrfOutput> betas;
  for (auto& t : tickets) betas.push_back(*crypto::vrf_proof_to_hash(t.proof));
  EXPECT_EQ(ranking.leader()->beta, *std::min_element(betas.begin(), betas.end()));
  ASSERT_EQ(ranking.backups().size(), 2u);
  EXPECT_EQ(ranking.backups()[0].beta, ranking.ranked[1].beta);
  // The order does not depend on the order tickets arrived in.
  std::reverse(tickets.begin(), tickets.end());
  auto again = rank_tickets(tickets, ctx());
  EXPECT_EQ(again.leader()->vrf_key, ranking.leader()->vrf_key);
}

TEST(Lottery, ForgedStaleAndDuplicateTicketsExcluded) {
  crypto::init();
  Validator a(1), b(2), c(3);
  auto alpha = leader_alpha(ctx());
  std::vector<LotteryTicket> tickets{
      {a.key.public_key(), a.key.prove(alpha)},
      {b.key.public_key(), b.key.prove(leader_alpha(ctx(3, 1)))},  // made for another view
      {c.key.public_key(), a.key.prove(alpha)},                    // a's proof claimed by c
      {a.key.public_key(), a.key.prove(alpha)},                    // a twice
  };
  auto ranking = rank_tickets(tickets, ctx());
  ASSERT_EQ(ranking.ranked.size(), 1u);
  EXPECT_EQ(ranking.leader()->vrf_key, a.key.public_key());
  EXPECT_TRUE(ranking.backups().empty());
  ASSERT_EQ(ranking.invalid.size(), 3u);
  EXPECT_EQ(ranking.invalid[0].input_index, 1u);
  EXPECT_EQ(ranking.invalid[1].input_index, 2u);
  EXPECT_EQ(ranking.invalid[2].input_index, 3u);
  EXPECT_EQ(ranking.invalid[2].reason.reason, core::Reject::duplicate);
}

TEST(Lottery, TieBreaksOnPublicKey) {
  RankedTicket x, y;
  x.beta.fill(7);
  y.beta.fill(7);
  x.vrf_key.fill(1);
  y.vrf_key.fill(2);
  EXPECT_TRUE(ranks_before(x, y));
  EXPECT_FALSE(ranks_before(y, x));
  // beta is compared big-endian: the first byte dominates.
  y.beta[0] = 6;
  EXPECT_TRUE(ranks_before(y, x));
}

TEST(Lottery, TicketEncodingIsCanonical) {
  crypto::init();
  Validator a(9);
  LotteryTicket t{a.key.public_key(), a.key.prove(leader_alpha(ctx()))};
  auto bytes = encode(t);
  ASSERT_EQ(bytes.size(), 113u);
  auto back = decode_ticket(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->vrf_key, t.vrf_key);
  EXPECT_EQ(back->proof, t.proof);
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(decode_ticket(longer).error().reason, core::Reject::trailing_bytes);
  EXPECT_EQ(decode_ticket(core::ByteView(bytes.data(), 100)).error().reason, core::Reject::truncated);
  bytes[0] = 2;
  EXPECT_EQ(decode_ticket(bytes).error().reason, core::Reject::unknown_version);
}
