// Chaum–Pedersen DLEQ over ristretto255 (docs/PROTOCOLS.md §5) and the ristretto255 helpers:
// completeness; soundness negatives (wrong x, swapped bases, tampered c and r, each statement
// point changed, wrong tag or context); the unbound-base forgery of §5.3 built concretely and
// refused; identity and invalid points; batch proofs with every tamper detected and the
// challenge recomputed (kyber PR #520). Randomness is a ChaChaRng with a printed seed
// (IOS_TEST_SEED overrides it).
#include "node/crypto/dleq.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/crypto/ristretto.hpp"

using namespace ios;
using crypto::DleqBatchProof;
using crypto::DleqProof;
using crypto::DleqStatement;
using crypto::RistrettoPoint;
using crypto::RistrettoScalar;
using crypto::Secret;

namespace {

constexpr std::string_view tag = "IOS/v1/test-dleq";

// L, little-endian.
constexpr RistrettoScalar group_order{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

crypto::ChaChaRng seeded_rng(std::uint64_t fallback) { return test::seeded_rng("ios/test/dleq", fallback); }
using test::reveal;
using test::test_seed;

Secret<32> secret(const RistrettoScalar& s) { return Secret<32>(core::ByteView(s)); }

RistrettoScalar one() { return crypto::scalar_from_u64(1); }

RistrettoPoint mul(const RistrettoScalar& n, const RistrettoPoint& p) {
  auto out = crypto::scalar_mult(n, p);
  EXPECT_TRUE(out.has_value());
  return out.value_or(RistrettoPoint{});
}

RistrettoPoint add(const RistrettoPoint& a, const RistrettoPoint& b) {
  auto out = crypto::point_add(a, b);
  EXPECT_TRUE(out.has_value());
  return out.value_or(RistrettoPoint{});
}

RistrettoPoint random_point(core::Rng& rng) { return mul(reveal(crypto::random_scalar(rng)), crypto::ristretto_base); }

struct Instance {
  DleqStatement statement;
  RistrettoScalar x{};
};

Instance random_instance(core::Rng& rng) {
  Instance out;
  out.x = reveal(crypto::random_scalar(rng));
  out.statement.g = random_point(rng);
  out.statement.h = random_point(rng);
  out.statement.p = mul(out.x, out.statement.g);
  out.statement.q = mul(out.x, out.statement.h);
  return out;
}

std::vector<std::uint8_t> ctx(std::string_view s) {
  auto v = core::as_bytes(s);
  return {v.begin(), v.end()};
}

core::Reject reason(const core::Status& s) { return s.ok() ? core::Reject::io_error : s.error().reason; }

// Pointers to the four points of a statement, to tamper with each in turn.
std::vector<RistrettoPoint*> fields(DleqStatement& s) { return {&s.g, &s.h, &s.p, &s.q}; }

}  // namespace

// --- ristretto255 helpers ---

TEST(Ristretto, BaseConstantIsTheGenerator) {
  crypto::init();
  auto b = crypto::scalar_mult_base(one());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, crypto::ristretto_base);
  EXPECT_TRUE(crypto::is_valid_nonidentity_point(crypto::ristretto_base));
}

TEST(Ristretto, IdentityIsRefusedThoughLibsodiumAcceptsIt) {
  crypto::init();
  // The reason the helper exists: libsodium's is_valid_point says yes to 32 zero bytes.
  EXPECT_EQ(crypto_core_ristretto255_is_valid_point(crypto::ristretto_identity.data()), 1);
  EXPECT_FALSE(crypto::is_valid_nonidentity_point(crypto::ristretto_identity));
  RistrettoPoint not_a_point{};
  not_a_point.fill(0xff);
  EXPECT_FALSE(crypto::is_valid_nonidentity_point(not_a_point));
  // Multiplications refuse identity inputs and zero scalars (they would give the identity).
  EXPECT_FALSE(crypto::scalar_mult(one(), crypto::ristretto_identity).has_value());
  EXPECT_FALSE(crypto::scalar_mult(RistrettoScalar{}, crypto::ristretto_base).has_value());
  EXPECT_FALSE(crypto::scalar_mult_base(group_order).has_value());  // L·B = identity
}

