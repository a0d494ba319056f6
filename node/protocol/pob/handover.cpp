// Checking a segment handover. What and why: handover.hpp.
#include "node/protocol/pob/handover.hpp"

#include "node/ledger/state_snapshot.hpp"
#include "node/protocol/pob/proposed_block.hpp"

namespace ios::protocol::pob {

core::Result<SegmentStart> accept_handover(const ShardSetup& ended, const Handover& handover) {
  const auto& last = handover.last;
  if (auto ok = chain::verify_finality(last, *ended.normal_roster, ended.domain); !ok) return ok.error();
  auto proposal = decode_proposed_block(last.body);
  if (!proposal) return proposal.error();
  const auto& body = proposal->body;
  if (body.shard != ended.shard) return core::reject(core::Reject::wrong_shard, "a block of another shard");
  if (body.height != last.height + 1) return core::reject(core::Reject::wrong_height, "body and block heights differ");
  if (ended.last_step && body.epoch != ended.epoch + 1)
    return core::reject(core::Reject::wrong_height, "not the block that opens epoch " + std::to_string(ended.epoch + 1));
  auto state = ledger::decode_snapshot(handover.snapshot, ended.genesis, {ended.shard, ended.shard_count}, body.state_digest);
  if (!state) return state.error();
  IOS_ASSERT(state->height() == last.height + 1);  // the digest commits to the height
  return SegmentStart{std::move(*state), last.hash(), false, {}};
}

}  // namespace ios::protocol::pob
