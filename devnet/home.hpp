#pragma once
// The devnet home (docs/CLI.md "Devnet home"; devnet/README.md "The home"): one folder with the
// inputs (devnet.json), the genesis, funded dev accounts and one node home per validator.
//
//   devnet.json               {"version":1,"validators":N,"believable":B,"accounts":K,
//                              "balance":"X","seed":"S","policy":{...}}
//   genesis.json              chain::to_json(Genesis)
//   accounts/acct<j>.json     insecure dev account keystores (empty password, mode 0600)
//   accounts/accounts.json    {"version":1,"accounts":[{"name","address","allocation"}]}
//   nodes/node<i>/config.json the node contract's config; key.json its validator keystore
//   state.json                written by the supervisor only (state.hpp)
//
// Determinism (docs/CLI.md): everything public follows from the options. Validator i's master
// seed is the i-th 32 bytes of ChaChaRng("IOS/v1/devnet/validators", seed), account j's the
// j-th of ChaChaRng("IOS/v1/devnet/accounts", seed); the chain id is "ios-devnet-<seed>", the
// genesis time 0, every stake 1,000,000, allocation j = --balance to account j. So one --seed
// gives the same keys and the same genesis hash on every machine. (Keystore files still differ
// byte for byte: their salt and nonce are fresh, which is what protects a real keystore.)
//
// Shards and roles come from the protocol, not from the devnet: validator i is in the shard
// assign_shards(genesis, genesis_randomness(genesis)) gives it, and believable iff that shard's
// ShardSetup drew it into the believable league, so the table `ios devnet up` prints is what
// the nodes actually run.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "devnet/error.hpp"
#include "node/chain/address.hpp"
#include "node/chain/genesis.hpp"
#include "node/chain/shard_policy.hpp"

namespace ios::devnet {

// Where the devnet commands and `ios tx` look without --home or IOS_HOME.
inline constexpr const char* default_home = ".ios-devnet";

// Loopback devnets: every node is a process with a few threads and two ports.
inline constexpr std::uint32_t devnet_validators_max = 64;
inline constexpr std::uint32_t devnet_accounts_max = 10000;
inline constexpr chain::Amount devnet_stake = 1'000'000;

struct DevnetOptions {
  std::uint32_t shards = 1;      // EDS cuts the validators into this many shards (policy "shards")
  std::uint32_t validators = 6;  // over all shards
  std::uint32_t believable = 2;
  std::uint32_t believable_min = 1;
  std::uint32_t accounts = 16;
  chain::Amount balance = 1'000'000'000;
  std::uint64_t seed = 1;
  // Policy epoch_ms: a new epoch record every minute, often enough to watch (0: one epoch).
  std::uint64_t epoch_ms = 60'000;
  // From --policy FILE (chain::parse_shard_policy). Its league sizes must agree with
  // validators/believable/believable_min; its other fields replace the devnet defaults.
  std::optional<chain::ShardPolicy> policy;
};

struct DevnetNode {
  std::string name;  // "node<i>"
  std::uint32_t index = 0;  // validator index in genesis.validators == protocol NodeId
  bool believable = false;
  std::uint32_t shard = 0;  // EDS of the genesis roster (epoch 0)
  std::string home;  // relative to the devnet home: "nodes/node<i>"
};

struct DevnetAccount {
  std::string name;  // "acct<j>"
  chain::Address address;
  std::uint32_t allocation = 0;  // index into genesis.allocations
};

struct DevnetHome {
  std::filesystem::path dir;
  DevnetOptions options;
  chain::Genesis genesis;
  core::Hash32 genesis_hash{};
  std::vector<DevnetNode> nodes;
  std::vector<DevnetAccount> accounts;

  std::filesystem::path state_file() const { return dir / "state.json"; }
  std::filesystem::path node_dir(const DevnetNode& node) const { return dir / node.home; }
  std::filesystem::path log_file(const DevnetNode& node) const { return node_dir(node) / "node.log"; }
  std::filesystem::path ports_file(const DevnetNode& node) const { return node_dir(node) / "ports.json"; }
  // nullptr if `name_or_index` ("node3" or "3") names no node.
  const DevnetNode* find_node(const std::string& name_or_index) const;
};

std::string role_name(bool believable);

// The policy the options describe (devnet defaults: p = 0.1, block interval 50 ms, optimistic
// interval 10 ms), validated; bad_config naming the option otherwise.
DevnetResult<chain::ShardPolicy> devnet_policy(const DevnetOptions& options);
// Pure and deterministic: the genesis of the options (no files).
DevnetResult<chain::Genesis> devnet_genesis(const DevnetOptions& options);

// True if `dir` holds a devnet.json (a complete home: devnet.json is written last).
bool devnet_home_exists(const std::filesystem::path& dir);

// Writes everything but state.json. conflict if `dir` exists and is not empty (nothing is
// touched then); bad_config for options the protocol refuses.
DevnetResult<DevnetHome> write_devnet_home(const std::filesystem::path& dir, const DevnetOptions& options);
// not_found if there is no devnet.json; bad_config if a file is malformed, newer, or the
// genesis does not match devnet.json.
DevnetResult<DevnetHome> load_devnet_home(const std::filesystem::path& dir);

}  // namespace ios::devnet
