// TransEpoch on real processes (node/protocol/transepoch/README.md; docs/DESIGN.md §4
// "TransEpoch"): on `ios devnet up --shards 2 --validators 12 --epoch-length 3s` every epoch
// record re-forms both shards, and validators move between them in batches while both keep
// finalizing under load. Checked here on the processes themselves: nodes change shards; each
// shard's chain is one chain of linked blocks across epochs and steps; the load's transfers
// all become final (the CLI follows a chain to a node that serves its shard now); and
// `ios devnet status` shows each shard's segment. The longest gap between two final blocks of
// a shard across the swaps is printed (README "TransEpoch on a devnet").
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "devnet/devnet_harness.hpp"

namespace ios::test {
namespace {

TEST(DevnetTransEpoch, ValidatorsMoveBetweenShardsThatKeepOneLinkedChainAndFinalizeEveryTransfer) {
  Devnet net("--shards 2 --validators 12 --epoch-length 3s");
  ASSERT_TRUE(net.up());
  const auto& nodes = net.nodes();

  nlohmann::json load_report;
  std::thread load([&] {
    auto r = net.ios("tx load --tps 20 --duration 15s --wait final -q --json");
    EXPECT_EQ(r.code, 0) << r.err << r.out;
    load_report = r.json();
  });
  // Every node's shard over time, until both shards run segments of epoch 3; meanwhile each
  // shard's blocks, read from whichever node serves it at the time (a node's store holds a
  // shard's blocks only from when it joined), each checked to link to the one before.
  struct Block {
    std::string hash;
    std::uint64_t epoch = 0, time_ms = 0;
  };
  std::map<std::uint32_t, std::map<std::uint64_t, Block>> chain;  // shard -> height -> block
  std::map<std::uint32_t, std::set<std::uint32_t>> shards_of;      // node -> shards it served
  std::map<std::uint32_t, std::uint64_t> segment_epoch;            // shard -> highest segment epoch seen
  const auto follow = [&](std::uint32_t shard, const std::string& url, std::uint64_t top) {
    auto& blocks = chain[shard];
    for (std::uint64_t h = blocks.empty() ? 1 : blocks.rbegin()->first + 1; h <= top; ++h) {
      auto b = rpc_get(url, "/v1/blocks/" + std::to_string(h));
      // The node may have moved to the other shard since it said where it was: next time.
      if (!b.is_object() || !b.contains("hash") || b["shard"] != shard) return;
      if (h > 1) {
        ASSERT_TRUE(blocks.contains(h - 1));
        EXPECT_EQ(b["prev"].get<std::string>(), blocks[h - 1].hash) << "shard " << shard << " height " << h;
      }
      blocks[h] = {b["hash"].get<std::string>(), b["epoch"].get<std::uint64_t>(), b["time_ms"].get<std::uint64_t>()};
    }
  };
  const bool three = eventually(90'000, [&] {
    for (const auto& n : nodes) {
      auto st = rpc_get(n.rpc_url, "/v1/status");
      if (!st.is_object() || !st.contains("shard") || st.value("role", "") == "joining") continue;
      const auto shard = st["shard"].get<std::uint32_t>();
      shards_of[n.index].insert(shard);
      segment_epoch[shard] = std::max(segment_epoch[shard], st.value("epoch", std::uint64_t{0}));
      follow(shard, n.rpc_url, st.value("height", std::uint64_t{0}));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return segment_epoch.size() == 2 && segment_epoch[0] >= 3 && segment_epoch[1] >= 3;
  });
  load.join();
  ASSERT_TRUE(three) << net.every_log();

  // Validators moved: EDS re-draws both shards of 6 from fresh randomness each epoch (all six
  // staying put in three epochs running has odds below one in 10^8).
  std::size_t moved = 0;
  for (const auto& [index, shards] : shards_of) moved += shards.size() > 1 ? 1 : 0;
  EXPECT_GT(moved, 0u) << "no node changed shards over three epochs";
  std::cout << "[ moved ] " << moved << " of 12 nodes served both shards\n";

  // The load ran across the swaps: every transfer final, none refused.
  ASSERT_TRUE(load_report.is_object());
  EXPECT_EQ(load_report["rejected"], 0) << load_report.dump();
  EXPECT_EQ(load_report["final"], load_report["submitted"]) << load_report.dump();
  EXPECT_GT(load_report["submitted"].get<std::uint64_t>(), 200u) << load_report.dump();
  std::cout << "[ load ] " << load_report["final"] << " of " << load_report["submitted"] << " final, "
            << load_report["rerouted"] << " chains rerouted; final latency p50/p99 "
            << load_report["latency_ms"]["final"]["p50"] << "/" << load_report["latency_ms"]["final"]["p99"] << " ms\n";

  // Each shard's chain is one chain from height 1 through epoch 3's segments, linked by hash
  // (checked as it was read), epochs never going back; the longest gap between two of its
  // blocks is printed.
  for (std::uint32_t shard = 0; shard < 2; ++shard) {
    const auto& blocks = chain[shard];
    ASSERT_FALSE(blocks.empty());
    EXPECT_EQ(blocks.begin()->first, 1u);
    EXPECT_EQ(blocks.rbegin()->first, blocks.size()) << "heights 1.." << blocks.rbegin()->first << " without a hole";
    std::uint64_t last_epoch = 0, gap_max = 0, gap_height = 0;
    for (auto it = blocks.begin(); it != blocks.end(); ++it) {
      EXPECT_GE(it->second.epoch, last_epoch) << "shard " << shard << " height " << it->first;
      last_epoch = it->second.epoch;
      if (it == blocks.begin()) continue;
      const auto gap = it->second.time_ms - std::prev(it)->second.time_ms;
      if (gap > gap_max) gap_max = gap, gap_height = it->first;
    }
    EXPECT_GE(last_epoch, 3u) << "shard " << shard << "'s blocks never reached epoch 3";
    std::cout << "[ chain ] shard " << shard << ": " << blocks.size() << " linked blocks through epoch " << last_epoch
              << "; longest gap " << gap_max << " ms (before height " << gap_height << ")\n";
  }

  // Balances exact on every node of each shard, while members keep moving: a batch of transfers
  // inside each shard (the wallet follows each sender's shard from node to node), then every
  // node serving a shard shows the balances the batch implies for all of the shard's accounts.
  const auto serving = [&](std::uint32_t shard) {
    std::vector<std::string> urls;
    for (const auto& n : nodes) {
      auto st = rpc_get(n.rpc_url, "/v1/status");
      if (st.is_object() && st.value("shard", 99u) == shard && st.value("role", "") != "joining") urls.push_back(n.rpc_url);
    }
    return urls;
  };
  const auto balances_of = [&](const std::string& url, const std::vector<std::pair<std::string, chain::Address>>& accounts) {
    std::map<std::string, std::optional<std::uint64_t>> out;
    for (const auto& [name, address] : accounts) out[name] = balance_at(url, address);
    return out;
  };
  std::map<std::uint32_t, std::vector<std::pair<std::string, chain::Address>>> accounts_of;
  for (const auto& a : net.accounts()) accounts_of[a.second.shard(2)].push_back(a);
  ASSERT_EQ(accounts_of.size(), 2u);
  // The starting balances: the load is final, so the serving nodes agree once each caught up.
  std::map<std::string, std::int64_t> expected;
  for (const auto& [shard, accounts] : accounts_of) {
    ASSERT_GE(accounts.size(), 2u);
    std::map<std::string, std::optional<std::uint64_t>> agreed;
    ASSERT_TRUE(eventually(20'000, [&] {
      const auto urls = serving(shard);
      if (urls.empty()) return false;
      agreed = balances_of(urls.front(), accounts);
      for (const auto& url : urls)
        if (balances_of(url, accounts) != agreed) return false;
      return std::all_of(agreed.begin(), agreed.end(), [](const auto& b) { return b.second.has_value(); });
    })) << "the nodes of shard " << shard << " never agreed on the balances after the load";
    for (const auto& [name, b] : agreed) expected[name] = static_cast<std::int64_t>(*b);
  }
  std::ofstream batch(net.home() + "/intra.ndjson");
  std::size_t lines = 0;
  for (std::size_t round = 0; round < 6; ++round)
    for (const auto& [shard, accounts] : accounts_of)
      for (std::size_t i = 0; i < accounts.size(); ++i, ++lines) {
        const auto& from = accounts[i].first;
        const auto& to = accounts[(i + 1 + round) % accounts.size()].first;
        if (from == to) continue;
        const std::int64_t amount = 1 + static_cast<std::int64_t>((i + round) % 7);
        batch << nlohmann::json{{"from", from}, {"to", to}, {"amount", std::to_string(amount)}, {"fee", "1"}}.dump() << "\n";
        expected[from] -= amount + 1;
        expected[to] += amount;
      }
  batch.close();
  const auto r = net.ios("tx batch " + net.home() + "/intra.ndjson --wait final --timeout 60s -o ndjson -q");
  if (r.code != 0) {
    // What each node says of the first transfers that did not end final: which node knew what.
    std::string seen;
    std::size_t shown = 0;
    for (const auto& d : lines_with_schema(r.out, "ios.tx.send.v1")) {
      if (d.value("state", "") == "final" || !d.contains("hash") || shown++ == 3) continue;
      seen += "line " + std::to_string(d.value("line", 0)) + " " + d["hash"].get<std::string>() + ":";
      for (const auto& node : net.nodes()) {
        const auto url = Devnet::rpc_url_of(node);
        const auto status = rpc_get(url, "/v1/status");
        const auto tx = rpc_get(url, "/v1/tx/" + d["hash"].get<std::string>());
        seen += " " + node.name + "(shard " + (status.is_object() ? status.value("shard", nlohmann::json()).dump() : "?") +
                ")=" + (tx.is_object() ? tx.value("state", std::string("?")) + " " + tx.value("reason", std::string()) : "-");
      }
      seen += "\n";
    }
    FAIL() << r.err << r.out.substr(0, 2000) << "\n--- the first unfinished transfers on every node\n" << seen
           << net.every_log_tail(40);
  }
  for (const auto& d : lines_with_schema(r.out, "ios.tx.send.v1")) EXPECT_EQ(d["state"], "final") << d.dump();
  for (const auto& [shard, accounts] : accounts_of) {
    std::map<std::string, std::optional<std::uint64_t>> want;
    for (const auto& [name, address] : accounts) want[name] = static_cast<std::uint64_t>(expected[name]);
    std::string last;
    EXPECT_TRUE(eventually(20'000, [&] {
      const auto urls = serving(shard);
      for (const auto& url : urls)
        if (balances_of(url, accounts) != want) return last = url, false;
      return !urls.empty();
    })) << "shard " << shard << ": " << last << " does not show the balances the batch implies";
    std::cout << "[ balances ] shard " << shard << ": " << accounts.size() << " accounts exact on " << serving(shard).size()
              << " nodes\n";
  }

  // The status shows each shard's segment and the leagues in it: its 6 members, as one league
  // in a step before the last and as 2 believable and 4 normal in the last, once every member
  // has reached the shard's latest segment (a snapshot during a swap can catch one a step
  // behind, so it is asked again).
  EXPECT_TRUE(eventually(10'000, [&] {
    auto status = net.ios("devnet status --json");
    if (status.code != 0) return false;
    const auto doc = status.json();  // the loop below must not range over a temporary's member
    for (const auto& s : doc["shards"])
      if (s["epoch"].get<std::uint64_t>() < 3 || s["believable"].size() + s["normal"].size() != 6 ||
          (s["believable"].size() != 0 && s["believable"].size() != 2))
        return false;
    return true;
  })) << net.ios("devnet status").out;
}

}  // namespace
}  // namespace ios::test
