#include "node/chain/genesis.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::chain {

namespace {

using core::Reject;
using nlohmann::json;

core::Error bad_field(const std::string& path, std::string_view what) {
  return core::reject(Reject::bad_json, path + ": " + std::string(what));
}

core::Status only_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
  for (const auto& item : obj.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end())
      return bad_field(path.empty() ? item.key() : path + "." + item.key(), "unknown key");
  }
  return core::Ok{};
}

core::Result<const json*> member(const json& obj, const std::string& path, const char* name) {
  if (!obj.contains(name)) return bad_field(path.empty() ? name : path + "." + name, "missing");
  return &obj.at(name);
}

std::string join(const std::string& path, const char* name) { return path.empty() ? name : path + "." + name; }

core::Result<std::string> string_member(const json& obj, const std::string& path, const char* name) {
  auto m = member(obj, path, name);
  if (!m) return m.error();
  if (!(*m)->is_string()) return bad_field(join(path, name), "must be a string");
  return (*m)->get<std::string>();
}

core::Result<std::uint64_t> u64_member(const json& obj, const std::string& path, const char* name) {
  auto m = member(obj, path, name);
  if (!m) return m.error();
  if (!(*m)->is_number_unsigned()) return bad_field(join(path, name), "must be a non-negative integer");
  return (*m)->get<std::uint64_t>();
}

core::Result<Amount> amount_member(const json& obj, const std::string& path, const char* name) {
  auto s = string_member(obj, path, name);
  if (!s) return s.error();
  auto a = parse_amount(*s);
  if (!a) return core::reject(a.error().reason, join(path, name) + ": " + a.error().detail);
  return *a;
}

template <std::size_t N>
core::Result<core::ByteArray<N>> hex_member(const json& obj, const std::string& path, const char* name) {
  auto s = string_member(obj, path, name);
  if (!s) return s.error();
  auto b = core::from_hex_fixed<N>(*s);
  if (!b) return bad_field(join(path, name), "must be hex of " + std::to_string(N) + " bytes");
  return *b;
}

core::Result<crypto::PublicIdentity> identity_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) return bad_field(path, "must be an object");
  if (auto s = only_keys(j, path, {"type", "public_keys", "proof_of_possession"}); !s) return s.error();
  auto type = string_member(j, path, "type");
  if (!type) return type.error();
  if (*type != "validator") return bad_field(path + ".type", "must be \"validator\"");
  crypto::PublicIdentity id;
  id.type = crypto::KeyType::validator;
  auto keys = member(j, path, "public_keys");
  if (!keys) return keys.error();
  const std::string kp = path + ".public_keys";
  if (!(*keys)->is_object()) return bad_field(kp, "must be an object");
  if (auto s = only_keys(**keys, kp, {"signing", "vrf", "pvss"}); !s) return s.error();
  auto signing = hex_member<32>(**keys, kp, "signing");
  if (!signing) return signing.error();
  auto vrf = hex_member<32>(**keys, kp, "vrf");
  if (!vrf) return vrf.error();
  auto pvss = hex_member<32>(**keys, kp, "pvss");
  if (!pvss) return pvss.error();
  auto pop = member(j, path, "proof_of_possession");
  if (!pop) return pop.error();
  const std::string pp = path + ".proof_of_possession";
  if (!(*pop)->is_object()) return bad_field(pp, "must be an object");
  if (auto s = only_keys(**pop, pp, {"epoch", "signature"}); !s) return s.error();
  auto epoch = u64_member(**pop, pp, "epoch");
  if (!epoch) return epoch.error();
  auto sig = hex_member<64>(**pop, pp, "signature");
  if (!sig) return sig.error();
  id.signing = *signing;
  id.vrf = *vrf;
  id.pvss = *pvss;
  id.pop_epoch = *epoch;
  id.pop = *sig;
  return id;
}

core::Result<GenesisValidator> validator_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) return bad_field(path, "must be an object");
  if (auto s = only_keys(j, path, {"identity", "stake", "servi", "reviews"}); !s) return s.error();
  GenesisValidator v;
  auto identity = member(j, path, "identity");
  if (!identity) return identity.error();
  auto id = identity_from_json(**identity, path + ".identity");
  if (!id) return id.error();
  v.identity = *id;
  auto stake = amount_member(j, path, "stake");
  if (!stake) return stake.error();
  v.stake = *stake;
  if (j.contains("servi")) {
    auto servi = u64_member(j, path, "servi");
    if (!servi) return servi.error();
    v.servi = *servi;
  }
  if (j.contains("reviews")) {
    const auto& r = j.at("reviews");
    if (!r.is_number_integer()) return bad_field(path + ".reviews", "must be an integer");
    if (r.is_number_unsigned() && r.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      return bad_field(path + ".reviews", "out of range");
    v.reviews = r.get<std::int64_t>();
  }
  return v;
}

