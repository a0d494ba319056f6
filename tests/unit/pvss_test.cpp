// Schoenmakers PVSS over ristretto255 (docs/PROTOCOLS.md §6) with per-share proofs and the
// random-linear-combination consistency check (pvss.hpp): honest runs for several (n, t)
// including t = 1 and t = n; recovery from every t-subset; t − 1 shares refused; corrupted
// decrypted shares caught by their proofs (kyber's 3-of-10 corruption test with t = 7);
// every field of a dealing tampered; a trustee checking only its own share; a dealer whose
// shares are each proved but not on one polynomial (caught only by the dealing check, and
// shown to make different subsets recover different secrets); altered commitments; identity
// points; index 0; the forged-base decryption proof; canonical encodings with strict
// rejections; timings for n = 32, t = 22 and n = 1024, t = 683.
// Randomness is a ChaChaRng with a printed seed (IOS_TEST_SEED overrides it).
#include "node/crypto/pvss.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/dleq.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"

using namespace ios;
using crypto::PvssDealing;
using crypto::PvssDecryptedShare;
using crypto::PvssShare;
using crypto::RistrettoPoint;
using crypto::RistrettoScalar;
using crypto::Secret;

namespace {

constexpr RistrettoScalar group_order{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

crypto::ChaChaRng seeded_rng(std::uint64_t fallback) { return test::seeded_rng("ios/test/pvss", fallback); }
using test::reveal;
using test::test_seed;

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
    out.push_back(crypto::pvss_decrypt_share(sid, j, t.secrets[j - 1], d.shares[j - 1].encrypted, rng));
    auto s = crypto::pvss_verify_decrypted_share(sid, t.keys[j - 1], d.shares[j - 1].encrypted, out.back());
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

std::string detail(const core::Status& s) { return s.ok() ? std::string{} : s.error().detail; }

bool is_consistency_failure(const core::Status& s) {
  return reason(s) == core::Reject::bad_proof && detail(s).find("consistency") != std::string::npos;
}

// --- a dealer written out here from pvss.hpp's format, so tests can deal dishonestly ---

// p(j) = Σ_k a_k·j^k mod L, by Horner.
RistrettoScalar evaluate(const std::vector<RistrettoScalar>& a, std::uint32_t j) {
  const auto x = crypto::scalar_from_u64(j);
  RistrettoScalar acc = a.back();
  for (std::size_t k = a.size() - 1; k-- > 0;) acc = crypto::scalar_add(crypto::scalar_mul(acc, x), a[k]);
  return acc;
}

std::vector<RistrettoScalar> random_scalars(std::size_t count, core::Rng& rng) {
  std::vector<RistrettoScalar> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(reveal(crypto::random_scalar(rng)));
  return out;
}

std::vector<RistrettoScalar> evaluations(const std::vector<RistrettoScalar>& a, std::uint32_t n) {
  std::vector<RistrettoScalar> out;
  for (std::uint32_t j = 1; j <= n; ++j) out.push_back(evaluate(a, j));
  return out;
}

RistrettoPoint times(const RistrettoScalar& s, const RistrettoPoint& p) {
  auto out = crypto::scalar_mult(s, p);
  EXPECT_TRUE(out.has_value());
  return out.value_or(RistrettoPoint{});
}

// Share j with value v (meant to be p(j)): A_j = v·H, Y_j = v·X_j and an honest DLEQ with the
// documented context bytes(session_id) ‖ u32 j ‖ u32 t ‖ u32 n ‖ SHA-256(C_0 ‖ … ‖ C_{t−1}),
// for the commitments already in `d` and n = n_total.
PvssShare prove_share(core::ByteView sid, const PvssDealing& d, std::uint32_t n_total, std::uint32_t j,
                      const RistrettoScalar& v, const RistrettoPoint& key, core::Rng& rng) {
  const auto h = crypto::pvss_base_h(sid);
  core::Writer all;
  for (const auto& c : d.commitments) all.raw(c);
  core::Writer context;
  context.bytes(sid)
      .u32(j)
      .u32(static_cast<std::uint32_t>(d.commitments.size()))
      .u32(n_total)
      .raw(crypto::sha256(all.view()));
  PvssShare share;
  share.commitment = times(v, h);
  share.encrypted = times(v, key);
  const crypto::DleqStatement statement{h, key, share.commitment, share.encrypted};
  share.proof = crypto::dleq_prove("IOS/v1/pvss-share", context.view(), statement, Secret<32>(v), rng);
  return share;
}

// C_k = a_k·H for the given coefficients, and share j proved for values[j − 1], whatever
// those are: with values = evaluations(a, n) this is an honest dealing.
PvssDealing deal_by_hand(core::ByteView sid, const std::vector<RistrettoPoint>& keys,
                         const std::vector<RistrettoScalar>& a, const std::vector<RistrettoScalar>& values,
                         core::Rng& rng) {
  const auto n = static_cast<std::uint32_t>(keys.size());
  EXPECT_EQ(values.size(), keys.size());
  PvssDealing d;
  for (const auto& ak : a) d.commitments.push_back(times(ak, crypto::pvss_base_h(sid)));
  for (std::uint32_t j = 1; j <= n; ++j) d.shares.push_back(prove_share(sid, d, n, j, values[j - 1], keys[j - 1], rng));
  return d;
}

// Σ_k j^k·C_k, the A_j the commitments imply.
RistrettoPoint implied_commitment(const PvssDealing& d, std::uint32_t j) {
  RistrettoScalar power = one();
  RistrettoPoint sum = crypto::ristretto_identity;
  for (const auto& c : d.commitments) {
    auto next = crypto::point_add(sum, times(power, c));
    EXPECT_TRUE(next.has_value());
    sum = next.value_or(RistrettoPoint{});
    power = crypto::scalar_mul(power, crypto::scalar_from_u64(j));
  }
  return sum;
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
    ASSERT_EQ(dealt.dealing.shares.size(), n);
    auto v = crypto::pvss_verify_dealing(sid, trustees.keys, t, dealt.dealing);
    ASSERT_TRUE(v.ok()) << v.error().message();
    for (std::uint32_t j = 1; j <= n; ++j) {
      auto own = crypto::pvss_verify_share(sid, dealt.dealing, j, trustees.keys[j - 1]);
      EXPECT_TRUE(own.ok()) << "share " << j << ": " << detail(own);
      // The explicit A_j is the one the commitments imply: A_j = p(j)·H = Σ_k j^k·C_k.
      EXPECT_EQ(dealt.dealing.shares[j - 1].commitment, implied_commitment(dealt.dealing, j)) << j;
    }
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
  const auto& y2 = dealt.dealing.shares[1].encrypted;
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
  check(good, x2, dealt.dealing.shares[2].encrypted, sid, core::Reject::bad_proof);  // another Y
  check(good, x2, y2, session("another session"), core::Reject::bad_proof);          // another session
  check(shares[2], x2, y2, sid, core::Reject::bad_proof);                            // another share
  EXPECT_TRUE(crypto::pvss_verify_decrypted_share(sid, x2, y2, good).ok());
}

// kyber's test (docs/PROTOCOLS.md §6.5): 10 trustees, t = 7; 3 corrupted decrypted shares are
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
      if (crypto::pvss_verify_decrypted_share(sid, trustees.keys[j], dealt.dealing.shares[j].encrypted, received[j])
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
    expect_bad(x, "commitment C_" + std::to_string(k));
  }
  for (std::size_t j = 0; j < n; ++j) {
    auto x = d;
    x.shares[j].commitment = plus_base(x.shares[j].commitment);
    expect_bad(x, "commitment A_" + std::to_string(j + 1));
    x = d;
    x.shares[j].encrypted = plus_base(x.shares[j].encrypted);
    expect_bad(x, "encrypted share " + std::to_string(j + 1));
    x = d;
    x.shares[j].proof.c = crypto::scalar_add(x.shares[j].proof.c, one());
    expect_bad(x, "challenge " + std::to_string(j + 1));
    x = d;
    x.shares[j].proof.r = crypto::scalar_add(x.shares[j].proof.r, one());
    expect_bad(x, "response " + std::to_string(j + 1));
    x = d;
    x.shares[j].proof.r = group_order;
    EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t, x)), core::Reject::bad_scalar) << j + 1;
  }
  // Swapping two whole shares (A, Y and proof) is a different dealing: j and X_j are bound.
  auto x = d;
  std::swap(x.shares[0], x.shares[1]);
  expect_bad(x, "swapped shares");
  // Proofs swapped between two shares.
  x = d;
  std::swap(x.shares[0].proof, x.shares[1].proof);
  expect_bad(x, "swapped proofs");
  // Counts that do not match the setting.
  x = d;
  x.commitments.pop_back();
  expect_bad(x, "t − 1 commitments");
  x = d;
  x.shares.pop_back();
  expect_bad(x, "n − 1 shares");
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
  // Verification is deterministic: the same dealing passes again (the consistency weights are
  // derived from it, not drawn).
  EXPECT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, t, d).ok());
}

