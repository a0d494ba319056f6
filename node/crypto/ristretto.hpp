#pragma once
// ristretto255 (RFC 9496) helpers for DLEQ, PVSS and RandHound (docs/PROTOCOLS.md §0.1, §1, §5, §6).
// Every group and scalar operation is one libsodium 1.0.18 call; nothing here does field
// arithmetic of its own.
//
// Invariants:
//   - A RistrettoPoint handed to Byzantine-facing code is accepted only if it decodes
//     (is_valid_point) AND is not the identity. libsodium's is_valid_point accepts the
//     all-zero identity encoding, which is never a real key, share or commitment; letting it
//     through would make scalar multiplications fail later (libsodium returns -1 for an
//     identity result) or, worse, let a zero share pass as a contribution.
//   - A RistrettoScalar read from the wire is canonical (< L, byte comparison, no reduction),
//     so each scalar has exactly one encoding.
//   - Multiplications return std::nullopt where libsodium refuses: an identity result, a zero
//     scalar, or a point that does not decode. Callers turn that into a typed rejection.
//
// ristretto255 is a prime-order group: there is no cofactor and no torsion to clear, and
// every valid encoding is canonical, which is why it is used for everything but Ed25519.
#include <cstdint>
#include <optional>
#include <span>

#include "node/core/bytes.hpp"
#include "node/core/rng.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

using RistrettoPoint = core::ByteArray<32>;
using RistrettoScalar = core::ByteArray<32>;

// The RFC 9496 generator B.
inline constexpr RistrettoPoint ristretto_base{0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9,
                                               0x61, 0xc5, 0x00, 0x51, 0x5f, 0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82,
                                               0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76};
// The identity's only encoding (32 zero bytes).
inline constexpr RistrettoPoint ristretto_identity{};

// --- points ---

// Decodes as a ristretto255 element and is not the identity.
bool is_valid_nonidentity_point(const RistrettoPoint& p);
bool is_identity(const RistrettoPoint& p);

// n·P. nullopt if P does not decode, n ≡ 0, or the result is the identity. Pass reduced
// scalars (libsodium ignores the top bit).
std::optional<RistrettoPoint> scalar_mult(const RistrettoScalar& n, const RistrettoPoint& p);
std::optional<RistrettoPoint> scalar_mult(const Secret<32>& n, const RistrettoPoint& p);
// n·B, same failure rules.
std::optional<RistrettoPoint> scalar_mult_base(const RistrettoScalar& n);
std::optional<RistrettoPoint> scalar_mult_base(const Secret<32>& n);

// a + b and a − b. nullopt only if an input does not decode; the result MAY be the identity.
std::optional<RistrettoPoint> point_add(const RistrettoPoint& a, const RistrettoPoint& b);
std::optional<RistrettoPoint> point_sub(const RistrettoPoint& a, const RistrettoPoint& b);

// ristretto255 from_hash (RFC 9496 element derivation) of SHA-512(data). Never the identity
// except with negligible probability; callers that need a non-identity base check it.
RistrettoPoint hash_to_point(core::ByteView data);

// --- scalars mod L ---

// s < L, by byte comparison (libsodium exports no such test).
bool is_canonical_scalar(const RistrettoScalar& s);
bool is_zero_scalar(const RistrettoScalar& s);

// Uniform mod L from 64 bytes of `rng` (crypto_core_ristretto255_scalar_reduce), never zero.
Secret<32> random_scalar(core::Rng& rng);
// SHA-512(data) reduced mod L; the Fiat–Shamir challenge of docs/PROTOCOLS.md §5.1.
RistrettoScalar hash_to_scalar(core::ByteView data);
// A small integer as a scalar (PVSS share indices).
RistrettoScalar scalar_from_u64(std::uint64_t v);

RistrettoScalar scalar_add(const RistrettoScalar& a, const RistrettoScalar& b);
RistrettoScalar scalar_sub(const RistrettoScalar& a, const RistrettoScalar& b);
RistrettoScalar scalar_mul(const RistrettoScalar& a, const RistrettoScalar& b);
// a⁻¹ mod L; nullopt for zero.
std::optional<RistrettoScalar> scalar_invert(const RistrettoScalar& a);

// Lagrange coefficient at x = 0 for indices[which] over the index set `indices`:
//   λ = Π_{m ≠ j} m · (m − j)⁻¹ mod L.
// Preconditions (our invariants): indices are distinct, non-zero, and which < indices.size().
RistrettoScalar lagrange_at_zero(std::span<const std::uint32_t> indices, std::size_t which);

}  // namespace ios::crypto