TEST(Ristretto, CanonicalScalarsAreBelowL) {
  crypto::init();
  EXPECT_FALSE(crypto::is_canonical_scalar(group_order));
  RistrettoScalar below = group_order;
  below[0] -= 1;
  EXPECT_TRUE(crypto::is_canonical_scalar(below));
  RistrettoScalar above = group_order;
  above[0] += 1;
  EXPECT_FALSE(crypto::is_canonical_scalar(above));
  RistrettoScalar max{};
  max.fill(0xff);
  EXPECT_FALSE(crypto::is_canonical_scalar(max));
  EXPECT_TRUE(crypto::is_canonical_scalar(RistrettoScalar{}));
  EXPECT_EQ(crypto::scalar_add(below, one()), RistrettoScalar{});  // (L − 1) + 1 ≡ 0
}

TEST(Ristretto, RandomScalarsAreCanonicalNonZeroAndReplayable) {
  crypto::init();
  auto a = seeded_rng(11);
  auto b = crypto::ChaChaRng("ios/test/dleq", test_seed(11));
  for (int i = 0; i < 100; ++i) {
    auto s = reveal(crypto::random_scalar(a));
    EXPECT_TRUE(crypto::is_canonical_scalar(s));
    EXPECT_FALSE(crypto::is_zero_scalar(s));
    EXPECT_EQ(s, reveal(crypto::random_scalar(b)));
  }
}

TEST(Ristretto, LagrangeAtZeroInterpolatesALine) {
  crypto::init();
  // p(x) = 5 + 3x: p(2) = 11, p(7) = 26; λ over {2, 7} must give back p(0) = 5.
  const std::vector<std::uint32_t> idx{2, 7};
  auto l0 = crypto::lagrange_at_zero(idx, 0);
  auto l1 = crypto::lagrange_at_zero(idx, 1);
  auto p0 = crypto::scalar_add(crypto::scalar_mul(l0, crypto::scalar_from_u64(11)),
                               crypto::scalar_mul(l1, crypto::scalar_from_u64(26)));
  EXPECT_EQ(p0, crypto::scalar_from_u64(5));
}

// --- single proofs ---

TEST(Dleq, Completeness) {
  crypto::init();
  auto rng = seeded_rng(1);
  for (int i = 0; i < 40; ++i) {
    auto inst = random_instance(rng);
    auto context = ctx("session " + std::to_string(i));
    auto proof = crypto::dleq_prove(tag, context, inst.statement, secret(inst.x), rng);
    EXPECT_TRUE(crypto::is_canonical_scalar(proof.c));
    EXPECT_TRUE(crypto::is_canonical_scalar(proof.r));
    auto s = crypto::dleq_verify(tag, context, inst.statement, proof);
    EXPECT_TRUE(s.ok()) << s.error().message();
  }
}

TEST(Dleq, CompletenessWithTheStandardBaseAndEmptyContext) {
  crypto::init();
  auto rng = seeded_rng(2);
  auto inst = random_instance(rng);
  inst.statement.g = crypto::ristretto_base;
  inst.statement.p = mul(inst.x, crypto::ristretto_base);
  auto proof = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  EXPECT_TRUE(crypto::dleq_verify(tag, {}, inst.statement, proof).ok());
}

TEST(Dleq, FreshNonceEveryProof) {
  crypto::init();
  auto rng = seeded_rng(3);
  auto inst = random_instance(rng);
  auto a = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  auto b = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  EXPECT_NE(a.c, b.c);
  EXPECT_NE(a.r, b.r);
  EXPECT_TRUE(crypto::dleq_verify(tag, {}, inst.statement, a).ok());
  EXPECT_TRUE(crypto::dleq_verify(tag, {}, inst.statement, b).ok());
}

