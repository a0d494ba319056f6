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

struct Seen {
  std::uint32_t shard = 0;
  std::uint64_t epoch = 0;  // of the segment it serves
  std::string role;
};

std::optional<Seen> seen_at(const std::string& url) {
  auto st = rpc_get(url, "/v1/status");
  if (!st.is_object() || !st.contains("shard") || st.value("role", "") == "joining") return std::nullopt;
  return Seen{st["shard"].get<std::uint32_t>(), st.value("epoch", std::uint64_t{0}), st.value("role", "")};
}

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
  // Every node's shard over time, until both shards run segments of epoch 3.
  std::map<std::uint32_t, std::set<std::uint32_t>> shards_of;  // node -> shards it served
  std::map<std::uint32_t, std::uint64_t> segment_epoch;        // shard -> highest segment epoch seen
  const bool three = eventually(90'000, [&] {
    for (const auto& n : nodes) {
      if (auto s = seen_at(n.rpc_url)) {
        shards_of[n.index].insert(s->shard);
        segment_epoch[s->shard] = std::max(segment_epoch[s->shard], s->epoch);
      }
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
            << load_report["rerouted"] << " chains rerouted\n";

  // Each shard's chain, read from a node that has served it from the genesis on (it holds every
  // block): heights 1..top link by hash across every epoch and step, and the epochs advance.
  for (std::uint32_t shard = 0; shard < 2; ++shard) {
    const DevnetNode* reader = nullptr;
    for (const auto& n : nodes) {
      const auto now = seen_at(n.rpc_url);
      if (now && now->shard == shard && n.shard == shard && shards_of[n.index].size() == 1) reader = &n;
    }
    if (reader == nullptr) {
      std::cout << "[ chain ] shard " << shard << ": every node of epoch 0 moved; no node holds the whole chain\n";
      continue;
    }
    const auto top = height_at(reader->rpc_url);
    std::string prev;
    std::uint64_t last_epoch = 0, last_time = 0, gap_max = 0, gap_height = 0;
    for (std::uint64_t h = 1; h <= top; ++h) {
      auto b = rpc_get(reader->rpc_url, "/v1/blocks/" + std::to_string(h));
      ASSERT_TRUE(b.is_object() && b.contains("hash")) << "shard " << shard << " height " << h;
      if (h > 1) {
        EXPECT_EQ(b["prev"].get<std::string>(), prev) << "shard " << shard << " height " << h;
      }
      EXPECT_EQ(b["shard"], shard);
      const auto epoch = b["epoch"].get<std::uint64_t>();
      EXPECT_GE(epoch, last_epoch) << "height " << h;
      const auto time = b["time_ms"].get<std::uint64_t>();
      if (h > 1 && time - last_time > gap_max) gap_max = time - last_time, gap_height = h;
      prev = b["hash"].get<std::string>();
      last_epoch = epoch;
      last_time = time;
    }
    EXPECT_GE(last_epoch, 2u) << "shard " << shard << "'s blocks never reached epoch 2";
    std::cout << "[ chain ] shard " << shard << ": " << top << " linked blocks through epoch " << last_epoch
              << "; longest gap " << gap_max << " ms (before height " << gap_height << ")\n";
  }

  // The status shows each shard's segment and each node's role in it.
  auto status = net.ios("devnet status --json");
  ASSERT_EQ(status.code, 0) << status.err << status.out;
  for (const auto& s : status.json()["shards"]) {
    EXPECT_GE(s["epoch"].get<std::uint64_t>(), 3u) << s.dump();
    EXPECT_EQ(s["believable"].size() + s["normal"].size(), 6u) << "the segment's leagues: " << s.dump();
  }
}

}  // namespace
}  // namespace ios::test
