// ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite 0x03) with libsodium 1.0.18 only: no field
// arithmetic of our own. The recipe, call by call, is docs/PROTOCOLS.md §8.1; invariants and the
// attacks they stop are listed in vrf.hpp. Alphas in ios are public (epoch and round seeds),
// so the data-dependent loop count of try-and-increment leaks nothing secret.
#include "node/crypto/vrf.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "node/crypto/hash.hpp"

namespace ios::crypto {

namespace {

using Point = core::ByteArray<32>;   // an edwards25519 encoding (RFC 8032 §5.1.2)
using Scalar = core::ByteArray<32>;  // little-endian, < L

constexpr std::uint8_t suite = 0x03;
constexpr std::uint8_t front_encode = 0x01;
constexpr std::uint8_t front_challenge = 0x02;
constexpr std::uint8_t front_proof_to_hash = 0x03;
constexpr std::uint8_t back = 0x00;
constexpr std::size_t c_bytes = 16;
constexpr std::size_t encode_ctr_max = 255;  // ctr is one byte (RFC 9381 §5.4.1.1)

// The neutral element (0, 1); adding it to a point is libsodium's "decode and re-encode".
constexpr Point identity{0x01};
// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr Scalar group_order{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                             0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
// p = 2^255 - 19, little-endian.
constexpr Point field_prime{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

// Little-endian a < b over 32 bytes; public values only (not constant time).
bool less_than(const core::ByteArray<32>& a, const core::ByteArray<32>& b) {
  for (std::size_t i = 32; i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

bool is_canonical_scalar(const Scalar& s) { return less_than(s, group_order); }

// Canonical, in the prime-order subgroup, and not of small order (so not the identity either).
bool is_prime_order_point(const Point& p) { return crypto_core_ed25519_is_valid_point(p.data()) == 1; }

// RFC 8032 §5.1.3 decoding, which TAI's string_to_point requires. libsodium's decoder reduces
// y mod p and does not refuse the sign bit on x = 0, so it accepts encodings RFC 8032 rejects.
// We refuse y >= p explicitly, and then require that decode-and-re-encode gives back the same
// 32 bytes, which refuses x = 0 with the sign bit set (the only other non-canonical form).
// Such candidates occur with probability about 2^-250, so no RFC vector exercises a refusal here.
bool decodes_canonically(const Point& candidate) {
  Point y = candidate;
  y[31] &= 0x7f;
  if (!less_than(y, field_prime)) return false;
  Point reencoded{};
  if (crypto_core_ed25519_add(reencoded.data(), candidate.data(), identity.data()) != 0) return false;
  return sodium_memcmp(reencoded.data(), candidate.data(), reencoded.size()) == 0;
}

// 8·P by three doublings: libsodium 1.0.18 has no public cofactor multiplication.
std::optional<Point> times_cofactor(const Point& p) {
  Point acc = p;
  for (int i = 0; i < 3; ++i) {
    if (crypto_core_ed25519_add(acc.data(), acc.data(), acc.data()) != 0) return std::nullopt;
  }
  return acc;
}

// RFC 9381 §5.4.1.1 try-and-increment: the first candidate SHA-512(suite ‖ 0x01 ‖ Y ‖ alpha ‖
// ctr ‖ 0x00)[0:32] that decodes, times the cofactor, and is not the identity.
std::optional<Point> encode_to_curve(const PublicKey& y, core::ByteView alpha) {
  const std::uint8_t front[] = {suite, front_encode};
  const std::uint8_t tail[] = {back};
  for (std::size_t ctr = 0; ctr <= encode_ctr_max; ++ctr) {
    const std::uint8_t ctr_byte[] = {static_cast<std::uint8_t>(ctr)};
    const auto h = sha512({front, y, alpha, ctr_byte, tail});
    Point candidate{};
    std::copy_n(h.begin(), candidate.size(), candidate.begin());
    if (!decodes_canonically(candidate)) continue;
    // 8·P of any curve point lies in the prime-order subgroup or is the identity, so refusing
    // the identity by its (canonical) encoding is the whole check; is_valid_point would repeat
    // a full subgroup test (a scalar multiplication by L) on the hot path of every verify.
    auto cleared = times_cofactor(candidate);
    if (cleared && *cleared != identity) return cleared;
  }
  return std::nullopt;  // probability about 2^-256: RFC 9381 outputs INVALID
}

// RFC 9381 §5.4.3: the first 16 bytes of SHA-512(suite ‖ 0x02 ‖ Y ‖ H ‖ Gamma ‖ U ‖ V ‖ 0x00),
// zero-padded to a 32-byte scalar (16 bytes < L, so no reduction is needed).
Scalar challenge(const PublicKey& y, const Point& h, const Point& gamma, const Point& u, const Point& v) {
  const std::uint8_t front[] = {suite, front_challenge};
  const std::uint8_t tail[] = {back};
  const auto digest = sha512({front, y, h, gamma, u, v, tail});
  Scalar c{};
  std::copy_n(digest.begin(), c_bytes, c.begin());
  return c;
}

// RFC 9381 §5.2 for a Gamma already known to be a prime-order point.
VrfOutput gamma_to_hash(const Point& gamma) {
  auto cleared = times_cofactor(gamma);
  IOS_ASSERT(cleared.has_value());
  const std::uint8_t front[] = {suite, front_proof_to_hash};
  const std::uint8_t tail[] = {back};
  return sha512({front, *cleared, tail});
}

struct DecodedProof {
  Point gamma{};
  Scalar c{};
  Scalar s{};
};

// The three fields of pi = Gamma ‖ c (16 bytes, zero-padded to a scalar) ‖ s, unchecked.
Point proof_gamma(const VrfProof& pi) {
  Point g{};
  std::copy_n(pi.begin(), 32, g.begin());
  return g;
}
Scalar proof_c(const VrfProof& pi) {
  Scalar c{};
  std::copy_n(pi.begin() + 32, c_bytes, c.begin());
  return c;
}
Scalar proof_s(const VrfProof& pi) {
  Scalar s{};
  std::copy_n(pi.begin() + 32 + c_bytes, 32, s.begin());
  return s;
}

// RFC 9381 §5.4.4 decode_proof, with the strict Gamma check (the deliberate deviation below).
core::Result<DecodedProof> decode_proof(const VrfProof& pi) {
  DecodedProof d{proof_gamma(pi), proof_c(pi), proof_s(pi)};
  // Deliberate deviation from RFC 9381 §5.3, which only requires Gamma to decode: we require
  // Gamma to be canonical and in the prime-order subgroup. beta = H(8·Gamma) ignores a torsion
  // component, so a lax verifier accepts up to 8 encodings of one output; an honest prover's
  // Gamma = x·H is always prime-order, so this refuses no honest proof (docs/PROTOCOLS.md §8.1).
  if (!is_prime_order_point(d.gamma)) return core::reject(core::Reject::bad_point, "gamma");
  // s >= L would make s and s + L two valid proofs for one statement (malleability).
  if (!is_canonical_scalar(d.s)) return core::reject(core::Reject::bad_scalar, "s >= L");
  return d;
}

// n·P, or nullopt when libsodium refuses: P non-canonical, of small order or outside the
// prime-order subgroup, n = 0, or an identity product. Each call runs libsodium's own subgroup
// test on P, which is why vrf_verify does not test Y and Gamma separately first.
std::optional<Point> mul(const Scalar& n, const Point& p) {
  Point out{};
  if (crypto_scalarmult_ed25519_noclamp(out.data(), n.data(), p.data()) != 0) return std::nullopt;
  return out;
}

std::optional<Point> sub(const Point& a, const Point& b) {
  Point out{};
  if (crypto_core_ed25519_sub(out.data(), a.data(), b.data()) != 0) return std::nullopt;
  return out;
}

}  // namespace

VrfSecretKey::VrfSecretKey(const Seed& sk) {
  // RFC 8032 §5.1.5: Y = x·B with x = clamp(SHA-512(SK)[0:32]); the nonce key is the upper half.
  Secret<64> expanded;
  IOS_ASSERT(crypto_sign_seed_keypair(public_key_.data(), expanded.data(), sk.data()) == 0);
  Secret<64> wide;  // clamped x, zero-padded to 64 bytes for scalar_reduce
  IOS_ASSERT(crypto_sign_ed25519_sk_to_curve25519(wide.data(), expanded.data()) == 0);
  crypto_core_ed25519_scalar_reduce(x_.data(), wide.data());
  Secret<64> digest;
  crypto_hash_sha512(digest.data(), sk.data(), sk.size());
  std::copy_n(digest.data() + 32, 32, prefix_.data());
}

VrfProof VrfSecretKey::prove(core::ByteView alpha) const {
  // RFC 9381 §5.1. H, Gamma, U, V and c are public; k and c·x are kept in guarded memory.
  const auto h = encode_to_curve(public_key_, alpha);
  IOS_ASSERT(h.has_value());  // fails with probability about 2^-256
  Point gamma{};
  IOS_ASSERT(crypto_scalarmult_ed25519_noclamp(gamma.data(), x_.data(), h->data()) == 0);

  // One guarded allocation for all per-proof secrets (each sodium_malloc costs page mappings):
  // [0, 64) SHA-512(prefix ‖ H), [64, 96) the nonce k, [96, 128) c·x.
  Secret<128> scratch;
  std::uint8_t* const k_wide = scratch.data();
  std::uint8_t* const k = scratch.data() + 64;
  std::uint8_t* const cx = scratch.data() + 96;

  // Nonce (RFC 9381 §5.4.2.2, from RFC 8032): k = SHA-512(prefix ‖ H) mod L.
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, prefix_.data(), prefix_.size());
  crypto_hash_sha512_update(&st, h->data(), h->size());
  crypto_hash_sha512_final(&st, k_wide);
  sodium_memzero(&st, sizeof st);
  crypto_core_ed25519_scalar_reduce(k, k_wide);

  Point u{}, v{};
  IOS_ASSERT(crypto_scalarmult_ed25519_base_noclamp(u.data(), k) == 0);  // k != 0 w.p. 1 − 2^-252
  IOS_ASSERT(crypto_scalarmult_ed25519_noclamp(v.data(), k, h->data()) == 0);
  const Scalar c = challenge(public_key_, *h, gamma, u, v);

  crypto_core_ed25519_scalar_mul(cx, c.data(), x_.data());
  Scalar s{};
  crypto_core_ed25519_scalar_add(s.data(), k, cx);

  VrfProof pi{};
  std::copy(gamma.begin(), gamma.end(), pi.begin());
  std::copy_n(c.begin(), c_bytes, pi.begin() + 32);
  std::copy(s.begin(), s.end(), pi.begin() + 32 + c_bytes);
  return pi;
}

core::Result<VrfOutput> vrf_verify(const PublicKey& y, const VrfProof& pi, core::ByteView alpha) {
  // RFC 9381 §5.3 with validate_key, ordered for cost: libsodium's public API has no
  // double-scalar multiplication, and each variable-base multiplication already refuses
  // points that are non-canonical, of small order or outside the prime-order subgroup. So the
  // multiplications by c double as the key and Gamma checks, with the same strictness as
  // crypto_core_ed25519_is_valid_point:
  //  - Y must be in the prime-order subgroup (stricter than RFC validate_key, which only
  //    refuses small order; every key we accept was registered with a PoP);
  //  - Gamma too: the deliberate deviation documented at decode_proof.
  const Point gamma = proof_gamma(pi);
  const Scalar c = proof_c(pi);
  const Scalar s = proof_s(pi);
  // s >= L would make s and s + L two valid proofs for one statement (malleability).
  if (!is_canonical_scalar(s)) return core::reject(core::Reject::bad_scalar, "s >= L");
  // libsodium refuses a zero scalar; c = 0 or s = 0 happens with probability about 2^-128 for
  // honest proofs, and treating it as invalid is what docs/PROTOCOLS.md §8.1 prescribes.
  if (sodium_is_zero(s.data(), s.size())) return core::reject(core::Reject::bad_proof, "s = 0");
  if (sodium_is_zero(c.data(), c.size())) return core::reject(core::Reject::bad_proof, "c = 0");
  // With 0 < c < 2^128 < L, c·P fails only for a point outside the prime-order subgroup.
  const auto cy = mul(c, y);
  if (!cy) return core::reject(core::Reject::bad_point, "public key");
  const auto cgamma = mul(c, gamma);
  if (!cgamma) return core::reject(core::Reject::bad_point, "gamma");

  const auto h = encode_to_curve(y, alpha);
  if (!h) return core::reject(core::Reject::bad_proof, "encode_to_curve found no point");
  Point sb{};
  if (crypto_scalarmult_ed25519_base_noclamp(sb.data(), s.data()) != 0)
    return core::reject(core::Reject::bad_proof, "point arithmetic refused");
  const auto sh = mul(s, *h);
  const auto u = sh ? sub(sb, *cy) : std::nullopt;   // U = s·B − c·Y
  const auto v = sh ? sub(*sh, *cgamma) : std::nullopt;  // V = s·H − c·Gamma
  if (!u || !v) return core::reject(core::Reject::bad_proof, "point arithmetic refused");

  // The verifier recomputes the challenge and never trusts the one sent (docs/PROTOCOLS.md §0.5).
  const Scalar expected = challenge(y, *h, gamma, *u, *v);
  if (sodium_memcmp(expected.data(), c.data(), c_bytes) != 0) {
    return core::reject(core::Reject::bad_proof, "challenge mismatch");
  }
  return gamma_to_hash(gamma);
}

core::Result<VrfOutput> vrf_proof_to_hash(const VrfProof& pi) {
  auto decoded = decode_proof(pi);
  if (!decoded) return decoded.error();
  return gamma_to_hash(decoded->gamma);
}

}  // namespace ios::crypto
