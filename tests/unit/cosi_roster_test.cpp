// CosiRoster: the precomputed-total aggregate agrees with summing the enabled keys, for masks
// on both sides of half, and refuses what aggregate_key refuses.
#include <gtest/gtest.h>

#include "node/crypto/cosi.hpp"
#include "node/crypto/hash.hpp"
#include "support/test_support.hpp"

using namespace ios;

namespace {

// The chain the test keys' proofs of possession are bound to.
const ios::core::ByteView test_chain = ios::core::as_bytes("ios-test-chain");

std::vector<crypto::CosiKey> make_keys(std::size_t n) {
  std::vector<crypto::CosiKey> keys;
  for (std::size_t i = 0; i < n; ++i) {
    crypto::Seed seed(core::ByteArray<32>{static_cast<std::uint8_t>(i), 9});
    crypto::SigningKey k(seed);
    keys.push_back(*crypto::CosiKey::admit(k.public_key(), test_chain, 0, crypto::make_pop(k, test_chain, 0)));
  }
  return keys;
}

}  // namespace

TEST(CosiRoster, AggregateMatchesSummingTheEnabledKeys) {
  crypto::init();
  auto rng = test::seeded_rng("ios/test/cosi-roster", 3);
  for (std::size_t n : {1u, 2u, 7u, 33u}) {
    auto keys = make_keys(n);
    auto roster = crypto::CosiRoster::create(keys);
    ASSERT_TRUE(roster.ok());
    for (int trial = 0; trial < 40; ++trial) {
      crypto::CosiMask mask(n);
      const std::uint64_t p = rng.uniform(101);  // percent present: both code paths
      for (std::size_t i = 0; i < n; ++i) mask.set(i, rng.uniform(100) < p);
      auto fast = roster->aggregate(mask);
      auto slow = crypto::aggregate_key(keys, mask);
      ASSERT_EQ(fast.ok(), slow.ok()) << "n " << n << " present " << mask.count();
      if (fast.ok()) {
        EXPECT_EQ(*fast, *slow) << "n " << n << " present " << mask.count();
      }
    }
    EXPECT_FALSE(roster->aggregate(crypto::CosiMask(n + 1)).ok());
  }
}

TEST(CosiRoster, RefusesDuplicatesAndEmpty) {
  crypto::init();
  auto keys = make_keys(3);
  keys.push_back(keys[1]);
  auto r = crypto::CosiRoster::create(keys);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, core::Reject::duplicate);
  EXPECT_FALSE(crypto::CosiRoster::create({}).ok());
  EXPECT_FALSE(crypto::CosiRoster().aggregate(crypto::CosiMask(0)).ok());
}
