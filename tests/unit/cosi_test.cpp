// CoSi collective signatures (Syta et al., "Keeping Authorities Honest or Bust", IEEE S&P 2016;
// docs/PROTOCOLS.md §3). What is checked:
//   - full rounds for n = 1, 4, 7, 16 (full and partial participation) give signatures that
//     plain crypto_sign_verify_detached accepts under aggregate_key (the kyber PR #284 property);
//   - the threshold policy (signers_min) and every negative of docs/PROTOCOLS.md §3.6: wrong mask
//     bits, swapped message, tampered V / r / mask, wrong mask length, padding bits, every bit
//     flip of an encoded signature;
//   - the rogue-key attack: X − Σ honest keys has no proof of possession, so CosiKey::admit
//     refuses it; and, summed by hand WITHOUT that gate, the attacker alone signs for the
//     aggregate — so the gate is what stops it;
//   - witness-side checks: a wrong c is refused, a restart uses a fresh V, a second commit
//     aborts, a response cannot be given twice; verify_partial for subtrees.
// Randomness is a ChaChaRng whose seed is printed; IOS_COSI_SEED=<n> replaces the base seed.
#include "node/crypto/cosi.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"

using namespace ios;
// The chain the test keys' proofs of possession are bound to.
const ios::core::ByteView test_chain = ios::core::as_bytes("ios-test-chain");
using crypto::CollectiveSignature;
using crypto::CosiChallenge;
using crypto::CosiKey;
using crypto::CosiMask;
using crypto::CosiSigner;
using crypto::PublicKey;
using crypto::Signature;
using crypto::SigningKey;
using Point = core::ByteArray<32>;

namespace {

constexpr std::uint64_t pop_epoch = 3;
constexpr Point identity_point{0x01};
// (0, −1), the point of order 2: y = p − 1.
constexpr Point order2_point{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

std::uint64_t base_seed() {
  static const std::uint64_t seed = [] {
    const char* env = std::getenv("IOS_COSI_SEED");
    return env != nullptr ? std::strtoull(env, nullptr, 10) : std::uint64_t{20160522};
  }();
  return seed;
}

crypto::ChaChaRng seeded_rng(const char* test, std::uint64_t offset) {
  const std::uint64_t seed = base_seed() + offset;
  std::printf("[ seed     ] %s: ChaChaRng(\"IOS/test/cosi\", %llu) (replay: IOS_COSI_SEED=%llu)\n", test,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(base_seed()));
  return crypto::ChaChaRng("IOS/test/cosi", seed);
}

SigningKey random_key(core::Rng& rng) {
  crypto::Seed seed;
  rng.fill({seed.data(), seed.size()});
  return SigningKey(seed);
}

CosiKey admitted(const SigningKey& key) {
  auto k = CosiKey::admit(key.public_key(), test_chain, pop_epoch, crypto::make_pop(key, test_chain, pop_epoch));
  EXPECT_TRUE(k.ok()) << k.error().message();
  return std::move(k).value();
}

struct Committee {
  std::vector<SigningKey> keys;
  std::vector<CosiKey> roster;
  std::vector<std::unique_ptr<CosiSigner>> signers;
};

Committee make_committee(std::size_t n, core::Rng& rng) {
  Committee c;
  for (std::size_t i = 0; i < n; ++i) {
    c.keys.push_back(random_key(rng));
    c.roster.push_back(admitted(c.keys.back()));
    c.signers.push_back(std::make_unique<CosiSigner>(c.keys.back()));
  }
  return c;
}

// One whole round (announcement implied): commit, aggregate, challenge, respond, aggregate.
CollectiveSignature run_round(Committee& c, const CosiMask& mask, core::ByteView message, core::Rng& rng) {
  std::vector<Point> commitments;
  for (std::size_t i = 0; i < c.roster.size(); ++i) {
    if (mask.contains(i)) commitments.push_back(c.signers[i]->commit(rng));
  }
  auto v = crypto::sum_commitments(commitments);
  EXPECT_TRUE(v.ok()) << v.error().message();
  auto a_m = crypto::aggregate_key(c.roster, mask);
  EXPECT_TRUE(a_m.ok()) << a_m.error().message();
  const CosiChallenge challenge = crypto::make_challenge(*v, *a_m, message);
  std::vector<Point> responses;
  for (std::size_t i = 0; i < c.roster.size(); ++i) {
    if (!mask.contains(i)) continue;
    auto r = c.signers[i]->respond(challenge, message);
    EXPECT_TRUE(r.ok()) << r.error().message();
    responses.push_back(*r);
  }
  auto r = crypto::sum_responses(responses);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return CollectiveSignature{*v, *r, mask};
}

bool plain_ed25519_verifies(const std::vector<CosiKey>& roster, core::ByteView message,
                            const CollectiveSignature& sig) {
  auto a_m = crypto::aggregate_key(roster, sig.mask);
  if (!a_m) return false;
  const Signature ed = crypto::as_ed25519(sig);
  return crypto_sign_verify_detached(ed.data(), message.data(), message.size(), a_m->data()) == 0;
}

core::Bytes message_for(std::string_view body) {
  return crypto::tagged_message("IOS/v1/block", core::as_bytes("shard-0"), core::as_bytes(body));
}

std::vector<CosiMask> masks_to_try(std::size_t n, core::Rng& rng) {
  std::vector<CosiMask> masks{CosiMask::full(n)};
  CosiMask first(n), last(n), even(n);
  first.set(0, true);
  last.set(n - 1, true);
  for (std::size_t i = 0; i < n; i += 2) even.set(i, true);
  masks.insert(masks.end(), {first, last, even});
  for (int k = 0; k < 4; ++k) {
    CosiMask m(n);
    for (std::size_t i = 0; i < n; ++i) m.set(i, rng.uniform(2) == 1);
    if (m.count() == 0) m.set(rng.uniform(n), true);
    masks.push_back(m);
  }
  return masks;
}

class Cosi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crypto::init(); }
};

