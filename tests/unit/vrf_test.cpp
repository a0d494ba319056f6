// ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 suite 0x03): the three Appendix B.3 examples byte
// for byte, and the negatives of docs/PROTOCOLS.md §8.1 (stale-draft challenge, s >= L, torsion and
// small-order points, wrong key or alpha, every single bit flip of pi).
#include "node/crypto/vrf.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

using namespace ios;
using crypto::VrfOutput;
using crypto::VrfProof;
using crypto::VrfSecretKey;

namespace {

using test::hex;
using test::hex_bytes;

crypto::Seed seed_from_hex(std::string_view s) { return crypto::Seed(hex<32>(s)); }

// RFC 9381 Appendix B.3, examples 16, 17 and 18, with the intermediate H, U and V.
struct Example {
  const char* name;
  const char* sk;
  const char* pk;
  const char* alpha;
  const char* h;
  const char* u;
  const char* v;
  const char* pi;
  const char* beta;
};

constexpr Example examples[] = {
    {"example 16", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "91bbed02a99461df1ad4c6564a5f5d829d0b90cfc7903e7a5797bd658abf3318",
     "aef27c725be964c6a9bf4c45ca8e35df258c1878b838f37d9975523f09034071",
     "5016572f71466c646c119443455d6cb9b952f07d060ec8286d678615d55f954f",
     "8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f26f8a57ccaed74ee1b190bed1f479d97"
     "27d2d0f9b005a6e456a35d4fb0daab1268a1b0db10836d9826a528ca76567805",
     "90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff66b71dda49d2de59d03450451af02679"
     "8e8f81cd2e333de5cdf4f3e140fdd8ae"},
    {"example 17", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "5b659fc3d4e9263fd9a4ed1d022d75eaacc20df5e09f9ea937502396598dc551",  // try-and-increment ctr = 1
     "1dcb0a4821a2c48bf53548228b7f170962988f6d12f5439f31987ef41f034ab3",
     "fd03c0bf498c752161bae4719105a074630a2aa5f200ff7b3995f7bfb1513423",
     "f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed5933bf0864a62558b3ed7f2fea45c92a465"
     "301b3bbf5e3e54ddf2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02",
     "eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb5e33821bc613efb94db5e5b54c70a848"
     "a0bef4553a41befc57663b56373a5031"},
    {"example 18", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "bf4339376f5542811de615e3313d2b36f6f53c0acfebb482159711201192576a",
     "2bae73e15a64042fcebf062abe7e432b2eca6744f3e8265bc38e009cd577ecd5",
     "88cba1cb0d4f9b649d9a86026b69de076724a93a65c349c988954f0961c5d506",
     "9bc0f79119cc5604bf02d23b4caede71393cedfbb191434dd016d30177ccbf8096bb474e53895c362d8628ee9f9ea3c0"
     "e52c7a5c691b6c18c9979866568add7a2d41b00b05081ed0f58ee5e31b3a970e",
     "645427e5d00c62a23fb703732fa5d892940935942101e456ecca7bb217c61c452118fec1219202a0edcf038bb6373241"
     "578be7217ba85a2687f7a0310b2df19f"},
};

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr const char* group_order_hex = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
constexpr const char* identity_hex = "0100000000000000000000000000000000000000000000000000000000000000";
// A point of order 8 (one of the small-order encodings libsodium refuses).
constexpr const char* order8_hex = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";

using Point = core::ByteArray<32>;

Point gamma_of(const VrfProof& pi) {
  Point g{};
  std::copy_n(pi.begin(), 32, g.begin());
  return g;
}

core::ByteArray<32> s_of(const VrfProof& pi) {
  core::ByteArray<32> s{};
  std::copy_n(pi.begin() + 48, 32, s.begin());
  return s;
}

VrfProof with_gamma(VrfProof pi, const Point& g) {
  std::copy(g.begin(), g.end(), pi.begin());
  return pi;
}

VrfProof with_s(VrfProof pi, const core::ByteArray<32>& s) {
  std::copy(s.begin(), s.end(), pi.begin() + 48);
  return pi;
}

// 256-bit little-endian addition; the inputs here are < 2^254, so no carry leaves the top byte.
core::ByteArray<32> add_256(const core::ByteArray<32>& a, const core::ByteArray<32>& b) {
  core::ByteArray<32> out{};
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned sum = unsigned{a[i]} + unsigned{b[i]} + carry;
    out[i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  EXPECT_EQ(carry, 0u);
  return out;
}

Point point_add(const Point& a, const Point& b) {
  Point out{};
  EXPECT_EQ(crypto_core_ed25519_add(out.data(), a.data(), b.data()), 0);
  return out;
}

void expect_reject(const core::Result<VrfOutput>& r, core::Reject reason, std::string_view detail = {}) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, reason) << r.error().message();
  if (!detail.empty()) {
    EXPECT_EQ(r.error().detail, detail);
  }
}

