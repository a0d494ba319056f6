#pragma once
// What a node knows about transactions submitted through its API: pending (sent to the
// believable validator of the payer, or to the normal league), optimistic (a signed receipt
// came back), final or rejected. Final and excluded states of any transaction also come from
// the store's index; this map only remembers recent submissions, bounded.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "node/core/bytes.hpp"
#include "node/protocol/core/core.hpp"
#include "node/rpc/node_api.hpp"

namespace ios::runtime {

inline constexpr std::size_t tracked_txs_max = 200'000;

class TxTracker {
 public:
  void submitted(const core::Hash32& tx);
  void optimistic(const core::Hash32& tx);
  void rejected(const core::Hash32& tx, std::string reason);
  void final(const core::Hash32& tx, std::uint64_t height);
  void excluded(const core::Hash32& tx, std::uint64_t height);
  std::optional<rpc::TxStatus> find(const core::Hash32& tx) const;

  std::uint64_t submitted_count() const { return submitted_; }
  std::uint64_t final_count() const { return finals_; }
  std::uint64_t rejected_count() const { return rejected_; }

 private:
  rpc::TxStatus& entry(const core::Hash32& tx);
  std::map<core::Hash32, rpc::TxStatus> txs_;
  std::deque<core::Hash32> order_;
  std::uint64_t submitted_ = 0, finals_ = 0, rejected_ = 0;
};

}  // namespace ios::runtime
