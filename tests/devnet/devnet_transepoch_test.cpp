// TransEpoch on real processes (node/protocol/transepoch/README.md; docs/DESIGN.md §4
// "TransEpoch"): on `ios devnet up --shards 2 --validators 12 --epoch-length 3s` every epoch
// record re-forms both shards, and validators move between them in batches while both keep
// finalizing under load. Checked here on the processes themselves: nodes change shards; each
// shard's chain is one chain of linked blocks across epochs and steps; the load's transfers
// all become final (the CLI follows a chain to a node that serves its shard now); and
// `ios devnet status` shows each shard's segment. The longest gap between two final blocks of
// a shard across the swaps is printed (README "TransEpoch on a devnet").
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
