#pragma once
// Chaum–Pedersen proofs of discrete-log equality over ristretto255 (Chaum and Pedersen,
// CRYPTO '92; non-interactive by Fiat–Shamir), docs/PROTOCOLS.md §5. PVSS (§6) uses the batch form
// for a dealing and the single form for each decrypted share; RandHound (§7) carries both.
//
// Statement (G, H, P, Q): knowledge of x with P = x·G and Q = x·H, i.e. log_G P = log_H Q.
//   prove:  w fresh from the Rng (never derived, never reused, wiped after use);
//           T1 = w·G, T2 = w·H; c = Challenge(T1, T2); r = w − c·x.   Proof = (c, r).
//   verify: T1' = r·G + c·P, T2' = r·H + c·Q; accept iff c == Challenge(T1', T2').
// Challenge = SHA-512(transcript) reduced mod L, with the canonical transcript (core::Writer)
//   single: str("IOS/v1/dleq")       ‖ str(tag) ‖ bytes(context) ‖ G ‖ H ‖ P ‖ Q ‖ T1 ‖ T2
//   batch:  str("IOS/v1/dleq-batch") ‖ str(tag) ‖ bytes(context) ‖ u32(n) ‖
//           (G_i ‖ H_i ‖ P_i ‖ Q_i ‖ T1_i ‖ T2_i) for i = 0..n-1
// (str/bytes are u32-length-prefixed, points are 32 raw bytes). The fixed first string keeps a
// one-statement batch from ever being accepted as a single proof and vice versa.
//
// Invariants of an accepted proof:
//   - every base and public point is a valid, non-identity ristretto255 element;
//   - c and every r are canonical (< L) and non-zero;
//   - the challenge is recomputed by the verifier from everything it binds;
//   - a batch has exactly one r per statement and at least one statement.
//
// Attacks this stops:
//   - Unbound base (docs/PROTOCOLS.md §5.3): kyber's decryption proof and the old cothority
//     RandHound hashed (P, Q, T1, T2) but not the prover-chosen base H (the decrypted share).
//     A cheating trustee then picks T1 = v·G and any T2, and solves H' = r⁻¹(T2 − c·Q), so a
//     wrong share verifies. Both bases are in our challenge; tests/unit/dleq_test.cpp builds
//     that forgery and shows it fails here.
//   - Challenge not recomputed (kyber PR #520): a verifier that checks only the group
//     equations against a sent c accepts anything, since T1, T2 can be solved for any c, r.
//     Our proof carries no T1, T2 at all: the verifier can only accept by recomputing c.
//   - Cross-protocol and cross-session replay: the caller's tag and context (session id,
//     share index, trustee keys...) are bound.
//   - Identity points: P = Q = identity is "proved" with x = 0 and binds nothing, and an
//     identity base makes every log equal; libsodium also refuses identity results. Every
//     statement point must be a valid non-identity element, checked up front (bad_point).
//   - Malleable responses: r and r + L would both satisfy the equations; only r < L passes.
#include <span>
#include <string_view>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/core/rng.hpp"
#include "node/crypto/ristretto.hpp"
#include "node/crypto/secret.hpp"

namespace ios::crypto {

// log_g p = log_h q.
struct DleqStatement {
  RistrettoPoint g{}, h{}, p{}, q{};
};

struct DleqProof {
  RistrettoScalar c{}, r{};
};

// One challenge shared by all statements, one response per statement (kyber's
// NewDLEQProofBatch shape, docs/PROTOCOLS.md §5.2).
struct DleqBatchProof {
  RistrettoScalar c{};
  std::vector<RistrettoScalar> r;
};

// Preconditions (our invariants, asserted): every statement point is valid and non-identity.
// x need not match the statement (the proof then simply fails to verify).
DleqProof dleq_prove(std::string_view tag, core::ByteView context, const DleqStatement& statement, const Secret<32>& x,
                     core::Rng& rng);

// Rejects: bad_point (an invalid or identity point in the statement), bad_scalar (c or r not
// below L), bad_proof (c or r zero, or the recomputed challenge differs).
core::Status dleq_verify(std::string_view tag, core::ByteView context, const DleqStatement& statement,
                         const DleqProof& proof);

// Preconditions: statements non-empty, xs.size() == statements.size(), points as above.
DleqBatchProof dleq_prove_batch(std::string_view tag, core::ByteView context, std::span<const DleqStatement> statements,
                                std::span<const Secret<32>> xs, core::Rng& rng);

// As dleq_verify; additionally bad_proof for an empty batch or a response count that is not
// the statement count. Details name the statement index.
core::Status dleq_verify_batch(std::string_view tag, core::ByteView context, std::span<const DleqStatement> statements,
                               const DleqBatchProof& proof);

}  // namespace ios::crypto
