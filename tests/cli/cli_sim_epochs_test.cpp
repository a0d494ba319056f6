// `ios sim run --epochs E` as a user runs it: the sharded system with epochs and TransEpoch in
// the simulator, its report in text and JSON, the same seed giving the same run, and the options
// that do not apply refused with exit 2.
#include <gtest/gtest.h>

#include "cli/run_ios.hpp"

using ios::test::run_ios;

TEST(CliSimEpochs, RunsTheShardedSystemAndReportsEveryShardPerEpoch) {
  const std::string args = "sim run --shards 2 --validators 6 --believable 1 --epochs 2 --tx-rate 10 --seed 3";
  auto r = run_ios(args + " --json");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.sim.epochs.v1");
  EXPECT_TRUE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["validators"], 12);
  EXPECT_EQ(doc["epochs_formed"], 2);
  ASSERT_EQ(doc["per_shard"].size(), 2u);
  bool moved = false;
  for (const auto& shard : doc["per_shard"]) {
    ASSERT_EQ(shard["epochs"].size(), 3u) << "epochs 0, 1 and 2";
    for (const auto& e : shard["epochs"]) {
      EXPECT_GT(e["blocks"].get<int>(), 0) << shard.dump();
      moved |= e["steps"].get<int>() > 1;
    }
  }
  EXPECT_TRUE(moved) << "members moved in some epoch (seed 3)";
  const auto& txs = doc["transactions"];
  EXPECT_GT(txs["submitted"].get<int>(), 0);
  EXPECT_EQ(txs["final"].get<int>() + txs["excluded"].get<int>(), txs["submitted"].get<int>()) << txs.dump();
  EXPECT_EQ(txs["lost"], 0);
  // The same seed, the same run, to the transcript.
  auto again = run_ios(args + " --json");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.json()["transcript"], doc["transcript"]);

  auto text = run_ios(args);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("epochs      2 of 2 formed"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("invariant   shard agreement: held"), std::string::npos) << text.out;
}

TEST(CliSimEpochs, OptionsThatDoNotApplyAreRefused) {
  auto load = run_ios("sim run --epochs 2 --duration 5s");
  EXPECT_EQ(load.code, 2);
  EXPECT_NE(load.err.find("--duration does not apply with --epochs"), std::string::npos) << load.err;
  auto fault = run_ios("sim run --epochs 2 --faults byzantine-leader");
  EXPECT_EQ(fault.code, 2);
  EXPECT_NE(fault.err.find("crash:K and partition only"), std::string::npos) << fault.err;
  auto too_many = run_ios("sim run --epochs 2 --validators 6 --believable 1 --faults crash:2");
  EXPECT_EQ(too_many.code, 2);
  EXPECT_NE(too_many.err.find("exceeds f = 1"), std::string::npos) << too_many.err;
  auto short_epochs = run_ios("sim run --epochs 2 --epoch-length 500ms");
  EXPECT_EQ(short_epochs.code, 2);
}