class Vrf : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crypto::init(); }
};

TEST_F(Vrf, RfcExamplesProve) {
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    VrfSecretKey key(seed_from_hex(ex.sk));
    EXPECT_EQ(core::to_hex(key.public_key()), ex.pk);
    EXPECT_EQ(core::to_hex(key.prove(hex_bytes(ex.alpha))), ex.pi);
  }
}

TEST_F(Vrf, RfcExamplesVerify) {
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    auto beta = crypto::vrf_verify(hex<32>(ex.pk), hex<80>(ex.pi), hex_bytes(ex.alpha));
    ASSERT_TRUE(beta.ok()) << beta.error().message();
    EXPECT_EQ(core::to_hex(*beta), ex.beta);
  }
}

TEST_F(Vrf, RfcExamplesProofToHash) {
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    auto beta = crypto::vrf_proof_to_hash(hex<80>(ex.pi));
    ASSERT_TRUE(beta.ok()) << beta.error().message();
    EXPECT_EQ(core::to_hex(*beta), ex.beta);
  }
}

TEST_F(Vrf, GroupOrderConstantIsL) {
  // The s >= L tests below rely on this constant: L reduces to 0 and L − 1 is −1 mod L.
  const auto l = hex<32>(group_order_hex);
  core::ByteArray<64> wide{};
  std::copy(l.begin(), l.end(), wide.begin());
  core::ByteArray<32> reduced{};
  crypto_core_ed25519_scalar_reduce(reduced.data(), wide.data());
  EXPECT_TRUE(sodium_is_zero(reduced.data(), reduced.size()));
  core::ByteArray<32> one{1}, minus_one{};
  crypto_core_ed25519_scalar_negate(minus_one.data(), one.data());
  EXPECT_EQ(add_256(minus_one, one), l);
}

TEST_F(Vrf, Order8ConstantHasOrder8) {
  const auto t = hex<32>(order8_hex);
  const auto t2 = point_add(t, t);
  const auto t4 = point_add(t2, t2);
  const auto t8 = point_add(t4, t4);
  EXPECT_NE(core::to_hex(t4), identity_hex);
  EXPECT_EQ(core::to_hex(t8), identity_hex);
}

// Why encode_to_curve checks candidates itself (docs/PROTOCOLS.md §8.1): libsodium 1.0.18's decoder,
// behind crypto_core_ed25519_add, accepts y >= p and x = 0 with the sign bit set, encodings
// that RFC 8032 §5.1.3 (and so RFC 9381 TAI) refuses. If this test ever fails, libsodium became
// strict and the explicit check in vrf.cpp is merely redundant.
TEST_F(Vrf, LibsodiumDecoderAcceptsNonCanonicalEncodings) {
  const auto identity = hex<32>(identity_hex);
  for (const char* non_canonical : {
           "0100000000000000000000000000000000000000000000000000000000000080",  // y = 1, x = 0, sign 1
           "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1
           "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p − 1, x = 0, sign 1
       }) {
    SCOPED_TRACE(non_canonical);
    const auto p = hex<32>(non_canonical);
    Point reencoded{};
    EXPECT_EQ(crypto_core_ed25519_add(reencoded.data(), p.data(), identity.data()), 0);
    EXPECT_NE(reencoded, p);
  }
}

