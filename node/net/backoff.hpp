#pragma once
// Redial delays for a lost or refused outbound connection (docs/DESIGN.md §5): exponential from
// backoff_min_ms to backoff_max_ms, reset once a connection authenticates. Each delay is drawn
// uniformly from [d/2, d] so that peers which lost a link at the same moment (a restarted
// node, a healed partition) do not redial in lockstep. Pure: the Rng is passed in.
#include <algorithm>

#include "node/core/rng.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::net {

class Backoff {
 public:
  Backoff(protocol::TimeMs min_ms, protocol::TimeMs max_ms) : min_ms_(min_ms), max_ms_(max_ms) {}

  protocol::TimeMs next_ms(core::Rng& rng) {
    current_ms_ = current_ms_ == 0 ? min_ms_ : std::min(current_ms_ * 2, max_ms_);
    if (current_ms_ == 0) return 0;
    const protocol::TimeMs half = current_ms_ / 2;
    return half + rng.uniform(current_ms_ - half + 1);
  }
  void reset() { current_ms_ = 0; }

 private:
  protocol::TimeMs min_ms_;
  protocol::TimeMs max_ms_;
  protocol::TimeMs current_ms_ = 0;
};

}  // namespace ios::net