// ---- full rounds -------------------------------------------------------------------------

TEST_F(Cosi, RoundsVerifyAsPlainEd25519UnderTheAggregateKey) {
  for (std::size_t n : {1u, 4u, 7u, 16u}) {
    auto rng = seeded_rng("rounds", n);
    Committee c = make_committee(n, rng);
    const core::Bytes message = message_for("block at height " + std::to_string(n));
    for (const CosiMask& mask : masks_to_try(n, rng)) {
      SCOPED_TRACE("n=" + std::to_string(n) + " mask=" + core::to_hex(mask.encode()));
      const CollectiveSignature sig = run_round(c, mask, message, rng);
      // The kyber PR #284 property: (V, r) is an Ed25519 signature under A_M.
      EXPECT_TRUE(plain_ed25519_verifies(c.roster, message, sig));
      auto a_m = crypto::aggregate_key(c.roster, mask);
      ASSERT_TRUE(a_m.ok());
      EXPECT_TRUE(crypto::verify(*a_m, message, crypto::as_ed25519(sig)));
      EXPECT_TRUE(crypto::cosi_verify(c.roster, message, sig, mask.count()).ok());
      EXPECT_TRUE(crypto::cosi_verify(c.roster, message, sig, 1).ok());
      // Threshold policy: one signer short of the policy is refused, and says how many signed.
      auto short_by_one = crypto::cosi_verify(c.roster, message, sig, mask.count() + 1);
      ASSERT_FALSE(short_by_one.ok());
      EXPECT_EQ(short_by_one.error().reason, core::Reject::bad_signature);
      EXPECT_NE(short_by_one.error().detail.find(std::to_string(mask.count()) + " of " + std::to_string(n) + " signed"),
                std::string::npos)
          << short_by_one.error().detail;
      // Canonical encoding round trip.
      auto decoded = crypto::decode_collective_signature(crypto::encode(sig));
      ASSERT_TRUE(decoded.ok()) << decoded.error().message();
      EXPECT_EQ(*decoded, sig);
      for (const auto& s : c.signers) EXPECT_FALSE(s->has_open_commitment());
    }
  }
}

TEST_F(Cosi, ThresholdPolicyTwoThirdsPlusOne) {
  auto rng = seeded_rng("threshold", 100);
  Committee c = make_committee(7, rng);
  const core::Bytes message = message_for("threshold");
  const std::size_t policy = 5;  // 2f + 1 for n = 3f + 1 = 7
  CosiMask five(7), four(7);
  for (std::size_t i : {0u, 1u, 3u, 5u, 6u}) five.set(i, true);
  for (std::size_t i : {1u, 2u, 4u, 6u}) four.set(i, true);
  const CollectiveSignature enough = run_round(c, five, message, rng);
  const CollectiveSignature too_few = run_round(c, four, message, rng);
  EXPECT_TRUE(crypto::cosi_verify(c.roster, message, enough, policy).ok());
  EXPECT_TRUE(plain_ed25519_verifies(c.roster, message, too_few));   // cryptographically fine...
  auto s = crypto::cosi_verify(c.roster, message, too_few, policy);  // ...but below the policy
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().detail, "4 of 7 signed, policy needs 5");
}