// The prover's secrets and intermediate points, rebuilt from SK and the RFC's H with libsodium
// alone, so tests can make proofs the public API would never make.
struct Rebuilt {
  core::ByteArray<32> x{};  // clamp(SHA-512(SK)[0:32]) mod L
  core::ByteArray<32> k{};  // SHA-512(SHA-512(SK)[32:64] ‖ H) mod L
  Point h{}, gamma{}, u{}, v{};
};

Rebuilt rebuild(const Example& ex) {
  Rebuilt r;
  const auto seed = hex<32>(ex.sk);
  r.h = hex<32>(ex.h);
  core::ByteArray<64> expanded_sk{};
  core::ByteArray<32> pk{};
  EXPECT_EQ(crypto_sign_seed_keypair(pk.data(), expanded_sk.data(), seed.data()), 0);
  core::ByteArray<64> x_wide{};
  EXPECT_EQ(crypto_sign_ed25519_sk_to_curve25519(x_wide.data(), expanded_sk.data()), 0);
  crypto_core_ed25519_scalar_reduce(r.x.data(), x_wide.data());
  const auto digest = crypto::sha512(seed);
  const auto k_wide = crypto::sha512({core::ByteView(digest).subspan(32), r.h});
  crypto_core_ed25519_scalar_reduce(r.k.data(), k_wide.data());
  EXPECT_EQ(crypto_scalarmult_ed25519_noclamp(r.gamma.data(), r.x.data(), r.h.data()), 0);
  EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(r.u.data(), r.k.data()), 0);
  EXPECT_EQ(crypto_scalarmult_ed25519_noclamp(r.v.data(), r.k.data(), r.h.data()), 0);
  return r;
}

// Pins the recipe of docs/PROTOCOLS.md §8.1 step by step: Gamma = x·H, U = k·B, V = k·H.
TEST_F(Vrf, RfcExamplesIntermediateValues) {
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    const auto r = rebuild(ex);
    EXPECT_EQ(r.gamma, gamma_of(hex<80>(ex.pi)));
    EXPECT_EQ(core::to_hex(r.u), ex.u);
    EXPECT_EQ(core::to_hex(r.v), ex.v);
  }
}

// The version trap of docs/PROTOCOLS.md §8.1: drafts before the public key entered the challenge
// (draft-09's published examples) hash suite ‖ 0x02 ‖ H ‖ Gamma ‖ U ‖ V ‖ 0x00. Such a proof
// has the same Gamma, hence the same beta, but a different (c, s); it must not verify.
TEST_F(Vrf, StaleDraftProofWithoutPublicKeyInChallengeIsRejected) {
  const auto& ex = examples[0];
  const auto honest = hex<80>(ex.pi);
  const auto r = rebuild(ex);

  const std::uint8_t front[] = {0x03, 0x02};
  const std::uint8_t back[] = {0x00};
  const auto stale_hash = crypto::sha512({front, r.h, r.gamma, r.u, r.v, back});  // everything but Y
  core::ByteArray<32> c_stale{};
  std::copy_n(stale_hash.begin(), 16, c_stale.begin());
  core::ByteArray<32> cx{}, s_stale{};
  crypto_core_ed25519_scalar_mul(cx.data(), c_stale.data(), r.x.data());
  crypto_core_ed25519_scalar_add(s_stale.data(), r.k.data(), cx.data());
  VrfProof stale = with_s(honest, s_stale);
  std::copy_n(c_stale.begin(), 16, stale.begin() + 32);

  // The draft-09 example 1 proof (Gamma ‖ c ‖ s), as published for the same key and alpha.
  EXPECT_EQ(core::to_hex(stale),
            "8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f5e8bd1839b414219e8626d393787a192"
            "241fc442e6569e96c462f62b8079b9ed83ff2ee21c90c7c398802fdeebea4001");
  EXPECT_NE(stale, honest);
  expect_reject(crypto::vrf_verify(hex<32>(ex.pk), stale, {}), core::Reject::bad_proof, "challenge mismatch");
  // proof_to_hash does not verify: the stale proof maps to the same beta, which is exactly why
  // it must never be applied to peer input.
  auto beta = crypto::vrf_proof_to_hash(stale);
  ASSERT_TRUE(beta.ok());
  EXPECT_EQ(core::to_hex(*beta), ex.beta);
}

