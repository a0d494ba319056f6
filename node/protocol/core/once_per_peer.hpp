#pragma once
// At most one answer per peer per interval, for answers that cost far more than the request that
// asks for them (a shard's whole state: pob::ShardValidator, transepoch::ShardJoin). Without it
// a peer could make a host send its state back to back (an amplification of its own bandwidth).
// Bounded: one entry per peer answered, and callers answer only validators of the roster.
#include <map>

#include "node/protocol/core/core.hpp"

namespace ios::protocol {

class OncePerPeer {
 public:
  explicit OncePerPeer(TimeMs interval_ms) : interval_ms_(interval_ms) {}

  // True (and the peer's interval starts now) when `peer` was not answered in the last interval.
  bool allow(NodeId peer, TimeMs now_ms) {
    auto [it, fresh] = last_.try_emplace(peer, now_ms);
    if (!fresh && now_ms < it->second + interval_ms_) return false;
    it->second = now_ms;
    return true;
  }

 private:
  TimeMs interval_ms_;
  std::map<NodeId, TimeMs> last_;
};

}  // namespace ios::protocol