// ---- negatives ---------------------------------------------------------------------------

class CosiNegative : public Cosi {
 protected:
  void SetUp() override {
    rng_ = std::make_unique<crypto::ChaChaRng>(seeded_rng("negatives", 200));
    committee_ = make_committee(7, *rng_);
    message_ = message_for("the block");
    mask_ = CosiMask(7);
    for (std::size_t i : {0u, 2u, 3u, 6u}) mask_.set(i, true);
    sig_ = run_round(committee_, mask_, message_, *rng_);
    ASSERT_TRUE(crypto::cosi_verify(committee_.roster, message_, sig_, 4).ok());
  }
  core::Status verify(const CollectiveSignature& s) const {
    return crypto::cosi_verify(committee_.roster, message_, s, 1);
  }

  std::unique_ptr<crypto::ChaChaRng> rng_;
  Committee committee_;
  core::Bytes message_;
  CosiMask mask_;
  CollectiveSignature sig_;
};

TEST_F(CosiNegative, MaskBitSetForANonSigner) {
  for (std::size_t i : {1u, 4u, 5u}) {
    CollectiveSignature s = sig_;
    s.mask.set(i, true);
    auto st = verify(s);
    ASSERT_FALSE(st.ok()) << i;
    EXPECT_EQ(st.error().reason, core::Reject::bad_signature);
    EXPECT_FALSE(plain_ed25519_verifies(committee_.roster, message_, s));
  }
}

TEST_F(CosiNegative, MaskBitClearedForASigner) {
  for (std::size_t i : {0u, 2u, 3u, 6u}) {
    CollectiveSignature s = sig_;
    s.mask.set(i, false);
    auto st = verify(s);
    ASSERT_FALSE(st.ok()) << i;
    EXPECT_EQ(st.error().reason, core::Reject::bad_signature);
  }
}

TEST_F(CosiNegative, SwappedMessage) {
  const core::Bytes other = message_for("another block");
  EXPECT_FALSE(crypto::cosi_verify(committee_.roster, other, sig_, 1).ok());
  const core::Bytes other_shard =
      crypto::tagged_message("IOS/v1/block", core::as_bytes("shard-1"), core::as_bytes("the block"));
  EXPECT_FALSE(crypto::cosi_verify(committee_.roster, other_shard, sig_, 1).ok());
}

TEST_F(CosiNegative, TamperedVAndR) {
  for (std::size_t byte = 0; byte < 32; ++byte) {
    CollectiveSignature v = sig_;
    v.V[byte] ^= static_cast<std::uint8_t>(1u << (byte % 8));
    EXPECT_FALSE(verify(v).ok()) << "V byte " << byte;
    CollectiveSignature r = sig_;
    r.r[byte] ^= static_cast<std::uint8_t>(1u << (byte % 8));
    EXPECT_FALSE(verify(r).ok()) << "r byte " << byte;
  }
}

TEST_F(CosiNegative, EveryBitFlipOfTheEncodingIsRefused) {
  const core::Bytes good = crypto::encode(sig_);
  ASSERT_EQ(good.size(), 1u + 32 + 32 + 4 + 1);
  std::size_t refused_by_decode = 0;
  for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
    core::Bytes bad = good;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto d = crypto::decode_collective_signature(bad);
    if (!d) {
      ++refused_by_decode;
      continue;
    }
    EXPECT_FALSE(verify(*d).ok()) << "bit " << bit;
  }
  std::printf("[ info     ] %zu of %zu bit flips refused by decode, the rest by cosi_verify\n", refused_by_decode,
              good.size() * 8);
}

TEST_F(CosiNegative, TamperedMaskBytes) {
  core::Bytes enc = crypto::encode(sig_);
  const std::size_t mask_at = enc.size() - 1;
  for (std::size_t bit = 0; bit < 7; ++bit) {  // every member bit of the 7-bit mask
    core::Bytes bad = enc;
    bad[mask_at] ^= static_cast<std::uint8_t>(1u << bit);
    auto d = crypto::decode_collective_signature(bad);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_FALSE(verify(*d).ok()) << "mask bit " << bit;
  }
}

