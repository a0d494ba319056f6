#include <gtest/gtest.h>

#include <map>

#include "node/chain/address.hpp"
#include "node/core/bech32.hpp"
#include "node/crypto/hash.hpp"

using namespace ios;

// BIP-350 "valid Bech32m" vectors: the checksum layer must accept them all.
TEST(Bech32m, Bip350ValidVectors) {
  for (const char* s : {"A1LQFN3A", "a1lqfn3a",
                        "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
                        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
                        "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
                        "split1checkupstagehandshakeupstreamerranterredcaperredlc445v", "?1v759aa"}) {
    EXPECT_TRUE(core::bech32m_decode_words(s).ok()) << s;
  }
}

TEST(Bech32m, Bip350InvalidVectors) {
  for (const char* s : {"\x20" "1xj0phk", "\x7f" "1g6xzxy", "\x80" "1vctc34",
                        "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
                        "qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i",
                        "au1s5cgom", "M1VUXWEZ", "16plkw9", "1p2gdwpf"}) {
    EXPECT_FALSE(core::bech32m_decode_words(s).ok()) << s;
  }
}

TEST(Bech32m, PlainBech32ChecksumRefused) {
  // A valid BIP-173 (Bech32, not Bech32m) string: the constant differs, so it must fail.
  auto r = core::bech32m_decode_words("a12uel5l");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, core::Reject::bad_checksum);
}

TEST(Address, RoundTripAndEveryTypoRefused) {
  crypto::init();
  crypto::PublicKey pk{};
  pk[0] = 7;
  auto a = chain::Address::from_public_key(pk);
  std::string text = a.to_string();
  EXPECT_EQ(text.rfind("ios1", 0), 0u);
  EXPECT_EQ(text.size(), 62u);
  auto parsed = chain::Address::parse(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, a);
  // Upper case is the same address (QR codes).
  std::string upper;
  for (char c : text) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  EXPECT_EQ(*chain::Address::parse(upper), a);
  // Any single substituted character in the data part is caught.
  const std::string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for (std::size_t i = 4; i < text.size(); ++i) {
    for (char c : charset) {
      if (c == text[i]) continue;
      std::string bad = text;
      bad[i] = c;
      EXPECT_FALSE(chain::Address::parse(bad).ok()) << bad;
    }
  }
  // Swapping two adjacent different characters is caught too.
  for (std::size_t i = 4; i + 1 < text.size(); ++i) {
    if (text[i] == text[i + 1]) continue;
    std::string bad = text;
    std::swap(bad[i], bad[i + 1]);
    EXPECT_FALSE(chain::Address::parse(bad).ok()) << bad;
  }
}

TEST(Address, WrongHrpAndLengthRefused) {
  core::Hash32 h{};
  auto other = core::bech32m_encode("btc", h);
  auto r = chain::Address::parse(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, core::Reject::wrong_hrp);
  core::ByteArray<20> short_payload{};
  auto r2 = chain::Address::parse(core::bech32m_encode("ios", short_payload));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().reason, core::Reject::bad_address);
  EXPECT_FALSE(chain::Address::parse("").ok());
  EXPECT_FALSE(chain::Address::parse("ios1").ok());
  auto mixed = chain::Address(h).to_string();
  mixed[0] = 'I';  // "Ios1...": mixed case is refused, not guessed at
  auto r3 = chain::Address::parse(mixed);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().reason, core::Reject::bad_address);
}

TEST(Address, ShardIsSha256ModMAndSpreads) {
  crypto::init();
  core::Hash32 h{};
  // Reference: the big-endian value of SHA-256(address) mod m, computed here the slow way.
  auto a = chain::Address(h);
  auto d = crypto::sha256(h);
  for (std::uint32_t m : {1u, 2u, 3u, 7u, 64u, 1000003u}) {
    std::uint64_t r = 0;
    for (auto b : d) r = (r * 256 + b) % m;
    EXPECT_EQ(a.shard(m), r);
  }
  std::map<std::uint32_t, int> counts;
  for (int i = 0; i < 4000; ++i) {
    h[0] = static_cast<std::uint8_t>(i);
    h[1] = static_cast<std::uint8_t>(i >> 8);
    counts[chain::Address(h).shard(4)]++;
  }
  ASSERT_EQ(counts.size(), 4u);
  for (auto& [shard, n] : counts) EXPECT_NEAR(n, 1000, 150) << "shard " << shard;
}