TEST_F(Vrf, SameGammaWithOtherChallengeAndResponseIsRejected) {
  const auto& ex = examples[1];
  const auto pk = hex<32>(ex.pk);
  const auto honest = hex<80>(ex.pi);
  // c + 1 with the honest s, and the honest c with s + 1.
  VrfProof c_changed = honest;
  c_changed[32] ^= 0x01;
  expect_reject(crypto::vrf_verify(pk, c_changed, hex_bytes(ex.alpha)), core::Reject::bad_proof, "challenge mismatch");
  core::ByteArray<32> one{1}, s_plus_one{};
  const auto s = s_of(honest);
  crypto_core_ed25519_scalar_add(s_plus_one.data(), s.data(), one.data());
  expect_reject(crypto::vrf_verify(pk, with_s(honest, s_plus_one), hex_bytes(ex.alpha)), core::Reject::bad_proof,
                "challenge mismatch");
}

TEST_F(Vrf, ResponseAtOrAboveGroupOrderIsRejected) {
  const auto l = hex<32>(group_order_hex);
  core::ByteArray<32> all_ones{};
  all_ones.fill(0xff);
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    const auto pk = hex<32>(ex.pk);
    const auto pi = hex<80>(ex.pi);
    const auto alpha = hex_bytes(ex.alpha);
    // s + L satisfies the same group equation: the classic malleability.
    const auto malleable = with_s(pi, add_256(s_of(pi), l));
    expect_reject(crypto::vrf_verify(pk, malleable, alpha), core::Reject::bad_scalar);
    expect_reject(crypto::vrf_proof_to_hash(malleable), core::Reject::bad_scalar);
    expect_reject(crypto::vrf_verify(pk, with_s(pi, l), alpha), core::Reject::bad_scalar);
    expect_reject(crypto::vrf_verify(pk, with_s(pi, all_ones), alpha), core::Reject::bad_scalar);
  }
}

TEST_F(Vrf, ZeroResponseOrChallengeIsRejected) {
  const auto& ex = examples[2];
  const auto pk = hex<32>(ex.pk);
  const auto alpha = hex_bytes(ex.alpha);
  const auto pi = hex<80>(ex.pi);
  expect_reject(crypto::vrf_verify(pk, with_s(pi, core::ByteArray<32>{}), alpha), core::Reject::bad_proof, "s = 0");
  VrfProof zero_c = pi;
  std::fill_n(zero_c.begin() + 32, 16, 0);
  expect_reject(crypto::vrf_verify(pk, zero_c, alpha), core::Reject::bad_proof, "c = 0");
}

TEST_F(Vrf, SmallOrderGammaIsRejected) {
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    const auto pk = hex<32>(ex.pk);
    const auto pi = hex<80>(ex.pi);
    const auto alpha = hex_bytes(ex.alpha);
    for (const char* g : {identity_hex, order8_hex}) {
      const auto bad = with_gamma(pi, hex<32>(g));
      expect_reject(crypto::vrf_verify(pk, bad, alpha), core::Reject::bad_point, "gamma");
      expect_reject(crypto::vrf_proof_to_hash(bad), core::Reject::bad_point, "gamma");
    }
  }
}

// Gamma + T (T of order 8) has the same beta as Gamma, since beta hashes 8·Gamma. The strict
// choice refuses it, so one output has exactly one accepted Gamma.
TEST_F(Vrf, TorsionInGammaIsRejected) {
  const auto& ex = examples[0];
  const auto pi = hex<80>(ex.pi);
  const auto twisted = with_gamma(pi, point_add(gamma_of(pi), hex<32>(order8_hex)));
  expect_reject(crypto::vrf_verify(hex<32>(ex.pk), twisted, {}), core::Reject::bad_point, "gamma");
  expect_reject(crypto::vrf_proof_to_hash(twisted), core::Reject::bad_point, "gamma");
}

