#include "devnet/home.hpp"

#include <sys/stat.h>

#include <span>

#include "devnet/files.hpp"
#include "node/crypto/keystore.hpp"
#include "node/crypto/keystore_file.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/pob/shard_setup.hpp"
#include "node/runtime/node_config.hpp"

namespace ios::devnet {

namespace {

using nlohmann::json;

std::vector<crypto::Identity> derive_identities(std::string_view tag, std::uint64_t seed, std::uint32_t count,
                                                crypto::KeyType type) {
  crypto::ChaChaRng rng(tag, seed);
  std::vector<crypto::Identity> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    crypto::Secret<32> master;
    rng.fill(std::span<std::uint8_t>(master.data(), master.size()));
    out.push_back(crypto::Identity::from_master_seed(type, master, 0));
  }
  return out;
}

std::vector<crypto::Identity> validator_identities(const DevnetOptions& o) {
  return derive_identities("IOS/v1/devnet/validators", o.seed, o.validators, crypto::KeyType::validator);
}

std::vector<crypto::Identity> account_identities(const DevnetOptions& o) {
  return derive_identities("IOS/v1/devnet/accounts", o.seed, o.accounts, crypto::KeyType::account);
}

DevnetResult<chain::Genesis> genesis_of(const DevnetOptions& o, const std::vector<crypto::Identity>& validators,
                                        const std::vector<crypto::Identity>& accounts) {
  auto policy = devnet_policy(o);
  if (!policy) return policy.error();
  chain::Genesis g;
  g.chain_id = "ios-devnet-" + std::to_string(o.seed);
  g.time_ms = 0;
  g.policy = *policy;
  for (const auto& v : validators) g.validators.push_back({v.registration(g.chain_id_bytes()), devnet_stake, 0, 0});
  for (const auto& a : accounts)
    g.allocations.push_back({chain::Address::from_public_key(a.public_identity().signing), o.balance});
  if (auto valid = chain::validate(g); !valid)
    return devnet_error(ErrorKind::bad_config, "genesis: " + valid.error().message());
  return g;
}

DevnetResult<std::vector<DevnetNode>> nodes_of(const chain::Genesis& genesis) {
  const auto randomness = protocol::pob::genesis_randomness(genesis);
  auto assignment = protocol::pob::assign_shards(genesis, randomness);
  if (!assignment) return devnet_error(ErrorKind::bad_config, "shard assignment: " + assignment.error().message());
  std::vector<protocol::pob::ShardSetup> setups;
  for (std::uint32_t s = 0; s < assignment->shard_count(); ++s) {
    auto setup = protocol::pob::ShardSetup::create(genesis, randomness, core::ShardId{s}, {});
    if (!setup) return devnet_error(ErrorKind::bad_config, "shard setup: " + setup.error().message());
    setups.push_back(std::move(*setup));
  }
  std::vector<DevnetNode> nodes;
  for (std::uint32_t i = 0; i < genesis.validators.size(); ++i) {
    const std::string name = "node" + std::to_string(i);
    const auto shard = assignment->shard_of[i].value;
    nodes.push_back({name, i, setups[shard].is_believable(i), shard, "nodes/" + name});
  }
  return nodes;
}

json devnet_json(const DevnetOptions& o, const chain::ShardPolicy& policy) {
  return {{"version", devnet_file_version},  {"validators", o.validators},           {"believable", o.believable},
          {"accounts", o.accounts},          {"balance", std::to_string(o.balance)}, {"seed", std::to_string(o.seed)},
          {"policy", chain::to_json(policy)}};
}

// The node contract's config.json, written by the node's own type so the two cannot drift.
json node_config_json(const DevnetNode& node, const std::vector<DevnetNode>& all, const chain::ShardPolicy& policy) {
  runtime::NodeConfig c;
  c.name = node.name;
  c.index = node.index;
  c.genesis = "../../genesis.json";
  for (const auto& other : all) {
    if (other.index != node.index) c.peers.push_back({other.index, "../" + other.name + "/ports.json", {}, 0});
  }
  c.view_timeout_ms = policy.view_timeout_ms;
  return c.to_json();
}

DevnetStatus make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return devnet_error(ErrorKind::bad_config, "cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // dev keys inside; best effort (the keystores are 0600 anyway)
  return Done{};
}

DevnetStatus write_keystore(const std::filesystem::path& path, const crypto::Identity& identity) {
  const std::string text = crypto::keystore_encrypt(identity, "", crypto::KdfParams::insecure(), true);
  return write_text_file(path, text, false);
}

DevnetStatus write_accounts(const std::filesystem::path& dir, const std::vector<crypto::Identity>& accounts) {
  if (auto made = make_private_dir(dir / "accounts"); !made) return made;
  json list = json::array();
  for (std::uint32_t j = 0; j < accounts.size(); ++j) {
    const std::string name = "acct" + std::to_string(j);
    if (auto w = write_keystore(dir / "accounts" / (name + ".json"), accounts[j]); !w) return w;
    list.push_back({{"name", name},
                    {"address", chain::Address::from_public_key(accounts[j].public_identity().signing).to_string()},
                    {"allocation", j}});
  }
  return write_json_file(dir / "accounts" / "accounts.json", {{"version", devnet_file_version}, {"accounts", list}});
}

DevnetStatus write_nodes(const std::filesystem::path& dir, const std::vector<DevnetNode>& nodes,
                         const std::vector<crypto::Identity>& validators, const chain::ShardPolicy& policy) {
  for (const auto& node : nodes) {
    const auto node_dir = dir / node.home;
    if (auto made = make_private_dir(node_dir); !made) return made;
    if (auto w = write_keystore(node_dir / "key.json", validators[node.index]); !w) return w;
    if (auto w = write_json_file(node_dir / "config.json", node_config_json(node, nodes, policy)); !w) return w;
  }
  return Done{};
}

DevnetResult<std::uint64_t> u64_field(const json& doc, const char* name, const std::string& file) {
  auto it = doc.find(name);
  if (it != doc.end() && it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it != doc.end() && it->is_string()) {
    auto v = chain::parse_amount(it->get<std::string>());  // decimal u64 strings ("seed", "balance")
    if (v) return *v;
  }
  return devnet_error(ErrorKind::bad_config, file + ": \"" + name + "\" missing or not a non-negative integer");
}

DevnetResult<DevnetOptions> options_from_json(const json& doc, const std::string& file) {
  DevnetOptions o;
  const char* names[] = {"validators", "believable", "accounts", "balance", "seed"};
  std::uint64_t values[5] = {};
  for (int i = 0; i < 5; ++i) {
    auto v = u64_field(doc, names[i], file);
    if (!v) return v.error();
    values[i] = *v;
  }
  if (values[0] > devnet_validators_max || values[1] > values[0] || values[2] > devnet_accounts_max)
    return devnet_error(ErrorKind::bad_config, file + ": league or account counts out of range");
  o.validators = static_cast<std::uint32_t>(values[0]);
  o.believable = static_cast<std::uint32_t>(values[1]);
  o.accounts = static_cast<std::uint32_t>(values[2]);
  o.balance = values[3];
  o.seed = values[4];
  auto policy = doc.find("policy");
  if (policy == doc.end()) return devnet_error(ErrorKind::bad_config, file + ": \"policy\" missing");
  auto parsed = chain::shard_policy_from_json(*policy);
  if (!parsed) return devnet_error(ErrorKind::bad_config, file + ": policy: " + parsed.error().message());
  o.policy = *parsed;
  o.believable_min = parsed->believable_min;  // the policy carries it (devnet.json does not repeat it)
  o.shards = parsed->shards;                  // and this
  o.epoch_ms = parsed->epoch_ms;
  return o;
}

DevnetResult<std::vector<DevnetAccount>> accounts_from_json(const json& doc, const std::string& file) {
  auto list = doc.find("accounts");
  if (list == doc.end() || !list->is_array())
    return devnet_error(ErrorKind::bad_config, file + ": \"accounts\" must be an array");
  std::vector<DevnetAccount> out;
  for (const auto& a : *list) {
    if (!a.is_object() || !a.value("name", json()).is_string() || !a.value("address", json()).is_string() ||
        !a.value("allocation", json()).is_number_unsigned())
      return devnet_error(ErrorKind::bad_config,
                          file + ": account " + std::to_string(out.size()) + " needs name, address, allocation");
    auto address = chain::Address::parse(a["address"].get<std::string>());
    if (!address)
      return devnet_error(ErrorKind::bad_config,
                          file + ": account " + std::to_string(out.size()) + ": " + address.error().message());
    out.push_back({a["name"].get<std::string>(), *address, a["allocation"].get<std::uint32_t>()});
  }
  return out;
}

}  // namespace

