// Devnet test 3 (docs/security.md "Bad input on a live devnet"): bad input against a live devnet —
// malformed and oversized frames on a node's peer port, garbage RPC bodies, a forged signature, a
// double spend. Each is refused (the socket closed, a JSON error with the documented status, the tx
// refused, exactly one spend final) and every node keeps running and answering.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "devnet/devnet_harness.hpp"
#include "node/rpc/http.hpp"

namespace ios::test {
namespace {

// Sends `bytes` to 127.0.0.1:port and reports whether the node closed the connection within 5 s.
bool node_closes_after(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  bool closed = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return false;
  }
  if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    closed = errno == EPIPE || errno == ECONNRESET;  // hung up while we were still sending
  } else {
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd, buf, sizeof(buf), 0);
      if (n > 0) continue;  // a handshake greeting: read on until the node hangs up
      closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
  }
  ::close(fd);
  return closed;
}

void expect_all_answer(const Devnet& net) {
  for (const auto& n : net.nodes()) {
    EXPECT_TRUE(pid_alive(n.pid)) << n.name;
    EXPECT_EQ(rpc_get(n.rpc_url, "/v1/status").value("schema", ""), "ios.rpc.status.v1") << n.name;
  }
}

struct Spendable {
  chain::Address owner;
  chain::OutPoint point;
  std::uint64_t amount = 0;
};

Spendable first_utxo(const std::string& url, const chain::Address& owner) {
  auto doc = rpc_get(url, "/v1/accounts/" + owner.to_string());
  const auto& u = doc.at("utxos").at(0);
  return {owner, {*core::from_hex_fixed<32>(u["tx"].get<std::string>()), u["index"].get<std::uint32_t>()},
          std::stoull(u["amount"].get<std::string>())};
}

TEST(DevnetBadInput, EveryRefusalLeavesEveryNodeRunning) {
  Devnet net;
  ASSERT_TRUE(net.up());
  const auto& node0 = net.nodes().front();

  // Peer port: garbage, a length prefix far over any limit, a truncated header then silence.
  EXPECT_TRUE(node_closes_after(node0.p2p, std::string("\x00\x00\x00\x08garbage!", 12)));
  EXPECT_TRUE(node_closes_after(node0.p2p, std::string("\xff\xff\xff\xff", 4) + std::string(64, 'x')));
  EXPECT_TRUE(node_closes_after(node0.p2p, std::string(1 << 16, '\xab')));
  expect_all_answer(net);

  // RPC: garbage and oversized bodies, unknown routes.
  httplib::Client http(node0.rpc_url);
  for (const std::string body : {"not json", "{\"tx\":\"zz\"}", "{\"tx\":\"00\"}", "[]", "{\"tx\":1}"}) {
    auto r = http.Post("/v1/tx", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_EQ(nlohmann::json::parse(r->body, nullptr, false).value("schema", ""), "ios.rpc.error.v1") << r->body;
  }
  auto big = http.Post("/v1/tx", std::string(2u << 20, 'a'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto none = http.Get("/v1/nope");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  EXPECT_EQ(nlohmann::json::parse(none->body, nullptr, false).value("schema", ""), "ios.rpc.error.v1");
  expect_all_answer(net);

  // A forged witness is refused with the reason.
  const auto accounts = net.accounts();
  const auto chain_id_text = rpc_get(node0.rpc_url, "/v1/status")["chain_id"].get<std::string>();
  const core::Bytes chain_id(chain_id_text.begin(), chain_id_text.end());
  const auto key = net.account_key(accounts[0].first);
  const auto coin = first_utxo(node0.rpc_url, accounts[0].second);
  auto forged = chain::make_transfer({{coin.point, &key}}, {{accounts[1].second, chain::Asset::ios, coin.amount - 1}}, 1, 7, chain_id);
  forged.inputs[0].witness[0] ^= 1;
  rpc::RpcClient client(node0.rpc_url);
  auto refused = client.submit(forged);
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_FALSE(refused->accepted);
  EXPECT_NE(refused->reason.find("bad_signature"), std::string::npos) << refused->reason;

  // A transaction without inputs decodes and has no witness to fail: it is refused by its shape,
  // not by a crash (review of issue 10: the door read the first input's owner before any check).
  chain::Tx empty;
  empty.outputs.push_back({accounts[1].second, chain::Asset::ios, 5});
  empty.fee = 1;
  for (int twice = 0; twice < 2; ++twice) {
    auto shapeless = client.submit(empty);
    ASSERT_TRUE(shapeless) << shapeless.error().message;
    EXPECT_FALSE(shapeless->accepted);
  }

  // A double spend: the same coin to two recipients, through two nodes. Exactly one is final.
  const auto a = chain::make_transfer({{coin.point, &key}}, {{accounts[1].second, chain::Asset::ios, coin.amount - 1}}, 1, 1, chain_id);
  const auto b = chain::make_transfer({{coin.point, &key}}, {{accounts[2].second, chain::Asset::ios, coin.amount - 1}}, 1, 2, chain_id);
  rpc::RpcClient other(net.nodes()[1].rpc_url);
  (void)client.submit(a);
  (void)other.submit(b);
  const auto ha = chain::tx_hash(a);
  const auto hb = chain::tx_hash(b);
  ASSERT_TRUE(eventually(20000, [&] {
    return tx_state_at(node0.rpc_url, ha) == rpc::TxState::final || tx_state_at(node0.rpc_url, hb) == rpc::TxState::final;
  }));
  // A few more blocks, so a second spend would have had its chance.
  const auto h = height_at(node0.rpc_url);
  ASSERT_TRUE(eventually(10000, [&] { return height_at(node0.rpc_url) >= h + 3; }));
  for (const auto& n : net.nodes()) {
    const int finals = (tx_state_at(n.rpc_url, ha) == rpc::TxState::final) + (tx_state_at(n.rpc_url, hb) == rpc::TxState::final);
    EXPECT_EQ(finals, 1) << n.name;
  }
  // The same transfer POSTed again and again: accepted each time (the door holds it), sent on at
  // most once per interval, one transfer on the chain.
  const auto key4 = net.account_key(accounts[4].first);
  const auto coin4 = first_utxo(node0.rpc_url, accounts[4].second);
  const auto again = chain::make_transfer(
      {{coin4.point, &key4}},
      {{accounts[3].second, chain::Asset::ios, 3}, {accounts[4].second, chain::Asset::ios, coin4.amount - 4}}, 1, 9, chain_id);
  for (int i = 0; i < 50; ++i) {
    auto r = client.submit(again);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->accepted) << r->reason;
  }
  ASSERT_TRUE(eventually(20000, [&] { return tx_state_at(node0.rpc_url, chain::tx_hash(again)) == rpc::TxState::final; }));
  auto after = client.submit(again);  // once final: still accepted, nothing sent
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_TRUE(after->accepted) << after->reason;
  expect_all_answer(net);
  net.down();
}

}  // namespace
}  // namespace ios::test
