// CoSi collective signatures (Syta et al., "Keeping Authorities Honest or Bust", IEEE S&P 2016;
// docs/PROTOCOLS.md §3), kyber convention: participants' aggregate key in the challenge, inclusion
// mask. Invariants and the attacks they stop (rogue keys, nonce reuse, Wagner/ROS concurrent
// sessions, lying leaders, threshold inflation, malleable encodings) are listed in cosi.hpp.
// Every group operation is a libsodium 1.0.18 call (docs/PROTOCOLS.md §1); no field arithmetic here.
#include "node/crypto/cosi.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::crypto {

namespace {

using Point = core::ByteArray<32>;
using Scalar = core::ByteArray<32>;

// The neutral element (0, 1) in RFC 8032 encoding.
constexpr Point identity{0x01};
// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr Scalar group_order{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                             0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// s < L, comparing little-endian bytes from the top; public values only (not constant time).
bool is_canonical_scalar(const Scalar& s) {
  for (std::size_t i = 32; i-- > 0;) {
    if (s[i] != group_order[i]) return s[i] < group_order[i];
  }
  return false;
}

// Canonical, in the prime-order subgroup, not of small order (so not the identity).
bool is_prime_order_point(const Point& p) { return crypto_core_ed25519_is_valid_point(p.data()) == 1; }

bool is_zero(const Scalar& s) { return sodium_is_zero(s.data(), s.size()) == 1; }

std::size_t mask_bytes(std::size_t size) { return (size + 7) / 8; }

Scalar challenge_scalar(const Point& v, const PublicKey& a, core::ByteView message) {
  const ByteArray<64> h = sha512({v, a, message});
  Scalar c{};
  crypto_core_ed25519_scalar_reduce(c.data(), h.data());
  return c;
}

std::string count_text(std::size_t n) { return std::to_string(n); }

}  // namespace

// ---- keys and masks ----------------------------------------------------------------------

core::Result<CosiKey> CosiKey::admit(const PublicKey& key, core::ByteView chain_id, std::uint64_t pop_epoch,
                                     const Signature& pop) {
  // A key with a torsion component can pass the cofactorless Ed25519 check for some
  // challenges; in a sum it would make A_M leave the prime-order subgroup. Refuse it first.
  if (!is_prime_order_point(key)) return core::reject(core::Reject::bad_point, "cosi key is not a prime-order point");
  // The rogue-key attack (docs/PROTOCOLS.md §3.3) is stopped here: X − Σ A_honest has no PoP.
  if (!verify_pop(key, chain_id, pop_epoch, pop))
    return core::reject(core::Reject::bad_signature,
                        "proof of possession does not verify for epoch " + std::to_string(pop_epoch));
  return CosiKey(key);
}

CosiMask::CosiMask(std::size_t size) : size_(size), bytes_(mask_bytes(size), 0) {
  IOS_ASSERT(size <= cosi_roster_size_max);
}

CosiMask CosiMask::full(std::size_t size) {
  CosiMask m(size);
  for (std::size_t i = 0; i < size; ++i) m.set(i, true);
  return m;
}

bool CosiMask::contains(std::size_t i) const {
  IOS_ASSERT(i < size_);
  return (bytes_[i / 8] >> (i % 8) & 1) != 0;
}

void CosiMask::set(std::size_t i, bool participates) {
  IOS_ASSERT(i < size_);
  const auto bit = static_cast<std::uint8_t>(1u << (i % 8));
  if (participates) {
    bytes_[i / 8] |= bit;
  } else {
    bytes_[i / 8] &= static_cast<std::uint8_t>(~bit);
  }
}

std::size_t CosiMask::count() const {
  std::size_t n = 0;
  for (std::uint8_t b : bytes_) n += static_cast<std::size_t>(std::popcount(b));
  return n;  // padding bits are always zero, so this counts members only
}