const DevnetNode* DevnetHome::find_node(const std::string& name_or_index) const {
  for (const auto& n : nodes) {
    if (n.name == name_or_index || std::to_string(n.index) == name_or_index) return &n;
  }
  return nullptr;
}

std::string role_name(bool believable) { return believable ? "believable" : "normal"; }

DevnetResult<chain::ShardPolicy> devnet_policy(const DevnetOptions& o) {
  if (o.validators > devnet_validators_max)
    return devnet_error(ErrorKind::bad_config,
                        "--validators: at most " + std::to_string(devnet_validators_max) + " on one machine");
  if (o.accounts > devnet_accounts_max)
    return devnet_error(ErrorKind::bad_config, "--accounts: at most " + std::to_string(devnet_accounts_max));
  if (o.shards == 0 || o.shards > chain::shards_max)
    return devnet_error(ErrorKind::bad_config, "--shards: from 1 to " + std::to_string(chain::shards_max));
  // EDS gives each shard ⌊n/m⌋ or ⌈n/m⌉ validators; the smallest must hold both leagues.
  const auto per_shard = o.validators / o.shards;
  if (o.believable > per_shard || per_shard - o.believable < 4)
    return devnet_error(ErrorKind::bad_config,
                        o.shards == 1 ? std::string("--validators must leave a normal league of at least 4 after "
                                                    "--believable (n = 3f + 1, f >= 1)")
                                      : "--validators " + std::to_string(o.validators) + " over --shards " +
                                            std::to_string(o.shards) +
                                            " must leave each shard a normal league of at least 4 after --believable "
                                            "(n = 3f + 1, f >= 1): at least " +
                                            std::to_string(o.shards * (o.believable + 4)) + " validators");
  if (o.accounts > 0 && o.balance == 0) return devnet_error(ErrorKind::bad_config, "--balance must be positive");
  chain::ShardPolicy p;
  if (o.policy) {
    p = *o.policy;
    if (p.believable_size != o.believable || p.normal_size != per_shard - o.believable ||
        p.believable_min != o.believable_min || p.shards != o.shards)
      return devnet_error(ErrorKind::bad_config, "--policy: believable_size " + std::to_string(p.believable_size) +
                                                     ", believable_min " + std::to_string(p.believable_min) +
                                                     " and normal_size " + std::to_string(p.normal_size) +
                                                     ", shards " + std::to_string(p.shards) +
                                                     " disagree with --validators " + std::to_string(o.validators) +
                                                     " --believable " + std::to_string(o.believable) + " --shards " +
                                                     std::to_string(o.shards));
  } else {
    p.believable_size = o.believable;
    p.believable_min = o.believable_min;
    p.normal_size = per_shard - o.believable;
    p.shards = o.shards;
    p.sample_rate = 0.1;
    p.block_interval_ms = 50;
    p.optimistic_interval_ms = 10;
    p.epoch_ms = o.epoch_ms;
  }
  if (auto valid = chain::validate(p); !valid)
    return devnet_error(ErrorKind::bad_config, "policy: " + valid.error().message());
  return p;
}

