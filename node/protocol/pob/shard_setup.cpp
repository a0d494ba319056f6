#include "node/protocol/pob/shard_setup.hpp"

#include <algorithm>

#include "contracts/believability.hpp"
#include "node/chain/finality.hpp"
#include "node/crypto/hash.hpp"
#include "node/protocol/eds/shard_assignment.hpp"
#include "node/protocol/pob/league.hpp"

namespace ios::protocol::pob {

core::Hash32 genesis_randomness(const chain::Genesis& genesis) {
  const auto h = chain::genesis_hash(genesis);
  return crypto::sha256({core::as_bytes("IOS/v1/genesis-randomness"), h});
}

core::Result<eds::ShardAssignment> assign_shards(const chain::Genesis& genesis, const core::Hash32& epoch_randomness) {
  const auto& policy = genesis.policy;
  const auto n = static_cast<std::uint32_t>(genesis.validators.size());
  const auto m = policy.shards;
  // The smallest shard EDS cuts has ⌊n/m⌋ members; each must hold both leagues.
  if (n / m < policy.believable_size + 4) {
    return core::reject(core::Reject::bad_policy,
                        std::to_string(n) + " validators in " + std::to_string(m) +
                            (m == 1 ? " shard" : " shards") + " cannot give each shard a believable league of " +
                            std::to_string(policy.believable_size) + " and a normal league of at least 4");
  }
  return eds::ShardAssignment::compute(n, m, epoch_randomness);
}

namespace {

std::vector<std::uint32_t> draw_league(const chain::Genesis& genesis, const std::vector<std::uint32_t>& members,
                                       const core::Hash32& randomness) {
  std::vector<LeagueCandidate> candidates;
  for (auto i : members) {
    contracts::ValidatorAccount account;
    account.key = genesis.validators[i].identity.signing;
    account.stake = genesis.validators[i].stake;
    account.servi = genesis.validators[i].servi;
    account.reviews = genesis.validators[i].reviews;
    candidates.push_back({i, contracts::believability_score(account)});
  }
  return draw_believable_league(candidates, genesis.policy.believable_size, randomness);
}

// Everything but who is in the shard and which league: normal = members − believable, its
// CoSi roster, the observers.
core::Result<ShardSetup> complete(ShardSetup s, chain::Genesis genesis, std::vector<NodeId> observers) {
  const auto& policy = genesis.policy;
  s.chain_id.assign(genesis.chain_id.begin(), genesis.chain_id.end());
  s.shard_count = policy.shards;
  s.domain = chain::consensus_domain(s.chain_id, core::ShardId{s.shard}, core::Epoch{s.epoch}, s.step);
  for (auto i : s.members) {
    if (std::find(s.believable.begin(), s.believable.end(), i) == s.believable.end()) s.normal.push_back(i);
  }
  if (s.normal.size() < 4 || s.normal.size() < policy.normal_size) {
    return core::reject(core::Reject::bad_policy, "normal league of " + std::to_string(s.normal.size()) +
                                                      " is below the policy's normal_size " +
                                                      std::to_string(policy.normal_size) + " or 4");
  }
  std::vector<crypto::CosiKey> keys;
  for (auto i : s.normal) {
    const auto& id = genesis.validators[i].identity;
    auto key = crypto::CosiKey::admit(id.signing, genesis.chain_id_bytes(), id.pop_epoch, id.pop);
    if (!key) return core::reject(key.error().reason, "validator " + std::to_string(i) + ": " + key.error().detail);
    keys.push_back(*key);
  }
  auto roster = crypto::CosiRoster::create(std::move(keys));
  if (!roster) return roster.error();
  s.normal_roster = std::make_shared<const crypto::CosiRoster>(std::move(*roster));
  s.observers = std::move(observers);
  s.genesis = std::move(genesis);
  return s;
}

}  // namespace

core::Result<ShardSetup> ShardSetup::create(chain::Genesis genesis, const core::Hash32& epoch_randomness,
                                            core::ShardId shard, std::vector<NodeId> extra_observers) {
  auto assignment = assign_shards(genesis, epoch_randomness);
  if (!assignment) return assignment.error();
  if (shard.value >= genesis.policy.shards) {
    return core::reject(core::Reject::wrong_shard,
                        "shard " + core::to_string(shard) + " of " + std::to_string(genesis.policy.shards) + " shards");
  }
  ShardSetup s;
  s.shard = shard.value;
  s.epoch_randomness = epoch_randomness;
  s.members = assignment->shard(shard);
  s.believable = draw_league(genesis, s.members, epoch_randomness);
  std::vector<NodeId> observers(s.believable.begin(), s.believable.end());
  observers.insert(observers.end(), extra_observers.begin(), extra_observers.end());
  return complete(std::move(s), std::move(genesis), std::move(observers));
}

core::Result<ShardSetup> ShardSetup::for_segment(chain::Genesis genesis, const Segment& segment,
                                                 std::vector<NodeId> extra_observers) {
  IOS_ASSERT(segment.epoch.value >= 1);
  IOS_ASSERT(std::includes(segment.hosts.begin(), segment.hosts.end(), segment.members.begin(), segment.members.end()));
  if (segment.shard.value >= genesis.policy.shards) {
    return core::reject(core::Reject::wrong_shard, "shard " + core::to_string(segment.shard) + " of " +
                                                       std::to_string(genesis.policy.shards) + " shards");
  }
  ShardSetup s;
  s.shard = segment.shard.value;
  s.epoch = segment.epoch.value;
  s.step = segment.step;
  s.last_step = segment.last_step;
  s.step_blocks = segment.step_blocks;
  IOS_ASSERT(s.last_step || s.step_blocks >= 1);
  s.epoch_randomness = segment.randomness;
  s.members = segment.members;
  if (segment.last_step) s.believable = draw_league(genesis, s.members, segment.randomness);
  std::vector<NodeId> observers;
  for (auto i : segment.hosts) {
    const bool normal = std::binary_search(s.members.begin(), s.members.end(), i) &&
                        std::find(s.believable.begin(), s.believable.end(), i) == s.believable.end();
    if (!normal) observers.push_back(i);
  }
  observers.insert(observers.end(), extra_observers.begin(), extra_observers.end());
  return complete(std::move(s), std::move(genesis), std::move(observers));
}

bool ShardSetup::is_believable(std::uint32_t index) const {
  return std::find(believable.begin(), believable.end(), index) != believable.end();
}

std::optional<std::uint32_t> ShardSetup::normal_index(std::uint32_t index) const {
  auto it = std::lower_bound(normal.begin(), normal.end(), index);
  if (it == normal.end() || *it != index) return std::nullopt;
  return static_cast<std::uint32_t>(it - normal.begin());
}

std::optional<std::uint32_t> ShardSetup::index_of(const crypto::PublicKey& signing_key) const {
  for (std::uint32_t i = 0; i < validator_count(); ++i) {
    if (genesis.validators[i].identity.signing == signing_key) return i;
  }
  return std::nullopt;
}

}  // namespace ios::protocol::pob
