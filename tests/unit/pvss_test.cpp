// Schoenmakers PVSS over ristretto255 (PROTOCOLS.md §6): honest runs for several (n, t)
// including t = 1 and t = n; recovery from every t-subset; t − 1 shares refused; corrupted
// decrypted shares caught by their proofs (kyber's 3-of-10 corruption test with t = 7);
// every field of a dealing tampered; identity points; index 0; the forged-base decryption
// proof; canonical encodings with strict rejections; a timing for n = 32, t = 22.
// Randomness is a ChaChaRng with a printed seed (IOS_TEST_SEED overrides it).
#include "node/crypto/pvss.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"

using namespace ios;
using crypto::PvssDealing;
using crypto::PvssDecryptedShare;
using crypto::RistrettoPoint;
using crypto::RistrettoScalar;
using crypto::Secret;

namespace {

constexpr RistrettoScalar group_order{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

std::uint64_t test_seed(std::uint64_t fallback) {
  const char* env = std::getenv("IOS_TEST_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
}

crypto::ChaChaRng seeded_rng(std::uint64_t fallback) {
  const std::uint64_t seed = test_seed(fallback);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("[ seed     ] %s.%s: IOS_TEST_SEED=%llu\n", info->test_suite_name(), info->name(),
              static_cast<unsigned long long>(seed));
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return crypto::ChaChaRng("ios/test/pvss", seed);
}

RistrettoScalar reveal(const Secret<32>& s) {
  RistrettoScalar out{};
  std::copy(s.data(), s.data() + 32, out.begin());
  return out;
}

RistrettoScalar one() { return crypto::scalar_from_u64(1); }

RistrettoPoint plus_base(const RistrettoPoint& p) {
  auto out = crypto::point_add(p, crypto::ristretto_base);
  EXPECT_TRUE(out.has_value());
  return out.value_or(RistrettoPoint{});
}

core::Reject reason(const core::Status& s) { return s.ok() ? core::Reject::io_error : s.error().reason; }
template <class T>
core::Reject reason(const core::Result<T>& r) {
  return r.ok() ? core::Reject::io_error : r.error().reason;
}

struct Trustees {
  std::vector<Secret<32>> secrets;
  std::vector<RistrettoPoint> keys;
};

Trustees make_trustees(std::size_t n, core::Rng& rng) {
  Trustees t;
  for (std::size_t i = 0; i < n; ++i) {
    t.secrets.push_back(crypto::random_scalar(rng));
    auto key = crypto::scalar_mult_base(t.secrets.back());
    EXPECT_TRUE(key.has_value());
    t.keys.push_back(key.value_or(RistrettoPoint{}));
  }
  return t;
}

core::Bytes session(std::string_view name) {
  auto v = core::as_bytes(name);
  return {v.begin(), v.end()};
}

// Every trustee decrypts its share; each decryption proof is checked.
std::vector<PvssDecryptedShare> decrypt_all(core::ByteView sid, const Trustees& t, const PvssDealing& d,
                                            core::Rng& rng) {
  std::vector<PvssDecryptedShare> out;
  for (std::uint32_t j = 1; j <= t.keys.size(); ++j) {
    out.push_back(crypto::pvss_decrypt_share(sid, j, t.secrets[j - 1], d.encrypted_shares[j - 1], rng));
    auto s = crypto::pvss_verify_decrypted_share(sid, t.keys[j - 1], d.encrypted_shares[j - 1], out.back());
    EXPECT_TRUE(s.ok()) << "share " << j << ": " << s.error().message();
  }
  return out;
}

// All k-subsets of {0..n-1}, in lexicographic order.
std::vector<std::vector<std::size_t>> subsets(std::size_t n, std::size_t k) {
  std::vector<std::vector<std::size_t>> out;
  std::vector<bool> pick(n, false);
  std::fill(pick.begin(), pick.begin() + static_cast<std::ptrdiff_t>(k), true);
  do {
    std::vector<std::size_t> s;
    for (std::size_t i = 0; i < n; ++i)
      if (pick[i]) s.push_back(i);
    out.push_back(s);
  } while (std::prev_permutation(pick.begin(), pick.end()));
  return out;
}

}  // namespace

TEST(Pvss, BaseHDependsOnTheSessionAndIsNotB) {
  crypto::init();
  auto a = crypto::pvss_base_h(session("a"));
  EXPECT_EQ(a, crypto::pvss_base_h(session("a")));
  EXPECT_NE(a, crypto::pvss_base_h(session("b")));
  EXPECT_NE(a, crypto::ristretto_base);
  EXPECT_TRUE(crypto::is_valid_nonidentity_point(a));
  // Exactly from_hash(SHA-512("IOS/v1/pvss-H" ‖ session_id)).
  auto h = crypto::sha512({core::as_bytes("IOS/v1/pvss-H"), core::as_bytes("a")});
  RistrettoPoint want{};
  ASSERT_EQ(crypto_core_ristretto255_from_hash(want.data(), h.data()), 0);
  EXPECT_EQ(a, want);
}

TEST(Pvss, HonestRunsRecoverTheSecretPoint) {
  crypto::init();
  auto rng = seeded_rng(100);
  const std::pair<std::uint32_t, std::uint32_t> settings[] = {{1, 1}, {2, 1}, {2, 2},  {3, 2},   {4, 3},
                                                              {5, 5}, {7, 1}, {10, 7}, {16, 11}, {16, 16}};
  for (auto [n, t] : settings) {
    SCOPED_TRACE("n=" + std::to_string(n) + " t=" + std::to_string(t));
    auto sid = session("honest " + std::to_string(n) + "/" + std::to_string(t));
    auto trustees = make_trustees(n, rng);
    auto dealt = crypto::pvss_deal(sid, trustees.keys, t, rng);
    ASSERT_EQ(dealt.dealing.commitments.size(), t);
    ASSERT_EQ(dealt.dealing.encrypted_shares.size(), n);
    auto v = crypto::pvss_verify_dealing(sid, trustees.keys, t, dealt.dealing);
    ASSERT_TRUE(v.ok()) << v.error().message();
    auto shares = decrypt_all(sid, trustees, dealt.dealing, rng);
    // No share is p(0)·B, except for t = 1 where p is the constant s and every share is s·B.
    for (const auto& s : shares) EXPECT_EQ(s.share == dealt.secret_point, t == 1);
    auto first = crypto::pvss_recover(shares, t);
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(*first, dealt.secret_point);
    std::vector<PvssDecryptedShare> last(shares.end() - t, shares.end());
    auto second = crypto::pvss_recover(last, t);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*second, dealt.secret_point);
    // More shares than needed: the first t distinct ones are used.
    auto all = crypto::pvss_recover(shares, t);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(*all, dealt.secret_point);
  }
}

TEST(Pvss, EveryThresholdSubsetRecoversTheSamePointAndFewerFail) {
  crypto::init();
  auto rng = seeded_rng(101);
  const std::uint32_t n = 6;
  auto trustees = make_trustees(n, rng);
  for (std::uint32_t t = 1; t <= n; ++t) {
    SCOPED_TRACE("t=" + std::to_string(t));
    auto sid = session("subsets " + std::to_string(t));
    auto dealt = crypto::pvss_deal(sid, trustees.keys, t, rng);
    ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, t, dealt.dealing).ok());
    auto shares = decrypt_all(sid, trustees, dealt.dealing, rng);
    for (const auto& subset : subsets(n, t)) {
      std::vector<PvssDecryptedShare> chosen;
      chosen.reserve(subset.size());
      for (auto i : subset) chosen.push_back(shares[i]);
      std::reverse(chosen.begin(), chosen.end());  // order must not matter
      auto got = crypto::pvss_recover(chosen, t);
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(*got, dealt.secret_point);
      // t − 1 of them are too few.
      chosen.pop_back();
      EXPECT_EQ(reason(crypto::pvss_recover(chosen, t)), core::Reject::bad_proof);
      // Interpolating t − 1 shares as if the threshold were t − 1 gives a wrong point.
      if (t > 1) {
        auto wrong = crypto::pvss_recover(chosen, t - 1);
        ASSERT_TRUE(wrong.ok());
        EXPECT_NE(*wrong, dealt.secret_point);
      }
    }
  }
}