// What trustee j runs: its own share's structure and DLEQ, nothing about the other shares.
TEST(Pvss, TrusteeChecksItsOwnShare) {
  crypto::init();
  auto rng = seeded_rng(112);
  auto sid = session("own share");
  const std::uint32_t n = 7, t = 5;
  auto trustees = make_trustees(n, rng);
  const auto d = crypto::pvss_deal(sid, trustees.keys, t, rng).dealing;
  auto own = [&](const PvssDealing& x, std::uint32_t j) {
    return crypto::pvss_verify_share(sid, x, j, trustees.keys[j - 1]);
  };
  for (std::uint32_t j = 1; j <= n; ++j) {
    SCOPED_TRACE("j=" + std::to_string(j));
    ASSERT_TRUE(own(d, j).ok()) << detail(own(d, j));
    auto x = d;
    x.shares[j - 1].commitment = plus_base(x.shares[j - 1].commitment);
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "A_j";
    x = d;
    x.shares[j - 1].encrypted = plus_base(x.shares[j - 1].encrypted);
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "Y_j";
    x = d;
    x.shares[j - 1].proof.c = crypto::scalar_add(x.shares[j - 1].proof.c, one());
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "c_j";
    x = d;
    x.shares[j - 1].proof.r = crypto::scalar_add(x.shares[j - 1].proof.r, one());
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "r_j";
    x = d;
    x.shares[j - 1].proof.c = group_order;
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_scalar) << "c_j = L";
    x = d;
    x.shares[j - 1].proof = {};
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "zero proof";
    // Another share's A_j, Y_j and proof in this slot: j is in the context, X_j in the statement.
    x = d;
    x.shares[j - 1] = d.shares[j % n];
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "another share";
    // Checked as another index, under another key or session.
    const std::uint32_t other = j % n + 1;
    EXPECT_EQ(reason(crypto::pvss_verify_share(sid, d, other, trustees.keys[j - 1])), core::Reject::bad_proof);
    EXPECT_EQ(reason(crypto::pvss_verify_share(sid, d, j, trustees.keys[other - 1])), core::Reject::bad_proof);
    EXPECT_EQ(reason(crypto::pvss_verify_share(session("other"), d, j, trustees.keys[j - 1])), core::Reject::bad_proof);
    // The proof is tied to this dealing's polynomial: any C_k altered, or one dropped (t is
    // in the context too), and share j fails.
    for (std::size_t k = 0; k < t; ++k) {
      x = d;
      x.commitments[k] = plus_base(x.commitments[k]);
      EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "C_" << k;
    }
    x = d;
    x.commitments.pop_back();
    EXPECT_EQ(reason(own(x, j)), core::Reject::bad_proof) << "t − 1 commitments";
    // n is in the context: the same share in a dealing with one more share fails.
    x = d;
    x.shares.push_back(d.shares[0]);
    EXPECT_EQ(reason(crypto::pvss_verify_share(sid, x, j, trustees.keys[j - 1])), core::Reject::bad_proof);
    // Nothing trustee j lacks or does not need: corrupting every other share leaves its check
    // alone (the dealing check refuses the dealing, of course).
    x = d;
    for (std::uint32_t i = 1; i <= n; ++i) {
      if (i != j) x.shares[i - 1].proof.r = crypto::scalar_add(x.shares[i - 1].proof.r, one());
    }
    EXPECT_TRUE(own(x, j).ok());
    EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t, x)), core::Reject::bad_proof);
  }
  // Indices and counts.
  EXPECT_EQ(reason(crypto::pvss_verify_share(sid, d, 0, trustees.keys[0])), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::pvss_verify_share(sid, d, n + 1, trustees.keys[0])), core::Reject::bad_proof);
  auto x = d;
  x.commitments.resize(n + 1, d.commitments[0]);  // t > n
  EXPECT_EQ(reason(own(x, 1)), core::Reject::length_over_limit);
  x = d;
  x.commitments.clear();
  EXPECT_EQ(reason(own(x, 1)), core::Reject::length_over_limit);
  x = d;
  x.shares.clear();
  EXPECT_EQ(reason(crypto::pvss_verify_share(sid, x, 1, trustees.keys[0])), core::Reject::length_over_limit);
  x = d;
  x.shares.resize(crypto::pvss_share_count_max + 1, d.shares[0]);
  EXPECT_EQ(reason(own(x, 1)), core::Reject::length_over_limit);
}

