#pragma once
// Publicly verifiable secret sharing of Schoenmakers ("A simple publicly verifiable secret
// sharing scheme and its application to electronic voting", CRYPTO '99, §3) over ristretto255,
// as used by RandHound (Syta et al., IEEE S&P 2017, §4) — docs/PROTOCOLS.md §6 and §7.2 (R1, R2).
//
// Notation: B the ristretto255 generator; H = pvss_base_h(session_id), a second base with
// unknown discrete log; trustee j (1-based) holds x_j with X_j = x_j·B.
//   deal:    random polynomial p of degree threshold−1, p(0) = s (every coefficient non-zero,
//            and p(j) ≠ 0 for every j); C_k = a_k·H (k = 0..threshold−1); for each j the
//            dealer sends A_j = p(j)·H (computed directly, it knows p(j)), Y_j = p(j)·X_j and
//            one single DLEQ(H, X_j; A_j, Y_j) — log_H A_j = log_{X_j} Y_j — with
//              tag "IOS/v1/pvss-share",
//              context = bytes(session_id) ‖ u32 j ‖ u32 t ‖ u32 n ‖ SHA-256(C_0 ‖ … ‖ C_{t−1})
//            (core::Writer framing; the DLEQ transcript adds H, X_j, A_j, Y_j, see dleq.hpp).
//            The context holds exactly what trustee j has: its index, the dealing's shape and
//            the polynomial's commitments, so the proof is tied to this dealing's polynomial;
//            the other trustees' keys are not needed to check share j.
//   verify share (trustee j, pvss_verify_share): structure and its one DLEQ — 4 scalar
//            multiplications. It does NOT check A_j against the C_k; that is the dealing check.
//   verify dealing (anyone, pvss_verify_dealing): structure, every share's DLEQ, and that ALL
//            A_j lie on the polynomial committed by the C_k, by one random linear combination
//            (below): 4n + n + t multiplications instead of the n·t of recomputing every
//            A_j = Σ_k j^k·C_k.
//   decrypt: S_j = x_j⁻¹·Y_j = p(j)·B, with DLEQ(B, S_j; X_j, Y_j) binding session id and j.
//   recover: s·B = Σ_{j∈I} λ_j·S_j over `threshold` distinct verified shares (Lagrange at 0).
// The output is the point s·B, never the scalar s.
//
// The consistency check. Weights
//   ρ_j = HashToScalar(str("IOS/v1/pvss-consistency") ‖ bytes(session_id) ‖
//                      bytes(u8 version ‖ u32 t ‖ C_0..C_{t−1} ‖ u32 n ‖ (A_j ‖ Y_j) for j = 1..n)
//                      ‖ u32 j)
// (SHA-512 reduced mod L; the middle field is the dealing's encoding without its proofs), and
//   Σ_j ρ_j·A_j  ==  Σ_k e_k·C_k   with   e_k = Σ_j ρ_j·j^k mod L.
// The right side is Σ_j ρ_j·(Σ_k j^k·C_k), so an honest dealing passes. Soundness: write
// A_j = (Σ_k j^k·C_k) + D_j. The group has prime order L and every element is d_j·H, so the
// check is Σ_j ρ_j·d_j ≡ 0 (mod L). If some d_j ≠ 0 that is a fixed non-zero linear form, and
// the ρ_j are derived by hashing the very A_j, Y_j, C_k the dealer sent (Fiat–Shamir): the
// dealer fixes d before it learns ρ and cannot choose ρ. In the random-oracle model the ρ_j
// are then independent and uniform mod L (SHA-512 reduced: bias ~2^-259), and they land on the
// hyperplane {ρ : Σ ρ_j·d_j = 0} with probability 1/L ≈ 2^-252 per attempt; a dealer that
// grinds q dealings succeeds with probability ~q/L. The weights are deterministic, so every
// verifier agrees on the verdict. Together with the per-share DLEQs (log_{X_j} Y_j = log_H A_j)
// this gives Y_j = p(j)·X_j for the ONE polynomial p committed by the C_k.
// Attack it stops: a dealer whose shares are each individually proved (A_j and Y_j share a
// discrete log, so every trustee's pvss_verify_share passes) but whose A_j do not lie on one
// polynomial of degree t−1. Different t-subsets of trustees would then recover different
// secrets, and the dealer could steer which one RandHound's output uses by which trustees
// answer. tests/unit/pvss_test.cpp builds such a dealing.
//
// `threshold` means SHARES NEEDED (kyber's t): the polynomial has `threshold` coefficients,
// degree threshold−1; any `threshold` shares recover, threshold−1 reveal nothing.
// 1 <= threshold <= n <= pvss_share_count_max.
//
// Invariants of an accepted dealing / share:
//   - indices are 1..n; the polynomial is never evaluated at 0 (p(0) is the secret);
//   - every key, commitment, A_j, encrypted share, decrypted share and recovered point is a
//     valid, non-identity ristretto255 element; every scalar is canonical;
//   - every challenge is recomputed (dleq.hpp); a whole dealing's A_j are checked against the
//     C_k by the consistency check above.
//
// Attacks this stops:
//   - Inconsistent dealing (above): per-share proofs that do not lie on one polynomial.
//   - Unbound base (docs/PROTOCOLS.md §5.3): the decryption proof hashes the base S_j chosen by the
//     trustee, so a trustee cannot solve for a wrong S_j' that satisfies the equations.
//   - Challenge not recomputed (kyber PR #520): dleq_verify recomputes it.
//   - Index-0 off-by-one: kyber stores 0-based indices and evaluates at i+1; here the index IS
//     the evaluation point, 1..n, and index 0 is refused everywhere (it would hand out p(0)).
//   - Identity shares and commitments: a zero share contributes nothing yet libsodium's
//     is_valid_point accepts its encoding; refused on decode, verify and recover.
//   - Shares moved between sessions, indices, dealings or trustees: the session id, j, t, n and
//     the commitments are in each share's context, X_j is in its statement, and H itself
//     depends on the session id.
//   - Oversized input: at most pvss_share_count_max shares and threshold <= n on decode.
// Not stopped here: a dealer that withholds its dealing (RandHound's choice of dealers
// handles that), and recovery from shares whose proofs the caller did not verify. A trustee
// that ran only pvss_verify_share knows its own share is well-formed, not that the dealing is
// consistent; RandHound's client runs pvss_verify_dealing on every dealing it chooses.
#include <cstdint>
#include <span>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/core/rng.hpp"
#include "node/crypto/dleq.hpp"
#include "node/crypto/ristretto.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