TEST(Pvss, CorruptedDecryptedShareIsCaughtByItsProof) {
  crypto::init();
  auto rng = seeded_rng(102);
  auto sid = session("corrupt");
  auto trustees = make_trustees(4, rng);
  auto dealt = crypto::pvss_deal(sid, trustees.keys, 3, rng);
  auto shares = decrypt_all(sid, trustees, dealt.dealing, rng);
  const auto& x2 = trustees.keys[1];
  const auto& y2 = dealt.dealing.encrypted_shares[1];
  const auto good = shares[1];
  auto check = [&](const PvssDecryptedShare& s, const RistrettoPoint& key, const RistrettoPoint& y,
                   core::ByteView session_id, core::Reject want) {
    EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(session_id, key, y, s)), want);
  };
  auto bad = good;
  bad.share = plus_base(good.share);
  check(bad, x2, y2, sid, core::Reject::bad_proof);
  bad = good;
  bad.proof.c = crypto::scalar_add(bad.proof.c, one());
  check(bad, x2, y2, sid, core::Reject::bad_proof);
  bad = good;
  bad.proof.r = crypto::scalar_add(bad.proof.r, one());
  check(bad, x2, y2, sid, core::Reject::bad_proof);
  bad = good;
  bad.proof.r = group_order;
  check(bad, x2, y2, sid, core::Reject::bad_scalar);
  bad = good;
  bad.index = 3;  // the context binds the index
  check(bad, x2, y2, sid, core::Reject::bad_proof);
  check(good, trustees.keys[2], y2, sid, core::Reject::bad_proof);                   // another key
  check(good, x2, dealt.dealing.encrypted_shares[2], sid, core::Reject::bad_proof);  // another Y
  check(good, x2, y2, session("another session"), core::Reject::bad_proof);          // another session
  check(shares[2], x2, y2, sid, core::Reject::bad_proof);                            // another share
  EXPECT_TRUE(crypto::pvss_verify_decrypted_share(sid, x2, y2, good).ok());
}

