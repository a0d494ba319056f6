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
// Epochs: this is the setup of epoch 0. The epoch randomness of later epochs comes from the
// DRP (protocol/drp); reconfiguration between epochs is the job of the epoch protocol.
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
  std::uint64_t epoch = 0;  // 0: the epoch protocol is to come
  std::uint32_t shard_count = 1;
  core::Bytes domain;  // chain::consensus_domain(chain_id, shard, epoch)
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

  const chain::ShardPolicy& policy() const { return genesis.policy; }
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