TEST(Dleq, WrongWitnessFails) {
  crypto::init();
  auto rng = seeded_rng(4);
  auto inst = random_instance(rng);
  auto wrong = crypto::scalar_add(inst.x, one());
  auto proof = crypto::dleq_prove(tag, {}, inst.statement, secret(wrong), rng);
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, inst.statement, proof)), core::Reject::bad_proof);
  // A false statement (log_G P ≠ log_H Q) cannot be proved with either discrete log.
  auto lie = inst.statement;
  lie.q = mul(wrong, lie.h);
  for (const auto& x : {inst.x, wrong}) {
    auto p = crypto::dleq_prove(tag, {}, lie, secret(x), rng);
    EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, lie, p)), core::Reject::bad_proof);
  }
}

TEST(Dleq, SwappedBasesFail) {
  crypto::init();
  auto rng = seeded_rng(5);
  auto inst = random_instance(rng);
  auto proof = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  const auto& s = inst.statement;
  const DleqStatement swaps[] = {
      {s.h, s.g, s.q, s.p},  // both pairs swapped: still a true statement, but a different one
      {s.h, s.g, s.p, s.q},  // bases swapped only
      {s.g, s.h, s.q, s.p},  // public points swapped only
      {s.p, s.h, s.g, s.q},  // base and public point exchanged
  };
  for (const auto& swapped : swaps) {
    EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, swapped, proof)), core::Reject::bad_proof);
  }
}

TEST(Dleq, TamperedChallengeOrResponseFails) {
  crypto::init();
  auto rng = seeded_rng(6);
  auto inst = random_instance(rng);
  const auto proof = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  auto check = [&](DleqProof p, core::Reject want) {
    EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, inst.statement, p)), want);
  };
  check({crypto::scalar_add(proof.c, one()), proof.r}, core::Reject::bad_proof);
  check({proof.c, crypto::scalar_add(proof.r, one())}, core::Reject::bad_proof);
  check({proof.r, proof.c}, core::Reject::bad_proof);
  check({RistrettoScalar{}, proof.r}, core::Reject::bad_proof);  // c = 0
  check({proof.c, RistrettoScalar{}}, core::Reject::bad_proof);  // r = 0
  check({group_order, proof.r}, core::Reject::bad_scalar);
  check({proof.c, group_order}, core::Reject::bad_scalar);
  // r + L is the same residue: accepted by the group equations, refused as non-canonical.
  RistrettoScalar r_plus_l{};
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = proof.r[i] + group_order[i] + carry;
    r_plus_l[i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  ASSERT_EQ(carry, 0u);  // r < L < 2^253, so r + L < 2^254 fits
  check({proof.c, r_plus_l}, core::Reject::bad_scalar);
  // Every single bit flip of c and of r.
  for (std::size_t bit = 0; bit < 256; ++bit) {
    auto c = proof.c;
    c[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(crypto::dleq_verify(tag, {}, inst.statement, {c, proof.r}).ok()) << "c bit " << bit;
    auto r = proof.r;
    r[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(crypto::dleq_verify(tag, {}, inst.statement, {proof.c, r}).ok()) << "r bit " << bit;
  }
}

TEST(Dleq, EachStatementPointChangedFails) {
  crypto::init();
  auto rng = seeded_rng(7);
  auto inst = random_instance(rng);
  auto proof = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  for (std::size_t f = 0; f < 4; ++f) {
    auto changed = inst.statement;
    auto* point = fields(changed)[f];
    *point = add(*point, crypto::ristretto_base);
    EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, changed, proof)), core::Reject::bad_proof) << "field " << f;
  }
  // Scaling the whole statement consistently (G, H, P, Q all by k) is a different statement too.
  auto k = reveal(crypto::random_scalar(rng));
  DleqStatement scaled{mul(k, inst.statement.g), mul(k, inst.statement.h), mul(k, inst.statement.p),
                       mul(k, inst.statement.q)};
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, scaled, proof)), core::Reject::bad_proof);
}