// kyber's test (PROTOCOLS.md §6.5): 10 trustees, t = 7; 3 corrupted decrypted shares are
// filtered out by their proofs and the other 7 recover; with 4 corrupted, too few remain.
TEST(Pvss, ThreeCorruptedOfTenStillRecoverFourDoNot) {
  crypto::init();
  auto rng = seeded_rng(103);
  auto sid = session("ten");
  auto trustees = make_trustees(10, rng);
  auto dealt = crypto::pvss_deal(sid, trustees.keys, 7, rng);
  ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, 7, dealt.dealing).ok());
  auto shares = decrypt_all(sid, trustees, dealt.dealing, rng);
  for (std::size_t corrupted : {3u, 4u}) {
    auto received = shares;
    for (std::size_t k = 0; k < corrupted; ++k) {
      auto& s = received[2 * k];  // trustees 1, 3, 5 (and 7)
      s.share = plus_base(s.share);
    }
    std::vector<PvssDecryptedShare> verified;
    for (std::size_t j = 0; j < received.size(); ++j) {
      if (crypto::pvss_verify_decrypted_share(sid, trustees.keys[j], dealt.dealing.encrypted_shares[j], received[j])
              .ok()) {
        verified.push_back(received[j]);
      }
    }
    EXPECT_EQ(verified.size(), 10 - corrupted);
    auto got = crypto::pvss_recover(verified, 7);
    if (corrupted == 3) {
      ASSERT_TRUE(got.ok()) << got.error().message();
      EXPECT_EQ(*got, dealt.secret_point);
    } else {
      EXPECT_EQ(reason(got), core::Reject::bad_proof);  // too few shares
    }
    // Why verification matters: interpolating the unverified shares gives a wrong point.
    auto unchecked = crypto::pvss_recover(received, 7);
    ASSERT_TRUE(unchecked.ok());
    EXPECT_NE(*unchecked, dealt.secret_point);
  }
}

