#pragma once
// What a host gives the ByzCoin engine (engine.hpp): the application that proposes, validates
// and applies block bodies, and the configuration of one normal league (docs/PROTOCOLS.md §11;
// docs/DESIGN.md §4). The host is PoB's ledger in a node, a toy app in the simulator tests.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "node/chain/finality.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/cosi.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::protocol::byzcoin {

class ByzcoinApp {
 public:
  virtual ~ByzcoinApp() = default;
  // Leader: body for `height` on top of `prev`, called when the leader's block timer fires (or
  // right after it became leader by a view change). May return an empty-content body (a
  // heartbeat block, cothority #1963: a leader cannot stall silently). std::nullopt skips this
  // slot; the engine asks again one block interval later. At most finalized_body_bytes_max.
  virtual std::optional<core::Bytes> propose(std::uint64_t height, const core::Hash32& prev, TimeMs now_ms) = 0;
  // Witness: may I sign this body at this height? A refusal is simply an absent bit.
  virtual core::Status validate(std::uint64_t height, const core::Hash32& prev, core::ByteView body) = 0;
  // Called exactly once per height, in height order, after verify_finality passed and the block
  // was persisted (also when replaying persisted blocks at start and when catching up).
  virtual void on_final(const chain::FinalizedBlock& block, Effects& out) = 0;
  // True once the app's segment of the chain is over (its last block applied): a TransEpoch step
  // or an epoch ended, and the next roster goes on from here (node/protocol/pob/shard_setup.hpp).
  // The engine then leads, votes and changes views no more; it still answers sync requests, so
  // a member of the next segment that missed the last block gets it from here.
  virtual bool ended() const { return false; }
};

struct ByzcoinConfig {
  // Where this roster's segment of the chain starts: its first height, and the hash of the block
  // before it (zeros at height 0). Heights are the chain's, not the segment's.
  std::uint64_t first_height = 0;
  core::Hash32 first_prev{};
  core::Bytes domain;  // chain::consensus_domain(chain, shard, epoch): every signature of this instance binds it
  std::shared_ptr<const crypto::CosiRoster> roster;  // the normal league, n = 3f + 1 ideally
  std::vector<NodeId> members;                       // members[i] = NodeId of roster member i
  std::optional<std::uint32_t> self;                 // own roster index; nullopt = observer
  std::vector<NodeId> observers;                     // receive every finalized block (push)
  // The node's Ed25519 key (the key `signer` was made from): signs announces and view
  // changes, whose sender's identity matters. Required for members, unused by observers.
  std::shared_ptr<const crypto::SigningKey> signing_key;
  TimeMs block_interval_ms = 50;  // leader proposes at most this often
  TimeMs phase_timeout_ms = 200;  // a phase waits this long for children (then star fallback / restart)
  TimeMs view_timeout_ms = 1000;  // no final block this long => view change (doubles per failed view)
  bool tree = true;               // three-level tree, ⌊√(n−1)⌋ sub-leaders; false = star
};

struct ByzcoinStats {
  std::uint64_t rounds_started = 0;        // CoSi attempts this node led (either phase)
  std::uint64_t restarts = 0;              // attempts restarted without witnesses that did not respond
  std::uint64_t star_fallbacks = 0;        // subtrees contacted directly after a silent sub-leader
  std::uint64_t view_changes = 0;          // views this node moved to
  std::uint64_t view_change_requests = 0;  // view_change messages this node sent
  std::uint64_t sync_requests = 0;
  std::uint64_t sync_requests_refused = 0;  // over sync_response_bytes_per_peer_per_s_max, or store_syncs_pending_max
  std::uint64_t sync_loads = 0;             // catch-ups served from the store (older than the blocks in memory)
  std::uint64_t rejected = 0;               // peer messages refused (see last_reject())
  std::uint64_t buffered_dropped = 0;       // future messages dropped because the buffer was full
};

}  // namespace ios::protocol::byzcoin
