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
// second), and after a restart it takes the persisted one again at start.
//
// Bounds: one request out at a time, retried every retry_ms at the next host; a Handover is
// checked only when it comes from a host it may ask, at most once per host per retry_ms, so a
// flood of false ones (from a client, or a lying host) costs at most one check per host and
// period: a finality check and one digest of the snapshot.
#include <memory>
#include <optional>

#include "node/protocol/core/core.hpp"
#include "node/protocol/core/once_per_peer.hpp"
#include "node/protocol/pob/handover.hpp"
#include "node/protocol/pob/shard_setup.hpp"
#include "node/protocol/pob/shard_validator.hpp"

namespace ios::protocol::transepoch {

class ShardJoin final : public Core {
 public:
  static constexpr TimeMs retry_ms = 500;
  static constexpr TimerId retry_timer = 1;

  // `ended`: the setup of the segment whose handover it needs (the last step of the previous
  // epoch); `hosts`: who to ask; `rows`: its own persisted rows (a handover already accepted).
  ShardJoin(std::shared_ptr<const pob::ShardSetup> ended, std::vector<NodeId> hosts, const pob::PersistedState& rows);

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;

  bool joined() const { return start_.has_value(); }
  // Once joined: where the shard's next segment starts.
  const pob::SegmentStart& start() const { return *start_; }
  std::uint64_t refused() const { return refused_; }

 private:
  void ask(TimeMs now_ms, Effects& out);

  std::shared_ptr<const pob::ShardSetup> ended_;
  std::vector<NodeId> hosts_;  // ascending
  std::size_t next_host_ = 0;
  std::optional<core::Bytes> handover_;  // encode(PobMessage{Handover}), once accepted
  std::optional<pob::SegmentStart> start_;
  OncePerPeer answers_{1000};            // to other joiners
  OncePerPeer checks_{retry_ms};         // of the hosts' answers
  std::uint64_t refused_ = 0;            // handovers that did not check
};

}  // namespace ios::protocol::transepoch
