// Chaum–Pedersen DLEQ over ristretto255 (docs/PROTOCOLS.md §5): transcript, invariants and the
// attacks stopped (unbound base §5.3, challenge not recomputed — kyber PR #520) are in dleq.hpp.
#include "node/crypto/dleq.hpp"

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <string>

#include "node/core/encoding.hpp"

namespace ios::crypto {

namespace {

constexpr std::string_view single_label = "IOS/v1/dleq";
constexpr std::string_view batch_label = "IOS/v1/dleq-batch";
// Redraws of the nonce when c or some r comes out zero (probability about n·2^-252 each);
// running out means the Rng is broken, which is our bug, not the peer's.
constexpr int prove_attempts_max = 8;

std::string where(std::size_t index) { return "statement " + std::to_string(index) + ": "; }

core::Status check_statement(const DleqStatement& s, std::size_t index) {
  if (!is_valid_nonidentity_point(s.g)) return core::reject(core::Reject::bad_point, where(index) + "base g");
  if (!is_valid_nonidentity_point(s.h)) return core::reject(core::Reject::bad_point, where(index) + "base h");
  if (!is_valid_nonidentity_point(s.p)) return core::reject(core::Reject::bad_point, where(index) + "point p");
  if (!is_valid_nonidentity_point(s.q)) return core::reject(core::Reject::bad_point, where(index) + "point q");
  return core::Ok{};
}

core::Status check_scalar(const RistrettoScalar& s, const std::string& name) {
  if (!is_canonical_scalar(s)) return core::reject(core::Reject::bad_scalar, name + " is not below L");
  if (is_zero_scalar(s)) return core::reject(core::Reject::bad_proof, name + " is zero");
  return core::Ok{};
}

void assert_statement(const DleqStatement& s) {
  IOS_ASSERT(is_valid_nonidentity_point(s.g));
  IOS_ASSERT(is_valid_nonidentity_point(s.h));
  IOS_ASSERT(is_valid_nonidentity_point(s.p));
  IOS_ASSERT(is_valid_nonidentity_point(s.q));
}

core::Writer transcript_head(std::string_view label, std::string_view tag, core::ByteView context) {
  core::Writer w;
  w.str(label).str(tag).bytes(context);
  return w;
}

void put_statement(core::Writer& w, const DleqStatement& s, const RistrettoPoint& t1, const RistrettoPoint& t2) {
  w.raw(s.g).raw(s.h).raw(s.p).raw(s.q).raw(t1).raw(t2);
}

// The prover's nonce w and its commitments T1 = w·G, T2 = w·H. w lives in guarded memory and
// is wiped when the Commitment goes out of scope.
struct Commitment {
  Secret<32> w;
  RistrettoPoint t1{}, t2{};
};

Commitment commit(const DleqStatement& s, core::Rng& rng) {
  Commitment out{random_scalar(rng)};
  // w ≠ 0 and G, H are non-identity elements of a prime-order group, so neither product fails.
  auto t1 = scalar_mult(out.w, s.g);
  auto t2 = scalar_mult(out.w, s.h);
  IOS_ASSERT(t1.has_value());
  IOS_ASSERT(t2.has_value());
  out.t1 = *t1;
  out.t2 = *t2;
  return out;
}

// r = w − c·x mod L.
RistrettoScalar respond(const Secret<32>& w, const RistrettoScalar& c, const Secret<32>& x) {
  Secret<32> cx;
  crypto_core_ristretto255_scalar_mul(cx.data(), c.data(), x.data());
  RistrettoScalar r{};
  crypto_core_ristretto255_scalar_sub(r.data(), w.data(), cx.data());
  return r;
}

// The verifier's commitment r·base + c·pub. nullopt if a partial product is the identity,
// which an honest proof never produces (its r and c are non-zero, base and pub non-identity).
std::optional<RistrettoPoint> recommit(const RistrettoScalar& r, const RistrettoPoint& base, const RistrettoScalar& c,
                                       const RistrettoPoint& pub) {
  auto rb = scalar_mult(r, base);
  auto cp = scalar_mult(c, pub);
  if (!rb || !cp) return std::nullopt;
  return point_add(*rb, *cp);
}

}  // namespace

DleqProof dleq_prove(std::string_view tag, core::ByteView context, const DleqStatement& statement, const Secret<32>& x,
                     core::Rng& rng) {
  assert_statement(statement);
  for (int attempt = 0; attempt < prove_attempts_max; ++attempt) {
    Commitment k = commit(statement, rng);
    core::Writer w = transcript_head(single_label, tag, context);
    put_statement(w, statement, k.t1, k.t2);
    DleqProof proof;
    proof.c = hash_to_scalar(w.view());
    proof.r = respond(k.w, proof.c, x);
    if (!is_zero_scalar(proof.c) && !is_zero_scalar(proof.r)) return proof;
  }
  IOS_ASSERT(!"dleq_prove: the Rng keeps producing degenerate nonces");
  return {};
}

core::Status dleq_verify(std::string_view tag, core::ByteView context, const DleqStatement& statement,
                         const DleqProof& proof) {
  if (auto s = check_statement(statement, 0); !s) return s;
  if (auto s = check_scalar(proof.c, "challenge c"); !s) return s;
  if (auto s = check_scalar(proof.r, "response r"); !s) return s;
  auto t1 = recommit(proof.r, statement.g, proof.c, statement.p);
  auto t2 = recommit(proof.r, statement.h, proof.c, statement.q);
  if (!t1 || !t2) return core::reject(core::Reject::bad_proof, "identity in the recomputed commitments");
  core::Writer w = transcript_head(single_label, tag, context);
  put_statement(w, statement, *t1, *t2);
  if (hash_to_scalar(w.view()) != proof.c) return core::reject(core::Reject::bad_proof, "challenge mismatch");
  return core::Ok{};
}

DleqBatchProof dleq_prove_batch(std::string_view tag, core::ByteView context, std::span<const DleqStatement> statements,
                                std::span<const Secret<32>> xs, core::Rng& rng) {
  IOS_ASSERT(!statements.empty());
  IOS_ASSERT(xs.size() == statements.size());
  IOS_ASSERT(statements.size() <= UINT32_MAX);
  for (const auto& s : statements) assert_statement(s);
  for (int attempt = 0; attempt < prove_attempts_max; ++attempt) {
    std::vector<Commitment> ks;
    ks.reserve(statements.size());
    core::Writer w = transcript_head(batch_label, tag, context);
    w.u32(static_cast<std::uint32_t>(statements.size()));
    for (const auto& s : statements) {
      ks.push_back(commit(s, rng));
      put_statement(w, s, ks.back().t1, ks.back().t2);
    }
    DleqBatchProof proof;
    proof.c = hash_to_scalar(w.view());
    bool degenerate = is_zero_scalar(proof.c);
    proof.r.reserve(statements.size());
    for (std::size_t i = 0; i < statements.size(); ++i) {
      proof.r.push_back(respond(ks[i].w, proof.c, xs[i]));
      degenerate = degenerate || is_zero_scalar(proof.r.back());
    }
    if (!degenerate) return proof;
  }
  IOS_ASSERT(!"dleq_prove_batch: the Rng keeps producing degenerate nonces");
  return {};
}

core::Status dleq_verify_batch(std::string_view tag, core::ByteView context, std::span<const DleqStatement> statements,
                               const DleqBatchProof& proof) {
  if (statements.empty()) return core::reject(core::Reject::bad_proof, "empty batch");
  if (statements.size() > UINT32_MAX) return core::reject(core::Reject::length_over_limit, "batch too large");
  if (proof.r.size() != statements.size()) {
    return core::reject(core::Reject::bad_proof, std::to_string(proof.r.size()) + " responses for " +
                                                     std::to_string(statements.size()) + " statements");
  }
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (auto s = check_statement(statements[i], i); !s) return s;
  }
  if (auto s = check_scalar(proof.c, "challenge c"); !s) return s;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (auto s = check_scalar(proof.r[i], where(i) + "response r"); !s) return s;
  }
  core::Writer w = transcript_head(batch_label, tag, context);
  w.u32(static_cast<std::uint32_t>(statements.size()));
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& s = statements[i];
    auto t1 = recommit(proof.r[i], s.g, proof.c, s.p);
    auto t2 = recommit(proof.r[i], s.h, proof.c, s.q);
    if (!t1 || !t2) return core::reject(core::Reject::bad_proof, where(i) + "identity in the recomputed commitments");
    put_statement(w, s, *t1, *t2);
  }
  if (hash_to_scalar(w.view()) != proof.c) return core::reject(core::Reject::bad_proof, "batch challenge mismatch");
  return core::Ok{};
}

}  // namespace ios::crypto
