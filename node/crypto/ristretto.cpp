// ristretto255 helpers: thin wrappers over libsodium 1.0.18 (docs/PROTOCOLS.md §1, ristretto255
// rows). The invariants (identity refused, canonical scalars) are listed in ristretto.hpp.
#include "node/crypto/ristretto.hpp"

#include <sodium.h>

#include <algorithm>

#include "node/core/result.hpp"
#include "node/crypto/hash.hpp"

namespace ios::crypto {

namespace {

static_assert(crypto_core_ristretto255_BYTES == 32);
static_assert(crypto_core_ristretto255_SCALARBYTES == 32);
static_assert(crypto_core_ristretto255_NONREDUCEDSCALARBYTES == 64);
static_assert(crypto_core_ristretto255_HASHBYTES == 64);

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr RistrettoScalar group_order{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

std::optional<RistrettoPoint> mult(const std::uint8_t* n, const RistrettoPoint& p) {
  RistrettoPoint out{};
  if (crypto_scalarmult_ristretto255(out.data(), n, p.data()) != 0) return std::nullopt;
  return out;
}

std::optional<RistrettoPoint> mult_base(const std::uint8_t* n) {
  RistrettoPoint out{};
  if (crypto_scalarmult_ristretto255_base(out.data(), n) != 0) return std::nullopt;
  return out;
}

}  // namespace

bool is_identity(const RistrettoPoint& p) {
  return std::all_of(p.begin(), p.end(), [](std::uint8_t b) { return b == 0; });
}

bool is_valid_nonidentity_point(const RistrettoPoint& p) {
  return !is_identity(p) && crypto_core_ristretto255_is_valid_point(p.data()) == 1;
}

// Multiples of the standard base go through libsodium's precomputed table (about 3x faster);
// the result is the same point. DLEQ proofs with B as a base (PVSS decryption) hit this.
std::optional<RistrettoPoint> scalar_mult(const RistrettoScalar& n, const RistrettoPoint& p) {
  return p == ristretto_base ? mult_base(n.data()) : mult(n.data(), p);
}
std::optional<RistrettoPoint> scalar_mult(const Secret<32>& n, const RistrettoPoint& p) {
  return p == ristretto_base ? mult_base(n.data()) : mult(n.data(), p);
}
std::optional<RistrettoPoint> scalar_mult_base(const RistrettoScalar& n) { return mult_base(n.data()); }
std::optional<RistrettoPoint> scalar_mult_base(const Secret<32>& n) { return mult_base(n.data()); }

std::optional<RistrettoPoint> point_add(const RistrettoPoint& a, const RistrettoPoint& b) {
  RistrettoPoint out{};
  if (crypto_core_ristretto255_add(out.data(), a.data(), b.data()) != 0) return std::nullopt;
  return out;
}

std::optional<RistrettoPoint> point_sub(const RistrettoPoint& a, const RistrettoPoint& b) {
  RistrettoPoint out{};
  if (crypto_core_ristretto255_sub(out.data(), a.data(), b.data()) != 0) return std::nullopt;
  return out;
}

RistrettoPoint hash_to_point(core::ByteView data) {
  auto h = sha512(data);
  RistrettoPoint out{};
  IOS_ASSERT(crypto_core_ristretto255_from_hash(out.data(), h.data()) == 0);
  return out;
}

bool is_canonical_scalar(const RistrettoScalar& s) {
  // Little-endian s < L; scalars on the wire are public, so this need not be constant time.
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] != group_order[i]) return s[i] < group_order[i];
  }
  return false;
}

bool is_zero_scalar(const RistrettoScalar& s) { return sodium_is_zero(s.data(), s.size()) == 1; }

Secret<32> random_scalar(core::Rng& rng) {
  Secret<64> wide;
  Secret<32> out;
  // Zero has probability 2^-252 per draw; redraw so callers may rely on a non-zero scalar.
  do {
    rng.fill({wide.data(), wide.size()});
    crypto_core_ristretto255_scalar_reduce(out.data(), wide.data());
  } while (sodium_is_zero(out.data(), out.size()) == 1);
  return out;
}

RistrettoScalar hash_to_scalar(core::ByteView data) {
  auto h = sha512(data);
  RistrettoScalar out{};
  crypto_core_ristretto255_scalar_reduce(out.data(), h.data());
  return out;
}

RistrettoScalar scalar_from_u64(std::uint64_t v) {
  RistrettoScalar out{};
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;  // < 2^64 < L: already canonical
}

RistrettoScalar scalar_add(const RistrettoScalar& a, const RistrettoScalar& b) {
  RistrettoScalar out{};
  crypto_core_ristretto255_scalar_add(out.data(), a.data(), b.data());
  return out;
}

RistrettoScalar scalar_sub(const RistrettoScalar& a, const RistrettoScalar& b) {
  RistrettoScalar out{};
  crypto_core_ristretto255_scalar_sub(out.data(), a.data(), b.data());
  return out;
}

RistrettoScalar scalar_mul(const RistrettoScalar& a, const RistrettoScalar& b) {
  RistrettoScalar out{};
  crypto_core_ristretto255_scalar_mul(out.data(), a.data(), b.data());
  return out;
}

std::optional<RistrettoScalar> scalar_invert(const RistrettoScalar& a) {
  RistrettoScalar out{};
  if (crypto_core_ristretto255_scalar_invert(out.data(), a.data()) != 0) return std::nullopt;
  return out;
}

RistrettoScalar lagrange_at_zero(std::span<const std::uint32_t> indices, std::size_t which) {
  IOS_ASSERT(which < indices.size());
  const std::uint32_t j = indices[which];
  IOS_ASSERT(j != 0);
  RistrettoScalar numerator = scalar_from_u64(1);
  RistrettoScalar denominator = scalar_from_u64(1);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (k == which) continue;
    const std::uint32_t m = indices[k];
    IOS_ASSERT(m != 0);
    IOS_ASSERT(m != j);
    numerator = scalar_mul(numerator, scalar_from_u64(m));
    denominator = scalar_mul(denominator, scalar_sub(scalar_from_u64(m), scalar_from_u64(j)));
  }
  // Distinct indices below L make every factor non-zero, so the inverse exists.
  auto inverse = scalar_invert(denominator);
  IOS_ASSERT(inverse.has_value());
  return scalar_mul(numerator, *inverse);
}

}  // namespace ios::crypto
