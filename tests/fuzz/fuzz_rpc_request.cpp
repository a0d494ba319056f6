// Fuzz target: what an HTTP client sends the node API (node/rpc), without sockets. The first
// byte picks the entry point, the rest is the body or path parameter:
//   0: parse_submit_body — an accepted body re-encodes to the same tx (canonical);
//   1: parse_tx_hash — accepted text is the hash's hex, up to case;
//   2: parse_height — accepted text is exactly std::to_string of the value;
//   3: decode_tx_status_document — an accepted document re-encodes to itself;
//   4..: every route handler over a fake NodeApi — the answer is one of the documented
//        statuses and a JSON document with a "schema" (metrics excepted).
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "node/rpc/documents.hpp"
#include "node/rpc/request.hpp"
#include "node/rpc/routes.hpp"

namespace {

using namespace ios;

class FakeNode : public rpc::NodeApi {
 public:
  nlohmann::json status() override { return {{"node", "fuzz"}}; }
  rpc::SubmitResult submit(const chain::Tx& tx) override {
    return {chain::tx_hash(tx), tx.nonce % 2 == 0, "fee_too_low"};
  }
  rpc::TxStatus tx_status(const core::Hash32& hash) override {
    return {hash,
            static_cast<rpc::TxState>(hash[0] % 5),
            hash[1] % 2 ? std::optional<std::uint64_t>(hash[2]) : std::nullopt,
            {}};
  }
  std::optional<nlohmann::json> account(const chain::Address& a) override {
    if (a.bytes()[0] % 2) return std::nullopt;
    return nlohmann::json{{"balance", "0"}, {"utxos", nlohmann::json::array()}};
  }
  std::optional<nlohmann::json> block(std::optional<std::uint64_t> height) override {
    if (height.value_or(0) % 2) return std::nullopt;
    return nlohmann::json{{"height", height.value_or(0)}};
  }
  std::optional<nlohmann::json> tx_body(const ios::core::Hash32& hash) override {
    if (hash[0] % 2) return std::nullopt;
    return nlohmann::json{{"hash", ios::core::to_hex(hash)}};
  }
  std::string metrics() override { return "ios_up 1\n"; }
};

void check(bool ok) {
  if (!ok) std::abort();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void fuzz_routes(std::string_view input) {
  static FakeNode node;
  static const std::set<int> statuses{200, 202, 400, 404, 422, 500};
  for (const auto& route : rpc::route_table()) {
    const rpc::Reply reply = route.handle(node, rpc::RouteInput{input, input});
    check(statuses.count(reply.status) == 1);
    if (route.pattern == "/metrics") continue;
    auto doc = nlohmann::json::parse(reply.body, nullptr, false);
    check(doc.is_object());
    check(doc.contains("schema"));
    check((reply.status >= 400) == (doc["schema"] == rpc::schema_error));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto tx = rpc::parse_submit_body(input);
      if (tx) check(*rpc::parse_submit_body(rpc::submit_body(*tx).dump()) == *tx);
      break;
    }
    case 1: {
      auto hash = rpc::parse_tx_hash(input);
      if (hash) check(core::to_hex(*hash) == lower(input));
      break;
    }
    case 2: {
      auto height = rpc::parse_height(input);
      if (height) check(std::to_string(*height) == input);
      break;
    }
    case 3: {
      auto doc = nlohmann::json::parse(input, nullptr, false);
      if (doc.is_discarded()) break;
      auto status = rpc::decode_tx_status_document(doc);
      if (status) check(*rpc::decode_tx_status_document(rpc::tx_status_document(*status)) == *status);
      break;
    }
    default:
      fuzz_routes(input);
  }
  return 0;
}
