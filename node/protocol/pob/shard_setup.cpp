#include "node/protocol/pob/shard_setup.hpp"

#include <algorithm>

#include "contracts/believability.hpp"
#include "node/crypto/hash.hpp"
#include "node/protocol/pob/league.hpp"

namespace ios::protocol::pob {

core::Hash32 genesis_randomness(const chain::Genesis& genesis) {
  const auto h = chain::genesis_hash(genesis);
  return crypto::sha256({core::as_bytes("IOS/v1/genesis-randomness"), h});
}

core::Result<ShardSetup> ShardSetup::create(chain::Genesis genesis, const core::Hash32& epoch_randomness,
                                            std::vector<NodeId> extra_observers) {
  const auto& policy = genesis.policy;
  const auto n = static_cast<std::uint32_t>(genesis.validators.size());
  if (n < policy.believable_size + 4) {
    return core::reject(core::Reject::bad_policy,
                        std::to_string(n) + " validators cannot hold a believable league of " +
                            std::to_string(policy.believable_size) + " and a normal league of at least 4");
  }
  ShardSetup s;
  s.chain_id.assign(genesis.chain_id.begin(), genesis.chain_id.end());
  s.epoch_randomness = epoch_randomness;

  std::vector<LeagueCandidate> candidates;
  for (std::uint32_t i = 0; i < n; ++i) {
    contracts::ValidatorAccount account;
    account.key = genesis.validators[i].identity.signing;
    account.stake = genesis.validators[i].stake;
    account.servi = genesis.validators[i].servi;
    account.reviews = genesis.validators[i].reviews;
    candidates.push_back({i, contracts::believability_score(account)});
  }
  s.believable = draw_believable_league(candidates, policy.believable_size, epoch_randomness);
  for (std::uint32_t i = 0; i < n; ++i) {
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

  for (auto i : s.believable) s.observers.push_back(i);
  for (auto id : extra_observers) s.observers.push_back(id);
  s.genesis = std::move(genesis);
  return s;
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
