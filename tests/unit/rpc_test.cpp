// The node API (node/rpc): pure request parsing and documents, then the server and the client
// over real sockets on 127.0.0.1:0 with a fake NodeApi. What is checked:
//   - parse_submit_body round-trips and refuses every malformed body with a typed reason
//     (not JSON, not an object, missing / unknown / duplicate key, nesting, odd or bad hex,
//     over-limit hex before decoding, truncated / trailing / unknown-version encodings);
//   - path parameters are canonical (hash of 64 hex digits, height without leading zeros or
//     overflow) and the tx status document round-trips and refuses bad shapes;
//   - every route and every error code: 200/202, 400 (bad JSON, hex, encoding, address,
//     height), 404 (unknown route, tx, block, account), 405 with Allow, 413, 422, 500 — each
//     with the JSON error document;
//   - an exception in the NodeApi is a 500 and the server keeps serving; concurrent requests;
//   - the client tells unreachable (nothing listens, or the node is too slow) from an HTTP
//     error (and keeps the server's document) from a bad URL; stop() twice and before start();
//   - the connection limits, each against its attack, with raw sockets (RawClient): trickling
//     clients (slowloris) neither block other requests nor stay past request_time_max; silent
//     connections close after idle_time_max and a flood of them neither keeps a status request
//     out nor holds more than connections_max; when every slot is busy a newcomer gets 503;
//     chunked, unframed and compressed bodies and endless headers are refused before they are
//     read; a busy keep-alive client is never cut.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "node/chain/tx.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/hash.hpp"
#include "node/rpc/client.hpp"
#include "node/rpc/documents.hpp"
#include "node/rpc/http.hpp"
#include "node/rpc/request.hpp"
#include "node/rpc/server.hpp"

using namespace ios;
using nlohmann::json;
using rpc::RpcErrorKind;
using rpc::TxState;

namespace {

class SodiumEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { crypto::init(); }
};
const auto* const sodium_environment = ::testing::AddGlobalTestEnvironment(new SodiumEnvironment);

const core::Bytes chain_id{'t', 'e', 's', 't'};

crypto::SigningKey key(std::uint8_t n) {
  core::ByteArray<32> seed{};
  seed.fill(n);
  return crypto::SigningKey(crypto::Seed(seed));
}

chain::Tx sample_tx(std::uint64_t nonce = 7) {
  static const crypto::SigningKey alice = key(1);
  const chain::OutPoint prev{crypto::sha256(core::as_bytes("genesis")), 0};
  return chain::make_transfer(
      {{prev, &alice}}, {chain::TxOutput{chain::Address::from_public_key(key(2).public_key()), chain::Asset::ios, 90}},
      10, nonce, chain_id);
}

std::string body_for(std::string_view hex) { return json{{"tx", hex}}.dump(); }

// A NodeApi whose answers the tests set; thread-safe like the real one must be.
class FakeNode : public rpc::NodeApi {
 public:
  json status() override {
    calls_++;
    if (throw_on_status_) throw std::runtime_error("status exploded");
    if (status_not_object_) return json::array({1, 2});
    return {{"node", "v0"}, {"role", "leader"}, {"height", 12}};
  }
  rpc::SubmitResult submit(const chain::Tx& tx) override {
    std::lock_guard lock(mu_);
    submitted_.push_back(tx);
    if (!refuse_reason_.empty()) return {chain::tx_hash(tx), false, refuse_reason_};
    return {chain::tx_hash(tx), true, {}};
  }
  rpc::TxStatus tx_status(const core::Hash32& hash) override {
    std::lock_guard lock(mu_);
    auto it = txs_.find(hash);
    return it == txs_.end() ? rpc::TxStatus{hash, TxState::unknown, {}, {}} : it->second;
  }
  std::optional<json> account(const chain::Address& a) override {
    if (a != known_) return std::nullopt;
    return json{{"balance", "18446744073709551615"},
                {"utxos", json::array({{{"tx", std::string(64, 'a')}, {"index", 0}, {"amount", "5"}}})}};
  }
  std::optional<json> block(std::optional<std::uint64_t> height) override {
    if (slow_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_));
    const auto h = height.value_or(3);
    if (h > 3) return std::nullopt;
    return json{{"height", h}, {"hash", std::string(64, 'b')}};
  }
  std::optional<json> tx_body(const core::Hash32& hash) override {
    if (hash != core::Hash32{}) return std::nullopt;
    return json{{"hash", std::string(64, '0')}, {"fee", "1"}};
  }
  std::string metrics() override { return "# TYPE ios_height gauge\nios_height 12\n"; }

  void set_tx(const rpc::TxStatus& s) {
    std::lock_guard lock(mu_);
    txs_[s.hash] = s;
  }
  std::vector<chain::Tx> submitted() {
    std::lock_guard lock(mu_);
    return submitted_;
  }

  std::atomic<bool> throw_on_status_{false};
  std::atomic<bool> status_not_object_{false};
  std::atomic<int> calls_{0};
  std::atomic<int> slow_ms_{0};
  std::string refuse_reason_;  // set before requests start
  chain::Address known_ = chain::Address::from_public_key(key(3).public_key());

 private:
  std::mutex mu_;
  std::map<core::Hash32, rpc::TxStatus> txs_;
  std::vector<chain::Tx> submitted_;
};