inline constexpr std::uint32_t pvss_share_count_max = 1024;
inline constexpr std::uint8_t pvss_encoding_version = 1;

// H = ristretto255_from_hash(SHA-512("IOS/v1/pvss-H" ‖ session_id)).
RistrettoPoint pvss_base_h(core::ByteView session_id);

struct PvssShare {
  RistrettoPoint commitment{};  // A_j = p(j)·H, sent explicitly by the dealer
  RistrettoPoint encrypted{};   // Y_j = p(j)·X_j
  DleqProof proof;              // DLEQ(H, X_j; A_j, Y_j): log_H A_j = log_{X_j} Y_j
};

struct PvssDealing {
  std::vector<RistrettoPoint> commitments;  // C_k = a_k·H, k = 0..threshold−1
  std::vector<PvssShare> shares;            // j = 1..n, stored at j−1
};

struct PvssDealt {
  PvssDealing dealing;
  RistrettoPoint secret_point{};  // s·B, for the dealer and for tests
};

// Whether (trustee_keys, threshold) is a valid PVSS setting: 1 <= n <= pvss_share_count_max,
// 1 <= threshold <= n, every key valid and non-identity. Callers with keys from peers check
// this before pvss_deal (whose preconditions it is). Rejects: length_over_limit, bad_point.
core::Status pvss_check_parameters(std::span<const RistrettoPoint> trustee_keys, std::uint32_t threshold);

// Deal a fresh random secret s to trustee_keys[j−1] for j = 1..n.
// Preconditions (asserted): pvss_check_parameters(trustee_keys, threshold) is ok.
PvssDealt pvss_deal(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys, std::uint32_t threshold,
                    core::Rng& rng);