TEST(Pvss, EveryFieldOfTheDealingIsBound) {
  crypto::init();
  auto rng = seeded_rng(104);
  auto sid = session("tamper");
  const std::uint32_t n = 5, t = 3;
  auto trustees = make_trustees(n, rng);
  const auto d = crypto::pvss_deal(sid, trustees.keys, t, rng).dealing;
  ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, t, d).ok());
  auto expect_bad = [&](const PvssDealing& x, const std::string& what) {
    EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t, x)), core::Reject::bad_proof) << what;
  };
  for (std::size_t k = 0; k < t; ++k) {
    auto x = d;
    x.commitments[k] = plus_base(x.commitments[k]);
    expect_bad(x, "commitment " + std::to_string(k));
  }
  for (std::size_t j = 0; j < n; ++j) {
    auto x = d;
    x.encrypted_shares[j] = plus_base(x.encrypted_shares[j]);
    expect_bad(x, "encrypted share " + std::to_string(j + 1));
    x = d;
    x.proof.r[j] = crypto::scalar_add(x.proof.r[j], one());
    expect_bad(x, "response " + std::to_string(j + 1));
  }
  auto x = d;
  x.proof.c = crypto::scalar_add(x.proof.c, one());
  expect_bad(x, "challenge");
  // Swapping two encrypted shares (with their responses) is a different dealing.
  x = d;
  std::swap(x.encrypted_shares[0], x.encrypted_shares[1]);
  std::swap(x.proof.r[0], x.proof.r[1]);
  expect_bad(x, "swapped shares");
  // Counts that do not match the setting.
  x = d;
  x.commitments.pop_back();
  expect_bad(x, "t − 1 commitments");
  x = d;
  x.encrypted_shares.pop_back();
  expect_bad(x, "n − 1 shares");
  x = d;
  x.proof.r.pop_back();
  expect_bad(x, "n − 1 responses");
  // The same dealing under another session, threshold or trustee list.
  EXPECT_EQ(reason(crypto::pvss_verify_dealing(session("other"), trustees.keys, t, d)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t - 1, d)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t + 1, d)), core::Reject::bad_proof);
  auto keys = trustees.keys;
  std::swap(keys[0], keys[1]);
  EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, keys, t, d)), core::Reject::bad_proof);
  keys = trustees.keys;
  keys[4] = make_trustees(1, rng).keys[0];
  EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, keys, t, d)), core::Reject::bad_proof);
}

TEST(Pvss, ParametersAreChecked) {
  crypto::init();
  auto rng = seeded_rng(105);
  auto trustees = make_trustees(3, rng);
  EXPECT_TRUE(crypto::pvss_check_parameters(trustees.keys, 3).ok());
  EXPECT_EQ(reason(crypto::pvss_check_parameters(trustees.keys, 0)), core::Reject::length_over_limit);
  EXPECT_EQ(reason(crypto::pvss_check_parameters(trustees.keys, 4)), core::Reject::length_over_limit);
  EXPECT_EQ(reason(crypto::pvss_check_parameters({}, 1)), core::Reject::length_over_limit);
  std::vector<RistrettoPoint> many(crypto::pvss_share_count_max + 1, trustees.keys[0]);
  EXPECT_EQ(reason(crypto::pvss_check_parameters(many, 1)), core::Reject::length_over_limit);
  many.pop_back();
  EXPECT_TRUE(crypto::pvss_check_parameters(many, 1).ok());
}