struct RpcServerTest : ::testing::Test {
  FakeNode node;
  std::unique_ptr<rpc::RpcServer> server;
  std::uint16_t port = 0;

  void SetUp() override { serve({}); }
  void serve(rpc::RpcLimits limits) {
    if (server) server->stop();
    server = std::make_unique<rpc::RpcServer>(node, limits);
    auto bound = server->listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.error().message();
    port = *bound;
    server->start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  httplib::Client raw() const {
    httplib::Client c(url());
    c.set_read_timeout(5, 0);
    return c;
  }
  rpc::RpcClient client() const { return rpc::RpcClient(url(), 5000); }
};

// The error document of docs/CLI.md, with the expected code.
void expect_error(const httplib::Result& res, int status, const char* code) {
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, status) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto doc = json::parse(res->body);
  EXPECT_EQ(doc["schema"], "ios.rpc.error.v1");
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["error"]["code"], code);
  EXPECT_TRUE(doc["error"]["message"].is_string());
}

std::string reason_of(const httplib::Result& res) { return json::parse(res->body)["error"].value("reason", ""); }

// A TCP client on 127.0.0.1 that does what httplib::Client cannot: send a request a byte at a
// time, stay silent, stream a body and watch for the answer meanwhile. Sends never raise
// SIGPIPE; every wait is bounded.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    const timeval send_timeout{5, 0};  // a server that stops reading cannot hang the test
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  bool readable(int wait_ms) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, wait_ms) > 0;
  }

  // True once the server closed or reset the connection (waits at most wait_ms for it).
  bool closed_by_server(int wait_ms) const {
    if (!readable(wait_ms)) return false;
    char byte = 0;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  }

  struct Answer {
    std::string bytes;
    bool closed = false;  // ended by the server closing, not by the wait running out
  };
  // Everything the server sends until it closes, waiting at most wait_ms in all.
  Answer read_until_closed(int wait_ms) const {
    Answer out;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    std::array<char, 4096> buf{};
    while (std::chrono::steady_clock::now() < until) {
      if (!readable(50)) continue;
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n <= 0) {
        out.closed = true;
        break;
      }
      out.bytes.append(buf.data(), static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// The status code and JSON document of a raw HTTP answer ("HTTP/1.1 503 ...\r\n...\r\n\r\n{...}").
int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}
json document_of(const std::string& answer) {
  const auto body = answer.find("\r\n\r\n");
  return body == std::string::npos ? json() : json::parse(answer.substr(body + 4), nullptr, false);
}
// The error code of a raw answer's ios.rpc.error.v1 document, or "" for anything else.
std::string code_of(const std::string& answer) {
  const json doc = document_of(answer);
  if (!doc.is_object() || doc.value("schema", "") != "ios.rpc.error.v1" || !doc.contains("error") ||
      !doc["error"].is_object())
    return "";
  return doc["error"].value("code", "");
}

}  // namespace

// ---------------------------------------------------------------------------------- parsing

TEST(RpcRequest, SubmitBodyRoundTrips) {
  const chain::Tx tx = sample_tx();
  auto back = rpc::parse_submit_body(rpc::submit_body(tx).dump());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, tx);
  // Upper-case hex is the same bytes.
  std::string hex = core::to_hex(chain::encode(tx));
  for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*rpc::parse_submit_body(body_for(hex)), tx);
}

TEST(RpcRequest, SubmitBodyRefusesMalformedJson) {
  const std::string hex = core::to_hex(chain::encode(sample_tx()));
  const std::vector<std::string> bad_json{"",
                                          "{",
                                          "not json",
                                          "[]",
                                          "\"tx\"",
                                          "null",
                                          "{}",
                                          "{\"tx\": 5}",
                                          "{\"tx\": null}",
                                          "{\"tx\": [\"" + hex + "\"]}",
                                          "{\"tx\": \"" + hex + "\", \"fee\": 1}",
                                          "{\"tx\": \"" + hex + "\", \"tx\": \"" + hex + "\"}",
                                          "{\"tx\": \"" + hex + "\", \"x\": {\"y\": 1}}",
                                          "{\"tx\": \"" + hex + "\"} trailing",
                                          "{\"tx\": \"\xff\xfe\"}"};
  for (const auto& body : bad_json) {
    auto r = rpc::parse_submit_body(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().reason, core::Reject::bad_json) << body << " -> " << r.error().message();
  }
  // A megabyte of nesting is refused, not a stack overflow.
  EXPECT_EQ(rpc::parse_submit_body(std::string(1u << 20, '[')).error().reason, core::Reject::bad_json);
  EXPECT_EQ(
      rpc::parse_submit_body("{\"tx\":" + std::string(100000, '[') + std::string(100000, ']') + "}").error().reason,
      core::Reject::bad_json);
}

