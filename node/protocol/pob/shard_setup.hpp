#pragma once
// Who does what in one shard for one epoch (whitepaper §6 and §8.2, docs/DESIGN.md §4 "EDS" and
// "PoB"): derived from the genesis (roster, stakes, policy) and the epoch randomness,
// identically on every node. EDS (eds/shard_assignment.hpp) cuts the roster into the policy's
// m shards; within this shard the believable league is drawn by believability score
// (league.hpp); every other member is in the normal league, which runs ByzCoin and must hold
// n >= 3f+1 with f >= 1.
//
// Network ids: validator i of the genesis roster is NodeId i, whatever its shard; observers
// (clients of the simulator, RPC followers) come after. The node runtime maps ids to addresses.
//
// Every consensus signature of the shard is made in `domain` = consensus_domain(chain, shard,
// epoch) (chain/finality.hpp), so none verifies in another shard or epoch.
//
// Epochs: `create` is the setup of epoch 0, the shard's only segment until epoch 1. From epoch 1
// on, a shard's chain goes on in segments (for_segment): TransEpoch moves the shard from its
// members of e − 1 to those of e in steps (transepoch/swap_plan.hpp), each step a roster of its
// own signing in consensus_domain(chain, shard, epoch, step). The steps before the last run one
// league (every member in ByzCoin): a believable validator that just joined could not vouch
// for anything before it holds the state, and one league needs no producer at all. The last
// step runs the epoch's leagues, the believable one drawn with rnd_e.
#include <memory>
#include <optional>
#include <vector>

#include "node/chain/genesis.hpp"
#include "node/core/ids.hpp"
#include "node/crypto/cosi.hpp"
#include "node/protocol/core/core.hpp"
#include "node/protocol/eds/shard_assignment.hpp"

namespace ios::protocol::pob {

struct ShardSetup {
  chain::Genesis genesis;
  core::Bytes chain_id;
  std::uint32_t shard = 0;
  std::uint64_t epoch = 0;
  std::uint32_t step = 0;     // TransEpoch step of the epoch (the segment of the shard's chain)
  bool last_step = true;      // the step that runs until the next epoch opens
  std::uint64_t step_blocks = 0;  // a step before the last ends after this many final blocks
  // false: the last step never opens the next epoch — the node runtime's setting until it hosts
  // TransEpoch (node/protocol/transepoch/README.md "Where it runs"): its epoch-0 segment then
  // runs for the node's life, as before epochs re-formed shards.
  bool ends_with_epoch = true;
  std::uint32_t shard_count = 1;
  core::Bytes domain;  // chain::consensus_domain(chain_id, shard, epoch, step)
  core::Hash32 epoch_randomness{};
  std::vector<std::uint32_t> members;     // roster indices of this shard (EDS), ascending
  std::vector<std::uint32_t> believable;  // roster indices, in draw order
  std::vector<std::uint32_t> normal;      // roster indices, ascending: normal league member k = normal[k]
  std::shared_ptr<const crypto::CosiRoster> normal_roster;
  std::vector<NodeId> observers;  // receive every final block (believable validators, clients)

  // The setup of `shard`. Refuses (bad_policy) a roster whose shards cannot each hold the
  // policy's leagues, and (bad_signature) a validator whose proof of possession does not verify.
  static core::Result<ShardSetup> create(chain::Genesis genesis, const core::Hash32& epoch_randomness,
                                         core::ShardId shard, std::vector<NodeId> extra_observers);

  struct Segment {
    core::ShardId shard;
    core::Epoch epoch;               // ≥ 1
    std::uint32_t step = 0;
    bool last_step = true;
    std::uint64_t step_blocks = 0;   // steps before the last: final blocks per step (≥ 1)
    core::Hash32 randomness{};       // rnd_e
    std::vector<std::uint32_t> members;  // the step's roster R_{step+1}, ascending
    std::vector<std::uint32_t> hosts;    // everyone in the shard this epoch (old ∪ new), ascending
  };
  // The setup of one TransEpoch step: members in one league, or (last step) in the epoch's two.
  // Every host that is not in the step's normal league observes it (it keeps the state and
  // follows the chain: a member yet to join, one that left, a believable validator).
  static core::Result<ShardSetup> for_segment(chain::Genesis genesis, const Segment& segment,
                                              std::vector<NodeId> extra_observers);

  const chain::ShardPolicy& policy() const { return genesis.policy; }
  // This segment ends with the block that opens the next epoch (its last step, on a driver that
  // hosts TransEpoch).
  bool opens_next_epoch() const { return last_step && ends_with_epoch; }
  std::uint32_t validator_count() const { return static_cast<std::uint32_t>(genesis.validators.size()); }
  const crypto::PublicKey& signing_key(std::uint32_t index) const { return genesis.validators[index].identity.signing; }
  bool is_believable(std::uint32_t index) const;
  std::optional<std::uint32_t> normal_index(std::uint32_t index) const;
  std::optional<std::uint32_t> index_of(const crypto::PublicKey& signing_key) const;
};

// EDS of the genesis roster into the policy's shards; bad_policy when the smallest shard could
// not hold a believable league and a normal league of at least 4.
core::Result<eds::ShardAssignment> assign_shards(const chain::Genesis& genesis, const core::Hash32& epoch_randomness);

// The epoch-0 randomness every node derives from the genesis alone:
// SHA-256("IOS/v1/genesis-randomness" ‖ genesis_hash).
core::Hash32 genesis_randomness(const chain::Genesis& genesis);

}  // namespace ios::protocol::pob
