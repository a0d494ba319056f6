#pragma once
// Publicly verifiable secret sharing of Schoenmakers ("A simple publicly verifiable secret
// sharing scheme and its application to electronic voting", CRYPTO '99, §3) over ristretto255,
// as used by RandHound (Syta et al., IEEE S&P 2017, §4) — PROTOCOLS.md §6 and §7.2 (R1, R2).
//
// Notation: B the ristretto255 generator; H = pvss_base_h(session_id), a second base with
// unknown discrete log; trustee j (1-based) holds x_j with X_j = x_j·B.
//   deal:    random polynomial p of degree threshold−1, p(0) = s (every coefficient non-zero,
//            and p(j) ≠ 0 for every j); C_k = a_k·H (k = 0..threshold−1); Y_j = p(j)·X_j;
//            A_j = p(j)·H = Σ_k j^k·C_k; one batch DLEQ(H, X_j; A_j, Y_j) over all j whose
//            challenge also binds session id, threshold, trustee keys and commitments.
//   decrypt: S_j = x_j⁻¹·Y_j = p(j)·B, with DLEQ(B, S_j; X_j, Y_j) binding session id and j.
//   recover: s·B = Σ_{j∈I} λ_j·S_j over `threshold` distinct verified shares (Lagrange at 0).
// The output is the point s·B, never the scalar s.
//
// `threshold` means SHARES NEEDED (kyber's t): the polynomial has `threshold` coefficients,
// degree threshold−1; any `threshold` shares recover, threshold−1 reveal nothing.
// 1 <= threshold <= n <= pvss_share_count_max.
//
// Invariants of an accepted dealing / share:
//   - indices are 1..n; the polynomial is never evaluated at 0 (p(0) is the secret);
//   - every key, commitment, encrypted share, decrypted share and recovered point is a valid,
//     non-identity ristretto255 element; every scalar is canonical;
//   - every A_j is recomputed by the verifier from the commitments, and every challenge is
//     recomputed (dleq.hpp).
//
// Attacks this stops:
//   - Unbound base (PROTOCOLS.md §5.3): the decryption proof hashes the base S_j chosen by the
//     trustee, so a trustee cannot solve for a wrong S_j' that satisfies the equations.
//   - Challenge not recomputed (kyber PR #520): dleq_verify_batch recomputes it.
//   - Index-0 off-by-one: kyber stores 0-based indices and evaluates at i+1; here the index IS
//     the evaluation point, 1..n, and index 0 is refused everywhere (it would hand out p(0)).
//   - Identity shares and commitments: a zero share contributes nothing yet libsodium's
//     is_valid_point accepts its encoding; refused on decode, verify and recover.
//   - Dealings for another session or trustee set: session id and keys are in the challenge,
//     and H itself depends on the session id.
//   - Oversized input: at most pvss_share_count_max shares and threshold <= n on decode.
// Not stopped here: a dealer that withholds its dealing (RandHound's choice of dealers
// handles that), and recovery from shares whose proofs the caller did not verify.
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

struct PvssDealing {
  std::vector<RistrettoPoint> commitments;       // C_k = a_k·H, k = 0..threshold−1
  std::vector<RistrettoPoint> encrypted_shares;  // Y_j = p(j)·X_j, j = 1..n (stored at j−1)
  DleqBatchProof proof;                          // DLEQ(H, X_j; A_j, Y_j) for every j
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

// Anyone: checks the parameters, the counts (threshold commitments, n encrypted shares, n
// responses), every point, every recomputed A_j and the batch proof. The whole dealing is
// rejected if any share fails. Rejects: length_over_limit, bad_point, bad_scalar, bad_proof.
core::Status pvss_verify_dealing(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys,
                                 std::uint32_t threshold, const PvssDealing& dealing);

struct PvssDecryptedShare {
  std::uint32_t index = 0;  // j, 1-based
  RistrettoPoint share{};   // S_j = x_j⁻¹·Y_j = p(j)·B
  DleqProof proof;          // DLEQ(B, S_j; X_j, Y_j): log_B X_j = log_{S_j} Y_j
};

// Trustee j, after pvss_verify_dealing accepted the dealing that holds encrypted_share.
// Preconditions (asserted): 1 <= index <= pvss_share_count_max, x_j non-zero,
// encrypted_share valid and non-identity.
PvssDecryptedShare pvss_decrypt_share(core::ByteView session_id, std::uint32_t index, const Secret<32>& x_j,
                                      const RistrettoPoint& encrypted_share, core::Rng& rng);

// Anyone, given trustee j's key X_j and the encrypted share Y_j from a verified dealing.
// Rejects: bad_proof (index 0 or above pvss_share_count_max, or a failed proof), bad_point,
// bad_scalar.
core::Status pvss_verify_decrypted_share(core::ByteView session_id, const RistrettoPoint& trustee_key,
                                         const RistrettoPoint& encrypted_share, const PvssDecryptedShare& share);

// s·B by Lagrange interpolation at 0 over the first `threshold` shares with distinct indices,
// in the given order. The caller passes only shares whose proofs verified. A repeat of an
// index with the same point is skipped; with a different point it is refused (duplicate).
// Rejects: bad_proof (threshold 0, fewer than `threshold` distinct shares, an index outside
// 1..pvss_share_count_max), bad_point (an invalid or identity share, or an identity result),
// duplicate.
core::Result<RistrettoPoint> pvss_recover(std::span<const PvssDecryptedShare> shares, std::uint32_t threshold);

// Canonical encodings (core::Writer), version byte pvss_encoding_version first:
//   dealing: u8 version ‖ u32 t ‖ C_0..C_{t−1} ‖ u32 n ‖ Y_1..Y_n ‖ c ‖ r_1..r_n
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