TEST(Pvss, IdentityPointsAreRejected) {
  crypto::init();
  auto rng = seeded_rng(106);
  auto sid = session("identity");
  const std::uint32_t n = 4, t = 2;
  auto trustees = make_trustees(n, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, t, rng);
  const auto& d = dealt.dealing;
  const auto& zero = crypto::ristretto_identity;
  auto verify = [&](const std::vector<RistrettoPoint>& keys, const PvssDealing& x) {
    return reason(crypto::pvss_verify_dealing(sid, keys, t, x));
  };
  auto keys = trustees.keys;
  keys[2] = zero;
  EXPECT_EQ(verify(keys, d), core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::pvss_check_parameters(keys, t)), core::Reject::bad_point);
  for (std::size_t k = 0; k < t; ++k) {
    auto x = d;
    x.commitments[k] = zero;
    EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_point) << "commitment " << k;
  }
  for (std::size_t j = 0; j < n; ++j) {
    auto x = d;
    x.encrypted_shares[j] = zero;
    EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_point) << "encrypted share " << j + 1;
  }
  // Commitments whose A_1 = C_0 + C_1 is the identity (p(1) = 0): each C_k is fine on its own.
  auto x = d;
  auto neg = crypto::point_sub(zero, x.commitments[0]);
  ASSERT_TRUE(neg.has_value());
  x.commitments[1] = *neg;
  EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_point);

  // Decrypted shares: the identity is refused by verify and by recover.
  auto shares = decrypt_all(sid, trustees, d, rng);
  auto s = shares[0];
  s.share = zero;
  EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(sid, trustees.keys[0], d.encrypted_shares[0], s)),
            core::Reject::bad_point);
  std::vector<PvssDecryptedShare> with_zero{s, shares[1]};
  EXPECT_EQ(reason(crypto::pvss_recover(with_zero, t)), core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(sid, zero, d.encrypted_shares[0], shares[0])),
            core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(sid, trustees.keys[0], zero, shares[0])),
            core::Reject::bad_point);
}

TEST(Pvss, IndexZeroAndDuplicatesAreRefused) {
  crypto::init();
  auto rng = seeded_rng(107);
  auto sid = session("indices");
  auto trustees = make_trustees(4, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, 3, rng);
  auto shares = decrypt_all(sid, trustees, dealt.dealing, rng);
  auto zero_index = shares[0];
  zero_index.index = 0;
  EXPECT_EQ(
      reason(crypto::pvss_verify_decrypted_share(sid, trustees.keys[0], dealt.dealing.encrypted_shares[0], zero_index)),
      core::Reject::bad_proof);
  std::vector<PvssDecryptedShare> with_zero{zero_index, shares[1], shares[2]};
  EXPECT_EQ(reason(crypto::pvss_recover(with_zero, 3)), core::Reject::bad_proof);
  auto too_high = shares[0];
  too_high.index = crypto::pvss_share_count_max + 1;
  std::vector<PvssDecryptedShare> with_high{too_high, shares[1], shares[2]};
  EXPECT_EQ(reason(crypto::pvss_recover(with_high, 3)), core::Reject::bad_proof);
  // A repeated identical share is skipped, not counted twice.
  std::vector<PvssDecryptedShare> repeated{shares[0], shares[0], shares[1], shares[1], shares[3]};
  auto got = crypto::pvss_recover(repeated, 3);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, dealt.secret_point);
  std::vector<PvssDecryptedShare> only_two{shares[0], shares[0], shares[1]};
  EXPECT_EQ(reason(crypto::pvss_recover(only_two, 3)), core::Reject::bad_proof);
  // The same index with a different point is refused outright.
  auto other = shares[0];
  other.share = plus_base(other.share);
  std::vector<PvssDecryptedShare> conflicting{shares[0], other, shares[1], shares[2]};
  EXPECT_EQ(reason(crypto::pvss_recover(conflicting, 3)), core::Reject::duplicate);
  EXPECT_EQ(reason(crypto::pvss_recover(shares, 0)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::pvss_recover({}, 1)), core::Reject::bad_proof);
}