core::Result<CosiMask> CosiMask::decode(core::ByteView bytes, std::size_t size) {
  if (size > cosi_roster_size_max)
    return core::reject(core::Reject::length_over_limit,
                        "mask of " + count_text(size) + " bits over limit " + count_text(cosi_roster_size_max));
  const std::size_t want = mask_bytes(size);
  if (bytes.size() < want)
    return core::reject(core::Reject::truncated, "mask of " + count_text(size) + " bits needs " + count_text(want) +
                                                     " bytes, got " + count_text(bytes.size()));
  if (bytes.size() > want)
    return core::reject(core::Reject::trailing_bytes, "mask of " + count_text(size) + " bits needs " +
                                                          count_text(want) + " bytes, got " + count_text(bytes.size()));
  if (size % 8 != 0) {
    const auto padding = static_cast<std::uint8_t>(0xff << (size % 8));
    if ((bytes[want - 1] & padding) != 0) return core::reject(core::Reject::non_canonical, "mask padding bits set");
  }
  CosiMask m(size);
  std::copy(bytes.begin(), bytes.end(), m.bytes_.begin());
  return m;
}

core::Result<PublicKey> aggregate_key(std::span<const CosiKey> roster, const CosiMask& mask) {
  if (mask.size() != roster.size())
    return core::reject(core::Reject::bad_signature, "mask has " + count_text(mask.size()) + " bits for a roster of " +
                                                         count_text(roster.size()) + " keys");
  std::vector<PublicKey> enabled;
  enabled.reserve(mask.count());
  for (std::size_t i = 0; i < roster.size(); ++i) {
    if (mask.contains(i)) enabled.push_back(roster[i].public_key());
  }
  if (enabled.empty()) return core::reject(core::Reject::bad_signature, "mask enables no signer");

  PublicKey sum = enabled.front();
  for (std::size_t i = 1; i < enabled.size(); ++i) {
    // Admitted keys always decode, so a failure here is our bug, not peer input.
    IOS_ASSERT(crypto_core_ed25519_add(sum.data(), sum.data(), enabled[i].data()) == 0);
  }
  // Threshold inflation: one key listed twice would count as two signers.
  std::sort(enabled.begin(), enabled.end());
  if (std::adjacent_find(enabled.begin(), enabled.end()) != enabled.end())
    return core::reject(core::Reject::duplicate, "a key is enabled twice in the mask");
  if (!is_prime_order_point(sum)) return core::reject(core::Reject::bad_point, "aggregate key is the identity");
  return sum;
}

core::Result<CosiRoster> CosiRoster::create(std::vector<CosiKey> keys) {
  if (keys.empty()) return core::reject(core::Reject::bad_signature, "empty roster");
  std::vector<PublicKey> sorted;
  for (const auto& k : keys) sorted.push_back(k.public_key());
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return core::reject(core::Reject::duplicate, "a key is listed twice in the roster");
  CosiRoster r;
  auto total = aggregate_key(keys, CosiMask::full(keys.size()));
  if (!total) return total.error();
  r.total_ = *total;
  r.keys_ = std::move(keys);
  return r;
}

core::Result<PublicKey> CosiRoster::aggregate(const CosiMask& mask) const {
  if (mask.size() != keys_.size() || 2 * mask.count() <= keys_.size()) return aggregate_key(keys_, mask);
  PublicKey sum = total_;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    // Admitted keys always decode, so a failure here is our bug, not peer input.
    if (!mask.contains(i))
      IOS_ASSERT(crypto_core_ed25519_sub(sum.data(), sum.data(), keys_[i].public_key().data()) == 0);
  }
  if (!is_prime_order_point(sum)) return core::reject(core::Reject::bad_point, "aggregate key is the identity");
  return sum;
}

// ---- challenge ---------------------------------------------------------------------------

CosiChallenge make_challenge(const core::ByteArray<32>& aggregate_commitment, const PublicKey& aggregate_key,
                             core::ByteView message) {
  return CosiChallenge{aggregate_commitment, aggregate_key,
                       challenge_scalar(aggregate_commitment, aggregate_key, message)};
}

core::Status check_challenge(const CosiChallenge& challenge, core::ByteView message) {
  const Scalar c = challenge_scalar(challenge.aggregate_commitment, challenge.aggregate_key, message);
  if (c != challenge.c) return core::reject(core::Reject::bad_proof, "cosi challenge mismatch");
  return core::Ok{};
}

// ---- signer ------------------------------------------------------------------------------