TEST_F(CosiNegative, MaskOfTheWrongLength) {
  for (std::size_t n : {6u, 8u, 9u, 16u}) {
    CollectiveSignature s = sig_;
    s.mask = CosiMask(n);
    for (std::size_t i : {0u, 2u, 3u}) s.mask.set(i, true);
    auto st = verify(s);
    ASSERT_FALSE(st.ok()) << n;
    EXPECT_EQ(st.error().reason, core::Reject::bad_signature);
    EXPECT_FALSE(crypto::aggregate_key(committee_.roster, s.mask).ok());
  }
  // Byte-level: ⌈n/8⌉ bytes exactly.
  const core::Bytes one = {0x4d};
  EXPECT_TRUE(CosiMask::decode(one, 7).ok());
  EXPECT_EQ(CosiMask::decode(core::Bytes{}, 7).error().reason, core::Reject::truncated);
  EXPECT_EQ(CosiMask::decode(core::Bytes{0x4d, 0x00}, 7).error().reason, core::Reject::trailing_bytes);
  EXPECT_EQ(CosiMask::decode(core::Bytes{0x4d}, 9).error().reason, core::Reject::truncated);
  EXPECT_EQ(CosiMask::decode(core::Bytes(8193, 0), crypto::cosi_roster_size_max + 1).error().reason,
            core::Reject::length_over_limit);
  // In the signature encoding: n = 9 with one mask byte is truncated; n = 7 with two is trailing.
  core::Bytes enc = crypto::encode(sig_);
  core::Bytes n9 = enc;
  n9[65] = 9;
  EXPECT_EQ(crypto::decode_collective_signature(n9).error().reason, core::Reject::truncated);
  core::Bytes extra = enc;
  extra.push_back(0);
  EXPECT_EQ(crypto::decode_collective_signature(extra).error().reason, core::Reject::trailing_bytes);
  core::Bytes huge = enc;
  huge[65] = 0x01;
  huge[66] = 0x00;
  huge[67] = 0x01;  // n = 65537
  EXPECT_EQ(crypto::decode_collective_signature(huge).error().reason, core::Reject::length_over_limit);
}

TEST_F(CosiNegative, PaddingBitsSet) {
  EXPECT_EQ(CosiMask::decode(core::Bytes{0x80}, 7).error().reason, core::Reject::non_canonical);
  EXPECT_EQ(CosiMask::decode(core::Bytes{0xff, 0x02}, 9).error().reason, core::Reject::non_canonical);
  EXPECT_TRUE(CosiMask::decode(core::Bytes{0xff, 0x01}, 9).ok());
  core::Bytes enc = crypto::encode(sig_);
  enc.back() |= 0x80;  // bit 7 of a 7-member mask is padding
  EXPECT_EQ(crypto::decode_collective_signature(enc).error().reason, core::Reject::non_canonical);
}