// The attack the consistency check stops: every share individually proved (A_j and Y_j have
// the same discrete log), but the A_j not on the polynomial the C_k commit to. Trustee j's own
// check cannot see it; the dealing check does; and it matters, because different t-subsets
// of the decrypted shares then recover different secrets.
TEST(Pvss, ProvedButInconsistentShareFailsOnlyTheDealingCheck) {
  crypto::init();
  auto rng = seeded_rng(113);
  auto sid = session("inconsistent");
  const std::uint32_t n = 7, t = 5;
  auto trustees = make_trustees(n, rng);
  const auto a = random_scalars(t, rng);
  const auto honest_values = evaluations(a, n);
  const auto secret_point = crypto::scalar_mult_base(a[0]);
  ASSERT_TRUE(secret_point.has_value());

  // The dealer written out in this test follows the documented format: honestly, it passes.
  const auto honest = deal_by_hand(sid, trustees.keys, a, honest_values, rng);
  auto ok = crypto::pvss_verify_dealing(sid, trustees.keys, t, honest);
  ASSERT_TRUE(ok.ok()) << detail(ok);

  for (std::uint32_t bad = 1; bad <= n; ++bad) {
    SCOPED_TRACE("wrong p'(j) at j=" + std::to_string(bad));
    auto values = honest_values;
    values[bad - 1] = crypto::scalar_add(values[bad - 1], reveal(crypto::random_scalar(rng)));
    const auto d = deal_by_hand(sid, trustees.keys, a, values, rng);
    EXPECT_NE(d.shares[bad - 1].commitment, implied_commitment(d, bad));
    // Trustee `bad` accepts its share, and so does everybody else.
    for (std::uint32_t j = 1; j <= n; ++j) {
      auto s = crypto::pvss_verify_share(sid, d, j, trustees.keys[j - 1]);
      EXPECT_TRUE(s.ok()) << "share " << j << ": " << detail(s);
    }
    // The dealing check refuses it, and it is the consistency check that does.
    auto whole = crypto::pvss_verify_dealing(sid, trustees.keys, t, d);
    EXPECT_TRUE(is_consistency_failure(whole)) << detail(whole);
    // Consequence: subsets with and without the wrong share recover different points.
    auto shares = decrypt_all(sid, trustees, d, rng);
    std::vector<PvssDecryptedShare> without, with{shares[bad - 1]};
    for (std::uint32_t j = 1; j <= n; ++j) {
      if (j != bad && without.size() < t) without.push_back(shares[j - 1]);
      if (j != bad && with.size() < t) with.push_back(shares[j - 1]);
    }
    auto from_without = crypto::pvss_recover(without, t);
    auto from_with = crypto::pvss_recover(with, t);
    ASSERT_TRUE(from_without.ok());
    ASSERT_TRUE(from_with.ok());
    EXPECT_EQ(*from_without, *secret_point);
    EXPECT_NE(*from_with, *secret_point);
  }

  // Two wrong shares whose errors cancel in a plain sum (A_1 + δ·H, A_2 − δ·H): a verifier
  // that added the A_j with equal (or otherwise fixed, known) weights would accept this; the
  // hash-derived ρ_j do not.
  {
    auto values = honest_values;
    const auto delta = reveal(crypto::random_scalar(rng));
    values[0] = crypto::scalar_add(values[0], delta);
    values[1] = crypto::scalar_sub(values[1], delta);
    const auto d = deal_by_hand(sid, trustees.keys, a, values, rng);
    for (std::uint32_t j = 1; j <= n; ++j) {
      EXPECT_TRUE(crypto::pvss_verify_share(sid, d, j, trustees.keys[j - 1]).ok());
    }
    auto whole = crypto::pvss_verify_dealing(sid, trustees.keys, t, d);
    EXPECT_TRUE(is_consistency_failure(whole)) << detail(whole);
  }

  // Shares from a polynomial of degree t (one coefficient more than committed): no share is
  // "the" odd one out, each is proved, and any two t-subsets disagree.
  auto longer = a;
  longer.push_back(reveal(crypto::random_scalar(rng)));
  const auto d = deal_by_hand(sid, trustees.keys, a, evaluations(longer, n), rng);
  for (std::uint32_t j = 1; j <= n; ++j) EXPECT_TRUE(crypto::pvss_verify_share(sid, d, j, trustees.keys[j - 1]).ok());
  auto whole = crypto::pvss_verify_dealing(sid, trustees.keys, t, d);
  EXPECT_TRUE(is_consistency_failure(whole)) << detail(whole);
  auto shares = decrypt_all(sid, trustees, d, rng);
  std::vector<PvssDecryptedShare> first(shares.begin(), shares.begin() + t);
  std::vector<PvssDecryptedShare> last(shares.end() - t, shares.end());
  auto p1 = crypto::pvss_recover(first, t);
  auto p2 = crypto::pvss_recover(last, t);
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_NE(*p1, *p2);
}