// Trustee j (index 1-based, its key X_j): the structure of the dealing as far as share j needs
// it — 1 <= t <= n <= pvss_share_count_max, 1 <= index <= n, every commitment C_k and the
// share's A_j and Y_j valid and non-identity, the key valid and non-identity — and share j's
// DLEQ. 4 scalar multiplications; the other shares are not looked at. It does NOT check A_j
// against the C_k (that needs pvss_verify_dealing).
// Rejects: length_over_limit (counts), bad_proof (index outside 1..n, failed proof),
// bad_point, bad_scalar.
core::Status pvss_verify_share(core::ByteView session_id, const PvssDealing& dealing, std::uint32_t index,
                               const RistrettoPoint& trustee_key);

// Anyone: the parameters, the counts (threshold commitments, n shares), every point, every
// share's DLEQ, and the consistency of all A_j with the C_k (the random linear combination
// described above). The whole dealing is rejected if any share fails; details name the share.
// Rejects: length_over_limit, bad_point, bad_scalar, bad_proof.
core::Status pvss_verify_dealing(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys,
                                 std::uint32_t threshold, const PvssDealing& dealing);

struct PvssDecryptedShare {
  std::uint32_t index = 0;  // j, 1-based
  RistrettoPoint share{};   // S_j = x_j⁻¹·Y_j = p(j)·B
  DleqProof proof;          // DLEQ(B, S_j; X_j, Y_j): log_B X_j = log_{S_j} Y_j
};

// Trustee j, after pvss_verify_share (or pvss_verify_dealing) accepted the dealing that holds
// encrypted_share Y_j. Preconditions (asserted): 1 <= index <= pvss_share_count_max, x_j
// non-zero, encrypted_share valid and non-identity.
PvssDecryptedShare pvss_decrypt_share(core::ByteView session_id, std::uint32_t index, const Secret<32>& x_j,
                                      const RistrettoPoint& encrypted_share, core::Rng& rng);

// Anyone, given trustee j's key X_j and the encrypted share Y_j from a verified dealing.
// Rejects: bad_proof (index 0 or above pvss_share_count_max, or a failed proof), bad_point,
// bad_scalar.
core::Status pvss_verify_decrypted_share(core::ByteView session_id, const RistrettoPoint& trustee_key,
                                         const RistrettoPoint& encrypted_share, const PvssDecryptedShare& share);

// s·B by Lagrange interpolation at 0 over the first `threshold` shares with distinct indices,
// in the given order. The caller passes only shares whose proofs verified, from a dealing
// that pvss_verify_dealing accepted (otherwise different subsets may give different points).
// A repeat of an index with the same point is skipped; with a different point it is refused
// (duplicate). Rejects: bad_proof (threshold 0, fewer than `threshold` distinct shares, an
// index outside 1..pvss_share_count_max), bad_point (an invalid or identity share, or an
// identity result), duplicate.
core::Result<RistrettoPoint> pvss_recover(std::span<const PvssDecryptedShare> shares, std::uint32_t threshold);

// Canonical encodings (core::Writer), version byte pvss_encoding_version first:
//   dealing: u8 version ‖ u32 t ‖ C_0..C_{t−1} ‖ u32 n ‖ (A_j ‖ Y_j ‖ c_j ‖ r_j) for j = 1..n
//   share:   u8 version ‖ u32 index ‖ S_j ‖ c ‖ r
// Decoders refuse: truncation and trailing bytes, unknown versions, counts of 0 (non_canonical)
// or above pvss_share_count_max and t > n (length_over_limit), invalid or identity points
// (bad_point), scalars >= L (bad_scalar), index 0 or above pvss_share_count_max (bad_proof).
// A decoded value still has to pass its verify function.
core::Bytes encode(const PvssDealing& dealing);
core::Result<PvssDealing> decode_dealing(core::ByteView bytes);
core::Bytes encode(const PvssDecryptedShare& share);
core::Result<PvssDecryptedShare> decode_decrypted_share(core::ByteView bytes);

}  // namespace ios::crypto
