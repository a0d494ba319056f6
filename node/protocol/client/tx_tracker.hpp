#pragma once
// What a node knows about transactions submitted through its door: pending (sent to the
// believable validator of the payer, or to the normal league), optimistic (a signed receipt
// came back), final or rejected. Final and excluded states of any transaction also come from
// the store's index; this map only remembers recent submissions, bounded.
//
// Refusals at the API door (the tx was well signed but the node's view refused it: an unknown
// or spent input, a fee too low) are kept apart, the last refused_txs_max of them, so
// `GET /v1/tx/{hash}` answers `rejected` with the reason instead of forgetting the tx (README
// "Transaction states"). Apart, so that a flood of refused junk evicts only older refusals and
// never a submission still in flight. They live in memory: a restarted node has forgotten them.
// A tx whose signatures do not verify is not remembered: its hash does not cover witnesses, so
// remembering it would let anyone mark somebody else's tx as rejected (docs/security.md
// "Marking another's transaction as rejected").
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "node/core/bytes.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/protocol/core/core.hpp"
#include "node/protocol/client/tx_status.hpp"

namespace ios::protocol::client {

inline constexpr std::size_t tracked_txs_max = 200'000;
inline constexpr std::size_t refused_txs_max = 10'000;
inline constexpr std::size_t refusal_reason_bytes_max = 200;

class TxTracker {
 public:
  void submitted(const core::Hash32& tx);
  // A believable validator's signed receipt: `producer` sealed it in `optimistic_block`.
  void optimistic(const core::Hash32& tx, const crypto::PublicKey& producer, const core::Hash32& optimistic_block);
  void rejected(const core::Hash32& tx, std::string reason);
  void final(const core::Hash32& tx, std::uint64_t height);
  void excluded(const core::Hash32& tx, std::uint64_t height);
  // A refusal at the door; forgotten once the same tx is submitted and accepted.
  void refused(const core::Hash32& tx, std::string reason);
  std::optional<TxStatus> find(const core::Hash32& tx) const;
  std::optional<TxStatus> find_refusal(const core::Hash32& tx) const;
  // The optimistic receipt this node received for a tx it submitted, if any.
  struct Receipt {
    crypto::PublicKey producer{};
    core::Hash32 optimistic_block{};
  };
  std::optional<Receipt> receipt(const core::Hash32& tx) const;

  std::uint64_t submitted_count() const { return submitted_; }
  std::uint64_t final_count() const { return finals_; }
  std::uint64_t rejected_count() const { return rejected_; }

 private:
  TxStatus& entry(const core::Hash32& tx);
  std::map<core::Hash32, TxStatus> txs_;
  std::map<core::Hash32, Receipt> receipts_;  // a subset of txs_' keys
  std::deque<core::Hash32> order_;
  struct Refusal {
    std::string reason;
    std::uint64_t seq = 0;  // which entry of refusal_order_ is this refusal's
  };
  std::map<core::Hash32, Refusal> refusals_;
  std::deque<std::pair<core::Hash32, std::uint64_t>> refusal_order_;  // also entries since forgotten
  std::uint64_t refusal_seq_ = 0;
  std::uint64_t submitted_ = 0, finals_ = 0, rejected_ = 0;
};

}  // namespace ios::protocol::client
