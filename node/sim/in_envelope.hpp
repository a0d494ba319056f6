#pragma once
// A Byzantine rewrite written for one instance's bytes (a ByzCoin announce, a PoB block), applied
// to a node whose messages travel in envelopes (node/protocol/node/envelope.hpp): each send is
// opened, rewritten, and every result wrapped again in the same envelope. Sends that are not
// enveloped pass unchanged.
#include "node/protocol/node/envelope.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

inline ByzantineRewrite in_envelope(ByzantineRewrite inner) {
  return [inner = std::move(inner)](const protocol::Send& s) -> std::vector<protocol::Send> {
    auto opened = protocol::node::open(s.payload);
    if (!opened) return {s};
    std::vector<protocol::Send> out;
    for (auto& r : inner(protocol::Send{s.to, core::Bytes(opened->payload.begin(), opened->payload.end())}))
      out.push_back({r.to, protocol::node::wrap(opened->key, r.payload)});
    return out;
  };
}

}  // namespace ios::sim