DevnetResult<chain::Genesis> devnet_genesis(const DevnetOptions& options) {
  if (auto policy = devnet_policy(options); !policy) return policy.error();
  return genesis_of(options, validator_identities(options), account_identities(options));
}

bool devnet_home_exists(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir / "devnet.json", ec);
}

DevnetResult<DevnetHome> write_devnet_home(const std::filesystem::path& dir, const DevnetOptions& options) {
  std::error_code ec;
  // Each message says what works: `reset` keeps keys and genesis (it cannot change the options)
  // and knows only devnet homes, so it is advice for neither case.
  if (devnet_home_exists(dir))
    return devnet_error(ErrorKind::conflict,
                        "devnet home " + dir.string() + " already exists; run it as it is with `ios devnet up --home " +
                            dir.string() + "`, or start over in a new --home (or after `ios devnet down --home " +
                            dir.string() + " && rm -r " + dir.string() + "`)");
  if (std::filesystem::exists(dir, ec) &&
      !(std::filesystem::is_directory(dir, ec) && std::filesystem::is_empty(dir, ec)))
    return devnet_error(ErrorKind::conflict, dir.string() + " exists and is not a devnet home (nor an empty folder): " +
                                                 "choose another --home, a new or empty folder");
  auto policy = devnet_policy(options);
  if (!policy) return policy.error();
  const auto validators = validator_identities(options);
  const auto accounts = account_identities(options);
  auto genesis = genesis_of(options, validators, accounts);
  if (!genesis) return genesis.error();
  auto nodes = nodes_of(*genesis);
  if (!nodes) return nodes.error();

  if (auto made = make_private_dir(dir); !made) return made.error();
  if (auto w = write_json_file(dir / "genesis.json", chain::to_json(*genesis)); !w) return w.error();
  if (auto w = write_accounts(dir, accounts); !w) return w.error();
  if (auto w = write_nodes(dir, *nodes, validators, *policy); !w) return w.error();
  DevnetOptions recorded = options;
  recorded.policy = *policy;
  // Last: its presence marks a complete home.
  if (auto w = write_json_file(dir / "devnet.json", devnet_json(recorded, *policy)); !w) return w.error();
  return load_devnet_home(dir);
}