TEST(Pvss, AlteredCommitmentsFailTheDealingCheck) {
  crypto::init();
  auto rng = seeded_rng(114);
  auto sid = session("altered commitments");
  const std::uint32_t n = 6, t = 4;
  auto trustees = make_trustees(n, rng);
  const auto a = random_scalars(t, rng);
  const auto values = evaluations(a, n);
  const auto honest = deal_by_hand(sid, trustees.keys, a, values, rng);
  ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, t, honest).ok());
  for (std::size_t k = 0; k < t; ++k) {
    SCOPED_TRACE("C_" + std::to_string(k));
    // Altered after the fact (in transit, or by a client forwarding it): the per-share
    // proofs are tied to the commitments, so every share check already fails.
    auto d = honest;
    d.commitments[k] = plus_base(d.commitments[k]);
    EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t, d)), core::Reject::bad_proof);
    for (std::uint32_t j = 1; j <= n; ++j) {
      EXPECT_EQ(reason(crypto::pvss_verify_share(sid, d, j, trustees.keys[j - 1])), core::Reject::bad_proof);
    }
    // Altered by the dealer, which then proves every share again for the new commitments:
    // each share passes its own check, and only the consistency check refuses the dealing.
    for (std::uint32_t j = 1; j <= n; ++j) {
      d.shares[j - 1] = prove_share(sid, d, n, j, values[j - 1], trustees.keys[j - 1], rng);
      EXPECT_TRUE(crypto::pvss_verify_share(sid, d, j, trustees.keys[j - 1]).ok());
    }
    auto whole = crypto::pvss_verify_dealing(sid, trustees.keys, t, d);
    EXPECT_TRUE(is_consistency_failure(whole)) << detail(whole);
  }
  // Commitments to a different polynomial altogether, shares re-proved: refused likewise.
  auto d = honest;
  const auto b = random_scalars(t, rng);
  for (std::size_t k = 0; k < t; ++k) d.commitments[k] = times(b[k], crypto::pvss_base_h(sid));
  for (std::uint32_t j = 1; j <= n; ++j) {
    d.shares[j - 1] = prove_share(sid, d, n, j, values[j - 1], trustees.keys[j - 1], rng);
  }
  EXPECT_TRUE(is_consistency_failure(crypto::pvss_verify_dealing(sid, trustees.keys, t, d)));
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
  EXPECT_EQ(reason(crypto::pvss_verify_share(sid, d, 3, zero)), core::Reject::bad_point);
  auto verify_own = [&](const PvssDealing& x, std::uint32_t j) {
    return reason(crypto::pvss_verify_share(sid, x, j, trustees.keys[j - 1]));
  };
  for (std::size_t k = 0; k < t; ++k) {
    auto x = d;
    x.commitments[k] = zero;
    EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_point) << "commitment " << k;
    // A trustee does not validate the C_k (they only enter its proof's context hash), so an
    // identity C_k changes that hash and the trustee's proof fails instead.
    EXPECT_EQ(verify_own(x, 1), core::Reject::bad_proof) << "commitment " << k;
  }
  for (std::uint32_t j = 1; j <= n; ++j) {
    auto x = d;
    x.shares[j - 1].commitment = zero;
    EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_point) << "commitment A_" << j;
    EXPECT_EQ(verify_own(x, j), core::Reject::bad_point) << "commitment A_" << j;
    x = d;
    x.shares[j - 1].encrypted = zero;
    EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_point) << "encrypted share " << j;
    EXPECT_EQ(verify_own(x, j), core::Reject::bad_point) << "encrypted share " << j;
  }
  // Commitments with C_1 = −C_0, so that Σ_k 1^k·C_k = C_0 + C_1 is the identity (p(1) = 0):
  // each C_k is fine on its own. Swapped into an honest dealing they break every share proof;
  // from a dealer that really uses a_1 = −a_0, A_1 = p(1)·H is the identity (refused as a
  // point) and any other A_1, even proved, is not on the polynomial.
  auto x = d;
  auto neg = crypto::point_sub(zero, x.commitments[0]);
  ASSERT_TRUE(neg.has_value());
  x.commitments[1] = *neg;
  EXPECT_EQ(verify(trustees.keys, x), core::Reject::bad_proof);
  const auto a0 = reveal(crypto::random_scalar(rng));
  const std::vector<RistrettoScalar> a{a0, crypto::scalar_sub(RistrettoScalar{}, a0)};
  auto values = evaluations(a, n);
  ASSERT_TRUE(crypto::is_zero_scalar(values[0]));
  values[0] = reveal(crypto::random_scalar(rng));  // any non-zero A_1 = v·H, honestly proved
  auto zero_at_one = deal_by_hand(sid, trustees.keys, a, values, rng);
  EXPECT_TRUE(crypto::pvss_verify_share(sid, zero_at_one, 1, trustees.keys[0]).ok());
  EXPECT_TRUE(is_consistency_failure(crypto::pvss_verify_dealing(sid, trustees.keys, t, zero_at_one)));
  zero_at_one.shares[0].commitment = zero;
  EXPECT_EQ(verify(trustees.keys, zero_at_one), core::Reject::bad_point);

  // Decrypted shares: the identity is refused by verify and by recover.
  auto shares = decrypt_all(sid, trustees, d, rng);
  auto s = shares[0];
  s.share = zero;
  EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(sid, trustees.keys[0], d.shares[0].encrypted, s)),
            core::Reject::bad_point);
  std::vector<PvssDecryptedShare> with_zero{s, shares[1]};
  EXPECT_EQ(reason(crypto::pvss_recover(with_zero, t)), core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::pvss_verify_decrypted_share(sid, zero, d.shares[0].encrypted, shares[0])),
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
      reason(crypto::pvss_verify_decrypted_share(sid, trustees.keys[0], dealt.dealing.shares[0].encrypted, zero_index)),
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