TEST_F(Vrf, InvalidGammaEncodingIsRejected) {
  const auto& ex = examples[0];
  const auto pk = hex<32>(ex.pk);
  const auto pi = hex<80>(ex.pi);
  // The first small y that is not on the curve (libsodium's decoder refuses it).
  Point off_curve{};
  bool found = false;
  for (std::uint8_t y = 2; y < 255 && !found; ++y) {
    off_curve = Point{y};
    Point out{};
    found = crypto_core_ed25519_add(out.data(), off_curve.data(), hex<32>(identity_hex).data()) != 0;
  }
  ASSERT_TRUE(found);
  // y = p, a non-canonical encoding (of the order-4 point with y = 0).
  const auto y_is_p = hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  for (const auto& g : {off_curve, y_is_p}) {
    expect_reject(crypto::vrf_verify(pk, with_gamma(pi, g), {}), core::Reject::bad_point, "gamma");
  }
}

TEST_F(Vrf, WrongPublicKeyIsRejected) {
  const auto pi = hex<80>(examples[0].pi);
  expect_reject(crypto::vrf_verify(hex<32>(examples[1].pk), pi, {}), core::Reject::bad_proof, "challenge mismatch");
}

TEST_F(Vrf, WrongAlphaIsRejected) {
  const auto& ex = examples[1];
  const auto pk = hex<32>(ex.pk);
  const auto pi = hex<80>(ex.pi);
  for (const char* alpha : {"", "73", "7200", "0072"}) {
    SCOPED_TRACE(alpha);
    expect_reject(crypto::vrf_verify(pk, pi, hex_bytes(alpha)), core::Reject::bad_proof, "challenge mismatch");
  }
}

TEST_F(Vrf, EverySingleBitFlipOfTheProofIsRejected) {
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.name);
    const auto pk = hex<32>(ex.pk);
    const auto pi = hex<80>(ex.pi);
    const auto alpha = hex_bytes(ex.alpha);
    for (std::size_t bit = 0; bit < pi.size() * 8; ++bit) {
      VrfProof flipped = pi;
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      EXPECT_FALSE(crypto::vrf_verify(pk, flipped, alpha).ok()) << "bit " << bit;
    }
  }
}

TEST_F(Vrf, SmallOrderOrInvalidPublicKeyIsRejected) {
  const auto& ex = examples[0];
  const auto pi = hex<80>(ex.pi);
  const auto pk = hex<32>(ex.pk);
  for (const auto& y : {hex<32>(identity_hex), hex<32>(order8_hex), Point{},  // identity, order 8, order 4
                        point_add(pk, hex<32>(order8_hex))}) {                 // mixed order
    SCOPED_TRACE(core::to_hex(y));
    expect_reject(crypto::vrf_verify(y, pi, {}), core::Reject::bad_point, "public key");
  }
  // The identity key with an identity Gamma: the degenerate "proof for every alpha".
  const auto identity = hex<32>(identity_hex);
  expect_reject(crypto::vrf_verify(identity, with_gamma(pi, identity), {}), core::Reject::bad_point, "public key");
}

TEST_F(Vrf, RandomKeysAndAlphasRoundTrip) {
  // Deterministic: every key and alpha derives from this seed, so a failure replays exactly.
  constexpr std::uint64_t seed = 0x10510f3a2024u;
  constexpr std::uint32_t rounds = 200;
  for (std::uint32_t i = 0; i < rounds; ++i) {
    core::Writer w;
    w.raw(core::as_bytes("IOS/test/vrf-round-trip")).u64(seed).u32(i);
    const auto material = crypto::sha512(w.take());
    SCOPED_TRACE("seed " + std::to_string(seed) + " round " + std::to_string(i));
    VrfSecretKey key(crypto::Seed(core::ByteView(material).first(32)));
    const core::Bytes alpha(material.begin() + 32, material.begin() + 32 + material[32] % 33);
    const VrfProof pi = key.prove(alpha);
    auto beta = crypto::vrf_verify(key.public_key(), pi, alpha);
    ASSERT_TRUE(beta.ok()) << beta.error().message();
    auto own = crypto::vrf_proof_to_hash(pi);
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(*beta, *own);
    EXPECT_EQ(key.prove(alpha), pi);  // deterministic
    if (i % 10 == 0) {
      core::Bytes other = alpha;
      other.push_back(0x00);
      EXPECT_FALSE(crypto::vrf_verify(key.public_key(), pi, other).ok());
    }
  }
}

}  // namespace