DevnetResult<DevnetHome> load_devnet_home(const std::filesystem::path& dir) {
  auto devnet = read_json_file(dir / "devnet.json");
  if (!devnet) {
    if (devnet.error().kind == ErrorKind::not_found)
      return devnet_error(ErrorKind::not_found,
                          "no devnet home at " + dir.string() + " (run `ios devnet init` or `ios devnet up`)");
    return devnet.error();
  }
  DevnetHome home;
  home.dir = dir;
  auto options = options_from_json(*devnet, (dir / "devnet.json").string());
  if (!options) return options.error();
  home.options = *options;
  auto text = crypto::read_text_file((dir / "genesis.json").string(), chain::genesis_json_bytes_max);
  if (!text) return devnet_error(ErrorKind::not_found, "genesis: " + text.error().message());
  auto genesis = chain::parse_genesis(*text);
  if (!genesis)
    return devnet_error(ErrorKind::bad_config, (dir / "genesis.json").string() + ": " + genesis.error().message());
  if (genesis->validators.size() != home.options.validators || genesis->allocations.size() != home.options.accounts)
    return devnet_error(ErrorKind::bad_config, (dir / "genesis.json").string() + " does not match devnet.json");
  home.genesis = std::move(genesis).value();
  home.genesis_hash = chain::genesis_hash(home.genesis);
  auto nodes = nodes_of(home.genesis);
  if (!nodes) return nodes.error();
  home.nodes = std::move(nodes).value();
  auto accounts_doc = read_json_file(dir / "accounts" / "accounts.json");
  if (!accounts_doc) return accounts_doc.error();
  auto accounts = accounts_from_json(*accounts_doc, (dir / "accounts" / "accounts.json").string());
  if (!accounts) return accounts.error();
  home.accounts = std::move(accounts).value();
  return home;
}

}  // namespace ios::devnet