CosiSigner::CosiSigner(const SigningKey& key) : public_key_(key.public_key()) {
  // clamp(SHA-512(seed)[0:32]) (docs/PROTOCOLS.md §1), then reduced mod L so scalar_mul gets a
  // canonical input; a·B is unchanged because B has order L.
  Secret<64> wide;
  IOS_ASSERT(crypto_sign_ed25519_sk_to_curve25519(wide.data(), key.expanded().data()) == 0);
  crypto_core_ed25519_scalar_reduce(a_.data(), wide.data());
  Point check{};
  IOS_ASSERT(crypto_scalarmult_ed25519_base_noclamp(check.data(), a_.data()) == 0);
  IOS_ASSERT(check == public_key_);
}

core::ByteArray<32> CosiSigner::commit(core::Rng& rng) {
  // One open commitment per key: sessions are strictly sequential (Wagner/ROS, cosi.hpp).
  IOS_ASSERT(!open_);
  Point v_point{};
  // Short-lived secret temporaries sit on the stack and are wiped before returning; a
  // sodium_malloc (mmap + guard pages) per commitment would dominate the signer's cost.
  ByteArray<64> wide{};
  // v = 0 has probability 2^-252 per draw; a second zero means the Rng is broken.
  for (int attempt = 0; attempt < 2 && !open_; ++attempt) {
    rng.fill(wide);
    crypto_core_ed25519_scalar_reduce(v_.data(), wide.data());
    open_ = crypto_scalarmult_ed25519_base_noclamp(v_point.data(), v_.data()) == 0;
  }
  sodium_memzero(wide.data(), wide.size());
  IOS_ASSERT(open_);
  return v_point;
}

core::Result<core::ByteArray<32>> CosiSigner::respond(const CosiChallenge& challenge, core::ByteView message) {
  if (!open_)
    return core::reject(core::Reject::duplicate, "no open cosi commitment (already answered, abandoned or never made)");
  if (auto s = check_challenge(challenge, message); !s) {
    abandon();  // the witness aborts the round; v is never offered a second challenge
    return s.error();
  }
  Scalar ca{};  // c·a is as secret as a (c is public); wiped below
  crypto_core_ed25519_scalar_mul(ca.data(), challenge.c.data(), a_.data());
  Scalar r{};
  crypto_core_ed25519_scalar_add(r.data(), v_.data(), ca.data());
  sodium_memzero(ca.data(), ca.size());
  abandon();  // erase v: the response is the one and only use of this commitment
  return r;
}

void CosiSigner::abandon() {
  sodium_memzero(v_.data(), v_.size());
  open_ = false;
}

// ---- aggregation and partial checks ------------------------------------------------------

core::Result<core::ByteArray<32>> sum_commitments(std::span<const core::ByteArray<32>> commitments) {
  if (commitments.empty()) return core::reject(core::Reject::bad_point, "no commitments to sum");
  Point sum = identity;
  for (std::size_t i = 0; i < commitments.size(); ++i) {
    if (!is_prime_order_point(commitments[i]))
      return core::reject(core::Reject::bad_point, "commitment " + count_text(i) + " is not a prime-order point");
    IOS_ASSERT(crypto_core_ed25519_add(sum.data(), sum.data(), commitments[i].data()) == 0);
  }
  if (!is_prime_order_point(sum)) return core::reject(core::Reject::bad_point, "commitments sum to the identity");
  return sum;
}

core::Result<core::ByteArray<32>> sum_responses(std::span<const core::ByteArray<32>> responses) {
  if (responses.empty()) return core::reject(core::Reject::bad_scalar, "no responses to sum");
  Scalar sum{};
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (!is_canonical_scalar(responses[i]))
      return core::reject(core::Reject::bad_scalar, "response " + count_text(i) + " is not below L");
    crypto_core_ed25519_scalar_add(sum.data(), sum.data(), responses[i].data());
  }
  return sum;
}