core::Result<GenesisAllocation> allocation_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) return bad_field(path, "must be an object");
  if (auto s = only_keys(j, path, {"owner", "amount"}); !s) return s.error();
  auto owner_text = string_member(j, path, "owner");
  if (!owner_text) return owner_text.error();
  auto owner = Address::parse(*owner_text);
  if (!owner) return core::reject(owner.error().reason, path + ".owner: " + owner.error().detail);
  auto amount = amount_member(j, path, "amount");
  if (!amount) return amount.error();
  return GenesisAllocation{*owner, *amount};
}

core::Status check_version(const json& doc) {
  auto v = u64_member(doc, "", "version");
  if (!v) return v.error();
  if (*v == 0) return bad_field("version", "must be at least 1");
  if (*v > genesis_version) {
    return core::reject(Reject::unknown_version, "genesis version " + std::to_string(*v) +
                                                     " is newer than this ios supports (" +
                                                     std::to_string(genesis_version) + ")");
  }
  return core::Ok{};
}

template <class T, class Parse>
core::Status read_list(const json& doc, const char* name, std::size_t count_max, std::vector<T>& out, Parse parse) {
  auto list = member(doc, "", name);
  if (!list) return list.error();
  if (!(*list)->is_array()) return bad_field(name, "must be an array");
  if ((*list)->size() > count_max) return bad_field(name, "more than " + std::to_string(count_max) + " entries");
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    auto item = parse((**list)[i], std::string(name) + "[" + std::to_string(i) + "]");
    if (!item) return item.error();
    out.push_back(std::move(*item));
  }
  return core::Ok{};
}

json identity_to_json(const crypto::PublicIdentity& id) {
  return json{{"type", crypto::to_string(id.type)},
              {"public_keys",
               {{"signing", core::to_hex(id.signing)}, {"vrf", core::to_hex(id.vrf)}, {"pvss", core::to_hex(id.pvss)}}},
              {"proof_of_possession", {{"epoch", id.pop_epoch}, {"signature", core::to_hex(id.pop)}}}};
}

}  // namespace

json to_json(const Genesis& g) {
  json validators = json::array();
  for (const auto& v : g.validators) {
    validators.push_back(json{{"identity", identity_to_json(v.identity)},
                              {"stake", std::to_string(v.stake)},
                              {"servi", v.servi},
                              {"reviews", v.reviews}});
  }
  json allocations = json::array();
  for (const auto& a : g.allocations)
    allocations.push_back(json{{"owner", a.owner.to_string()}, {"amount", std::to_string(a.amount)}});
  return json{{"version", genesis_version},  {"chain_id", g.chain_id},   {"time_ms", g.time_ms},
              {"policy", to_json(g.policy)}, {"validators", validators}, {"allocations", allocations}};
}

core::Result<Genesis> genesis_from_json(const json& doc) {
  if (!doc.is_object()) return core::reject(Reject::bad_json, "genesis must be a JSON object");
  if (auto s = check_version(doc); !s) return s.error();
  if (auto s = only_keys(doc, "", {"version", "chain_id", "time_ms", "policy", "validators", "allocations"}); !s)
    return s.error();
  Genesis g;
  auto chain_id = string_member(doc, "", "chain_id");
  if (!chain_id) return chain_id.error();
  g.chain_id = *chain_id;
  auto time_ms = u64_member(doc, "", "time_ms");
  if (!time_ms) return time_ms.error();
  g.time_ms = *time_ms;
  auto policy_json = member(doc, "", "policy");
  if (!policy_json) return policy_json.error();
  auto policy = shard_policy_from_json(**policy_json);
  if (!policy) return core::reject(policy.error().reason, "policy." + policy.error().detail);
  g.policy = *policy;
  if (auto s = read_list(doc, "validators", genesis_validators_max, g.validators, validator_from_json); !s)
    return s.error();
  if (auto s = read_list(doc, "allocations", genesis_allocations_max, g.allocations, allocation_from_json); !s)
    return s.error();
  if (auto s = validate(g); !s) return s.error();
  return g;
}

