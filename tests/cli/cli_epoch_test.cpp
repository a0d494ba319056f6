// ios epoch run / verify through the binary: outputs, exit codes, tampering.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/run_ios.hpp"

using ios::test::run_ios;
using ios::test::slurp;
using ios::test::TempDir;

namespace {

std::string flip_hex_char(std::string hex, std::size_t from_end) {
  auto& c = hex[hex.size() - from_end];
  c = c == 'a' ? 'b' : 'a';
  return hex;
}

}  // namespace

TEST(CliEpoch, RunThenVerifyOfflineAndEveryTamperingExitsSixNamingRecordAndStep) {
  TempDir d;
  const auto chain = d / "chain.json", genesis = d / "genesis.json";
  auto r = run_ios("epoch run --validators 10 --shards 2 --epochs 2 --seed 5 --out " + chain + " --genesis-out " + genesis +
                   " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.epoch.run.v1");
  ASSERT_EQ(doc["records"].size(), 2u);
  EXPECT_NE(r.err.find("seed 5"), std::string::npos) << "the seed is always printed";

  auto v = run_ios("epoch verify " + chain + " --genesis " + genesis + " --json");
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.json()["epochs"], 2);

  const auto original = nlohmann::json::parse(slurp(chain));
  const auto verify_edited = [&](const std::function<void(nlohmann::json&)>& edit) {
    auto j = original;
    edit(j);
    std::ofstream(d / "bad.json") << j.dump();
    return run_ios("epoch verify " + (d / "bad.json") + " --genesis " + genesis + " --json");
  };
  {  // A flipped byte inside record 2's co-signature.
    auto out = verify_edited([](nlohmann::json& j) {
      auto& cosi = j["records"][1]["cosi"];
      cosi["encoding"] = flip_hex_char(cosi["encoding"], 70);
    });
    EXPECT_EQ(out.code, 6) << out.err;
    auto e = out.json()["error"]["details"];
    EXPECT_EQ(e["epoch"], 2);
    EXPECT_TRUE(e["step"] == "signature" || e["step"] == "decode") << e.dump();
    EXPECT_EQ(e["verified_epochs"], 1);
  }
  {  // Record 1's encoding no longer decodes: content that does not verify, not a usage error.
    auto out = verify_edited([](nlohmann::json& j) { j["records"][0]["record"] = "0badc0de"; });
    EXPECT_EQ(out.code, 6) << out.err;
    EXPECT_EQ(out.json()["error"]["details"]["step"], "decode");
  }
  {  // Record 2 dropped: record 3... here, record 1 alone still verifies; record 2 given twice does not link.
    auto out = verify_edited([](nlohmann::json& j) { j["records"][0] = j["records"][1]; });
    EXPECT_EQ(out.code, 6) << out.err;
    EXPECT_EQ(out.json()["error"]["details"]["step"], "link");
  }
  {  // A transcript byte changed.
    auto out = verify_edited([](nlohmann::json& j) {
      auto& t = j["records"][0]["transcript"];
      t["r2"][0] = flip_hex_char(t["r2"][0], 10);
    });
    EXPECT_EQ(out.code, 6) << out.err;
    EXPECT_EQ(out.json()["error"]["details"]["epoch"], 1);
  }
  // Another chain's genesis: the first record does not link.
  auto other = run_ios("epoch run --validators 10 --shards 2 --epochs 1 --seed 6 -q --out " + (d / "c6.json") +
                       " --genesis-out " + (d / "g6.json"));
  ASSERT_EQ(other.code, 0) << other.err;
  auto wrong = run_ios("epoch verify " + chain + " --genesis " + (d / "g6.json") + " --json");
  EXPECT_EQ(wrong.code, 6);
  EXPECT_EQ(wrong.json()["error"]["details"]["step"], "link");
}

TEST(CliEpoch, BadInputExitCodes) {
  TempDir d;
  auto r = run_ios("epoch run --validators 10 --shards 2 --epochs 1 --seed 8 -q --out " + (d / "c.json") + " --genesis-out " +
                   (d / "g.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(run_ios("epoch verify " + (d / "none.json") + " --genesis " + (d / "g.json")).code, 3);
  EXPECT_EQ(run_ios("epoch verify " + (d / "c.json") + " --genesis " + (d / "none.json")).code, 3);
  std::ofstream(d / "other.json") << "{\"schema\":\"ios.drp.transcript.v1\"}";
  EXPECT_EQ(run_ios("epoch verify " + (d / "other.json") + " --genesis " + (d / "g.json")).code, 2);
  EXPECT_EQ(run_ios("epoch verify " + (d / "g.json") + " --genesis " + (d / "g.json")).code, 2) << "a genesis is not a chain";
  EXPECT_EQ(run_ios("epoch verify " + (d / "c.json") + " --genesis " + (d / "c.json")).code, 2) << "nor a chain a genesis";
  EXPECT_EQ(run_ios("epoch run --validators 6 --shards 2 --out " + (d / "x.json") + " --genesis-out " + (d / "y.json")).code, 2);
  EXPECT_EQ(run_ios("epoch run --validators 10 --out " + (d / "c.json") + " --genesis-out " + (d / "g2.json")).code, 9)
      << "an existing --out without --force";
}