// PROTOCOLS.md §5.3 against the decryption proof: a trustee solves for a wrong share S' that
// would pass a verifier that does not hash the base S. Ours hashes it.
TEST(Pvss, ForgedBaseDecryptionProofIsRejected) {
  crypto::init();
  auto rng = seeded_rng(108);
  auto sid = session("forged base");
  auto trustees = make_trustees(3, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, 2, rng);
  const auto x = reveal(trustees.secrets[0]);
  const auto& big_x = trustees.keys[0];
  const auto& y = dealt.dealing.encrypted_shares[0];
  const auto v = reveal(crypto::random_scalar(rng));
  auto vg = crypto::scalar_mult_base(v);
  ASSERT_TRUE(vg.has_value());
  const auto vh = crypto::hash_to_point(core::as_bytes("forger's choice"));
  const auto c = crypto::hash_to_scalar(core::concat({big_x, y, *vg, vh}));
  const auto r = crypto::scalar_sub(v, crypto::scalar_mul(c, x));
  auto cy = crypto::scalar_mult(c, y);
  auto r_inv = crypto::scalar_invert(r);
  ASSERT_TRUE(cy && r_inv);
  auto diff = crypto::point_sub(vh, *cy);
  ASSERT_TRUE(diff.has_value());
  auto forged = crypto::scalar_mult(*r_inv, *diff);
  ASSERT_TRUE(forged.has_value());
  // r·S' + c·Y == VH: the equation a lax verifier checks holds.
  auto rs = crypto::scalar_mult(r, *forged);
  ASSERT_TRUE(rs.has_value());
  auto lhs = crypto::point_add(*rs, *cy);
  ASSERT_TRUE(lhs.has_value());
  EXPECT_EQ(*lhs, vh);
  PvssDecryptedShare share{1, *forged, {c, r}};
  EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(sid, big_x, y, share)), core::Reject::bad_proof);
}

// The largest setting the limits allow: n = pvss_share_count_max (t = 2 keeps it fast; the
// cost of verifying is about n·t scalar multiplications).
TEST(Pvss, LargestTrusteeCount) {
  crypto::init();
  auto rng = seeded_rng(109);
  auto sid = session("largest");
  auto trustees = make_trustees(crypto::pvss_share_count_max, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, 2, rng);
  auto back = crypto::decode_dealing(crypto::encode(dealt.dealing));
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, 2, *back).ok());
  const std::uint32_t j = crypto::pvss_share_count_max;  // the last index, evaluated at 1024
  std::vector<PvssDecryptedShare> shares{
      crypto::pvss_decrypt_share(sid, j, trustees.secrets[j - 1], back->encrypted_shares[j - 1], rng),
      crypto::pvss_decrypt_share(sid, 1, trustees.secrets[0], back->encrypted_shares[0], rng)};
  EXPECT_TRUE(
      crypto::pvss_verify_decrypted_share(sid, trustees.keys[j - 1], back->encrypted_shares[j - 1], shares[0]).ok());
  auto got = crypto::pvss_recover(shares, 2);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, dealt.secret_point);
}

// --- encodings ---

TEST(PvssEncoding, RoundTrips) {
  crypto::init();
  auto rng = seeded_rng(110);
  auto sid = session("encoding");
  auto trustees = make_trustees(6, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, 4, rng);
  auto bytes = crypto::encode(dealt.dealing);
  EXPECT_EQ(bytes.size(), 1 + 4 + 4 * 32 + 4 + 6 * 32 + 32 + 6 * 32);
  auto back = crypto::decode_dealing(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->commitments, dealt.dealing.commitments);
  EXPECT_EQ(back->encrypted_shares, dealt.dealing.encrypted_shares);
  EXPECT_EQ(back->proof.c, dealt.dealing.proof.c);
  EXPECT_EQ(back->proof.r, dealt.dealing.proof.r);
  EXPECT_EQ(crypto::encode(*back), bytes);
  EXPECT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, 4, *back).ok());

  auto share = crypto::pvss_decrypt_share(sid, 5, trustees.secrets[4], dealt.dealing.encrypted_shares[4], rng);
  auto sbytes = crypto::encode(share);
  EXPECT_EQ(sbytes.size(), 1 + 4 + 32 + 32 + 32);
  auto sback = crypto::decode_decrypted_share(sbytes);
  ASSERT_TRUE(sback.ok()) << sback.error().message();
  EXPECT_EQ(sback->index, 5u);
  EXPECT_EQ(sback->share, share.share);
  EXPECT_EQ(sback->proof.c, share.proof.c);
  EXPECT_EQ(sback->proof.r, share.proof.r);
  EXPECT_TRUE(
      crypto::pvss_verify_decrypted_share(sid, trustees.keys[4], dealt.dealing.encrypted_shares[4], *sback).ok());
}

