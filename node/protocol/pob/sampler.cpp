#include "node/protocol/pob/sampler.hpp"

#include <cmath>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::protocol::pob {
namespace {

constexpr std::string_view sample_tag = "IOS/v1/pob-sample";
constexpr std::string_view sample_tx_tag = "IOS/v1/pob-sample-tx";

core::Bytes sample_alpha(const core::Hash32& header_hash) {
  return core::concat({core::as_bytes(sample_tag), header_hash});
}

std::uint64_t threshold_for(double p) {
  if (p <= 0) return 0;
  if (p >= 1) return UINT64_MAX;
  // p·2^64, computed in long double (64-bit mantissa on x86); exact enough for a rate.
  return static_cast<std::uint64_t>(std::ldexp(static_cast<long double>(p), 64));
}

bool below(const crypto::VrfOutput& beta, std::uint32_t tx_index, std::uint64_t threshold, bool all) {
  if (all) return true;
  core::Writer w;
  w.u32(tx_index);
  const auto h = crypto::sha256({core::as_bytes(sample_tx_tag), beta, w.view()});
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | h[static_cast<std::size_t>(i)];
  return v < threshold;
}

}  // namespace

TxSampler::TxSampler(const crypto::VrfSecretKey& key, double sample_rate)
    : key_(key), threshold_(threshold_for(sample_rate)), all_(sample_rate >= 1) {
  IOS_ASSERT(sample_rate >= 0);
  IOS_ASSERT(sample_rate <= 1);
}

TxSampler::Sample TxSampler::seed_for(const core::Hash32& header_hash) const {
  Sample s;
  s.proof = key_.prove(sample_alpha(header_hash));
  auto beta = crypto::vrf_proof_to_hash(s.proof);
  IOS_ASSERT(beta.ok());  // our own proof always decodes
  s.beta = *beta;
  return s;
}

bool TxSampler::sampled(const Sample& sample, std::uint32_t tx_index) const {
  return below(sample.beta, tx_index, threshold_, all_);
}

std::vector<std::uint32_t> TxSampler::sampled_indices(const Sample& sample, std::uint32_t tx_count) const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t j = 0; j < tx_count; ++j) {
    if (sampled(sample, j)) out.push_back(j);
  }
  return out;
}

core::Result<bool> verify_sampled(const crypto::PublicKey& vrf_key, const crypto::VrfProof& proof,
                                  const core::Hash32& header_hash, double sample_rate, std::uint32_t tx_index) {
  auto beta = crypto::vrf_verify(vrf_key, proof, sample_alpha(header_hash));
  if (!beta) return beta.error();
  return below(*beta, tx_index, threshold_for(sample_rate), sample_rate >= 1);
}

double detection_probability(double sample_rate, std::uint32_t normal_league_size) {
  return 1.0 - std::pow(1.0 - sample_rate, static_cast<double>(normal_league_size));
}

}  // namespace ios::protocol::pob
