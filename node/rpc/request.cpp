#include "node/rpc/request.hpp"

#include <limits>
#include <set>
#include <string>

namespace ios::rpc {

using core::Reject;

namespace {

// nlohmann's parser reports every key and nesting level through this callback, which lets us
// refuse duplicate keys and deep nesting that a plain parse would silently accept.
struct BodyShape {
  std::set<std::string> keys;
  bool duplicate = false;
  bool too_deep = false;
};

core::Result<nlohmann::json> parse_body_object(std::string_view body) {
  BodyShape shape;
  auto callback = [&shape](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth > submit_body_depth_max) shape.too_deep = true;
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && !shape.duplicate) {
      shape.duplicate = !shape.keys.insert(parsed.get<std::string>()).second;
    }
    // Keep nothing below the top level: bounded memory whatever the body nests.
    return depth <= submit_body_depth_max;
  };
  auto doc = nlohmann::json::parse(body.begin(), body.end(), callback, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::reject(Reject::bad_json, "body is not valid JSON");
  if (!doc.is_object()) return core::reject(Reject::bad_json, "body must be a JSON object");
  if (shape.too_deep) return core::reject(Reject::bad_json, "body nests deeper than {\"tx\": \"<hex>\"}");
  if (shape.duplicate) return core::reject(Reject::bad_json, "body repeats a key");
  return doc;
}

}  // namespace

core::Result<chain::Tx> parse_submit_body(std::string_view body) {
  auto doc = parse_body_object(body);
  if (!doc) return doc.error();
  for (const auto& item : doc->items()) {
    if (item.key() != "tx") return core::reject(Reject::bad_json, "body has a key other than \"tx\"");
  }
  auto it = doc->find("tx");
  if (it == doc->end()) return core::reject(Reject::bad_json, "body lacks \"tx\"");
  if (!it->is_string()) return core::reject(Reject::bad_json, "\"tx\" must be a hex string");
  const auto& hex = it->get_ref<const std::string&>();
  if (hex.size() > submit_tx_hex_chars_max)
    return core::reject(Reject::length_over_limit,
                        "tx is over " + std::to_string(submit_tx_hex_chars_max / 2) + " bytes");
  auto bytes = core::from_hex(hex);
  if (!bytes) return core::reject(Reject::bad_hex, "\"tx\" is not even-length hex");
  return chain::decode_tx(*bytes);
}

nlohmann::json submit_body(const chain::Tx& tx) { return {{"tx", core::to_hex(chain::encode(tx))}}; }

core::Result<core::Hash32> parse_tx_hash(std::string_view text) {
  auto hash = core::from_hex_fixed<32>(text);
  if (!hash) return core::reject(Reject::bad_hex, "a tx hash is 64 hex digits");
  return *hash;
}

core::Result<std::uint64_t> parse_height(std::string_view text) {
  const auto refuse = [] {
    return core::reject(Reject::non_canonical, "a height is a decimal u64 without leading zeros");
  };
  if (text.empty() || text.size() > height_digits_max) return refuse();
  if (text.size() > 1 && text.front() == '0') return refuse();
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return refuse();
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return refuse();
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace ios::rpc