TEST_F(CosiNegative, NonCanonicalEncodings) {
  const core::Bytes enc = crypto::encode(sig_);
  core::Bytes version = enc;
  version[0] = 2;
  EXPECT_EQ(crypto::decode_collective_signature(version).error().reason, core::Reject::unknown_version);
  for (std::size_t len = 0; len < enc.size(); ++len) {
    auto d = crypto::decode_collective_signature(core::ByteView(enc).first(len));
    ASSERT_FALSE(d.ok()) << len;
    EXPECT_EQ(d.error().reason, core::Reject::truncated) << len;
  }
  // r + L: the same group element, a different encoding (Ed25519 S malleability).
  CollectiveSignature plus_l = sig_;
  const Point l{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = plus_l.r[i] + l[i] + carry;
    plus_l.r[i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);  // r < L < 2^253, so r + L < 2^256
  EXPECT_EQ(crypto::decode_collective_signature(crypto::encode(plus_l)).error().reason, core::Reject::bad_scalar);
  EXPECT_FALSE(verify(plus_l).ok());
  // V with a torsion component: V + (0, −1).
  CollectiveSignature torsion = sig_;
  ASSERT_EQ(crypto_core_ed25519_add(torsion.V.data(), sig_.V.data(), order2_point.data()), 0);
  EXPECT_EQ(crypto::decode_collective_signature(crypto::encode(torsion)).error().reason, core::Reject::bad_point);
  EXPECT_FALSE(verify(torsion).ok());
}

// ---- proofs of possession and the rogue-key attack ---------------------------------------

TEST_F(Cosi, AdmitRefusesBadPointsAndBadProofsOfPossession) {
  auto rng = seeded_rng("admit", 300);
  const SigningKey alice = random_key(rng);
  const SigningKey bob = random_key(rng);
  const Signature pop = crypto::make_pop(alice, test_chain, pop_epoch);
  EXPECT_TRUE(CosiKey::admit(alice.public_key(), test_chain, pop_epoch, pop).ok());
  EXPECT_EQ(CosiKey::admit(alice.public_key(), test_chain, pop_epoch + 1, pop).error().reason,
            core::Reject::bad_signature);
  EXPECT_EQ(CosiKey::admit(bob.public_key(), test_chain, pop_epoch, pop).error().reason, core::Reject::bad_signature);
  EXPECT_EQ(CosiKey::admit(alice.public_key(), test_chain, pop_epoch, Signature{}).error().reason,
            core::Reject::bad_signature);

  Point torsion{};
  ASSERT_EQ(crypto_core_ed25519_add(torsion.data(), alice.public_key().data(), order2_point.data()), 0);
  for (const Point& p : {identity_point, order2_point, torsion, Point{}}) {
    auto k = CosiKey::admit(p, test_chain, pop_epoch, pop);
    ASSERT_FALSE(k.ok()) << core::to_hex(p);
    EXPECT_EQ(k.error().reason, core::Reject::bad_point) << core::to_hex(p);
  }
}

TEST_F(Cosi, RogueKeyHasNoProofOfPossessionAndWouldOtherwiseForge) {
  auto rng = seeded_rng("rogue", 400);
  Committee honest = make_committee(4, rng);
  const SigningKey attacker = random_key(rng);  // x, X = x·B: the attacker knows x
  const PublicKey& x_pub = attacker.public_key();

  // A_evil = X − Σ A_honest (no secret for it is known to anyone).
  PublicKey evil = x_pub;
  for (const CosiKey& k : honest.roster) {
    ASSERT_EQ(crypto_core_ed25519_sub(evil.data(), evil.data(), k.public_key().data()), 0);
  }
  ASSERT_EQ(crypto_core_ed25519_is_valid_point(evil.data()), 1);  // a perfectly good point...

  // ...but no proof of possession: the attacker can sign the PoP body for A_evil only with x.
  core::Writer body;
  body.raw(evil).u64(pop_epoch);
  const Signature forged_pop = attacker.sign(crypto::tagged_message("IOS/v1/pop", {}, body.view()));
  for (const Signature& pop : {forged_pop, crypto::make_pop(attacker, test_chain, pop_epoch), Signature{}}) {
    auto k = CosiKey::admit(evil, test_chain, pop_epoch, pop);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.error().reason, core::Reject::bad_signature);
  }

  // Why the gate matters: summed by hand without it, the aggregate of "all five" is X ...
  PublicKey aggregate = evil;
  for (const CosiKey& k : honest.roster) {
    ASSERT_EQ(crypto_core_ed25519_add(aggregate.data(), aggregate.data(), k.public_key().data()), 0);
  }
  EXPECT_EQ(aggregate, x_pub);
  // ... and the attacker ALONE produces a "collective" signature for it, no honest member involved.
  const core::Bytes message = message_for("pay everything to the attacker");
  const Signature forged = attacker.sign(message);
  EXPECT_EQ(crypto_sign_verify_detached(forged.data(), message.data(), message.size(), aggregate.data()), 0);

  // With the gate, the attacker can only join with its real key X; then the same signature
  // does not verify under the honest-plus-X aggregate.
  std::vector<CosiKey> roster = honest.roster;
  roster.push_back(admitted(attacker));
  CollectiveSignature claim{{}, {}, CosiMask::full(5)};
  std::copy(forged.begin(), forged.begin() + 32, claim.V.begin());
  std::copy(forged.begin() + 32, forged.end(), claim.r.begin());
  auto st = crypto::cosi_verify(roster, message, claim, 5);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, core::Reject::bad_signature);
}

