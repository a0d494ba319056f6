// Schoenmakers PVSS (CRYPTO '99, §3) over ristretto255, PROTOCOLS.md §6. The scheme, the
// meaning of `threshold` (shares needed), the invariants and the attacks stopped (unbound
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
constexpr std::string_view deal_tag = "IOS/v1/pvss-deal";
constexpr std::string_view decrypt_tag = "IOS/v1/pvss-decrypt";
// Redraws of the polynomial when some p(j) is zero (probability about n·2^-252).
constexpr int deal_attempts_max = 8;

std::string share_name(std::size_t index) { return "share " + std::to_string(index); }

// The batch challenge's context: everything the dealing is about besides the statements.
core::Bytes dealing_context(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys,
                            std::uint32_t threshold, std::span<const RistrettoPoint> commitments) {
  core::Writer w;
  w.bytes(session_id).u32(threshold).u32(static_cast<std::uint32_t>(trustee_keys.size()));
  for (const auto& x : trustee_keys) w.raw(x);
  for (const auto& c : commitments) w.raw(c);
  return w.take();
}

core::Bytes decrypt_context(core::ByteView session_id, std::uint32_t index) {
  core::Writer w;
  w.bytes(session_id).u32(index);
  return w.take();
}

bool index_in_range(std::uint32_t index) { return index >= 1 && index <= pvss_share_count_max; }

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

// A_j = Σ_k j^k·C_k. Each term is a non-zero multiple of a non-identity point, so only the
// sum can be the identity (then nullopt); Horner would instead fail on an identity partial sum.
std::optional<RistrettoPoint> share_commitment(std::span<const RistrettoPoint> commitments, std::uint32_t j) {
  const RistrettoScalar x = scalar_from_u64(j);
  RistrettoScalar power = scalar_from_u64(1);
  RistrettoPoint sum = commitments[0];
  for (std::size_t k = 1; k < commitments.size(); ++k) {
    power = scalar_mul(power, x);
    auto term = scalar_mult(power, commitments[k]);
    if (!term) return std::nullopt;
    auto next = point_add(sum, *term);
    if (!next) return std::nullopt;
    sum = *next;
  }
  if (is_identity(sum)) return std::nullopt;
  return sum;
}

RistrettoPoint must(std::optional<RistrettoPoint> p) {
  IOS_ASSERT(p.has_value());
  return *p;
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
  const std::size_t n = trustee_keys.size();
  const RistrettoPoint h = pvss_base_h(session_id);
  const Polynomial p = random_polynomial(threshold, n, rng);

  PvssDealt out;
  // Non-zero scalars times non-identity points of a prime-order group: no product fails.
  for (const auto& a : p.coefficients) out.dealing.commitments.push_back(must(scalar_mult(a, h)));
  std::vector<DleqStatement> statements;
  statements.reserve(n);
  for (std::size_t j = 1; j <= n; ++j) {
    const Secret<32>& pj = p.evaluations[j - 1];
    const RistrettoPoint& xj = trustee_keys[j - 1];
    RistrettoPoint yj = must(scalar_mult(pj, xj));
    out.dealing.encrypted_shares.push_back(yj);
    statements.push_back({h, xj, must(scalar_mult(pj, h)), yj});
  }
  const auto context = dealing_context(session_id, trustee_keys, threshold, out.dealing.commitments);
  out.dealing.proof = dleq_prove_batch(deal_tag, context, statements, p.evaluations, rng);
  out.secret_point = must(scalar_mult_base(p.coefficients[0]));
  return out;
}