TEST(PvssEncoding, TruncationAndTrailingBytesAreRefused) {
  crypto::init();
  auto rng = seeded_rng(111);
  auto sid = session("truncation");
  auto trustees = make_trustees(3, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, 2, rng);
  const auto bytes = crypto::encode(dealt.dealing);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_EQ(reason(crypto::decode_dealing({bytes.data(), len})), core::Reject::truncated) << len;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(reason(crypto::decode_dealing(longer)), core::Reject::trailing_bytes);

  const auto sbytes =
      crypto::encode(crypto::pvss_decrypt_share(sid, 1, trustees.secrets[0], dealt.dealing.encrypted_shares[0], rng));
  for (std::size_t len = 0; len < sbytes.size(); ++len) {
    EXPECT_EQ(reason(crypto::decode_decrypted_share({sbytes.data(), len})), core::Reject::truncated) << len;
  }
  auto slonger = sbytes;
  slonger.push_back(0);
  EXPECT_EQ(reason(crypto::decode_decrypted_share(slonger)), core::Reject::trailing_bytes);
}

namespace {

// A dealing encoding written field by field, so that counts can disagree with the content.
core::Bytes raw_dealing(std::uint32_t t, std::uint32_t t_written, std::uint32_t n, std::uint32_t n_written,
                        const RistrettoPoint& point, const RistrettoScalar& scalar, std::uint8_t version = 1) {
  core::Writer w;
  w.u8(version).u32(t);
  for (std::uint32_t k = 0; k < t_written; ++k) w.raw(point);
  w.u32(n);
  for (std::uint32_t j = 0; j < n_written; ++j) w.raw(point);
  w.raw(scalar);
  for (std::uint32_t j = 0; j < n_written; ++j) w.raw(scalar);
  return w.take();
}

}  // namespace

TEST(PvssEncoding, StrictDealingRejections) {
  crypto::init();
  const auto& p = crypto::ristretto_base;
  const auto s = one();
  const auto max = crypto::pvss_share_count_max;
  // The well-formed baseline decodes (it would not verify, which is a separate question).
  EXPECT_TRUE(crypto::decode_dealing(raw_dealing(2, 2, 3, 3, p, s)).ok());
  EXPECT_TRUE(crypto::decode_dealing(raw_dealing(max, max, max, max, p, s)).ok());
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(2, 2, 3, 3, p, s, 2))), core::Reject::unknown_version);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(max + 1, 0, 3, 3, p, s))), core::Reject::length_over_limit);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(2, 2, max + 1, 0, p, s))), core::Reject::length_over_limit);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(0xffffffffu, 0, 3, 3, p, s))), core::Reject::length_over_limit);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(4, 4, 3, 3, p, s))), core::Reject::length_over_limit);  // t > n
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(0, 0, 3, 3, p, s))), core::Reject::non_canonical);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(1, 1, 0, 0, p, s))), core::Reject::non_canonical);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(2, 2, 3, 3, crypto::ristretto_identity, s))),
            core::Reject::bad_point);
  RistrettoPoint garbage{};
  garbage.fill(0xff);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(2, 2, 3, 3, garbage, s))), core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(2, 2, 3, 3, p, group_order))), core::Reject::bad_scalar);

  // One bad point or scalar at each position of an otherwise valid encoding.
  const auto good = raw_dealing(2, 2, 3, 3, p, s);
  const std::size_t points_at[] = {5, 37, 73, 105, 137};  // C_0, C_1, Y_1, Y_2, Y_3
  for (auto off : points_at) {
    auto b = good;
    std::fill(b.begin() + static_cast<std::ptrdiff_t>(off), b.begin() + static_cast<std::ptrdiff_t>(off + 32), 0);
    EXPECT_EQ(reason(crypto::decode_dealing(b)), core::Reject::bad_point) << off;
  }
  for (std::size_t off = 169; off < good.size(); off += 32) {  // c, r_1, r_2, r_3
    auto b = good;
    std::copy(group_order.begin(), group_order.end(), b.begin() + static_cast<std::ptrdiff_t>(off));
    EXPECT_EQ(reason(crypto::decode_dealing(b)), core::Reject::bad_scalar) << off;
  }
}

