// A sharded devnet on real processes (docs/DESIGN.md §4 "EDS"): `ios devnet up --shards 2`
// starts 12 validators that EDS cuts into two shards of 6; each shard finalizes the transfers of
// its own accounts, every node of a shard agrees on exact balances, the CLI routes each command
// to a node of the right shard, and a payment across shards is refused with a reason that says
// so (Atomix is not built yet) instead of being lost.
#include <algorithm>
#include <map>

#include "devnet/devnet_harness.hpp"

namespace ios::test {
namespace {

TEST(DevnetShards, EachShardFinalizesItsOwnTransfersAndRefusesCrossShardOnes) {
  Devnet net("--shards 2 --validators 12");
  ASSERT_TRUE(net.up());
  ASSERT_EQ(net.nodes().size(), 12u);

  // The status names both shards with their leagues, and every node the shard it serves.
  auto status = net.ios("devnet status --json");
  ASSERT_EQ(status.code, 0) << status.err << status.out;
  const auto st = status.json();
  ASSERT_EQ(st["shards"].size(), 2u) << st.dump();
  std::map<std::uint32_t, std::vector<DevnetNode>> by_shard;
  for (const auto& n : net.nodes()) by_shard[n.shard].push_back(n);
  for (std::uint32_t s = 0; s < 2; ++s) {
    EXPECT_EQ(st["shards"][s]["shard"], s);
    EXPECT_EQ(st["shards"][s]["believable"].size(), 2u) << st.dump();
    EXPECT_EQ(st["shards"][s]["normal"].size(), 4u) << st.dump();
    // Its ByzCoin leader is a member of its own normal league.
    const auto& leader = st["shards"][s]["leader"];
    ASSERT_TRUE(leader.is_number_unsigned()) << st.dump();
    const auto leader_name = "node" + std::to_string(leader.get<std::uint32_t>());
    EXPECT_NE(std::find(st["shards"][s]["normal"].begin(), st["shards"][s]["normal"].end(), leader_name),
              st["shards"][s]["normal"].end())
        << leader_name << " leads shard " << s << ": " << st.dump();
    ASSERT_EQ(by_shard[s].size(), 6u) << "EDS cuts 12 into 6 and 6";
    for (const auto& n : by_shard[s]) {
      EXPECT_EQ(rpc_get(n.rpc_url, "/v1/status")["shard"], s) << n.name;
      EXPECT_EQ(rpc_get(n.rpc_url, "/v1/status")["shards"], 2u) << n.name;
    }
  }

  // The dev accounts of each shard (16 accounts: both shards hold several for this seed).
  std::map<std::uint32_t, std::vector<std::pair<std::string, chain::Address>>> accounts;
  for (const auto& a : net.accounts()) accounts[a.second.shard(2)].push_back(a);
  ASSERT_GE(accounts[0].size(), 3u);
  ASSERT_GE(accounts[1].size(), 3u);

  // In each shard: three transfers along a chain of accounts, all final. The CLI picks a node
  // of the payer's shard by itself.
  constexpr std::uint64_t genesis_balance = 1'000'000'000, fee = 1;
  std::map<std::string, std::uint64_t> expected;
  for (const auto& [s, list] : accounts)
    for (const auto& [name, address] : list) expected[name] = genesis_balance;
  for (std::uint32_t s = 0; s < 2; ++s) {
    const auto& a = accounts[s];
    const std::vector<std::tuple<std::size_t, std::size_t, std::uint64_t>> transfers = {{0, 1, 700}, {1, 2, 300}, {2, 0, 55}};
    for (const auto& [from, to, amount] : transfers) {
      auto sent = net.ios("tx send --from " + a[from].first + " --to " + a[to].first + " --amount " +
                          std::to_string(amount) + " --wait final --json -q");
      ASSERT_EQ(sent.code, 0) << sent.err << sent.out;
      EXPECT_EQ(sent.json()["state"], "final");
      expected[a[from].first] -= amount + fee;
      expected[a[to].first] += amount;
      // The hash alone is found in its shard.
      auto found = net.ios("tx status " + sent.json()["hash"].get<std::string>() + " --json");
      ASSERT_EQ(found.code, 0) << found.err;
      EXPECT_EQ(found.json()["state"], "final");
    }
  }

  // Across shards: refused at the door with cross_shard, exit 5, and nothing moves.
  auto cross = net.ios("tx send --from " + accounts[0][0].first + " --to " + accounts[1][0].first +
                       " --amount 10 --wait final --json -q");
  EXPECT_EQ(cross.code, 5) << cross.out << cross.err;
  EXPECT_NE(cross.out.find("cross_shard"), std::string::npos) << cross.out;

  // Every node of a shard agrees on the exact balance of each of the shard's accounts; a node of
  // the other shard answers 421 (misdirected) instead of a wrong zero.
  for (std::uint32_t s = 0; s < 2; ++s) {
    for (const auto& [name, address] : accounts[s]) {
      for (const auto& n : by_shard[s]) {
        EXPECT_TRUE(eventually(10'000, [&] { return balance_at(n.rpc_url, address) == expected[name]; }))
            << name << " on " << n.name << ": " << balance_at(n.rpc_url, address).value_or(0) << " != " << expected[name];
      }
      rpc::RpcClient other(by_shard[1 - s].front().rpc_url, 3000);
      auto answer = other.account(address);
      ASSERT_FALSE(answer.ok());
      EXPECT_EQ(answer.error().http_status, 421) << answer.error().message;
    }
  }
  // `ios account show` routes by the address, like tx send.
  auto shown = net.ios("account show " + accounts[1][1].first + " --json");
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(shown.json()["balance"], std::to_string(expected[accounts[1][1].first]));

  // Each shard's chain, by --shard: its blocks say whose they are.
  for (std::uint32_t s = 0; s < 2; ++s) {
    auto block = net.ios("block show latest --shard " + std::to_string(s) + " --json");
    ASSERT_EQ(block.code, 0) << block.err;
    EXPECT_EQ(block.json()["shard"], s);
    EXPECT_EQ(block.json()["epoch"], 0);
  }
  EXPECT_EQ(net.ios("block show latest --shard 2").code, 2) << "two shards: 0 and 1";

  // Both shards keep finalizing on their own.
  for (std::uint32_t s = 0; s < 2; ++s) {
    const auto h = height_at(by_shard[s].front().rpc_url);
    EXPECT_TRUE(eventually(10'000, [&] { return height_at(by_shard[s].back().rpc_url) > h + 3; })) << "shard " << s;
  }
}

}  // namespace
}  // namespace ios::test