TEST_F(Cosi, DuplicateKeyCannotCountTwice) {
  auto rng = seeded_rng("duplicate", 500);
  Committee c = make_committee(3, rng);
  std::vector<CosiKey> roster = c.roster;
  roster.push_back(c.roster[1]);
  auto a = crypto::aggregate_key(roster, CosiMask::full(4));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().reason, core::Reject::duplicate);
  CosiMask one_copy(4);
  one_copy.set(0, true);
  one_copy.set(3, true);
  EXPECT_TRUE(crypto::aggregate_key(roster, one_copy).ok());
  EXPECT_EQ(crypto::aggregate_key(roster, CosiMask(4)).error().reason, core::Reject::bad_signature);  // empty
}

// ---- witness side ------------------------------------------------------------------------

TEST_F(Cosi, WitnessRefusesAWrongChallenge) {
  auto rng = seeded_rng("wrong-challenge", 600);
  Committee c = make_committee(4, rng);
  const core::Bytes message = message_for("honest block");
  const CosiMask mask = CosiMask::full(4);
  std::vector<Point> commitments;
  for (auto& s : c.signers) commitments.push_back(s->commit(rng));
  const Point v = *crypto::sum_commitments(commitments);
  const PublicKey a_m = *crypto::aggregate_key(c.roster, mask);
  const CosiChallenge good = crypto::make_challenge(v, a_m, message);
  EXPECT_TRUE(crypto::check_challenge(good, message).ok());

  // 0: c for another message; 1: c flipped; 2: c for a different A_M (a member dropped);
  // 3: right c but V replaced.
  CosiChallenge other_message = crypto::make_challenge(v, a_m, message_for("evil block"));
  other_message = CosiChallenge{v, a_m, other_message.c};
  CosiChallenge flipped = good;
  flipped.c[0] ^= 1;
  CosiMask three(4);
  for (std::size_t i : {0u, 1u, 2u}) three.set(i, true);
  CosiChallenge other_key = good;
  other_key.c = crypto::make_challenge(v, *crypto::aggregate_key(c.roster, three), message).c;
  CosiChallenge other_v = good;
  other_v.aggregate_commitment = commitments[0];
  const CosiChallenge bad[] = {other_message, flipped, other_key, other_v};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(crypto::check_challenge(bad[i], message).error().reason, core::Reject::bad_proof);
    auto r = c.signers[i]->respond(bad[i], message);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, core::Reject::bad_proof);
    // The witness aborted: its commitment is gone, so not even the right challenge gets an answer.
    EXPECT_FALSE(c.signers[i]->has_open_commitment());
    EXPECT_EQ(c.signers[i]->respond(good, message).error().reason, core::Reject::duplicate);
  }
}

TEST_F(Cosi, RestartAfterAMissingResponseUsesFreshCommitments) {
  auto rng = seeded_rng("restart", 700);
  Committee c = make_committee(4, rng);
  const core::Bytes message = message_for("restarted block");
  std::vector<Point> first;
  for (auto& s : c.signers) first.push_back(s->commit(rng));
  // Member 3 never responds: the leader restarts without it, everyone commits afresh.
  for (auto& s : c.signers) s->abandon();
  for (auto& s : c.signers) EXPECT_FALSE(s->has_open_commitment());
  CosiMask without_3(4);
  for (std::size_t i : {0u, 1u, 2u}) without_3.set(i, true);
  std::vector<Point> second;
  for (std::size_t i = 0; i < 3; ++i) {
    second.push_back(c.signers[i]->commit(rng));
    EXPECT_NE(second[i], first[i]) << "member " << i << " reused its commitment";
  }
  const Point v = *crypto::sum_commitments(second);
  const CosiChallenge ch = crypto::make_challenge(v, *crypto::aggregate_key(c.roster, without_3), message);
  std::vector<Point> responses;
  for (std::size_t i = 0; i < 3; ++i) responses.push_back(*c.signers[i]->respond(ch, message));
  const CollectiveSignature sig{v, *crypto::sum_responses(responses), without_3};
  EXPECT_TRUE(crypto::cosi_verify(c.roster, message, sig, 3).ok());
  EXPECT_TRUE(plain_ed25519_verifies(c.roster, message, sig));
  c.signers[3]->abandon();  // harmless when nothing is open
}

TEST_F(Cosi, CommitTwiceWithoutRespondingAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto rng = seeded_rng("commit-twice", 800);
  const SigningKey key = random_key(rng);
  EXPECT_DEATH(
      {
        CosiSigner signer(key);
        (void)signer.commit(rng);
        (void)signer.commit(rng);
      },
      "invariant violated: !open_");
}

