// The epoch chain on real processes (node/protocol/epoch, docs/DESIGN.md §4 "Epoch chain"):
// `ios devnet up --shards 2 --epoch-length 3s` forms an epoch record every few seconds — the
// lottery's winner runs RandHound with all 12 validators over their real connections and 2/3
// co-sign the record — while both shards keep finalizing under load; `ios epoch show` returns
// a chain that `ios epoch verify` accepts offline; and a lottery winner killed with SIGKILL
// during its RandHound run is replaced by a backup that produces the record.
#include <csignal>
#include <map>
#include <thread>

#include "devnet/devnet_harness.hpp"

namespace ios::test {
namespace {

std::uint64_t epoch_at(const std::string& url) {
  try {
    auto st = rpc_get(url, "/v1/status");
    return st["epoch_chain"]["epoch"].get<std::uint64_t>();
  } catch (const std::exception&) {
    return 0;
  }
}

TEST(DevnetEpochs, EpochsFormUnderLoadVerifyOfflineAndSurviveTheKilledLotteryWinner) {
  Devnet net("--shards 2 --validators 12 --epoch-length 3s");
  ASSERT_TRUE(net.up());
  const auto& nodes = net.nodes();
  std::map<std::uint32_t, std::string> shard_url;
  for (const auto& n : nodes) shard_url.emplace(n.shard, n.rpc_url);
  ASSERT_EQ(shard_url.size(), 2u);

  // Load on both shards while epochs 1..3 form; every shard's height grows within each epoch.
  std::thread load([&] {
    auto r = net.ios("tx load --tps 20 --duration 15s --wait final -q --json");
    EXPECT_EQ(r.code, 0) << r.err << r.out;
  });
  std::map<std::uint64_t, std::map<std::uint32_t, std::uint64_t>> first_height, last_height;  // epoch -> shard -> height
  const bool three = eventually(60'000, [&] {
    const auto epoch = epoch_at(nodes[0].rpc_url);
    for (const auto& [s, url] : shard_url) {
      const auto h = height_at(url);
      first_height[epoch].try_emplace(s, h);
      last_height[epoch][s] = h;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return epoch >= 3;
  });
  load.join();
  ASSERT_TRUE(three) << net.every_log();
  for (std::uint64_t e = 0; e < 3; ++e)
    for (std::uint32_t s = 0; s < 2; ++s)
      EXPECT_GT(last_height[e][s], first_height[e][s]) << "shard " << s << " finalized nothing while the chain was at epoch " << e;

  // The chain up to record 3, from a node, verifies offline against the genesis alone.
  const auto chain = net.home() + "/chain.json";
  auto shown = net.ios("epoch show 3 --out " + chain + " --json");
  ASSERT_EQ(shown.code, 0) << shown.err << shown.out;
  ASSERT_EQ(shown.json()["chain"]["records"].size(), 3u);
  EXPECT_TRUE(shown.json()["chain"]["records"][2].contains("transcript"));
  auto verified = run_ios("epoch verify " + chain + " --genesis " + net.home() + "/genesis.json --json");
  ASSERT_EQ(verified.code, 0) << verified.err << verified.out;
  EXPECT_EQ(verified.json()["epochs"], 3);
  // Record 3's RandHound transcript alone: `ios drp verify` checks it offline against the
  // chain whose validators were its servers, and refuses it as anything else.
  const auto rnd = net.home() + "/rnd3.json";
  auto drp = net.ios("drp show --epoch 3 --out " + rnd + " --json");
  ASSERT_EQ(drp.code, 0) << drp.err << drp.out;
  EXPECT_EQ(drp.json()["randomness"], shown.json()["chain"]["records"][2]["randomness"]);
  auto drp_ok = run_ios("drp verify " + rnd + " --genesis " + net.home() + "/genesis.json --json");
  ASSERT_EQ(drp_ok.code, 0) << drp_ok.err << drp_ok.out;
  EXPECT_EQ(drp_ok.json()["randomness"], shown.json()["chain"]["records"][2]["randomness"]);
  EXPECT_NE(run_ios("drp verify " + rnd).code, 0) << "its servers' PoPs are bound to the devnet's chain id";

  // Kill -9 the lottery winner while it runs RandHound: a backup produces the record. A kill
  // that lands after the record was already formed proves nothing, so it is detected and the
  // next epoch is tried (at most three times).
  bool replaced = false;
  for (int tries = 0; tries < 3 && !replaced; ++tries) {
    std::optional<DevnetNode> victim;
    std::uint64_t forming = 0;
    ASSERT_TRUE(eventually(30'000, [&] {
      for (const auto& n : nodes) {
        if (!pid_alive(n.pid)) continue;
        nlohmann::json f;
        try {
          f = rpc_get(n.rpc_url, "/v1/status")["epoch_chain"]["forming"];
        } catch (const std::exception&) {
          continue;
        }
        if (f.is_object() && f["phase"] == "drp" && f.contains("candidate") && f["attempt"] == 0) {
          const auto c = f["candidate"].get<std::uint32_t>();
          if (!pid_alive(nodes[c].pid)) continue;
          victim = nodes[c];
          forming = f["epoch"].get<std::uint64_t>();
          return true;
        }
        break;  // one live node's view is enough
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return false;
    })) << net.every_log();
    ASSERT_EQ(::kill(static_cast<pid_t>(victim->pid), SIGKILL), 0);
    // Each live node's view of the epoch it forms: phase, view, attempt, candidate, lock.
    const auto forming_everywhere = [&] {
      std::string all;
      for (const auto& n : nodes) {
        if (!pid_alive(n.pid)) continue;
        try {
          all += n.name + " " + rpc_get(n.rpc_url, "/v1/status")["epoch_chain"].dump() + "\n";
        } catch (const std::exception& e) {
          all += n.name + " " + e.what() + "\n";
        }
      }
      return all;
    };
    const DevnetNode* witness = nullptr;
    for (const auto& n : nodes)
      if (n.index != victim->index && pid_alive(n.pid)) witness = &n;
    ASSERT_NE(witness, nullptr);
    ASSERT_TRUE(eventually(60'000, [&] { return epoch_at(witness->rpc_url) >= forming; }))
        << "no record " << forming << " after the winner was killed\n" << forming_everywhere() << net.every_log();
    auto doc = rpc_get(witness->rpc_url, "/v1/epochs/" + std::to_string(forming));
    const auto& record = doc["chain"]["records"].back();
    std::cout << "[ kill ] " << victim->name << ", the lottery winner of epoch " << forming << "; record " << forming
              << " led by validator " << record["leader"] << "\n";
    if (record["leader"].get<std::uint32_t>() == victim->index) continue;  // the kill came after its record
    replaced = true;
    EXPECT_GE(record["cosi"]["signers"].get<std::size_t>(), 9u) << "2/3 of 12 co-signed";
    // The chain through the replaced epoch verifies too.
    auto out = net.ios("epoch show " + std::to_string(forming) + " --rpc " + witness->rpc_url + " --out " + chain +
                       " --force -q");
    ASSERT_EQ(out.code, 0) << out.err;
    auto again = run_ios("epoch verify " + chain + " --genesis " + net.home() + "/genesis.json");
    EXPECT_EQ(again.code, 0) << again.err << again.out;
  }
  EXPECT_TRUE(replaced) << "the winner was never killed during its RandHound run in three epochs";
}

}  // namespace
}  // namespace ios::test