TEST(Dleq, WrongTagOrContextFails) {
  crypto::init();
  auto rng = seeded_rng(8);
  auto inst = random_instance(rng);
  auto context = ctx("session-A");
  auto proof = crypto::dleq_prove(tag, context, inst.statement, secret(inst.x), rng);
  ASSERT_TRUE(crypto::dleq_verify(tag, context, inst.statement, proof).ok());
  EXPECT_EQ(reason(crypto::dleq_verify("IOS/v1/test-dleq2", context, inst.statement, proof)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify("", context, inst.statement, proof)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify(tag, ctx("session-B"), inst.statement, proof)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify(tag, ctx(std::string_view("session-A\0", 10)), inst.statement, proof)),
            core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, inst.statement, proof)), core::Reject::bad_proof);
  // Moving bytes between tag and context must not give the same transcript (length prefixes).
  auto p2 = crypto::dleq_prove("ab", ctx("c"), inst.statement, secret(inst.x), rng);
  EXPECT_EQ(reason(crypto::dleq_verify("a", ctx("bc"), inst.statement, p2)), core::Reject::bad_proof);
}

TEST(Dleq, IdentityAndInvalidPointsAreRejected) {
  crypto::init();
  auto rng = seeded_rng(9);
  auto inst = random_instance(rng);
  auto proof = crypto::dleq_prove(tag, {}, inst.statement, secret(inst.x), rng);
  RistrettoPoint garbage{};
  garbage.fill(0xff);
  for (std::size_t f = 0; f < 4; ++f) {
    for (const auto& bad : {crypto::ristretto_identity, garbage}) {
      auto changed = inst.statement;
      *fields(changed)[f] = bad;
      EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, changed, proof)), core::Reject::bad_point) << "field " << f;
    }
  }
  // The degenerate statement P = Q = identity would be "provable" for x = 0 by anyone.
  DleqStatement degenerate{inst.statement.g, inst.statement.h, crypto::ristretto_identity, crypto::ristretto_identity};
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, degenerate, proof)), core::Reject::bad_point);
}

// docs/PROTOCOLS.md §5.3 made concrete, in the setting where it bites: a trustee's decryption proof
// DLEQ(B, S; X, Y), log_B X = x = log_S Y, where the base S (the decrypted share) is chosen by
// the prover. kyber's VerifyDecShare hashed (X, Y, VG, VH) but not S.
TEST(Dleq, UnboundBaseForgeryFailsHere) {
  crypto::init();
  auto rng = seeded_rng(10);
  const auto& b = crypto::ristretto_base;
  const auto x = reveal(crypto::random_scalar(rng));  // the cheating trustee's own key
  const auto big_x = mul(x, b);
  const auto true_share = random_point(rng);
  const auto y = mul(x, true_share);  // the encrypted share the dealer sent

  // The forger: pick v and an arbitrary VH; c as a verifier that does NOT hash S computes it.
  const auto v = reveal(crypto::random_scalar(rng));
  const auto vg = mul(v, b);
  const auto vh = crypto::hash_to_point(core::as_bytes("any point the forger likes"));
  const auto c = crypto::hash_to_scalar(core::concat({big_x, y, vg, vh}));
  const auto r = crypto::scalar_sub(v, crypto::scalar_mul(c, x));
  auto r_inv = crypto::scalar_invert(r);
  ASSERT_TRUE(r_inv.has_value());
  auto vh_minus_cy = crypto::point_sub(vh, mul(c, y));
  ASSERT_TRUE(vh_minus_cy.has_value());
  const auto forged_share = mul(*r_inv, *vh_minus_cy);  // S' = r⁻¹(VH − c·Y)
  ASSERT_NE(forged_share, true_share);

  // For contrast: the lax verifier's checks all hold for the wrong share S'.
  EXPECT_EQ(add(mul(r, b), mul(c, big_x)), vg);                            // r·B + c·X == VG
  EXPECT_EQ(add(mul(r, forged_share), mul(c, y)), vh);                     // r·S' + c·Y == VH
  EXPECT_EQ(crypto::hash_to_scalar(core::concat({big_x, y, vg, vh})), c);  // and its challenge matches

  // Our verifier hashes both bases (B and S') and the context: the forgery fails.
  const DleqStatement forged{b, forged_share, big_x, y};
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, forged, {c, r})), core::Reject::bad_proof);
  // And the honest trustee's proof for the true share verifies.
  const DleqStatement honest{b, true_share, big_x, y};
  auto proof = crypto::dleq_prove(tag, {}, honest, secret(x), rng);
  EXPECT_TRUE(crypto::dleq_verify(tag, {}, honest, proof).ok());
  // Reusing the honest proof for the forged share also fails: S is in the challenge.
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, forged, proof)), core::Reject::bad_proof);
}

