// Schoenmakers PVSS (CRYPTO '99, §3) over ristretto255, docs/PROTOCOLS.md §6. The scheme, the
// per-share proofs, the consistency check and why it is sound, the meaning of `threshold`
// (shares needed), the invariants and the attacks stopped (inconsistent dealings, unbound
// decryption base §5.3, challenge not recomputed — kyber PR #520, index-0 off-by-one, identity
// shares) are listed in pvss.hpp.
#include "node/crypto/pvss.hpp"

#include <sodium.h>

#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::crypto {

namespace {

constexpr std::string_view base_h_tag = "IOS/v1/pvss-H";
constexpr std::string_view share_tag = "IOS/v1/pvss-share";
constexpr std::string_view consistency_tag = "IOS/v1/pvss-consistency";
constexpr std::string_view decrypt_tag = "IOS/v1/pvss-decrypt";
// Redraws of the polynomial when some p(j) is zero (probability about n·2^-252).
constexpr int deal_attempts_max = 8;

std::string share_name(std::size_t index) { return "share " + std::to_string(index); }

// SHA-256(C_0 ‖ … ‖ C_{t−1}): fixed-size points, and t is in the context beside it.
Hash32 commitments_hash(std::span<const RistrettoPoint> commitments) {
  core::Writer w;
  for (const auto& c : commitments) w.raw(c);
  return sha256(w.view());
}

// Share j's proof context: bytes(session_id) ‖ u32 j ‖ u32 t ‖ u32 n ‖ SHA-256(C_0..C_{t−1}).
core::Bytes share_context(core::ByteView session_id, std::uint32_t j, std::uint32_t t, std::uint32_t n,
                          const Hash32& commitments_digest) {
  core::Writer w;
  w.bytes(session_id).u32(j).u32(t).u32(n).raw(commitments_digest);
  return w.take();
}

core::Bytes decrypt_context(core::ByteView session_id, std::uint32_t index) {
  core::Writer w;
  w.bytes(session_id).u32(index);
  return w.take();
}

bool index_in_range(std::uint32_t index) { return index >= 1 && index <= pvss_share_count_max; }

// u8 version ‖ u32 t ‖ C_0..C_{t−1} ‖ u32 n ‖ (A_j ‖ Y_j [‖ c_j ‖ r_j]) for j = 1..n: the
// encoding, and without the proofs the input of the consistency weights.
void put_dealing(core::Writer& w, const PvssDealing& dealing, bool with_proofs) {
  IOS_ASSERT(dealing.commitments.size() <= pvss_share_count_max);
  IOS_ASSERT(dealing.shares.size() <= pvss_share_count_max);
  w.u8(pvss_encoding_version);
  w.u32(static_cast<std::uint32_t>(dealing.commitments.size()));
  for (const auto& c : dealing.commitments) w.raw(c);
  w.u32(static_cast<std::uint32_t>(dealing.shares.size()));
  for (const auto& s : dealing.shares) {
    w.raw(s.commitment).raw(s.encrypted);
    if (with_proofs) w.raw(s.proof.c).raw(s.proof.r);
  }
}

// p(j) for the polynomial with coefficients a[0..t−1], by Horner, in guarded memory.
Secret<32> evaluate(const std::vector<Secret<32>>& a, std::uint32_t j) {
  const RistrettoScalar x = scalar_from_u64(j);
  Secret<32> acc = a.back();
  Secret<32> product;
  for (std::size_t k = a.size() - 1; k-- > 0;) {
    crypto_core_ristretto255_scalar_mul(product.data(), acc.data(), x.data());
    crypto_core_ristretto255_scalar_add(acc.data(), product.data(), a[k].data());
  }
  return acc;
}

struct Polynomial {
  std::vector<Secret<32>> coefficients;  // a_0 = s, ..., a_{t−1}; all non-zero
  std::vector<Secret<32>> evaluations;   // p(1), ..., p(n); all non-zero
};

Polynomial random_polynomial(std::uint32_t threshold, std::size_t n, core::Rng& rng) {
  for (int attempt = 0; attempt < deal_attempts_max; ++attempt) {
    Polynomial p;
    for (std::uint32_t k = 0; k < threshold; ++k) p.coefficients.push_back(random_scalar(rng));
    bool zero_share = false;
    for (std::size_t j = 1; j <= n; ++j) {
      p.evaluations.push_back(evaluate(p.coefficients, static_cast<std::uint32_t>(j)));
      zero_share = zero_share || sodium_is_zero(p.evaluations.back().data(), 32) == 1;
    }
    if (!zero_share) return p;
  }
  IOS_ASSERT(!"pvss_deal: the Rng keeps producing polynomials with a zero share");
  return {};
}

RistrettoPoint must(std::optional<RistrettoPoint> p) {
  IOS_ASSERT(p.has_value());
  return *p;
}

// --- checks shared by pvss_verify_share and pvss_verify_dealing ---

// 1 <= t <= n <= pvss_share_count_max, as the decoder enforces.
core::Status check_counts(const PvssDealing& dealing) {
  const std::size_t t = dealing.commitments.size();
  const std::size_t n = dealing.shares.size();
  if (n == 0 || n > pvss_share_count_max) {
    return core::reject(core::Reject::length_over_limit,
                        std::to_string(n) + " shares, allowed 1.." + std::to_string(pvss_share_count_max));
  }
  if (t == 0 || t > n) {
    return core::reject(core::Reject::length_over_limit,
                        std::to_string(t) + " commitments for " + std::to_string(n) + " shares");
  }
  return core::Ok{};
}

core::Status check_commitments(const PvssDealing& dealing) {
  for (std::size_t k = 0; k < dealing.commitments.size(); ++k) {
    if (!is_valid_nonidentity_point(dealing.commitments[k])) {
      return core::reject(core::Reject::bad_point, "commitment C_" + std::to_string(k));
    }
  }
  return core::Ok{};
}

core::Status check_share_points(const PvssShare& share, std::size_t j) {
  if (!is_valid_nonidentity_point(share.commitment)) {
    return core::reject(core::Reject::bad_point, "commitment A_j of " + share_name(j));
  }
  if (!is_valid_nonidentity_point(share.encrypted)) {
    return core::reject(core::Reject::bad_point, "encrypted " + share_name(j));
  }
  return core::Ok{};
}

// Share j's DLEQ(H, X_j; A_j, Y_j). Preconditions: counts and points checked.
core::Status check_share_proof(core::ByteView session_id, const RistrettoPoint& h, const PvssDealing& dealing,
                               std::uint32_t j, const RistrettoPoint& trustee_key, const Hash32& commitments_digest) {
  const auto t = static_cast<std::uint32_t>(dealing.commitments.size());
  const auto n = static_cast<std::uint32_t>(dealing.shares.size());
  const PvssShare& share = dealing.shares[j - 1];
  const DleqStatement statement{h, trustee_key, share.commitment, share.encrypted};
  auto s = dleq_verify(share_tag, share_context(session_id, j, t, n, commitments_digest), statement, share.proof);
  if (!s) return core::reject(s.error().reason, share_name(j) + ": " + s.error().detail);
  return core::Ok{};
}

// ρ_1..ρ_n of pvss.hpp: SHA-512 of one prefix (tag, session id, the dealing without proofs)
// followed by u32 j, reduced mod L. The prefix is hashed once and its state copied for each j,
// so deriving all n weights costs O(size of the dealing), not n times that.
std::vector<RistrettoScalar> consistency_weights(core::ByteView session_id, const PvssDealing& dealing) {
  core::Writer body;
  put_dealing(body, dealing, false);
  core::Writer prefix;
  prefix.str(consistency_tag).bytes(session_id).bytes(body.view());
  crypto_hash_sha512_state common;
  crypto_hash_sha512_init(&common);
  crypto_hash_sha512_update(&common, prefix.view().data(), prefix.view().size());
  std::vector<RistrettoScalar> weights;
  weights.reserve(dealing.shares.size());
  for (std::uint32_t j = 1; j <= dealing.shares.size(); ++j) {
    core::Writer suffix;
    suffix.u32(j);
    crypto_hash_sha512_state state = common;
    crypto_hash_sha512_update(&state, suffix.view().data(), suffix.view().size());
    std::uint8_t digest[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(&state, digest);
    RistrettoScalar rho{};
    crypto_core_ristretto255_scalar_reduce(rho.data(), digest);
    weights.push_back(rho);
  }
  return weights;
}

// sum + n·P for a valid non-identity P. A zero n (probability 2^-252 for a hash-derived
// weight) adds nothing; libsodium would refuse it since n·P is then the identity.
RistrettoPoint add_multiple(const RistrettoPoint& sum, const RistrettoScalar& n, const RistrettoPoint& p) {
  if (is_zero_scalar(n)) return sum;
  // n < L is non-zero and P has prime order L, so n·P is not the identity.
  return must(point_add(sum, must(scalar_mult(n, p))));
}

// Σ_j ρ_j·A_j == Σ_k e_k·C_k with e_k = Σ_j ρ_j·j^k: n + t multiplications (pvss.hpp).
// Preconditions: counts and points checked.
core::Status check_consistency(core::ByteView session_id, const PvssDealing& dealing) {
  const std::size_t t = dealing.commitments.size();
  const std::vector<RistrettoScalar> rho = consistency_weights(session_id, dealing);
  RistrettoPoint lhs = ristretto_identity;
  std::vector<RistrettoScalar> e(t, RistrettoScalar{});
  for (std::size_t j = 1; j <= dealing.shares.size(); ++j) {
    lhs = add_multiple(lhs, rho[j - 1], dealing.shares[j - 1].commitment);
    const RistrettoScalar x = scalar_from_u64(j);
    RistrettoScalar term = rho[j - 1];  // ρ_j·j^k, k = 0 first
    for (std::size_t k = 0; k < t; ++k) {
      e[k] = scalar_add(e[k], term);
      term = scalar_mul(term, x);
    }
  }
  RistrettoPoint rhs = ristretto_identity;
  for (std::size_t k = 0; k < t; ++k) rhs = add_multiple(rhs, e[k], dealing.commitments[k]);
  if (lhs != rhs) {
    return core::reject(core::Reject::bad_proof,
                        "consistency check: the share commitments A_j do not lie on the polynomial committed by "
                        "C_0..C_{t-1}");
  }
  return core::Ok{};
}

}  // namespace

RistrettoPoint pvss_base_h(core::ByteView session_id) {
  RistrettoPoint h = hash_to_point(core::concat({core::as_bytes(base_h_tag), session_id}));
  IOS_ASSERT(!is_identity(h));  // probability 2^-252 for a hash output
  return h;
}

core::Status pvss_check_parameters(std::span<const RistrettoPoint> trustee_keys, std::uint32_t threshold) {
  const std::size_t n = trustee_keys.size();
  if (n == 0 || n > pvss_share_count_max) {
    return core::reject(core::Reject::length_over_limit,
                        std::to_string(n) + " trustees, allowed 1.." + std::to_string(pvss_share_count_max));
  }
  if (threshold == 0 || threshold > n) {
    return core::reject(core::Reject::length_over_limit,
                        "threshold " + std::to_string(threshold) + " outside 1.." + std::to_string(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_valid_nonidentity_point(trustee_keys[i])) {
      return core::reject(core::Reject::bad_point, "trustee key " + std::to_string(i + 1));
    }
  }
  return core::Ok{};
}

PvssDealt pvss_deal(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys, std::uint32_t threshold,
                    core::Rng& rng) {
  IOS_ASSERT(pvss_check_parameters(trustee_keys, threshold).ok());
  const auto n = static_cast<std::uint32_t>(trustee_keys.size());
  const RistrettoPoint h = pvss_base_h(session_id);
  const Polynomial p = random_polynomial(threshold, n, rng);

  PvssDealt out;
  // Non-zero scalars times non-identity points of a prime-order group: no product fails.
  for (const auto& a : p.coefficients) out.dealing.commitments.push_back(must(scalar_mult(a, h)));
  const Hash32 digest = commitments_hash(out.dealing.commitments);
  out.dealing.shares.reserve(n);
  for (std::uint32_t j = 1; j <= n; ++j) {
    const Secret<32>& pj = p.evaluations[j - 1];
    const RistrettoPoint& xj = trustee_keys[j - 1];
    PvssShare share;
    share.commitment = must(scalar_mult(pj, h));  // A_j = p(j)·H directly: no Σ_k j^k·C_k
    share.encrypted = must(scalar_mult(pj, xj));
    const DleqStatement statement{h, xj, share.commitment, share.encrypted};
    share.proof = dleq_prove(share_tag, share_context(session_id, j, threshold, n, digest), statement, pj, rng);
    out.dealing.shares.push_back(share);
  }
  out.secret_point = must(scalar_mult_base(p.coefficients[0]));
  return out;
}

core::Status pvss_verify_share(core::ByteView session_id, const PvssDealing& dealing, std::uint32_t index,
                               const RistrettoPoint& trustee_key) {
  if (auto s = check_counts(dealing); !s) return s;
  if (index == 0 || index > dealing.shares.size()) {
    return core::reject(core::Reject::bad_proof, "share index " + std::to_string(index) + " outside 1.." +
                                                     std::to_string(dealing.shares.size()));
  }
  if (!is_valid_nonidentity_point(trustee_key)) return core::reject(core::Reject::bad_point, "trustee key");
  // The C_k enter a trustee's check only through the hash its proof binds; whether they are
  // valid points on one polynomial is pvss_verify_dealing's job. Validating all t of them here
  // would cost a trustee t point decodings per dealing for nothing it relies on.
  if (auto s = check_share_points(dealing.shares[index - 1], index); !s) return s;
  return check_share_proof(session_id, pvss_base_h(session_id), dealing, index, trustee_key,
                           commitments_hash(dealing.commitments));
}

core::Status pvss_verify_dealing(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys,
                                 std::uint32_t threshold, const PvssDealing& dealing) {
  if (auto s = pvss_check_parameters(trustee_keys, threshold); !s) return s;
  const std::size_t n = trustee_keys.size();
  if (dealing.commitments.size() != threshold) {
    return core::reject(core::Reject::bad_proof, std::to_string(dealing.commitments.size()) +
                                                     " commitments for threshold " + std::to_string(threshold));
  }
  if (dealing.shares.size() != n) {
    return core::reject(core::Reject::bad_proof,
                        std::to_string(dealing.shares.size()) + " shares for " + std::to_string(n) + " trustees");
  }
  if (auto s = check_commitments(dealing); !s) return s;
  for (std::size_t j = 1; j <= n; ++j) {
    if (auto s = check_share_points(dealing.shares[j - 1], j); !s) return s;
  }
  const RistrettoPoint h = pvss_base_h(session_id);
  const Hash32 digest = commitments_hash(dealing.commitments);
  for (std::uint32_t j = 1; j <= n; ++j) {
    if (auto s = check_share_proof(session_id, h, dealing, j, trustee_keys[j - 1], digest); !s) return s;
  }
  return check_consistency(session_id, dealing);
}

PvssDecryptedShare pvss_decrypt_share(core::ByteView session_id, std::uint32_t index, const Secret<32>& x_j,
                                      const RistrettoPoint& encrypted_share, core::Rng& rng) {
  IOS_ASSERT(index_in_range(index));
  IOS_ASSERT(is_valid_nonidentity_point(encrypted_share));
  Secret<32> inverse;
  IOS_ASSERT(crypto_core_ristretto255_scalar_invert(inverse.data(), x_j.data()) == 0);  // x_j ≠ 0
  PvssDecryptedShare out;
  out.index = index;
  out.share = must(scalar_mult(inverse, encrypted_share));
  const DleqStatement statement{ristretto_base, out.share, must(scalar_mult_base(x_j)), encrypted_share};
  out.proof = dleq_prove(decrypt_tag, decrypt_context(session_id, index), statement, x_j, rng);
  return out;
}

core::Status pvss_verify_decrypted_share(core::ByteView session_id, const RistrettoPoint& trustee_key,
                                         const RistrettoPoint& encrypted_share, const PvssDecryptedShare& share) {
  if (!index_in_range(share.index)) {
    return core::reject(core::Reject::bad_proof, "share index " + std::to_string(share.index) + " outside 1.." +
                                                     std::to_string(pvss_share_count_max));
  }
  if (!is_valid_nonidentity_point(trustee_key)) return core::reject(core::Reject::bad_point, "trustee key");
  if (!is_valid_nonidentity_point(encrypted_share)) return core::reject(core::Reject::bad_point, "encrypted share");
  if (!is_valid_nonidentity_point(share.share)) return core::reject(core::Reject::bad_point, "decrypted share");
  // Both bases, B and the trustee-chosen S_j, are hashed into the challenge (§5.3).
  const DleqStatement statement{ristretto_base, share.share, trustee_key, encrypted_share};
  return dleq_verify(decrypt_tag, decrypt_context(session_id, share.index), statement, share.proof);
}

core::Result<RistrettoPoint> pvss_recover(std::span<const PvssDecryptedShare> shares, std::uint32_t threshold) {
  if (threshold == 0) return core::reject(core::Reject::bad_proof, "threshold 0");
  std::vector<std::uint32_t> indices;
  std::vector<RistrettoPoint> points;
  for (const auto& s : shares) {
    if (indices.size() == threshold) break;
    if (!index_in_range(s.index)) {
      return core::reject(core::Reject::bad_proof, "share index " + std::to_string(s.index) + " outside 1.." +
                                                       std::to_string(pvss_share_count_max));
    }
    if (!is_valid_nonidentity_point(s.share)) return core::reject(core::Reject::bad_point, share_name(s.index));
    bool seen = false;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      if (indices[k] != s.index) continue;
      if (points[k] != s.share) return core::reject(core::Reject::duplicate, share_name(s.index) + " twice, differing");
      seen = true;
    }
    if (seen) continue;
    indices.push_back(s.index);
    points.push_back(s.share);
  }
  if (indices.size() < threshold) {
    return core::reject(core::Reject::bad_proof,
                        "too few shares: " + std::to_string(indices.size()) + " of " + std::to_string(threshold));
  }
  RistrettoPoint sum = ristretto_identity;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    // λ ≠ 0 and the share is non-identity, so the product never fails.
    auto term = must(scalar_mult(lagrange_at_zero(indices, k), points[k]));
    sum = must(point_add(sum, term));
  }
  if (is_identity(sum)) return core::reject(core::Reject::bad_point, "recovered the identity");
  return sum;
}