// docs/PROTOCOLS.md §5.3 against the decryption proof: a trustee solves for a wrong share S' that
// would pass a verifier that does not hash the base S. Ours hashes it.
TEST(Pvss, ForgedBaseDecryptionProofIsRejected) {
  crypto::init();
  auto rng = seeded_rng(108);
  auto sid = session("forged base");
  auto trustees = make_trustees(3, rng);
  const auto dealt = crypto::pvss_deal(sid, trustees.keys, 2, rng);
  const auto x = reveal(trustees.secrets[0]);
  const auto& big_x = trustees.keys[0];
  const auto& y = dealt.dealing.shares[0].encrypted;
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

// The largest setting the limits allow: n = pvss_share_count_max, with t = 2 (the timing test
// below runs n = 1024 with t = 683).
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
      crypto::pvss_decrypt_share(sid, j, trustees.secrets[j - 1], back->shares[j - 1].encrypted, rng),
      crypto::pvss_decrypt_share(sid, 1, trustees.secrets[0], back->shares[0].encrypted, rng)};
  EXPECT_TRUE(crypto::pvss_verify_share(sid, *back, j, trustees.keys[j - 1]).ok());
  EXPECT_TRUE(
      crypto::pvss_verify_decrypted_share(sid, trustees.keys[j - 1], back->shares[j - 1].encrypted, shares[0]).ok());
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
  EXPECT_EQ(bytes.size(), 1 + 4 + 4 * 32 + 4 + 6 * (32 + 32 + 32 + 32));
  // The documented layout, written out: u8 version ‖ u32 t ‖ C… ‖ u32 n ‖ (A_j ‖ Y_j ‖ c_j ‖ r_j)…
  core::Writer want;
  want.u8(1).u32(4);
  for (const auto& c : dealt.dealing.commitments) want.raw(c);
  want.u32(6);
  for (const auto& sh : dealt.dealing.shares) want.raw(sh.commitment).raw(sh.encrypted).raw(sh.proof.c).raw(sh.proof.r);
  EXPECT_EQ(bytes, want.view());
  auto back = crypto::decode_dealing(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->commitments, dealt.dealing.commitments);
  ASSERT_EQ(back->shares.size(), dealt.dealing.shares.size());
  for (std::size_t j = 0; j < back->shares.size(); ++j) {
    EXPECT_EQ(back->shares[j].commitment, dealt.dealing.shares[j].commitment);
    EXPECT_EQ(back->shares[j].encrypted, dealt.dealing.shares[j].encrypted);
    EXPECT_EQ(back->shares[j].proof.c, dealt.dealing.shares[j].proof.c);
    EXPECT_EQ(back->shares[j].proof.r, dealt.dealing.shares[j].proof.r);
  }
  EXPECT_EQ(crypto::encode(*back), bytes);
  EXPECT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, 4, *back).ok());
  EXPECT_TRUE(crypto::pvss_verify_share(sid, *back, 6, trustees.keys[5]).ok());

  auto share = crypto::pvss_decrypt_share(sid, 5, trustees.secrets[4], dealt.dealing.shares[4].encrypted, rng);
  auto sbytes = crypto::encode(share);
  EXPECT_EQ(sbytes.size(), 1 + 4 + 32 + 32 + 32);
  auto sback = crypto::decode_decrypted_share(sbytes);
  ASSERT_TRUE(sback.ok()) << sback.error().message();
  EXPECT_EQ(sback->index, 5u);
  EXPECT_EQ(sback->share, share.share);
  EXPECT_EQ(sback->proof.c, share.proof.c);
  EXPECT_EQ(sback->proof.r, share.proof.r);
  EXPECT_TRUE(
      crypto::pvss_verify_decrypted_share(sid, trustees.keys[4], dealt.dealing.shares[4].encrypted, *sback).ok());
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
      crypto::encode(crypto::pvss_decrypt_share(sid, 1, trustees.secrets[0], dealt.dealing.shares[0].encrypted, rng));
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
  for (std::uint32_t j = 0; j < n_written; ++j) w.raw(point).raw(point).raw(scalar).raw(scalar);
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
  // Points are structural at decode time and validated by the verifiers (see pvss.cpp).
  std::vector<RistrettoPoint> keys3;
  for (std::uint64_t k = 1; k <= 3; ++k) keys3.push_back(*crypto::scalar_mult_base(crypto::scalar_from_u64(k)));
  const core::Bytes sid3(4, 7);
  auto decoded_then_verified = [&](const core::Bytes& bytes) {
    auto d = crypto::decode_dealing(bytes);
    EXPECT_TRUE(d.ok());
    return d.ok() ? reason(crypto::pvss_verify_dealing(sid3, keys3, 2, *d)) : core::Reject::truncated;
  };
  EXPECT_EQ(decoded_then_verified(raw_dealing(2, 2, 3, 3, crypto::ristretto_identity, s)), core::Reject::bad_point);
  RistrettoPoint garbage{};
  garbage.fill(0xff);
  EXPECT_EQ(decoded_then_verified(raw_dealing(2, 2, 3, 3, garbage, s)), core::Reject::bad_point);
  EXPECT_EQ(reason(crypto::decode_dealing(raw_dealing(2, 2, 3, 3, p, group_order))), core::Reject::bad_scalar);

  // One bad point or scalar at each position of an otherwise valid encoding:
  // C_0 at 5, C_1 at 37, u32 n at 69, then share j at 73 + 128·(j − 1): A_j, Y_j, c_j, r_j.
  const auto good = raw_dealing(2, 2, 3, 3, p, s);
  ASSERT_EQ(good.size(), 73u + 3 * 128);
  std::vector<std::size_t> points_at{5, 37}, scalars_at;
  for (std::size_t j = 0; j < 3; ++j) {
    points_at.push_back(73 + 128 * j);
    points_at.push_back(73 + 128 * j + 32);
    scalars_at.push_back(73 + 128 * j + 64);
    scalars_at.push_back(73 + 128 * j + 96);
  }
  for (auto off : points_at) {
    auto b = good;
    std::fill(b.begin() + static_cast<std::ptrdiff_t>(off), b.begin() + static_cast<std::ptrdiff_t>(off + 32), 0);
    EXPECT_EQ(decoded_then_verified(b), core::Reject::bad_point) << off;
    std::fill(b.begin() + static_cast<std::ptrdiff_t>(off), b.begin() + static_cast<std::ptrdiff_t>(off + 32), 0xff);
    EXPECT_EQ(decoded_then_verified(b), core::Reject::bad_point) << off;
  }
  for (auto off : scalars_at) {
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

using timing_clock = std::chrono::steady_clock;
double ms(timing_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A rough figure for RandHound planning: one group of 32 servers with t = 22 (≈ 2/3). The
// dealer deals once, the client checks whole dealings, each server checks its own share.
TEST(PvssTiming, DealAndVerifyN32T22) {
  crypto::init();
  auto rng = seeded_rng(120);
  auto sid = session("timing");
  const std::uint32_t n = 32, t = 22;
  auto trustees = make_trustees(n, rng);
  const int rounds = 3;
  double deal_ms = 0, verify_ms = 0, own_ms = 0, decrypt_ms = 0, share_verify_ms = 0, recover_ms = 0;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = timing_clock::now();
    auto dealt = crypto::pvss_deal(sid, trustees.keys, t, rng);
    auto t1 = timing_clock::now();
    ASSERT_TRUE(crypto::pvss_verify_dealing(sid, trustees.keys, t, dealt.dealing).ok());
    auto t2 = timing_clock::now();
    for (std::uint32_t j = 1; j <= n; ++j) {
      ASSERT_TRUE(crypto::pvss_verify_share(sid, dealt.dealing, j, trustees.keys[j - 1]).ok());
    }
    auto t3 = timing_clock::now();
    std::vector<PvssDecryptedShare> shares;
    for (std::uint32_t j = 1; j <= t; ++j) {
      shares.push_back(
          crypto::pvss_decrypt_share(sid, j, trustees.secrets[j - 1], dealt.dealing.shares[j - 1].encrypted, rng));
    }
    auto t4 = timing_clock::now();
    for (std::uint32_t j = 1; j <= t; ++j) {
      ASSERT_TRUE(crypto::pvss_verify_decrypted_share(sid, trustees.keys[j - 1], dealt.dealing.shares[j - 1].encrypted,
                                                      shares[j - 1])
                      .ok());
    }
    auto t5 = timing_clock::now();
    auto got = crypto::pvss_recover(shares, t);
    auto t6 = timing_clock::now();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, dealt.secret_point);
    deal_ms += ms(t1 - t0);
    verify_ms += ms(t2 - t1);
    own_ms += ms(t3 - t2) / n;
    decrypt_ms += ms(t4 - t3) / t;
    share_verify_ms += ms(t5 - t4) / t;
    recover_ms += ms(t6 - t5);
  }
  std::printf(
      "[ timing   ] pvss n=%u t=%u (mean of %d): deal %.2f ms, verify dealing %.2f ms, "
      "verify own share %.3f ms, decrypt+prove %.3f ms/share, verify decrypted share %.3f ms/share, "
      "recover %.2f ms\n",
      n, t, rounds, deal_ms / rounds, verify_ms / rounds, own_ms / rounds, decrypt_ms / rounds,
      share_verify_ms / rounds, recover_ms / rounds);
}