TEST(RpcRequest, SubmitBodyRefusesBadHexAndBadEncodings) {
  const core::Bytes bytes = chain::encode(sample_tx());
  const std::string hex = core::to_hex(bytes);
  EXPECT_EQ(rpc::parse_submit_body(body_for(hex + "0")).error().reason, core::Reject::bad_hex);
  EXPECT_EQ(rpc::parse_submit_body(body_for("zz" + hex)).error().reason, core::Reject::bad_hex);
  EXPECT_EQ(rpc::parse_submit_body(body_for("0x" + hex)).error().reason, core::Reject::bad_hex);
  EXPECT_EQ(rpc::parse_submit_body(body_for(hex.substr(0, hex.size() - 2))).error().reason, core::Reject::truncated);
  EXPECT_EQ(rpc::parse_submit_body(body_for(hex + "00")).error().reason, core::Reject::trailing_bytes);
  EXPECT_EQ(rpc::parse_submit_body(body_for("02" + hex.substr(2))).error().reason, core::Reject::unknown_version);
  EXPECT_EQ(rpc::parse_submit_body(body_for("")).error().reason, core::Reject::truncated);
  // Over the limit is refused from the length, even when the text is not hex at all.
  EXPECT_EQ(rpc::parse_submit_body(body_for(std::string(rpc::submit_tx_hex_chars_max + 2, 'z'))).error().reason,
            core::Reject::length_over_limit);
  EXPECT_EQ(rpc::parse_submit_body(body_for(std::string(rpc::submit_tx_hex_chars_max, 'z'))).error().reason,
            core::Reject::bad_hex);
}

TEST(RpcRequest, PathParametersAreCanonical) {
  const core::Hash32 h = crypto::sha256(core::as_bytes("x"));
  EXPECT_EQ(*rpc::parse_tx_hash(core::to_hex(h)), h);
  for (std::string bad :
       {std::string(), std::string(62, 'a'), std::string(66, 'a'), std::string(64, 'g'), "0x" + std::string(62, 'a')})
    EXPECT_EQ(rpc::parse_tx_hash(bad).error().reason, core::Reject::bad_hex) << bad;

  EXPECT_EQ(*rpc::parse_height("0"), 0u);
  EXPECT_EQ(*rpc::parse_height("42"), 42u);
  EXPECT_EQ(*rpc::parse_height("18446744073709551615"), 18446744073709551615ull);
  for (const char* bad : {"", "01", "00", "-1", "+1", "1.0", " 1", "1a", "18446744073709551616", "99999999999999999999",
                          "123456789012345678901"})
    EXPECT_EQ(rpc::parse_height(bad).error().reason, core::Reject::non_canonical) << bad;
}

TEST(RpcDocuments, TxStatusRoundTripsAndRefusesBadShapes) {
  const rpc::TxStatus final_tx{crypto::sha256(core::as_bytes("t")), TxState::final, 9, {}};
  const rpc::TxStatus rejected{crypto::sha256(core::as_bytes("r")), TxState::rejected, std::nullopt,
                               "double_spend: input 0"};
  for (const auto& s : {final_tx, rejected}) {
    auto doc = rpc::tx_status_document(s);
    EXPECT_EQ(doc["schema"], "ios.rpc.tx.status.v1");
    EXPECT_EQ(*rpc::decode_tx_status_document(doc), s);
  }
  EXPECT_FALSE(rpc::tx_status_document(rejected).contains("height"));
  EXPECT_FALSE(rpc::tx_status_document(final_tx).contains("reason"));

  auto good = rpc::tx_status_document(final_tx);
  std::vector<json> bad(7, good);
  bad[0]["schema"] = "ios.rpc.tx.status.v2";
  bad[1]["hash"] = "abcd";
  bad[2]["state"] = "finalized";
  bad[3]["height"] = -1;
  bad[4]["height"] = "9";
  bad[5]["reason"] = 5;
  bad[6].erase("state");
  for (const auto& doc : bad)
    EXPECT_EQ(rpc::decode_tx_status_document(doc).error().reason, core::Reject::bad_json) << doc;
  EXPECT_FALSE(rpc::decode_tx_status_document(json::array()).ok());
}