// --- encodings ---

namespace {

// Points are read as 32 bytes and validated where they are used (pvss_verify_share checks
// the trustee's own two, pvss_verify_dealing all of them, and every libsodium multiplication
// refuses a bad encoding). A RandHound trustee decodes every chosen dealing of its group but
// uses two points of each: validating all n + t at decode time was most of its CPU.
RistrettoPoint read_point(core::Reader& r) { return r.fixed<32>(); }

RistrettoScalar read_scalar(core::Reader& r, const std::string& name) {
  auto s = r.fixed<32>();
  if (!r.failed() && !is_canonical_scalar(s)) r.fail(core::Reject::bad_scalar, name + " is not below L");
  return s;
}

std::uint32_t read_count(core::Reader& r, const char* what) {
  auto n = r.count(pvss_share_count_max);
  if (!r.failed() && n == 0) r.fail(core::Reject::non_canonical, std::string("no ") + what);
  return n;
}

}  // namespace

core::Bytes encode(const PvssDealing& dealing) {
  core::Writer w;
  put_dealing(w, dealing, true);
  return w.take();
}

core::Result<PvssDealing> decode_dealing(core::ByteView bytes) {
  core::Reader r(bytes);
  PvssDealing d;
  r.version(pvss_encoding_version);
  const std::uint32_t t = read_count(r, "commitments");
  for (std::uint32_t k = 0; k < t && !r.failed(); ++k) d.commitments.push_back(read_point(r));
  const std::uint32_t n = read_count(r, "shares");
  if (!r.failed() && t > n) {
    r.fail(core::Reject::length_over_limit,
           "threshold " + std::to_string(t) + " over share count " + std::to_string(n));
  }
  for (std::uint32_t j = 1; j <= n && !r.failed(); ++j) {
    PvssShare s;
    s.commitment = read_point(r);
    s.encrypted = read_point(r);
    s.proof.c = read_scalar(r, "challenge c of " + share_name(j));
    s.proof.r = read_scalar(r, "response r of " + share_name(j));
    d.shares.push_back(s);
  }
  if (auto s = r.finish(); !s) return s.error();
  return d;
}

core::Bytes encode(const PvssDecryptedShare& share) {
  core::Writer w;
  w.u8(pvss_encoding_version).u32(share.index).raw(share.share).raw(share.proof.c).raw(share.proof.r);
  return w.take();
}

core::Result<PvssDecryptedShare> decode_decrypted_share(core::ByteView bytes) {
  core::Reader r(bytes);
  PvssDecryptedShare s;
  r.version(pvss_encoding_version);
  s.index = r.u32();
  if (!r.failed() && !index_in_range(s.index)) {
    r.fail(core::Reject::bad_proof,
           "share index " + std::to_string(s.index) + " outside 1.." + std::to_string(pvss_share_count_max));
  }
  s.share = r.fixed<32>();  // one point: cheap enough to refuse a bad one at the door
  if (!r.failed() && !is_valid_nonidentity_point(s.share)) r.fail(core::Reject::bad_point, "decrypted share");
  s.proof.c = read_scalar(r, "challenge c");
  s.proof.r = read_scalar(r, "response r");
  if (auto st = r.finish(); !st) return st.error();
  return s;
}

}  // namespace ios::crypto