TEST_F(Cosi, AResponseCannotBeGivenTwice) {
  auto rng = seeded_rng("respond-twice", 900);
  const SigningKey key = random_key(rng);
  const std::vector<CosiKey> roster{admitted(key)};
  CosiSigner signer(key);
  const core::Bytes message = message_for("once");
  EXPECT_EQ(signer.respond(CosiChallenge{}, message).error().reason, core::Reject::duplicate);  // never committed

  const Point v = signer.commit(rng);
  const CosiChallenge ch = crypto::make_challenge(v, key.public_key(), message);
  auto r1 = signer.respond(ch, message);
  ASSERT_TRUE(r1.ok());
  auto r2 = signer.respond(ch, message);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().reason, core::Reject::duplicate);
  // A second challenge for the same V (what an attacker would need to solve for a) is refused.
  const CosiChallenge other = crypto::make_challenge(v, key.public_key(), message_for("twice"));
  EXPECT_EQ(signer.respond(other, message_for("twice")).error().reason, core::Reject::duplicate);
  EXPECT_TRUE(crypto::cosi_verify(roster, message, CollectiveSignature{v, *r1, CosiMask::full(1)}, 1).ok());

  (void)signer.commit(rng);
  signer.abandon();
  EXPECT_EQ(signer.respond(ch, message).error().reason, core::Reject::duplicate);  // abandoned
}

// ---- subtrees ----------------------------------------------------------------------------

TEST_F(Cosi, VerifyPartialChecksSubtreeAggregates) {
  auto rng = seeded_rng("partial", 1000);
  Committee c = make_committee(16, rng);
  const core::Bytes message = message_for("tree round");
  const CosiMask mask = CosiMask::full(16);
  std::vector<Point> commitments;
  for (auto& s : c.signers) commitments.push_back(s->commit(rng));
  const Point v = *crypto::sum_commitments(commitments);
  const CosiChallenge ch = crypto::make_challenge(v, *crypto::aggregate_key(c.roster, mask), message);
  std::vector<Point> responses;
  for (auto& s : c.signers) responses.push_back(*s->respond(ch, message));

  // Four subtrees of four (a subleader and three leaves), each checked by its subleader.
  std::vector<Point> sub_v, sub_r;
  for (std::size_t t = 0; t < 4; ++t) {
    CosiMask sub(16);
    for (std::size_t i = 4 * t; i < 4 * t + 4; ++i) sub.set(i, true);
    const std::span<const Point> vs(commitments.data() + 4 * t, 4), rs(responses.data() + 4 * t, 4);
    const Point v_sub = *crypto::sum_commitments(vs);
    const PublicKey a_sub = *crypto::aggregate_key(c.roster, sub);
    const Point r_sub = *crypto::sum_responses(rs);
    EXPECT_TRUE(crypto::verify_partial(v_sub, a_sub, ch.c, r_sub).ok()) << t;

    // A wrong response in the subtree: a leaf answers with another leaf's response.
    std::vector<Point> wrong(rs.begin(), rs.end());
    wrong[1] = responses[(4 * t + 5) % 16];
    const auto st = crypto::verify_partial(v_sub, a_sub, ch.c, *crypto::sum_responses(wrong));
    ASSERT_FALSE(st.ok()) << t;
    EXPECT_EQ(st.error().reason, core::Reject::bad_signature);
    // A leaf left out of the response sum.
    EXPECT_FALSE(crypto::verify_partial(v_sub, a_sub, ch.c, *crypto::sum_responses(rs.first(3))).ok());
    sub_v.push_back(v_sub);
    sub_r.push_back(r_sub);
  }
  // The root sums the subtree aggregates into the collective signature.
  const CollectiveSignature sig{*crypto::sum_commitments(sub_v), *crypto::sum_responses(sub_r), mask};
  EXPECT_EQ(sig.V, v);
  EXPECT_TRUE(crypto::cosi_verify(c.roster, message, sig, 16).ok());
}