TEST(RpcDocuments, ErrorCodesAndStatuses) {
  using rpc::ErrorCode;
  const std::vector<std::pair<ErrorCode, int>> table{
      {ErrorCode::bad_request, 400},     {ErrorCode::not_found, 404},         {ErrorCode::method_not_allowed, 405},
      {ErrorCode::length_required, 411}, {ErrorCode::payload_too_large, 413}, {ErrorCode::unsupported_media_type, 415},
      {ErrorCode::rejected, 422},        {ErrorCode::internal, 500},          {ErrorCode::unavailable, 503}};
  for (auto [code, status] : table) EXPECT_EQ(rpc::http_status(code), status);
  auto doc = rpc::error_document(ErrorCode::bad_request, core::reject(core::Reject::bad_hex, "odd length"));
  EXPECT_EQ(doc, json::parse(R"({"schema":"ios.rpc.error.v1","ok":false,
      "error":{"code":"BAD_REQUEST","message":"bad_hex: odd length","reason":"bad_hex"}})"));
  // Invalid UTF-8 from a node's reason does not throw when serialised.
  EXPECT_NO_THROW(rpc::dump_document(rpc::error_document(ErrorCode::rejected, "\xff\xfe")));
}

// ----------------------------------------------------------------------------------- server

TEST_F(RpcServerTest, StatusRoute) {
  auto res = raw().Get("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto doc = json::parse(res->body);
  EXPECT_EQ(doc["schema"], "ios.rpc.status.v1");
  EXPECT_EQ(doc["role"], "leader");
  EXPECT_EQ(doc["height"], 12);
  auto via_client = client().status();
  ASSERT_TRUE(via_client.ok()) << via_client.error().message;
  EXPECT_EQ(*via_client, doc);
}

TEST_F(RpcServerTest, SubmitAcceptedIs202) {
  const chain::Tx tx = sample_tx();
  auto res = raw().Post("/v1/tx", rpc::submit_body(tx).dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  auto doc = json::parse(res->body);
  EXPECT_EQ(doc["schema"], "ios.rpc.tx.submit.v1");
  EXPECT_EQ(doc["hash"], core::to_hex(chain::tx_hash(tx)));
  EXPECT_EQ(doc["accepted"], true);
  ASSERT_EQ(node.submitted().size(), 1u);
  EXPECT_EQ(node.submitted()[0], tx);

  auto via_client = client().submit(sample_tx(8));
  ASSERT_TRUE(via_client.ok()) << via_client.error().message;
  EXPECT_TRUE(via_client->accepted);
  EXPECT_EQ(via_client->hash, chain::tx_hash(sample_tx(8)));
  EXPECT_EQ(node.submitted().size(), 2u);
}

TEST_F(RpcServerTest, SubmitRefusedByTheNodeIs422) {
  node.refuse_reason_ = "double_spend: input 0 is spent";
  const chain::Tx tx = sample_tx();
  auto res = raw().Post("/v1/tx", rpc::submit_body(tx).dump(), "application/json");
  expect_error(res, 422, "REJECTED");
  auto doc = json::parse(res->body);
  EXPECT_EQ(doc["error"]["message"], "double_spend: input 0 is spent");
  EXPECT_EQ(doc["hash"], core::to_hex(chain::tx_hash(tx)));

  auto via_client = client().submit(tx);
  ASSERT_TRUE(via_client.ok()) << via_client.error().message;
  EXPECT_FALSE(via_client->accepted);
  EXPECT_EQ(via_client->reason, "double_spend: input 0 is spent");
}

TEST_F(RpcServerTest, SubmitBadBodiesAre400NamingTheReject) {
  const std::string hex = core::to_hex(chain::encode(sample_tx()));
  auto c = raw();
  auto garbage = c.Post("/v1/tx", "{\"tx\": ", "application/json");
  expect_error(garbage, 400, "BAD_REQUEST");
  EXPECT_EQ(reason_of(garbage), "bad_json");
  auto odd = c.Post("/v1/tx", body_for(hex + "f"), "application/json");
  expect_error(odd, 400, "BAD_REQUEST");
  EXPECT_EQ(reason_of(odd), "bad_hex");
  auto cut = c.Post("/v1/tx", body_for(hex.substr(0, 40)), "application/json");
  expect_error(cut, 400, "BAD_REQUEST");
  EXPECT_EQ(reason_of(cut), "truncated");
  EXPECT_TRUE(node.submitted().empty());
}

TEST_F(RpcServerTest, OversizedBodyIs413) {
  serve(rpc::RpcLimits{4096, 2, 5});
  auto res = raw().Post("/v1/tx", std::string(5000, ' '), "application/json");
  expect_error(res, 413, "PAYLOAD_TOO_LARGE");
  // At the limit it is read and parsed (and refused as JSON, not for its size).
  auto at_limit = raw().Post("/v1/tx", std::string(4096, ' '), "application/json");
  expect_error(at_limit, 400, "BAD_REQUEST");
  EXPECT_TRUE(node.submitted().empty());
}

// A client that sends its whole body before it reads (httplib's) still reads the 413: the
// server refuses from the Content-Length, then drains the unread body instead of resetting.
TEST_F(RpcServerTest, OversizedBodySentWholeStillGets413) {
  for (int i = 0; i < 3; ++i) {
    auto res = raw().Post("/v1/tx", std::string(2u << 20, 'a'), "application/json");
    expect_error(res, 413, "PAYLOAD_TOO_LARGE");
  }
  EXPECT_TRUE(node.submitted().empty());
}

TEST_F(RpcServerTest, TxStatusRoute) {
  const core::Hash32 pending = crypto::sha256(core::as_bytes("p"));
  const core::Hash32 final_tx = crypto::sha256(core::as_bytes("f"));
  const core::Hash32 rejected = crypto::sha256(core::as_bytes("r"));
  node.set_tx({pending, TxState::pending, std::nullopt, {}});
  node.set_tx({final_tx, TxState::final, 41, {}});
  node.set_tx({rejected, TxState::rejected, std::nullopt, "fee_too_low"});

  auto res = raw().Get(("/v1/tx/" + core::to_hex(final_tx)).c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(
      json::parse(res->body),
      json({{"schema", "ios.rpc.tx.status.v1"}, {"hash", core::to_hex(final_tx)}, {"state", "final"}, {"height", 41}}));

  auto c = client();
  EXPECT_EQ(*c.tx_status(pending), (rpc::TxStatus{pending, TxState::pending, std::nullopt, {}}));
  EXPECT_EQ(*c.tx_status(final_tx), (rpc::TxStatus{final_tx, TxState::final, 41, {}}));
  EXPECT_EQ(*c.tx_status(rejected), (rpc::TxStatus{rejected, TxState::rejected, std::nullopt, "fee_too_low"}));

  const core::Hash32 unknown = crypto::sha256(core::as_bytes("u"));
  expect_error(raw().Get(("/v1/tx/" + core::to_hex(unknown)).c_str()), 404, "NOT_FOUND");
  EXPECT_EQ(*c.tx_status(unknown), (rpc::TxStatus{unknown, TxState::unknown, std::nullopt, {}}));

  auto bad = raw().Get("/v1/tx/abcd");
  expect_error(bad, 400, "BAD_REQUEST");
  EXPECT_EQ(reason_of(bad), "bad_hex");
}

TEST_F(RpcServerTest, AccountRoute) {
  const std::string address = node.known_.to_string();
  auto res = client().account(node.known_);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ((*res)["schema"], "ios.rpc.account.v1");
  EXPECT_EQ((*res)["address"], address);
  EXPECT_EQ((*res)["balance"], "18446744073709551615");  // amounts are strings
  EXPECT_EQ((*res)["utxos"][0]["amount"], "5");

  auto other = chain::Address::from_public_key(key(4).public_key());
  auto missing = client().account(other);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_EQ(missing.error().code, "NOT_FOUND");

  std::string typo = address;
  typo.back() = typo.back() == 'q' ? 'p' : 'q';
  auto bad = raw().Get(("/v1/accounts/" + typo).c_str());
  expect_error(bad, 400, "BAD_REQUEST");
  EXPECT_EQ(reason_of(bad), "bad_checksum");
  expect_error(raw().Get("/v1/accounts/notanaddress"), 400, "BAD_REQUEST");
}

TEST_F(RpcServerTest, BlockRoute) {
  auto res = client().block(3);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ((*res)["schema"], "ios.rpc.block.v1");
  EXPECT_EQ((*res)["height"], 3);
  expect_error(raw().Get("/v1/blocks/4"), 404, "NOT_FOUND");
  auto latest = client().block(std::nullopt);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  EXPECT_EQ((*latest)["height"], 3);
  EXPECT_EQ((*latest)["schema"], "ios.rpc.block.v1");
  auto body = client().tx_body(core::Hash32{});
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ((*body)["schema"], "ios.rpc.tx.body.v1");
  expect_error(raw().Get(("/v1/tx/" + std::string(64, 'c') + "/body").c_str()), 404, "NOT_FOUND");
  expect_error(raw().Get("/v1/tx/zz/body"), 400, "BAD_REQUEST");
  for (const char* bad : {"/v1/blocks/03", "/v1/blocks/-1", "/v1/blocks/18446744073709551616", "/v1/blocks/x"}) {
    auto r = raw().Get(bad);
    expect_error(r, 400, "BAD_REQUEST");
    EXPECT_EQ(reason_of(r), "non_canonical") << bad;
  }
}

TEST_F(RpcServerTest, MetricsRoute) {
  auto res = raw().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_EQ(res->body, "# TYPE ios_height gauge\nios_height 12\n");
  EXPECT_EQ(*client().get_text("/metrics"), res->body);
}

TEST_F(RpcServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  auto c = raw();
  expect_error(c.Get("/v1/nothing"), 404, "NOT_FOUND");
  expect_error(c.Get("/"), 404, "NOT_FOUND");
  expect_error(c.Post("/v1/nothing", "{}", "application/json"), 404, "NOT_FOUND");
  expect_error(c.Get("/v1/tx/a/b"), 404, "NOT_FOUND");

  auto post_status = c.Post("/v1/status", "{}", "application/json");
  expect_error(post_status, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(post_status->get_header_value("Allow"), "GET");
  auto get_submit = c.Get("/v1/tx");
  expect_error(get_submit, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(get_submit->get_header_value("Allow"), "POST");
  expect_error(c.Delete("/v1/blocks/1"), 405, "METHOD_NOT_ALLOWED");
  expect_error(c.Put("/metrics", "x", "text/plain"), 405, "METHOD_NOT_ALLOWED");

  // The client keeps the server's document with the HTTP error.
  auto via_client = client().get("/v1/nothing");
  ASSERT_FALSE(via_client.ok());
  EXPECT_EQ(via_client.error().kind, RpcErrorKind::http_error);
  EXPECT_EQ(via_client.error().http_status, 404);
  EXPECT_EQ(via_client.error().code, "NOT_FOUND");
  EXPECT_EQ(via_client.error().document["schema"], "ios.rpc.error.v1");
}

TEST_F(RpcServerTest, ExceptionInNodeApiIs500AndTheServerKeepsServing) {
  node.throw_on_status_ = true;
  auto res = raw().Get("/v1/status");
  expect_error(res, 500, "INTERNAL");
  EXPECT_NE(json::parse(res->body)["error"]["message"].get<std::string>().find("status exploded"), std::string::npos);
  auto via_client = client().status();
  ASSERT_FALSE(via_client.ok());
  EXPECT_EQ(via_client.error().kind, RpcErrorKind::http_error);
  EXPECT_EQ(via_client.error().code, "INTERNAL");

  node.throw_on_status_ = false;
  node.status_not_object_ = true;
  expect_error(raw().Get("/v1/status"), 500, "INTERNAL");

  node.status_not_object_ = false;
  auto again = raw().Get("/v1/status");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(RpcServerTest, ConcurrentRequests) {
  constexpr int threads = 8, per_thread = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> pool;
  const rpc::RpcClient shared(url());
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const bool ok = (i % 2 == 0) ? shared.status().ok() : shared.submit(sample_tx(1000u * t + i)).ok();
        if (ok) good++;
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(good, threads * per_thread);
  constexpr int submits_per_thread = per_thread / 2;  // odd i
  EXPECT_EQ(node.submitted().size(), static_cast<std::size_t>(threads * submits_per_thread));
  EXPECT_EQ(node.calls_, threads * (per_thread - submits_per_thread));
}

TEST_F(RpcServerTest, StopIsIdempotentAndClosesThePort) {
  ASSERT_TRUE(client().status().ok());
  server->stop();
  server->stop();
  auto after = client().status();
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().kind, RpcErrorKind::unreachable);
  EXPECT_EQ(after.error().code, "UNREACHABLE");
}

TEST(RpcServer, StopBeforeStartReleasesThePort) {
  FakeNode node;
  std::uint16_t port = 0;
  {
    rpc::RpcServer unstarted(node);
    unstarted.stop();  // never bound
    rpc::RpcServer bound(node);
    auto p = bound.listen("127.0.0.1", 0);
    ASSERT_TRUE(p.ok());
    port = *p;
    bound.stop();
    bound.stop();
  }
  // The port is free again: a new server binds exactly it.
  rpc::RpcServer again(node);
  auto p = again.listen("127.0.0.1", port);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(*p, port);
  again.start();
  EXPECT_TRUE(rpc::RpcClient("http://127.0.0.1:" + std::to_string(port)).status().ok());
}

TEST(RpcServer, ListenOnATakenPortIsAnIoError) {
  FakeNode node;
  rpc::RpcServer first(node);
  auto p = first.listen("127.0.0.1", 0);
  ASSERT_TRUE(p.ok());
  rpc::RpcServer second(node);
  auto taken = second.listen("127.0.0.1", *p);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().reason, core::Reject::io_error);
}

// ------------------------------------------------------------------------ connection limits

// Slowloris: more trickling clients than the old server had workers (4). Each sends one byte
// of a request every 200 ms and never finishes it; a status request from another client is
// still answered (generous client timeout: the assertion is that it is served at all).
TEST_F(RpcServerTest, SlowlorisClientsDoNotBlockOtherRequests) {
  constexpr int slow_clients = 8;
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < slow_clients; ++i) {
    slow.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(slow.back()->connected());
  }
  const std::string partial = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(20, 'a');
  std::atomic<bool> done{false};
  std::atomic<std::size_t> rounds{0};
  std::thread trickler([&] {
    for (std::size_t i = 0; i < partial.size() && !done; ++i) {
      for (auto& c : slow) c->send_all(partial.substr(i, 1));
      rounds++;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  for (int i = 0; i < 100 && rounds < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto res = rpc::RpcClient(url(), 3000).status();
  done = true;
  trickler.join();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ((*res)["schema"], "ios.rpc.status.v1");
}

// A client that trickles a request (one byte per 100 ms: never a stall long enough for
// read_timeout_s) is disconnected once request_time_max_ms has passed since its first byte.
TEST_F(RpcServerTest, TricklingClientIsCutAfterRequestTimeMax) {
  rpc::RpcLimits limits;
  limits.request_time_max_ms = 1000;
  serve(limits);
  RawClient c(port);
  ASSERT_TRUE(c.connected());
  const std::string partial = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(100, 'a');
  bool cut = false;
  for (std::size_t i = 0; i < 40 && !cut; ++i)  // 40 × 100 ms: four times the limit
    cut = !c.send_all(partial.substr(i, 1)) || c.closed_by_server(100);
  EXPECT_TRUE(cut) << "a trickling client was still connected after 4 s";
  EXPECT_EQ(server->stats().connections_cut, 1u);
  EXPECT_TRUE(client().status().ok());
}

// A connection that never sends a byte is closed after idle_time_max_ms (and never held a
// worker meanwhile).
TEST_F(RpcServerTest, SilentConnectionIsClosedAfterIdleTimeMax) {
  rpc::RpcLimits limits;
  limits.idle_time_max_ms = 500;
  serve(limits);
  RawClient c(port);
  ASSERT_TRUE(c.connected());
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) closed = c.closed_by_server(100);  // 4 s: eight times the limit
  EXPECT_TRUE(closed);
  EXPECT_EQ(server->stats().connections_idle_closed, 1u);
}

// 2,000 connections that never send (as many as the fd limit allows): a status request is
// still answered, the server holds at most connections_max of them and closes the rest.
TEST_F(RpcServerTest, IdleConnectionFloodDoesNotStopStatus) {
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  const rpc::RpcLimits limits;
  // Both ends of each connection live in this process, plus the server's own.
  const std::size_t headroom = limits.connections_max + 256;
  ASSERT_GT(files.rlim_cur, headroom + 2 * limits.connections_max);
  const std::size_t flood = std::min<std::size_t>(2000, files.rlim_cur - headroom);

  std::vector<std::unique_ptr<RawClient>> idle;
  for (std::size_t i = 0; i < flood; ++i) {
    idle.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  auto res = rpc::RpcClient(url(), 5000).status();
  ASSERT_TRUE(res.ok()) << res.error().message;

  const rpc::RpcStats stats = server->stats();
  EXPECT_LE(stats.connections_open, limits.connections_max);
  EXPECT_GE(stats.connections_evicted + stats.connections_refused, flood - limits.connections_max);
  std::size_t closed = 0;
  for (int round = 0; round < 30 && closed < flood - limits.connections_max; ++round) {
    closed = 0;
    for (const auto& c : idle) closed += c->closed_by_server(0) ? 1 : 0;
    if (closed < flood - limits.connections_max) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(closed, flood - limits.connections_max);
}

// When every slot holds a connection that is sending a request (none idle to evict), a new
// connection gets the fixed 503 UNAVAILABLE document at once and is closed; the busy ones are
// still served.
TEST_F(RpcServerTest, NewcomerIs503WhenEverySlotIsBusy) {
  rpc::RpcLimits limits;
  limits.connections_max = 4;
  limits.threads = 4;  // each busy connection holds a worker; none waits for one
  serve(limits);
  std::vector<std::unique_ptr<RawClient>> busy;
  for (std::size_t i = 0; i < limits.connections_max; ++i) {
    busy.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(busy.back()->connected());
    ASSERT_TRUE(busy.back()->send_all("GET /v1/status HTTP/1.1\r\n"));
  }
  for (int i = 0; i < 100 && server->stats().connections_open < limits.connections_max; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  RawClient newcomer(port);
  ASSERT_TRUE(newcomer.connected());
  const auto answer = newcomer.read_until_closed(3000);
  EXPECT_TRUE(answer.closed);
  EXPECT_EQ(status_of(answer.bytes), 503) << answer.bytes;
  EXPECT_EQ(code_of(answer.bytes), "UNAVAILABLE");
  EXPECT_EQ(server->stats().connections_refused, 1u);

  ASSERT_TRUE(busy[0]->send_all("Host: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const auto served = busy[0]->read_until_closed(3000);
  EXPECT_EQ(status_of(served.bytes), 200) << served.bytes;
}

// A 10 MiB chunked POST: httplib 0.11 would read it whole before any size check. It is refused
// with 411 from its headers, and the server stops reading: the answer arrives (or the
// connection is closed) long before the client has sent the body.
TEST_F(RpcServerTest, ChunkedBodyIsRefusedBeforeItIsRead) {
  RawClient c(port);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.send_all("POST /v1/tx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";  // 64 KiB
  constexpr std::size_t chunks = 160;                                          // 10 MiB
  std::size_t sent = 0;
  while (sent < chunks && !c.readable(0) && c.send_all(chunk)) sent++;
  if (sent == chunks) c.send_all("0\r\n\r\n");
  const auto answer = c.read_until_closed(5000);
  EXPECT_LT(sent, chunks) << "the server read the whole 10 MiB body";
  EXPECT_EQ(status_of(answer.bytes), 411) << answer.bytes.substr(0, 300);
  EXPECT_EQ(code_of(answer.bytes), "LENGTH_REQUIRED");
  EXPECT_TRUE(node.submitted().empty());
}

// A body without a length (httplib reads it until the client closes) is 411; a compressed one
// (inflated without a bound) is 415; both at once, from the headers.
TEST_F(RpcServerTest, UnframedAndCompressedBodiesAreRefusedFromTheHeaders) {
  {
    RawClient c(port);
    ASSERT_TRUE(c.send_all("POST /v1/tx HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n{\"tx\": \"00\"}"));
    const auto answer = c.read_until_closed(3000);
    EXPECT_EQ(status_of(answer.bytes), 411) << answer.bytes;
    EXPECT_EQ(code_of(answer.bytes), "LENGTH_REQUIRED");
  }
  {
    const std::string body(20, 'x');
    RawClient c(port);
    ASSERT_TRUE(c.send_all("POST /v1/tx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body));
    const auto answer = c.read_until_closed(3000);
    EXPECT_EQ(status_of(answer.bytes), 415) << answer.bytes;
    EXPECT_EQ(code_of(answer.bytes), "UNSUPPORTED_MEDIA_TYPE");
  }
  EXPECT_TRUE(node.submitted().empty());
}

// Endless headers (each line under httplib's 8 KiB line cap, but no cap on their number): the
// server stops reading after its header allowance and closes the connection.
TEST_F(RpcServerTest, EndlessHeadersAreCut) {
  RawClient c(port);
  ASSERT_TRUE(c.send_all("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  const std::string line = "X-Pad: " + std::string(1000, 'a') + "\r\n";
  constexpr std::size_t lines = 8 * 1024;  // 8 MiB
  std::size_t sent = 0;
  while (sent < lines && !c.readable(0) && c.send_all(line)) sent++;
  const auto answer = c.read_until_closed(3000);
  EXPECT_LT(sent, lines) << "the server read 8 MiB of headers";
  EXPECT_TRUE(answer.closed);
}

// The request clock restarts with each request: a keep-alive client that makes requests for
// longer than request_time_max_ms is never cut, on one connection.
TEST_F(RpcServerTest, KeepAliveClientIsNotCut) {
  rpc::RpcLimits limits;
  limits.request_time_max_ms = 300;
  serve(limits);
  httplib::Client c(url());
  c.set_keep_alive(true);
  c.set_read_timeout(5, 0);
  for (int i = 0; i < 20; ++i) {  // 20 × 50 ms: over three times the limit
    auto res = c.Get("/v1/status");
    ASSERT_TRUE(res) << i << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const rpc::RpcStats stats = server->stats();
  EXPECT_EQ(stats.connections_cut, 0u);
  EXPECT_EQ(stats.connections_accepted, 1u);
}

// ----------------------------------------------------------------------------------- client

TEST(RpcClient, UnreachableWhenNothingListens) {
  FakeNode node;
  std::uint16_t port = 0;
  {
    rpc::RpcServer s(node);
    port = *s.listen("127.0.0.1", 0);
  }  // bound, never started, closed: nothing listens there now
  const rpc::RpcClient c("http://127.0.0.1:" + std::to_string(port), 1000);
  for (auto r : {c.get("/v1/status"), c.post("/v1/tx", json::object())}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, RpcErrorKind::unreachable);
    EXPECT_EQ(r.error().http_status, 0);
    EXPECT_TRUE(r.error().document.is_null());
  }
  EXPECT_EQ(c.tx_status(core::Hash32{}).error().kind, RpcErrorKind::unreachable);
  EXPECT_EQ(c.submit(sample_tx()).error().kind, RpcErrorKind::unreachable);
}

TEST_F(RpcServerTest, SlowNodeIsATimeoutNotAnHttpError) {
  node.slow_ms_ = 1500;
  const auto start = std::chrono::steady_clock::now();
  auto r = rpc::RpcClient(url(), 200).block(1);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RpcErrorKind::unreachable);
  EXPECT_LT(waited, std::chrono::milliseconds(1200));
  node.slow_ms_ = 0;
}

TEST(RpcClient, RefusesUrlsThatAreNotHttpHostPort) {
  for (const char* bad : {"", "127.0.0.1:8080", "https://127.0.0.1:1", "http://", "http://h:0", "http://h:65536",
                          "http://h:1/v1", "ftp://h:1", "http://h h:1"}) {
    auto r = rpc::RpcClient(bad).status();
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, RpcErrorKind::bad_url) << bad;
  }
}

TEST_F(RpcServerTest, UrlWithTrailingSlashOrNameWorks) {
  EXPECT_TRUE(rpc::RpcClient(url() + "/").status().ok());
  EXPECT_TRUE(rpc::RpcClient("http://localhost:" + std::to_string(port)).status().ok());
}
