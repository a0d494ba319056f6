// TransEpoch swap batches (whitepaper §6.1 Algorithm 4). Rules and invariants: swap_plan.hpp.
#include "node/protocol/transepoch/swap_plan.hpp"

#include <algorithm>
#include <string>

#include "node/core/result.hpp"
#include "node/crypto/random.hpp"

namespace ios::protocol::transepoch {

namespace {

std::vector<std::uint32_t> minus(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  std::vector<std::uint32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::uint32_t swap_batch_size(std::uint32_t smallest_roster) {
  IOS_ASSERT(smallest_roster >= 4);
  return (smallest_roster - 1) / 3;
}

SwapPlan plan_swaps(const std::vector<std::uint32_t>& old_members, const std::vector<std::uint32_t>& new_members,
                    std::uint32_t roster_size, core::ShardId shard, const core::Hash32& randomness,
                    std::uint32_t batch_size) {
  IOS_ASSERT(batch_size >= 1);
  IOS_ASSERT(std::is_sorted(old_members.begin(), old_members.end()));
  IOS_ASSERT(std::is_sorted(new_members.begin(), new_members.end()));
  SwapPlan plan;
  plan.batch_size = batch_size;
  const auto leaving = minus(old_members, new_members);
  const auto joining = minus(new_members, old_members);

  // π_{j,e}: the old members in a random order; the leaving ones go in that order.
  crypto::ChaChaRng leave_rng("IOS/v1/transepoch/leaving/" + std::to_string(shard.value), randomness);
  for (auto p : crypto::permutation(static_cast<std::uint32_t>(old_members.size()), leave_rng)) {
    if (std::binary_search(leaving.begin(), leaving.end(), old_members[p])) plan.leaving.push_back(old_members[p]);
  }
  // π_{0,e}: the whole roster in a random order; the joining ones come in that order.
  IOS_ASSERT(old_members.empty() || old_members.back() < roster_size);
  IOS_ASSERT(new_members.empty() || new_members.back() < roster_size);
  crypto::ChaChaRng join_rng("IOS/v1/transepoch/joining", randomness);
  for (auto i : crypto::permutation(roster_size, join_rng)) {
    if (std::binary_search(joining.begin(), joining.end(), i)) plan.joining.push_back(i);
  }

  auto roster = old_members;
  const auto moves = std::max(leaving.size(), joining.size());
  for (std::size_t b = 0; b == 0 || b * batch_size < moves; ++b) {
    for (std::size_t i = b * batch_size; i < std::min<std::size_t>((b + 1) * batch_size, plan.leaving.size()); ++i)
      roster.erase(std::find(roster.begin(), roster.end(), plan.leaving[i]));
    for (std::size_t i = b * batch_size; i < std::min<std::size_t>((b + 1) * batch_size, plan.joining.size()); ++i)
      roster.insert(std::upper_bound(roster.begin(), roster.end(), plan.joining[i]), plan.joining[i]);
    plan.rosters.push_back(roster);
  }
  IOS_ASSERT(plan.rosters.back() == new_members);
  return plan;
}

}  // namespace ios::protocol::transepoch
