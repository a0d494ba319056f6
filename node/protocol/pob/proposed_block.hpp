#pragma once
// The bytes ByzCoin agrees on in a PoB shard: the final block's body plus the optimistic
// blocks it merges, in full. Carrying them makes every finalized block self-contained: a
// validator that restarts, a believable validator or a client following the chain, and a
// light client holding the finality proof can all re-apply it without fetching anything
// else, and the collective signatures commit to exactly the transactions applied.
#include <vector>

#include "node/chain/block_body.hpp"
#include "node/chain/optimistic_block.hpp"
#include "node/core/result.hpp"

namespace ios::protocol::pob {

inline constexpr std::uint8_t proposed_block_version = 1;

struct ProposedBlock {
  chain::BlockBody body;
  std::vector<chain::OptimisticBlock> merged;  // body.optimistic_blocks[i] == header_hash(merged[i].header)

  bool operator==(const ProposedBlock&) const = default;
};

core::Bytes encode(const ProposedBlock& block);
// Also refuses a body whose optimistic_blocks list does not name exactly the merged blocks.
core::Result<ProposedBlock> decode_proposed_block(core::ByteView bytes);

}  // namespace ios::protocol::pob
