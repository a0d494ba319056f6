// Devnet test 1 (docs/security.md "Bad input on a live devnet"): 1,000 transfers from every dev
// account through `ios tx batch` on a real six-node devnet; all final, and every node's balances
// equal the arithmetic of the file.
#include <map>

#include "devnet/devnet_harness.hpp"

namespace ios::test {
namespace {

TEST(DevnetTransfers, ThousandTransfersAllFinalBalancesExactOnEveryNode) {
  Devnet net;
  ASSERT_TRUE(net.up());
  const auto accounts = net.accounts();
  ASSERT_GE(accounts.size(), 8u);
  const std::string& url = net.nodes().front().rpc_url;

  std::map<std::string, std::uint64_t> expected;
  for (const auto& [name, address] : accounts) {
    auto b = balance_at(url, address);
    ASSERT_TRUE(b) << name;
    expected[name] = *b;
  }
  const std::size_t n = accounts.size();
  const std::size_t transfers = 1000;
  std::ofstream batch(net.home() + "/batch.ndjson");
  for (std::size_t i = 0; i < transfers; ++i) {
    const auto& from = accounts[i % n].first;
    const auto& to = accounts[(i * 7 + 3) % n].first;  // never the sender: 6i + 3 is odd
    const std::uint64_t amount = 1 + i % 13;
    const std::uint64_t fee = 1 + i % 2;
    batch << nlohmann::json{{"from", from}, {"to", to}, {"amount", std::to_string(amount)}, {"fee", std::to_string(fee)}}.dump()
          << "\n";
    expected[from] -= amount + fee;
    expected[to] += amount;
  }
  batch.close();

  const auto r = net.ios("tx batch " + net.home() + "/batch.ndjson --wait final --timeout 60s -o ndjson -q");
  ASSERT_EQ(r.code, 0) << r.err << r.out.substr(0, 2000);
  const auto results = lines_with_schema(r.out, "ios.tx.send.v1");
  ASSERT_EQ(results.size(), transfers);
  std::uint64_t top = 0;
  for (const auto& d : results) {
    EXPECT_EQ(d["state"], "final") << d.dump();
    top = std::max<std::uint64_t>(top, d.value("height", std::uint64_t{0}));
  }
  const auto summary = lines_with_schema(r.out, "ios.tx.batch.summary.v1");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0]["ok"], transfers);
  EXPECT_EQ(summary[0]["failed"], 0);

  // Every node, once it applied the last block holding a transfer, shows the same balances.
  for (const auto& node : net.nodes()) {
    ASSERT_TRUE(eventually(15000, [&] { return height_at(node.rpc_url) >= top; })) << node.name << " stuck below " << top;
    for (const auto& [name, address] : accounts) {
      EXPECT_EQ(balance_at(node.rpc_url, address), expected[name]) << node.name << " " << name;
    }
  }
  net.down();
}

}  // namespace
}  // namespace ios::test
