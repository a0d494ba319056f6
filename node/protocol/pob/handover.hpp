#pragma once
// Where a segment of a shard's chain starts (TransEpoch, node/protocol/transepoch/README.md):
// the height and parent after the previous segment's last block, and the ledger state there.
//
// accept_handover turns a Handover (messages.hpp) of the segment `ended` into that start, and
// trusts nothing in it: the block must be final under `ended`'s roster and domain, and the
// snapshot's digest must be the one that block commits to (ledger/state_snapshot.hpp). When
// `ended` is the last step of its epoch, the block must also be the one that opens the next
// epoch — the segment's last block, and the only block of that roster whose body names the next
// epoch — so a host cannot hand a joiner the state of an earlier block of the same segment.
#include "node/ledger/ledger_state.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/pob/shard_setup.hpp"

namespace ios::protocol::pob {

struct SegmentStart {
  ledger::LedgerState state;  // state.height() is the segment's first ByzCoin height
  core::Hash32 prev{};        // the hash of the block before it
  // Handed over by other nodes (ShardJoin), not by this node's own previous segment: this
  // node's store may hold nothing of the shard just before it (a gap the store allows once).
  bool joined = false;
  // In process only: what the ended segment's pool and producer held and no final block took.
  // The successor sends them on to its own route at start, so a transaction in flight at a
  // segment's end is not lost (a wallet would otherwise resend it only after seconds).
  std::vector<chain::Tx> carried;
};
inline constexpr std::size_t carried_txs_max = 4096;

core::Result<SegmentStart> accept_handover(const ShardSetup& ended, const Handover& handover);

}  // namespace ios::protocol::pob
