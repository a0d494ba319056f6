// The believable-league draw and the VRF transaction sampler of PoB (docs/PROTOCOLS.md §12).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/identity.hpp"
#include "node/protocol/pob/league.hpp"
#include "node/protocol/pob/sampler.hpp"

namespace ios::protocol::pob {
namespace {

const bool sodium_ready = (crypto::init(), true);

core::Hash32 rnd(std::uint64_t i) {
  core::Writer w;
  w.u64(i);
  return crypto::sha256(w.view());
}

crypto::VrfSecretKey vrf_key(std::uint8_t i) {
  crypto::Seed seed;
  std::fill(seed.data(), seed.data() + seed.size(), i);
  return crypto::VrfSecretKey(seed);
}

TEST(BelievableLeague, DeterministicDistinctAndIndependentOfInputOrder) {
  std::vector<LeagueCandidate> c;
  for (std::uint32_t i = 0; i < 10; ++i) c.push_back({i, 10 + i});
  const auto a = draw_believable_league(c, 4, rnd(1));
  std::reverse(c.begin(), c.end());
  const auto b = draw_believable_league(c, 4, rnd(1));
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(std::set<std::uint32_t>(a.begin(), a.end()).size(), 4u);
  EXPECT_NE(draw_believable_league(c, 4, rnd(2)), a);  // other randomness, other league (for these seeds)
}

TEST(BelievableLeague, ZeroScoreNeverChosenAndLeagueShrinks) {
  std::vector<LeagueCandidate> c{{0, 0}, {1, 5}, {2, 0}, {3, 7}};
  for (std::uint64_t s = 0; s < 200; ++s) {
    const auto l = draw_believable_league(c, 3, rnd(s));
    ASSERT_EQ(l.size(), 2u);
    for (auto i : l) EXPECT_TRUE(i == 1 || i == 3);
  }
}

TEST(BelievableLeague, HigherScoreChosenMoreOften) {
  // Scores 1 and 9: a single seat goes to the heavy candidate about 90% of the time.
  std::vector<LeagueCandidate> c{{0, 1}, {1, 9}};
  int heavy = 0;
  const int trials = 2000;
  for (int s = 0; s < trials; ++s) heavy += draw_believable_league(c, 1, rnd(static_cast<std::uint64_t>(s)))[0] == 1;
  // Binomial(2000, 0.9): mean 1800, sd 13.4; 6 sd either side cannot fail by chance.
  EXPECT_NEAR(heavy, 1800, 81);
}

TEST(TxSampler, RateOneSamplesAllRateZeroNone) {
  const auto key = vrf_key(1);
  TxSampler all(key, 1.0), none(key, 0.0);
  const auto h = rnd(7);
  EXPECT_EQ(all.sampled_indices(all.seed_for(h), 50).size(), 50u);
  EXPECT_TRUE(none.sampled_indices(none.seed_for(h), 50).empty());
}

TEST(TxSampler, PrivatePerValidatorAndVerifiable) {
  const auto k1 = vrf_key(1), k2 = vrf_key(2);
  TxSampler s1(k1, 0.5), s2(k2, 0.5);
  const auto h = rnd(3);
  const auto a = s1.seed_for(h), b = s2.seed_for(h);
  EXPECT_NE(s1.sampled_indices(a, 64), s2.sampled_indices(b, 64));
  EXPECT_EQ(s1.sampled_indices(a, 64), s1.sampled_indices(s1.seed_for(h), 64));  // deterministic
  for (std::uint32_t j = 0; j < 64; ++j) {
    auto v = verify_sampled(k1.public_key(), a.proof, h, 0.5, j);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, s1.sampled(a, j));
  }
  // Another validator's proof, or another block's, does not pass as validator 1's.
  EXPECT_FALSE(verify_sampled(k1.public_key(), b.proof, h, 0.5, 0).ok());
  EXPECT_FALSE(verify_sampled(k1.public_key(), a.proof, rnd(4), 0.5, 0).ok());
}

// The figure `ios sim run` reports: a forged transaction escapes all L samplers with
// probability (1 − p)^L. Measured over 3,000 (block, tx) pairs with L real VRF keys.
TEST(TxSampler, DetectionRateMatchesOneMinusOneMinusPToTheL) {
  const double p = 0.1;
  const std::uint32_t L = 4;
  std::vector<crypto::VrfSecretKey> keys;
  for (std::uint8_t i = 0; i < L; ++i) keys.push_back(vrf_key(static_cast<std::uint8_t>(10 + i)));
  std::vector<TxSampler> samplers;
  for (const auto& k : keys) samplers.emplace_back(k, p);
  const std::uint32_t blocks = 300, txs = 10;
  int caught = 0;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    std::vector<TxSampler::Sample> seeds;
    for (const auto& s : samplers) seeds.push_back(s.seed_for(rnd(1000 + b)));
    for (std::uint32_t j = 0; j < txs; ++j) {
      bool any = false;
      for (std::size_t i = 0; i < samplers.size(); ++i) any = any || samplers[i].sampled(seeds[i], j);
      caught += any;
    }
  }
  const double n = blocks * txs, expected = detection_probability(p, L);  // 0.3439
  EXPECT_NEAR(expected, 0.3439, 1e-4);
  // sd = sqrt(n p (1-p)) = 26; allow 5 sd.
  EXPECT_NEAR(caught, n * expected, 5 * std::sqrt(n * expected * (1 - expected)));
}

}  // namespace
}  // namespace ios::protocol::pob
