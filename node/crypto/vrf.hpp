#pragma once
// ECVRF-EDWARDS25519-SHA512-TAI, RFC 9381 suite 0x03, built only from libsodium 1.0.18 calls
// (docs/PROTOCOLS.md §8.1). The VRF drives the leader lottery: a proof is Byzantine input, so
// vrf_verify returns a typed Reject instead of a bool.
//
// Invariants of an accepted proof pi = Gamma ‖ c ‖ s for key Y and input alpha:
//   - Y and Gamma are canonical points of the prime-order subgroup, neither of small order;
//   - s < L (byte comparison, no reduction);
//   - c equals the first 16 bytes of SHA-512(0x03 ‖ 0x02 ‖ Y ‖ H ‖ Gamma ‖ s·B − c·Y ‖
//     s·H − c·Gamma ‖ 0x00), recomputed by the verifier, with H = encode_to_curve(Y, alpha);
//   - beta = SHA-512(0x03 ‖ 0x03 ‖ 8·Gamma ‖ 0x00) is then the one output for (Y, alpha).
//
// Attacks this stops:
//   - stale-draft proofs: drafts before the public key entered the challenge (draft-09's
//     examples, Algorand's draft-03 fork) give a different (c, s) for the same Gamma and beta;
//     we hash Y into the challenge as RFC 9381 does, so such proofs fail;
//   - malleable s: s and s + L would both satisfy the group equation; only s < L is accepted;
//   - torsion in Gamma: Gamma + T (T of order 8) has the same beta, so an unchecked verifier
//     would accept many encodings of one output; we require a prime-order Gamma (see vrf.cpp).
//   - small-order or mixed-order public keys, for which uniqueness of beta no longer holds.
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

using VrfProof = core::ByteArray<80>;   // Gamma(32) ‖ c(16) ‖ s(32)
using VrfOutput = core::ByteArray<64>;  // beta

// An Ed25519 key pair used for the VRF (RFC 9381 §5.1, key from a 32-byte SK as in RFC 8032
// §5.1.5). docs/PROTOCOLS.md §8.1 recommends a VRF key separate from the signing key, each with
// its own proof of possession.
class VrfSecretKey {
 public:
  explicit VrfSecretKey(const Seed& sk);

  const PublicKey& public_key() const { return public_key_; }
  // Deterministic: the same key and alpha always give the same proof (RFC 9381 §5.4.2.2 nonce).
  VrfProof prove(core::ByteView alpha) const;

 private:
  Secret<32> x_;       // secret scalar, clamped then reduced mod L
  Secret<32> prefix_;  // nonce key: SHA-512(SK)[32:64]
  PublicKey public_key_{};
};

// Full RFC 9381 §5.3 verification; beta on success. Rejects: bad_point ("public key" or
// "gamma"), bad_scalar (s >= L), bad_proof (zero c or s, or a challenge mismatch).
core::Result<VrfOutput> vrf_verify(const PublicKey& y, const VrfProof& pi, core::ByteView alpha);

// RFC 9381 §5.2 proof_to_hash, for proofs the caller made itself or already verified. It
// checks only the decoding of pi (Gamma and s), not the proof: never use it on peer input.
core::Result<VrfOutput> vrf_proof_to_hash(const VrfProof& pi);

}  // namespace ios::crypto