TEST_F(Cosi, VerifyPartialEdgeCases) {
  auto rng = seeded_rng("partial-edges", 1100);
  const SigningKey key = random_key(rng);
  const PublicKey& a = key.public_key();
  core::ByteArray<64> wide{};
  rng.fill(wide);
  Point v{};
  crypto_core_ed25519_scalar_reduce(v.data(), wide.data());
  Point big_v{};
  ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(big_v.data(), v.data()), 0);
  const Point zero{};
  EXPECT_TRUE(crypto::verify_partial(big_v, a, zero, v).ok());  // c = 0: r·B == V
  EXPECT_EQ(crypto::verify_partial(big_v, a, zero, zero).error().reason, core::Reject::bad_signature);  // r = 0
  Point all_ones;
  all_ones.fill(0xff);
  EXPECT_EQ(crypto::verify_partial(big_v, a, zero, all_ones).error().reason, core::Reject::bad_scalar);
  EXPECT_EQ(crypto::verify_partial(big_v, a, all_ones, v).error().reason, core::Reject::bad_scalar);
  EXPECT_EQ(crypto::verify_partial(identity_point, a, zero, v).error().reason, core::Reject::bad_point);
  EXPECT_EQ(crypto::verify_partial(big_v, order2_point, zero, v).error().reason, core::Reject::bad_point);

  const Point bad[] = {identity_point, order2_point};
  EXPECT_EQ(crypto::sum_commitments(bad).error().reason, core::Reject::bad_point);
  EXPECT_EQ(crypto::sum_commitments(std::span<const Point>{}).error().reason, core::Reject::bad_point);
  const Point not_reduced[] = {v, all_ones};
  EXPECT_EQ(crypto::sum_responses(not_reduced).error().reason, core::Reject::bad_scalar);
  // V and −V sum to the identity.
  Point minus_v{};
  ASSERT_EQ(crypto_core_ed25519_sub(minus_v.data(), identity_point.data(), big_v.data()), 0);
  const Point cancel[] = {big_v, minus_v};
  EXPECT_EQ(crypto::sum_commitments(cancel).error().reason, core::Reject::bad_point);
}

// ---- masks -------------------------------------------------------------------------------

TEST_F(Cosi, MaskBitOrderIsLittleEndian) {
  CosiMask m(10);
  m.set(0, true);
  m.set(9, true);
  m.set(3, true);
  EXPECT_EQ(m.encode(), (core::Bytes{0x09, 0x02}));  // bit i = bit i%8 of byte i/8
  EXPECT_EQ(m.count(), 3u);
  EXPECT_TRUE(m.contains(9));
  EXPECT_FALSE(m.contains(8));
  m.set(3, false);
  EXPECT_EQ(m.encode(), (core::Bytes{0x01, 0x02}));
  EXPECT_EQ(*CosiMask::decode(m.encode(), 10), m);
  EXPECT_EQ(CosiMask::full(10).encode(), (core::Bytes{0xff, 0x03}));
  EXPECT_EQ(CosiMask::full(16).encode(), (core::Bytes{0xff, 0xff}));
  EXPECT_EQ(CosiMask(0).encode().size(), 0u);
}

// ---- timing ------------------------------------------------------------------------------

TEST_F(Cosi, TimingFullRoundOf64) {
  auto rng = seeded_rng("timing", 1200);
  Committee c = make_committee(64, rng);
  const core::Bytes message = message_for("timed block");
  const CosiMask mask = CosiMask::full(64);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  std::vector<Point> commitments;
  for (auto& s : c.signers) commitments.push_back(s->commit(rng));
  const auto t1 = clock::now();
  const Point v = *crypto::sum_commitments(commitments);
  const PublicKey a_m = *crypto::aggregate_key(c.roster, mask);
  const CosiChallenge ch = crypto::make_challenge(v, a_m, message);
  const auto t2 = clock::now();
  std::vector<Point> responses;
  for (auto& s : c.signers) responses.push_back(*s->respond(ch, message));
  const CollectiveSignature sig{v, *crypto::sum_responses(responses), mask};
  const auto t3 = clock::now();
  const auto st = crypto::cosi_verify(c.roster, message, sig, 64);
  const auto t4 = clock::now();
  ASSERT_TRUE(st.ok()) << st.error().message();
  const auto us = [](auto d) {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  };
  std::printf(
      "[ timing   ] n=64 full round, one thread: 64 commits %lld us; leader sums V (64 subgroup checks), "
      "A_M and c %lld us; 64 responses + sum %lld us; cosi_verify %lld us; total %lld us\n",
      us(t1 - t0), us(t2 - t1), us(t3 - t2), us(t4 - t3), us(t4 - t0));
}

}  // namespace
