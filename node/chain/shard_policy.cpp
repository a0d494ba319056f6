#include "node/chain/shard_policy.hpp"

#include <string>

namespace ios::chain {

namespace {

using core::Reject;
using nlohmann::json;

core::Error bad(std::string_view field, std::string_view what) {
  return core::reject(Reject::bad_policy, std::string(field) + ": " + std::string(what));
}

core::Status read_u64(const json& doc, const char* name, std::uint64_t max, std::uint64_t& out) {
  if (!doc.contains(name)) return core::Ok{};
  const auto& v = doc.at(name);
  if (!v.is_number_unsigned()) return bad(name, "must be a non-negative integer");
  auto n = v.get<std::uint64_t>();
  if (n > max) return bad(name, "must be at most " + std::to_string(max));
  out = n;
  return core::Ok{};
}

core::Status read_u32(const json& doc, const char* name, std::uint32_t max, std::uint32_t& out) {
  std::uint64_t v = out;
  if (auto s = read_u64(doc, name, max, v); !s) return s;
  out = static_cast<std::uint32_t>(v);
  return core::Ok{};
}

core::Status read_amount(const json& doc, const char* name, Amount& out) {
  if (!doc.contains(name)) return core::Ok{};
  const auto& v = doc.at(name);
  if (!v.is_string()) return bad(name, "must be a decimal string");
  auto n = parse_amount(v.get_ref<const std::string&>());
  if (!n) return bad(name, n.error().message());
  out = *n;
  return core::Ok{};
}

core::Status check_keys(const json& doc) {
  static constexpr const char* known[] = {"version", "shards", "believable_size", "believable_min", "normal_size",
                                          "sample_rate", "block_interval_ms", "optimistic_interval_ms",
                                          "view_timeout_ms", "delta_ms", "min_fee", "epoch_ms"};
  for (const auto& item : doc.items()) {
    bool found = false;
    for (const char* k : known) found = found || item.key() == k;
    if (!found) return bad(item.key(), "unknown key");
  }
  return core::Ok{};
}

core::Status check_version(const json& doc) {
  if (!doc.contains("version")) return bad("version", "missing");
  const auto& v = doc.at("version");
  if (!v.is_number_unsigned()) return bad("version", "must be a positive integer");
  auto n = v.get<std::uint64_t>();
  if (n == 0) return bad("version", "must be at least 1");
  if (n > shard_policy_version) {
    return core::reject(Reject::unknown_version, "policy version " + std::to_string(n) +
                                                     " is newer than this ios supports (" +
                                                     std::to_string(shard_policy_version) + ")");
  }
  return core::Ok{};
}

}  // namespace

core::Result<ShardPolicy> shard_policy_from_json(const json& doc) {
  if (!doc.is_object()) return core::reject(Reject::bad_json, "policy must be a JSON object");
  if (auto s = check_version(doc); !s) return s.error();
  if (auto s = check_keys(doc); !s) return s.error();
  ShardPolicy p;
  for (auto s : {read_u32(doc, "shards", UINT32_MAX, p.shards), read_u32(doc, "believable_size", UINT32_MAX, p.believable_size),
                 read_u32(doc, "believable_min", UINT32_MAX, p.believable_min),
                 read_u32(doc, "normal_size", UINT32_MAX, p.normal_size),
                 read_u64(doc, "block_interval_ms", UINT64_MAX, p.block_interval_ms),
                 read_u64(doc, "optimistic_interval_ms", UINT64_MAX, p.optimistic_interval_ms),
                 read_u64(doc, "view_timeout_ms", UINT64_MAX, p.view_timeout_ms),
                 read_u64(doc, "delta_ms", UINT64_MAX, p.delta_ms), read_amount(doc, "min_fee", p.min_fee),
                 read_u64(doc, "epoch_ms", UINT64_MAX, p.epoch_ms)}) {
    if (!s) return s.error();
  }
  if (doc.contains("sample_rate")) {
    const auto& v = doc.at("sample_rate");
    if (!v.is_number()) return bad("sample_rate", "must be a number");
    p.sample_rate = v.get<double>();
  }
  if (auto s = validate(p); !s) return s.error();
  return p;
}

core::Result<ShardPolicy> parse_shard_policy(std::string_view json_text) {
  if (json_text.size() > policy_json_bytes_max)
    return core::reject(Reject::bad_json, "policy larger than " + std::to_string(policy_json_bytes_max) + " bytes");
  auto doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::reject(Reject::bad_json, "policy is not valid JSON");
  return shard_policy_from_json(doc);
}

json to_json(const ShardPolicy& p) {
  return json{{"version", shard_policy_version},
              {"shards", p.shards},
              {"believable_size", p.believable_size},
              {"believable_min", p.believable_min},
              {"normal_size", p.normal_size},
              {"sample_rate", p.sample_rate},
              {"block_interval_ms", p.block_interval_ms},
              {"optimistic_interval_ms", p.optimistic_interval_ms},
              {"view_timeout_ms", p.view_timeout_ms},
              {"delta_ms", p.delta_ms},
              {"min_fee", std::to_string(p.min_fee)},
              {"epoch_ms", p.epoch_ms}};
}

core::Status validate(const ShardPolicy& p) {
  if (p.shards < 1 || p.shards > shards_max) return bad("shards", "must be between 1 and " + std::to_string(shards_max));
  if (p.normal_size < 4 || p.normal_size > league_size_max)
    return bad("normal_size", "must be between 4 and " + std::to_string(league_size_max));
  if (p.believable_size > league_size_max) return bad("believable_size", "must be at most " + std::to_string(league_size_max));
  if (p.believable_min < 1) return bad("believable_min", "must be at least 1");
  if (p.believable_size > 0 && p.believable_min > p.believable_size)
    return bad("believable_min", "must not exceed believable_size");
  // Written so that NaN fails too.
  if (!(p.sample_rate > 0.0 && p.sample_rate <= 1.0)) return bad("sample_rate", "must be in (0, 1]");
  if (p.block_interval_ms == 0) return bad("block_interval_ms", "must be positive");
  if (p.optimistic_interval_ms == 0) return bad("optimistic_interval_ms", "must be positive");
  if (p.optimistic_interval_ms > p.block_interval_ms)
    return bad("optimistic_interval_ms", "must not exceed block_interval_ms");
  if (p.view_timeout_ms <= p.block_interval_ms) return bad("view_timeout_ms", "must exceed block_interval_ms");
  if (p.delta_ms == 0) return bad("delta_ms", "must be positive");
  if (p.epoch_ms != 0 && (p.epoch_ms < epoch_ms_min || p.epoch_ms > epoch_ms_max))
    return bad("epoch_ms", "must be 0 (one epoch for ever) or from " + std::to_string(epoch_ms_min) + " to " +
                               std::to_string(epoch_ms_max));
  if (p.delta_ms > delta_ms_max) return bad("delta_ms", "must be at most " + std::to_string(delta_ms_max));
  return core::Ok{};
}

std::uint32_t fault_tolerance(std::uint32_t n) { return n == 0 ? 0 : (n - 1) / 3; }

std::uint32_t quorum(std::uint32_t n) {
  std::uint64_t f = fault_tolerance(n);
  return static_cast<std::uint32_t>((std::uint64_t{n} + f + 2) / 2);
}

}  // namespace ios::chain
