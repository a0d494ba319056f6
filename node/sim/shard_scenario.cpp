#include "node/sim/shard_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "node/chain/finality.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/pob/sampler.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/sim/cpu_metered.hpp"
#include "node/sim/shard_client.hpp"
#include "node/sim/shard_invariants.hpp"
#include "node/sim/sim_keys.hpp"

namespace ios::sim {

using protocol::pob::ShardValidator;

namespace {

constexpr chain::Amount account_funds = 1'000'000'000;
constexpr chain::Amount validator_stake = 1'000'000;
constexpr chain::Amount victim_funds = 10'000;

}  // namespace

core::Result<std::vector<ShardFault>> parse_shard_faults(std::string_view list) {
  std::vector<ShardFault> out;
  std::stringstream ss{std::string(list)};
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto colon = item.find(':');
    const std::string name = item.substr(0, colon);
    const std::string arg = colon == std::string::npos ? "" : item.substr(colon + 1);
    auto number = [&](double lo, double hi) -> std::optional<double> {
      try {
        std::size_t used = 0;
        const double v = std::stod(arg, &used);
        if (used != arg.size() || !(v >= lo && v <= hi)) return std::nullopt;
        return v;
      } catch (...) {
        return std::nullopt;
      }
    };
    ShardFault f;
    std::optional<double> v = 0.0;
    if (name == "crash")
      f.kind = ShardFaultKind::crash, v = number(1, 1000);
    else if (name == "delay")
      f.kind = ShardFaultKind::delay, v = number(0, 60'000);
    else if (name == "loss")
      f.kind = ShardFaultKind::loss, v = number(0, 0.5);
    else if (name == "partition" && arg.empty())
      f.kind = ShardFaultKind::partition;
    else if (name == "byzantine-leader" && arg.empty())
      f.kind = ShardFaultKind::byzantine_leader;
    else if (name == "forging-believable" && arg.empty())
      f.kind = ShardFaultKind::forging_believable;
    else
      v = std::nullopt;
    if (!v)
      return core::reject(
          core::Reject::bad_policy,
          "fault '" + item +
              "' (expected crash:K, delay:MS, loss:RATE, partition, byzantine-leader, forging-believable)");
    f.value = *v;
    out.push_back(f);
  }
  return out;
}

std::string to_string(const ShardFault& f) {
  switch (f.kind) {
    case ShardFaultKind::crash:
      return "crash:" + std::to_string(static_cast<int>(f.value));
    case ShardFaultKind::delay:
      return "delay:" + std::to_string(static_cast<int>(f.value));
    case ShardFaultKind::loss: {
      std::ostringstream o;
      o << "loss:" << f.value;
      return o.str();
    }
    case ShardFaultKind::partition:
      return "partition";
    case ShardFaultKind::byzantine_leader:
      return "byzantine-leader";
    case ShardFaultKind::forging_believable:
      return "forging-believable";
  }
  return "?";
}

LatencySummary summarize(std::vector<TimeMs> samples) {
  LatencySummary s;
  s.count = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    return samples[std::min(samples.size() - 1, static_cast<std::size_t>(q * static_cast<double>(samples.size())))];
  };
  s.p50 = at(0.50);
  s.p90 = at(0.90);
  s.p99 = at(0.99);
  s.max = samples.back();
  return s;
}

bool ShardRunResult::ok() const {
  if (failure) return false;
  return std::all_of(invariants.begin(), invariants.end(), [](const InvariantResult& r) { return r.held; });
}

std::vector<ShardWorld> make_shard_worlds(const ShardRunOptions& o) {
  IOS_ASSERT(o.validators > o.believable && o.shards >= 1);
  crypto::ChaChaRng keys("IOS/v1/sim/shard-keys", o.seed);
  chain::Genesis g;
  g.chain_id = "ios-sim-" + std::to_string(o.seed);
  g.policy.shards = o.shards;
  g.policy.believable_size = o.believable;
  g.policy.believable_min = o.believable_min;
  g.policy.normal_size = o.validators - o.believable;
  g.policy.sample_rate = o.sample_rate;
  g.policy.block_interval_ms = o.block_interval_ms;
  g.policy.optimistic_interval_ms = o.optimistic_interval_ms;
  g.policy.view_timeout_ms = o.view_timeout_ms;
  g.policy.min_fee = 1;
  std::vector<ShardWorld> worlds(o.shards);
  std::vector<crypto::Identity> roster;
  const std::uint32_t n = o.shards * o.validators;
  for (std::uint32_t i = 0; i < n; ++i) {
    roster.push_back(identity_from(keys, crypto::KeyType::validator));
    g.validators.push_back({roster.back().registration(g.chain_id_bytes()), validator_stake, 0, 0});
  }
  const std::uint32_t accounts =
      o.accounts != 0 ? o.accounts : std::max<std::uint32_t>(32, static_cast<std::uint32_t>(o.tx_rate / 4));
  // Draw identities until every shard has its accounts, then its victims; an identity whose
  // shard is full is not funded (with one shard none is skipped).
  const auto full = [&](const ShardWorld& w) { return w.accounts.size() == accounts && w.victims.size() == o.victims; };
  while (!std::all_of(worlds.begin(), worlds.end(), full)) {
    auto id = identity_from(keys, crypto::KeyType::account);
    const auto address = chain::Address::from_public_key(id.public_identity().signing);
    auto& w = worlds[address.shard(o.shards)];
    if (full(w)) continue;
    const bool account = w.accounts.size() < accounts;
    // Victims hold little, so the slashed stake of one forger can repay several of them.
    (account ? w.account_allocations : w.victim_allocations).push_back(static_cast<std::uint32_t>(g.allocations.size()));
    g.allocations.push_back({address, account ? account_funds : victim_funds});
    (account ? w.accounts : w.victims).push_back(std::move(id));
  }
  const auto randomness = protocol::pob::genesis_randomness(g);
  for (std::uint32_t s = 0; s < o.shards; ++s) {
    auto& w = worlds[s];
    w.validators = roster;
    w.client = n + s;
    auto setup = protocol::pob::ShardSetup::create(g, randomness, core::ShardId{s}, {w.client});
    if (!setup) std::fprintf(stderr, "ios: shard setup refused: %s\n", setup.error().message().c_str());
    IOS_ASSERT(setup.ok());  // the options were validated by the caller
    w.setup = std::make_shared<const protocol::pob::ShardSetup>(std::move(*setup));
  }
  return worlds;
}

ShardWorld make_shard_world(const ShardRunOptions& o) {
  IOS_ASSERT(o.shards == 1);
  return std::move(make_shard_worlds(o).front());
}

core::Status check_shard_run_options(const ShardRunOptions& o) {
  if (o.shards == 0 || o.shards > 64) return core::reject(core::Reject::bad_policy, "shards: from 1 to 64");
  if (o.shards > 1) {
    for (const auto& f : o.faults) {
      if (f.kind == ShardFaultKind::forging_believable)
        return core::reject(core::Reject::bad_policy, "fault forging-believable runs with one shard");
    }
  }
  return core::Ok{};
}

}  // namespace ios::sim