// --- batch proofs ---

namespace {

struct Batch {
  std::vector<DleqStatement> statements;
  std::vector<Secret<32>> xs;
};

Batch random_batch(core::Rng& rng, std::size_t n) {
  Batch out;
  for (std::size_t i = 0; i < n; ++i) {
    auto inst = random_instance(rng);
    out.statements.push_back(inst.statement);
    out.xs.push_back(secret(inst.x));
  }
  return out;
}

}  // namespace

TEST(DleqBatch, Completeness) {
  crypto::init();
  auto rng = seeded_rng(20);
  for (std::size_t n : {1u, 2u, 7u, 33u}) {
    auto batch = random_batch(rng, n);
    auto context = ctx("batch " + std::to_string(n));
    auto proof = crypto::dleq_prove_batch(tag, context, batch.statements, batch.xs, rng);
    ASSERT_EQ(proof.r.size(), n);
    auto s = crypto::dleq_verify_batch(tag, context, batch.statements, proof);
    EXPECT_TRUE(s.ok()) << n << ": " << s.error().message();
  }
}

TEST(DleqBatch, EveryStatementTamperIsDetected) {
  crypto::init();
  auto rng = seeded_rng(21);
  const std::size_t n = 5;
  auto batch = random_batch(rng, n);
  auto context = ctx("ctx");
  const auto proof = crypto::dleq_prove_batch(tag, context, batch.statements, batch.xs, rng);
  ASSERT_TRUE(crypto::dleq_verify_batch(tag, context, batch.statements, proof).ok());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t f = 0; f < 4; ++f) {
      auto statements = batch.statements;
      auto* point = fields(statements[i])[f];
      *point = add(*point, crypto::ristretto_base);
      EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, context, statements, proof)), core::Reject::bad_proof)
          << "statement " << i << " field " << f;
      *point = crypto::ristretto_identity;
      EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, context, statements, proof)), core::Reject::bad_point)
          << "statement " << i << " field " << f;
    }
    auto r = proof;
    r.r[i] = crypto::scalar_add(r.r[i], one());
    EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, context, batch.statements, r)), core::Reject::bad_proof);
    r = proof;
    r.r[i] = group_order;
    EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, context, batch.statements, r)), core::Reject::bad_scalar);
  }
  auto c = proof;
  c.c = crypto::scalar_add(c.c, one());
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, context, batch.statements, c)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, ctx("other"), batch.statements, proof)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify_batch("other", context, batch.statements, proof)), core::Reject::bad_proof);
}

