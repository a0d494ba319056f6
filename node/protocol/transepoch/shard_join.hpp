#pragma once
// A validator joining a shard (whitepaper §6.1: "a validator joining a shard obtains the shard's
// state from its peers"; node/protocol/transepoch/README.md). It is hosted under the key of the
// segment that ended the shard's previous epoch — the segment it did not take part in — so the
// hosts of that segment answer it there: it asks them in turn for their Handover (pob/messages.hpp),
// checks it with pob::accept_handover (finality under that segment's roster, then the state's
// digest), persists it, and delivers it as the segment itself would have (Deliver
// "shard-handover"), so its host starts the new epoch's first segment exactly as for a member.
//
// Once it holds the handover it answers other joiners' requests with it (one per peer per
// second), and after a restart it delivers the persisted one again at start.
//
// Bounds: one request in flight, retried every retry_ms at the next host; a hostile host costs
// one check of what it sends (a finality check, then one digest of its snapshot).
#include <memory>
#include <optional>

#include "node/protocol/core/core.hpp"
#include "node/protocol/pob/handover.hpp"
#include "node/protocol/pob/shard_setup.hpp"

namespace ios::protocol::transepoch {

using PersistedState = std::map<std::string, core::Bytes, std::less<>>;

class ShardJoin final : public Core {
 public:
  static constexpr TimeMs retry_ms = 500;
  static constexpr TimerId retry_timer = 1;

  // `ended`: the setup of the segment whose handover it needs (the last step of the previous
  // epoch); `hosts`: who to ask; `rows`: its own persisted rows (a handover already accepted).
  ShardJoin(std::shared_ptr<const pob::ShardSetup> ended, std::vector<NodeId> hosts, const PersistedState& rows);

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;

  bool joined() const { return handover_.has_value(); }
  std::uint64_t refused() const { return refused_; }

 private:
  void ask(TimeMs now_ms, Effects& out);

  std::shared_ptr<const pob::ShardSetup> ended_;
  std::vector<NodeId> hosts_;
  std::size_t next_host_ = 0;
  std::optional<core::Bytes> handover_;  // encode(PobMessage{Handover}), once accepted
  std::map<NodeId, TimeMs> answered_;    // per peer, the last answer's time
  std::uint64_t refused_ = 0;            // handovers that did not check
};

}  // namespace ios::protocol::transepoch