// The largest setting with t ≈ 2n/3: verifying costs 5n + t multiplications, not n·t.
TEST(PvssTiming, DealAndVerifyN1024T683) {
  crypto::init();
  auto rng = seeded_rng(121);
  auto sid = session("timing large");
  const std::uint32_t n = crypto::pvss_share_count_max, t = 683;
  auto trustees = make_trustees(n, rng);
  auto t0 = timing_clock::now();
  auto dealt = crypto::pvss_deal(sid, trustees.keys, t, rng);
  auto t1 = timing_clock::now();
  auto v = crypto::pvss_verify_dealing(sid, trustees.keys, t, dealt.dealing);
  auto t2 = timing_clock::now();
  ASSERT_TRUE(v.ok()) << detail(v);
  auto own = crypto::pvss_verify_share(sid, dealt.dealing, n, trustees.keys[n - 1]);
  auto t3 = timing_clock::now();
  ASSERT_TRUE(own.ok()) << detail(own);
  // One A_j off the polynomial is still caught at this size.
  auto bad = dealt.dealing;
  std::swap(bad.shares[0].commitment, bad.shares[1].commitment);
  EXPECT_EQ(reason(crypto::pvss_verify_dealing(sid, trustees.keys, t, bad)), core::Reject::bad_proof);
  std::printf("[ timing   ] pvss n=%u t=%u: deal %.1f ms, verify dealing %.1f ms, verify own share %.3f ms\n", n, t,
              ms(t1 - t0), ms(t2 - t1), ms(t3 - t2));
}