TEST(PvssEncoding, StrictShareRejections) {
  crypto::init();
  auto raw = [](std::uint8_t version, std::uint32_t index, const RistrettoPoint& p, const RistrettoScalar& c,
                const RistrettoScalar& r) {
    core::Writer w;
    w.u8(version).u32(index).raw(p).raw(c).raw(r);
    return w.take();
  };
  const auto& b = crypto::ristretto_base;
  const auto s = one();
  EXPECT_TRUE(crypto::decode_decrypted_share(raw(1, 1, b, s, s)).ok());
  EXPECT_TRUE(crypto::decode_decrypted_share(raw(1, crypto::pvss_share_count_max, b, s, s)).ok());
  EXPECT_EQ(reason(crypto::decode_decrypted_share(raw(0, 1, b, s, s))), core::Reject::unknown_version);
  EXPECT_EQ(reason(crypto::decode_decrypted_share(raw(1, 0, b, s, s))), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::decode_decrypted_share(raw(1, crypto::pvss_share_count_max + 1, b, s, s))),
            core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::decode_decrypted_share(raw(1, 1, crypto::ristretto_identity, s, s))),
            core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::decode_decrypted_share(raw(1, 1, b, group_order, s))), core::Reject::bad_scalar);
  EXPECT_EQ(reason(crypto::decode_decrypted_share(raw(1, 1, b, s, group_order))), core::Reject::bad_scalar);
}

// A rough figure for RandHound planning: one group of 32 servers with t = 22 (≈ 2/3).
TEST(PvssTiming, DealAndVerifyN32T22) {
  crypto::init();
  auto rng = seeded_rng(120);
  auto sid = session("timing");
  const std::uint32_t n = 32, t = 22;
  auto trustees = make_trustees(n, rng);
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const int rounds = 3;
  double deal_ms = 0, verify_ms = 0, decrypt_ms = 0, share_verify_ms = 0, recover_ms = 0;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = clock::now();
    auto dealt = crypto::pvss_deal(sid, trustees.keys, t, rng);
    auto t1 = clock::now();
    ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, t, dealt.dealing).ok());
    auto t2 = clock::now();
    std::vector<PvssDecryptedShare> shares;
    for (std::uint32_t j = 1; j <= t; ++j) {
      shares.push_back(
          crypto::pvss_decrypt_share(sid, j, trustees.secrets[j - 1], dealt.dealing.encrypted_shares[j - 1], rng));
    }
    auto t3 = clock::now();
    for (std::uint32_t j = 1; j <= t; ++j) {
      ASSERT_TRUE(crypto::pvss_verify_decrypted_share(sid, trustees.keys[j - 1], dealt.dealing.encrypted_shares[j - 1],
                                                      shares[j - 1])
                      .ok());
    }
    auto t4 = clock::now();
    auto got = crypto::pvss_recover(shares, t);
    auto t5 = clock::now();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, dealt.secret_point);
    deal_ms += ms(t1 - t0);
    verify_ms += ms(t2 - t1);
    decrypt_ms += ms(t3 - t2) / t;
    share_verify_ms += ms(t4 - t3) / t;
    recover_ms += ms(t5 - t4);
  }
  std::printf(
      "[ timing   ] pvss n=%u t=%u (mean of %d): deal %.2f ms, verify dealing %.2f ms, "
      "decrypt+prove %.3f ms/share, verify share %.3f ms/share, recover %.2f ms\n",
      n, t, rounds, deal_ms / rounds, verify_ms / rounds, decrypt_ms / rounds, share_verify_ms / rounds,
      recover_ms / rounds);
}