core::Result<Genesis> parse_genesis(std::string_view json_text) {
  if (json_text.size() > genesis_json_bytes_max)
    return core::reject(Reject::bad_json, "genesis larger than " + std::to_string(genesis_json_bytes_max) + " bytes");
  auto doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::reject(Reject::bad_json, "genesis is not valid JSON");
  return genesis_from_json(doc);
}

core::Status validate(const Genesis& g) {
  if (g.chain_id.empty() || g.chain_id.size() > chain_id_len_max)
    return bad_field("chain_id", "must be 1 to " + std::to_string(chain_id_len_max) + " characters");
  for (char c : g.chain_id) {
    if (c < 0x21 || c > 0x7e) return bad_field("chain_id", "must be printable ASCII without spaces");
  }
  if (auto s = validate(g.policy); !s) return core::reject(s.error().reason, "policy." + s.error().detail);
  if (g.validators.size() > genesis_validators_max) return bad_field("validators", "too many");
  if (g.allocations.size() > genesis_allocations_max) return bad_field("allocations", "too many");
  std::vector<crypto::PublicKey> keys;
  Amount supply = 0;
  for (std::size_t i = 0; i < g.validators.size(); ++i) {
    const auto& v = g.validators[i];
    const std::string path = "validators[" + std::to_string(i) + "]";
    if (v.identity.type != crypto::KeyType::validator)
      return bad_field(path + ".identity.type", "must be \"validator\"");
    if (!crypto::verify_public_identity(v.identity, g.chain_id_bytes()))
      return core::reject(Reject::bad_proof,
                          path + ".identity: keys or proof of possession (for chain " + g.chain_id + ") do not verify");
    keys.push_back(v.identity.signing);
    auto sum = add_amount(supply, v.stake);
    if (!sum) return core::reject(Reject::amount_overflow, path + ".stake: total supply over 2^64 - 1");
    supply = *sum;
  }
  std::sort(keys.begin(), keys.end());
  if (auto d = std::adjacent_find(keys.begin(), keys.end()); d != keys.end())
    return core::reject(Reject::duplicate, "validators: signing key " + core::to_hex(*d) + " twice");
  for (std::size_t i = 0; i < g.allocations.size(); ++i) {
    const std::string path = "allocations[" + std::to_string(i) + "]";
    if (g.allocations[i].amount == 0) return core::reject(Reject::bad_amount, path + ".amount: must be positive");
    auto sum = add_amount(supply, g.allocations[i].amount);
    if (!sum) return core::reject(Reject::amount_overflow, path + ".amount: total supply over 2^64 - 1");
    supply = *sum;
  }
  return core::Ok{};
}

core::Bytes encode(const Genesis& g) {
  const auto& p = g.policy;
  core::Writer w;
  w.u8(static_cast<std::uint8_t>(genesis_version)).str(g.chain_id).u64(g.time_ms);
  w.u32(p.shards).u32(p.believable_size).u32(p.believable_min).u32(p.normal_size);
  w.u64(std::bit_cast<std::uint64_t>(p.sample_rate));
  w.u64(p.block_interval_ms).u64(p.optimistic_interval_ms).u64(p.view_timeout_ms).u64(p.delta_ms);
  w.u64(p.min_fee).u64(p.epoch_ms);
  w.u32(static_cast<std::uint32_t>(g.validators.size()));
  for (const auto& v : g.validators) {
    const auto& id = v.identity;
    w.u8(static_cast<std::uint8_t>(id.type)).raw(id.signing).raw(id.vrf).raw(id.pvss).raw(id.pop).u64(id.pop_epoch);
    w.u64(v.stake).u64(v.servi).u64(static_cast<std::uint64_t>(v.reviews));
  }
  w.u32(static_cast<std::uint32_t>(g.allocations.size()));
  for (const auto& a : g.allocations) w.raw(a.owner.bytes()).u64(a.amount);
  return w.take();
}

core::Hash32 genesis_hash(const Genesis& g) { return crypto::sha256({core::as_bytes("IOS/v1/genesis"), encode(g)}); }

OutPoint genesis_outpoint(std::uint32_t allocation_index) {
  return OutPoint{crypto::sha256(core::as_bytes("IOS/v1/genesis-tx")), allocation_index};
}

}  // namespace ios::chain
