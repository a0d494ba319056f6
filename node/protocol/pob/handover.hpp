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
};

core::Result<SegmentStart> accept_handover(const ShardSetup& ended, const Handover& handover);

}  // namespace ios::protocol::pob