core::Status verify_partial(const core::ByteArray<32>& v_sub, const PublicKey& a_sub, const core::ByteArray<32>& c,
                            const core::ByteArray<32>& r_sub) {
  if (!is_canonical_scalar(c)) return core::reject(core::Reject::bad_scalar, "challenge is not below L");
  if (!is_canonical_scalar(r_sub)) return core::reject(core::Reject::bad_scalar, "partial response is not below L");
  if (!is_prime_order_point(v_sub))
    return core::reject(core::Reject::bad_point, "partial commitment is not a prime-order point");
  if (!is_prime_order_point(a_sub))
    return core::reject(core::Reject::bad_point, "partial key is not a prime-order point");

  Point lhs{};  // r·B; libsodium refuses r = 0 (identity result)
  if (crypto_scalarmult_ed25519_base_noclamp(lhs.data(), r_sub.data()) != 0)
    return core::reject(core::Reject::bad_signature, "partial response is zero");
  Point ca = identity;  // c·A; noclamp refuses c = 0, whose product is the identity
  if (!is_zero(c)) IOS_ASSERT(crypto_scalarmult_ed25519_noclamp(ca.data(), c.data(), a_sub.data()) == 0);
  Point rhs{};
  IOS_ASSERT(crypto_core_ed25519_add(rhs.data(), v_sub.data(), ca.data()) == 0);
  if (lhs != rhs) return core::reject(core::Reject::bad_signature, "partial response does not match r·B = V + c·A");
  return core::Ok{};
}

// ---- collective signatures ---------------------------------------------------------------

core::Bytes encode(const CollectiveSignature& sig) {
  core::Writer w;
  w.u8(cosi_signature_version).raw(sig.V).raw(sig.r).u32(static_cast<std::uint32_t>(sig.mask.size()));
  w.raw(sig.mask.encode());
  return w.take();
}

core::Result<CollectiveSignature> decode_collective_signature(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(cosi_signature_version);
  const Point v = r.fixed<32>();
  const Scalar s = r.fixed<32>();
  const std::uint32_t n = r.count(cosi_roster_size_max);
  const std::size_t len = mask_bytes(n);
  if (!r.failed() && r.remaining() < len) r.fail(core::Reject::truncated, "mask needs " + count_text(len) + " bytes");
  core::Bytes mask_bytes_read;
  if (!r.failed()) {
    mask_bytes_read.resize(len);
    for (auto& b : mask_bytes_read) b = r.u8();
  }
  if (auto st = r.finish(); !st) return st.error();

  if (!is_canonical_scalar(s)) return core::reject(core::Reject::bad_scalar, "cosi response r is not below L");
  if (!is_prime_order_point(v))
    return core::reject(core::Reject::bad_point, "cosi commitment V is not a prime-order point");
  auto mask = CosiMask::decode(mask_bytes_read, n);
  if (!mask) return mask.error();
  return CollectiveSignature{v, s, std::move(mask).value()};
}

Signature as_ed25519(const CollectiveSignature& sig) {
  Signature out{};
  std::copy(sig.V.begin(), sig.V.end(), out.begin());
  std::copy(sig.r.begin(), sig.r.end(), out.begin() + 32);
  return out;
}

namespace {

template <class Aggregate>
core::Status verify_with(std::size_t roster_size, core::ByteView message, const CollectiveSignature& sig,
                         std::size_t signers_min, const Aggregate& aggregate) {
  if (sig.mask.size() != roster_size)
    return core::reject(core::Reject::bad_signature,
                        "mask has " + count_text(sig.mask.size()) + " bits for a roster of " + count_text(roster_size));
  const std::size_t signers = sig.mask.count();
  if (signers < signers_min)
    return core::reject(core::Reject::bad_signature, count_text(signers) + " of " + count_text(roster_size) +
                                                         " signed, policy needs " + count_text(signers_min));
  auto a_m = aggregate(sig.mask);
  if (!a_m) return a_m.error();
  const Signature ed = as_ed25519(sig);
  if (crypto_sign_verify_detached(ed.data(), message.data(), message.size(), a_m->data()) != 0)
    return core::reject(core::Reject::bad_signature, "collective signature does not verify under the aggregate key");
  return core::Ok{};
}

}  // namespace

core::Status cosi_verify(std::span<const CosiKey> roster, core::ByteView message, const CollectiveSignature& sig,
                         std::size_t signers_min) {
  return verify_with(roster.size(), message, sig, signers_min,
                     [&](const CosiMask& m) { return aggregate_key(roster, m); });
}

core::Status cosi_verify(const CosiRoster& roster, core::ByteView message, const CollectiveSignature& sig,
                         std::size_t signers_min) {
  return verify_with(roster.size(), message, sig, signers_min, [&](const CosiMask& m) { return roster.aggregate(m); });
}

}  // namespace ios::crypto