TEST(DleqBatch, StatementsAndResponsesMustMatchExactly) {
  crypto::init();
  auto rng = seeded_rng(22);
  auto batch = random_batch(rng, 4);
  const auto proof = crypto::dleq_prove_batch(tag, {}, batch.statements, batch.xs, rng);
  // Reordered statements (responses reordered with them): the challenge covers the order.
  auto statements = batch.statements;
  auto reordered = proof;
  std::swap(statements[0], statements[1]);
  std::swap(reordered.r[0], reordered.r[1]);
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, statements, reordered)), core::Reject::bad_proof);
  // A prefix of the statements with the matching prefix of responses.
  auto prefix = proof;
  prefix.r.pop_back();
  std::span<const DleqStatement> first3(batch.statements.data(), 3);
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, first3, prefix)), core::Reject::bad_proof);
  // Response counts that differ from the statement count.
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, batch.statements, prefix)), core::Reject::bad_proof);
  auto extra = proof;
  extra.r.push_back(one());
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, batch.statements, extra)), core::Reject::bad_proof);
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, {}, DleqBatchProof{proof.c, {}})), core::Reject::bad_proof);
}

// kyber PR #520: a verifier that takes the sent challenge and only checks the group equations
// against sent commitments accepts a "proof" of anything. Build one for false statements.
TEST(DleqBatch, ChallengeIsRecomputedNotTrusted) {
  crypto::init();
  auto rng = seeded_rng(23);
  const std::size_t n = 3;
  std::vector<DleqStatement> lies;
  for (std::size_t i = 0; i < n; ++i) {
    auto inst = random_instance(rng);
    inst.statement.q = random_point(rng);  // log_H Q ≠ log_G P
    lies.push_back(inst.statement);
  }
  // kyber's pre-#520 check: given (c, r, T1, T2), only r·G + c·P == T1 and r·H + c·Q == T2.
  auto lax_accepts = [](const DleqStatement& s, const RistrettoScalar& c, const RistrettoScalar& r,
                        const RistrettoPoint& t1, const RistrettoPoint& t2) {
    return add(mul(r, s.g), mul(c, s.p)) == t1 && add(mul(r, s.h), mul(c, s.q)) == t2;
  };
  DleqBatchProof forged;
  forged.c = reveal(crypto::random_scalar(rng));  // any challenge the forger likes
  for (std::size_t i = 0; i < n; ++i) {
    forged.r.push_back(reveal(crypto::random_scalar(rng)));
    // The forger solves the commitments for its chosen c and r.
    auto t1 = add(mul(forged.r[i], lies[i].g), mul(forged.c, lies[i].p));
    auto t2 = add(mul(forged.r[i], lies[i].h), mul(forged.c, lies[i].q));
    EXPECT_TRUE(lax_accepts(lies[i], forged.c, forged.r[i], t1, t2)) << i;
  }
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, lies, forged)), core::Reject::bad_proof);
}

TEST(DleqBatch, SingleAndBatchProofsAreNotInterchangeable) {
  crypto::init();
  auto rng = seeded_rng(24);
  auto batch = random_batch(rng, 1);
  auto bp = crypto::dleq_prove_batch(tag, {}, batch.statements, batch.xs, rng);
  ASSERT_TRUE(crypto::dleq_verify_batch(tag, {}, batch.statements, bp).ok());
  EXPECT_EQ(reason(crypto::dleq_verify(tag, {}, batch.statements[0], {bp.c, bp.r[0]})), core::Reject::bad_proof);
  auto sp = crypto::dleq_prove(tag, {}, batch.statements[0], batch.xs[0], rng);
  ASSERT_TRUE(crypto::dleq_verify(tag, {}, batch.statements[0], sp).ok());
  EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, batch.statements, DleqBatchProof{sp.c, {sp.r}})),
            core::Reject::bad_proof);
}

TEST(DleqBatch, OneWrongWitnessSpoilsTheBatch) {
  crypto::init();
  auto rng = seeded_rng(25);
  auto batch = random_batch(rng, 6);
  for (std::size_t i = 0; i < batch.xs.size(); ++i) {
    auto xs = batch.xs;
    xs[i] = secret(crypto::scalar_add(reveal(xs[i]), one()));
    auto proof = crypto::dleq_prove_batch(tag, {}, batch.statements, xs, rng);
    EXPECT_EQ(reason(crypto::dleq_verify_batch(tag, {}, batch.statements, proof)), core::Reject::bad_proof) << i;
  }
}
