#pragma once
// The normal league's private sample of an optimistic block (whitepaper §8.2: "normal
// validators sample and verify the transactions"; docs/PROTOCOLS.md §12).
//
// Each normal validator i re-verifies the witnesses of transaction j of an optimistic block B
// iff  SHA-256("IOS/v1/pob-sample-tx" ‖ beta_i ‖ u32 j)[0..8] (big-endian) < p·2^64,  where
// beta_i = VRF_i("IOS/v1/pob-sample" ‖ header_hash(B)) (RFC 9381, the validator's VRF key).
//
// Why a VRF: the believable validator builds B and could grind its contents until a public
// sampler (say, one keyed by the block hash alone) skipped its forged transaction. beta_i is
// unpredictable without validator i's secret key, yet the proof makes i's choice checkable
// afterwards (an accused validator can show it was not asked to check a transaction).
//
// Invariants: p = 1 samples every transaction and p = 0 none; the decision for (i, B, j) is a
// pure function of i's key, B's header and j; the probability that at least one of L honest
// validators samples a given transaction is 1 − (1 − p)^L (detection_probability).
// Truncating the hash to 64 bits changes p by less than 2^-64.
#include <cstdint>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/vrf.hpp"

namespace ios::protocol::pob {

class TxSampler {
 public:
  // p in [0, 1].
  TxSampler(const crypto::VrfSecretKey& key, double sample_rate);

  struct Sample {
    crypto::VrfProof proof{};
    crypto::VrfOutput beta{};
  };
  // One VRF evaluation per optimistic block.
  Sample seed_for(const core::Hash32& header_hash) const;
  bool sampled(const Sample& sample, std::uint32_t tx_index) const;
  // The indices below tx_count that this validator re-verifies.
  std::vector<std::uint32_t> sampled_indices(const Sample& sample, std::uint32_t tx_count) const;

 private:
  const crypto::VrfSecretKey& key_;
  std::uint64_t threshold_;  // sample iff h < threshold_; all_ overrides for p = 1
  bool all_;
};

// What anyone can check afterwards: was tx_index in validator `vrf_key`'s sample of the block?
// Verifies the VRF proof first (typed rejects from vrf_verify).
core::Result<bool> verify_sampled(const crypto::PublicKey& vrf_key, const crypto::VrfProof& proof,
                                  const core::Hash32& header_hash, double sample_rate, std::uint32_t tx_index);

// 1 − (1 − p)^L: the chance one forged transaction is caught by a normal league of L.
double detection_probability(double sample_rate, std::uint32_t normal_league_size);

}  // namespace ios::protocol::pob
