#include "node/crypto/cosi_star.hpp"

#include <array>
#include <vector>

namespace ios::crypto {

CosiStar::CosiStar(std::shared_ptr<const CosiRoster> roster, core::Bytes message)
    : roster_(std::move(roster)), message_(std::move(message)) {
  IOS_ASSERT(roster_ && roster_->size() > 0);
}

void CosiStar::begin_round(std::set<std::uint32_t> participants) {
  for (auto m : participants) IOS_ASSERT(m < roster_->size());
  ++round_;
  participants_ = std::move(participants);
  commitments_.clear();
  responses_.clear();
  mask_ = CosiMask(roster_->size());
  challenged_ = false;
}

bool CosiStar::add_commitment(std::uint32_t member, const core::ByteArray<32>& commitment) {
  if (challenged_ || !participants_.count(member) || commitments_.count(member)) return false;
  if (!sum_commitments(std::array<core::ByteArray<32>, 1>{commitment})) return false;  // not a valid point
  commitments_.emplace(member, commitment);
  return true;
}

std::optional<CosiChallenge> CosiStar::challenge() {
  IOS_ASSERT(!commitments_.empty());
  mask_ = CosiMask(roster_->size());
  std::vector<core::ByteArray<32>> vs;
  for (const auto& [m, v] : commitments_) {
    mask_.set(m, true);
    vs.push_back(v);
  }
  auto v_sum = sum_commitments(vs);
  auto a_m = roster_->aggregate(mask_);
  if (!v_sum || !a_m) return std::nullopt;
  challenge_ = make_challenge(*v_sum, *a_m, message_);
  challenged_ = true;
  return challenge_;
}

bool CosiStar::add_response(std::uint32_t member, const core::ByteArray<32>& response) {
  if (!challenged_ || responses_.count(member)) return false;
  auto it = commitments_.find(member);
  if (it == commitments_.end()) return false;
  if (!verify_partial(it->second, roster_->keys()[member].public_key(), challenge_.c, response)) return false;
  responses_.emplace(member, response);
  return true;
}

std::set<std::uint32_t> CosiStar::responders() const {
  std::set<std::uint32_t> out;
  for (const auto& [m, r] : responses_) out.insert(m);
  return out;
}

std::optional<CollectiveSignature> CosiStar::signature() const {
  if (!all_responded()) return std::nullopt;
  std::vector<core::ByteArray<32>> rs;
  for (const auto& [m, r] : responses_) rs.push_back(r);
  auto r_sum = sum_responses(rs);
  IOS_ASSERT(r_sum.ok());  // every response was checked against its commitment
  CollectiveSignature sig{challenge_.aggregate_commitment, *r_sum, mask_};
  IOS_ASSERT(cosi_verify(*roster_, message_, sig, 1).ok());
  return sig;
}

}  // namespace ios::crypto