core::Status pvss_verify_dealing(core::ByteView session_id, std::span<const RistrettoPoint> trustee_keys,
                                 std::uint32_t threshold, const PvssDealing& dealing) {
  if (auto s = pvss_check_parameters(trustee_keys, threshold); !s) return s;
  const std::size_t n = trustee_keys.size();
  if (dealing.commitments.size() != threshold) {
    return core::reject(core::Reject::bad_proof, std::to_string(dealing.commitments.size()) +
                                                     " commitments for threshold " + std::to_string(threshold));
  }
  if (dealing.encrypted_shares.size() != n) {
    return core::reject(core::Reject::bad_proof, std::to_string(dealing.encrypted_shares.size()) +
                                                     " encrypted shares for " + std::to_string(n) + " trustees");
  }
  for (std::size_t k = 0; k < threshold; ++k) {
    if (!is_valid_nonidentity_point(dealing.commitments[k])) {
      return core::reject(core::Reject::bad_point, "commitment " + std::to_string(k));
    }
  }
  for (std::size_t j = 1; j <= n; ++j) {
    if (!is_valid_nonidentity_point(dealing.encrypted_shares[j - 1])) {
      return core::reject(core::Reject::bad_point, "encrypted " + share_name(j));
    }
  }
  const RistrettoPoint h = pvss_base_h(session_id);
  std::vector<DleqStatement> statements;
  statements.reserve(n);
  for (std::size_t j = 1; j <= n; ++j) {
    auto aj = share_commitment(dealing.commitments, static_cast<std::uint32_t>(j));
    if (!aj) return core::reject(core::Reject::bad_point, "commitment to " + share_name(j) + " is the identity");
    statements.push_back({h, trustee_keys[j - 1], *aj, dealing.encrypted_shares[j - 1]});
  }
  const auto context = dealing_context(session_id, trustee_keys, threshold, dealing.commitments);
  return dleq_verify_batch(deal_tag, context, statements, dealing.proof);
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

RistrettoPoint read_point(core::Reader& r, const std::string& name) {
  auto p = r.fixed<32>();
  if (!r.failed() && !is_valid_nonidentity_point(p)) r.fail(core::Reject::bad_point, name);
  return p;
}

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
  IOS_ASSERT(dealing.commitments.size() <= pvss_share_count_max);
  IOS_ASSERT(dealing.encrypted_shares.size() <= pvss_share_count_max);
  IOS_ASSERT(dealing.proof.r.size() == dealing.encrypted_shares.size());
  core::Writer w;
  w.u8(pvss_encoding_version);
  w.u32(static_cast<std::uint32_t>(dealing.commitments.size()));
  for (const auto& c : dealing.commitments) w.raw(c);
  w.u32(static_cast<std::uint32_t>(dealing.encrypted_shares.size()));
  for (const auto& y : dealing.encrypted_shares) w.raw(y);
  w.raw(dealing.proof.c);
  for (const auto& r : dealing.proof.r) w.raw(r);
  return w.take();
}

core::Result<PvssDealing> decode_dealing(core::ByteView bytes) {
  core::Reader r(bytes);
  PvssDealing d;
  r.version(pvss_encoding_version);
  const std::uint32_t t = read_count(r, "commitments");
  for (std::uint32_t k = 0; k < t && !r.failed(); ++k) d.commitments.push_back(read_point(r, "commitment"));
  const std::uint32_t n = read_count(r, "encrypted shares");
  if (!r.failed() && t > n) {
    r.fail(core::Reject::length_over_limit,
           "threshold " + std::to_string(t) + " over share count " + std::to_string(n));
  }
  for (std::uint32_t j = 1; j <= n && !r.failed(); ++j) d.encrypted_shares.push_back(read_point(r, "encrypted share"));
  d.proof.c = read_scalar(r, "challenge c");
  for (std::uint32_t j = 1; j <= n && !r.failed(); ++j) d.proof.r.push_back(read_scalar(r, "response r"));
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
  s.share = read_point(r, "decrypted share");
  s.proof.c = read_scalar(r, "challenge c");
  s.proof.r = read_scalar(r, "response r");
  if (auto st = r.finish(); !st) return st.error();
  return s;
}

}  // namespace ios::crypto
