// ios drp run / verify / show through the binary: outputs, exit codes, tampering.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "cli/run_ios.hpp"

using ios::test::run_ios;
using ios::test::slurp;
using ios::test::TempDir;

TEST(CliDrp, RunVerifyShow) {
  TempDir d;
  auto r = run_ios("drp run --servers 8 --groups 1 --seed 3 --out " + (d / "t.json") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.drp.run.v1");
  EXPECT_EQ(doc["randomness"].get<std::string>().size(), 64u);
  EXPECT_GT(doc["messages"].get<int>(), 0);
  EXPECT_NE(r.err.find("seed 3"), std::string::npos);  // the seed is always printed
  auto v = run_ios("drp verify " + (d / "t.json") + " --json");
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.json()["randomness"], doc["randomness"]);
  auto s = run_ios("drp show " + (d / "t.json"));
  EXPECT_EQ(s.code, 0);
  EXPECT_NE(s.out.find("threshold 6"), std::string::npos) << s.out;
  // Same seed, same output.
  auto again = run_ios("drp run --servers 8 --groups 1 --seed 3 --out " + (d / "u.json") + " --json");
  EXPECT_EQ(again.json()["randomness"], doc["randomness"]);
}

TEST(CliDrp, TamperedTranscriptExitsSixNamingTheStep) {
  TempDir d;
  ASSERT_EQ(run_ios("drp run --servers 8 --groups 1 --seed 4 -q --out " + (d / "t.json")).code, 0);
  auto j = nlohmann::json::parse(slurp(d / "t.json"));
  std::string r2 = j["r2"][0];
  r2[r2.size() - 10] = r2[r2.size() - 10] == 'a' ? 'b' : 'a';  // inside the signature
  j["r2"][0] = r2;
  std::ofstream(d / "bad.json") << j.dump();
  auto v = run_ios("drp verify " + (d / "bad.json") + " --json");
  EXPECT_EQ(v.code, 6);
  auto doc = v.json();
  EXPECT_EQ(doc["error"]["code"], "VERIFICATION_FAILED");
  EXPECT_EQ(doc["error"]["details"]["step"], "r2");
  // A readable field edited to disagree with the encodings: refused as malformed.
  auto k = nlohmann::json::parse(slurp(d / "t.json"));
  k["output"]["randomness"] = std::string(64, '0');
  std::ofstream(d / "lie.json") << k.dump();
  EXPECT_EQ(run_ios("drp verify " + (d / "lie.json")).code, 6);
}

TEST(CliDrp, BadInputExitCodes) {
  TempDir d;
  EXPECT_EQ(run_ios("drp verify " + (d / "none.json")).code, 3);
  EXPECT_EQ(run_ios("drp show").code, 2) << "a FILE or --epoch";
  EXPECT_EQ(run_ios("drp show " + (d / "none.json") + " --epoch 1").code, 2) << "not both";
  EXPECT_EQ(run_ios("drp show " + (d / "none.json") + " --out " + (d / "o.json")).code, 2) << "--out goes with --epoch";
  EXPECT_EQ(run_ios("drp verify " + (d / "none.json") + " --genesis " + (d / "none.json")).code, 3);
  std::ofstream(d / "junk.json") << "{\"schema\":1";
  EXPECT_EQ(run_ios("drp verify " + (d / "junk.json")).code, 2);
  std::ofstream(d / "other.json") << "{\"schema\":\"something.else\"}";
  EXPECT_EQ(run_ios("drp verify " + (d / "other.json")).code, 2);
  EXPECT_EQ(run_ios("drp run --servers 4 --groups 5 --out " + (d / "x.json")).code, 2);
  EXPECT_EQ(run_ios("drp run --servers 8 --groups 1 --faulty 3 -q --out " + (d / "x.json")).code, 5);
  EXPECT_FALSE(std::filesystem::exists(d / "x.json"));
  ASSERT_EQ(run_ios("drp run --servers 4 --groups 1 -q --out " + (d / "y.json")).code, 0);
  EXPECT_EQ(run_ios("drp run --servers 4 --groups 1 -q --out " + (d / "y.json")).code, 9);
}

TEST(CliDrp, MissingFieldIsNamedInOurWords) {
  TempDir d;
  ASSERT_EQ(run_ios("drp run --servers 4 --groups 1 --seed 5 -q --out " + (d / "t.json")).code, 0);
  auto full = nlohmann::json::parse(slurp(d / "t.json"));
  auto without = [&](const std::string& name, const std::string& parent) {
    auto j = full;
    (parent.empty() ? j : j[parent]).erase(name);
    std::ofstream(d / "bad.json") << j.dump();
    return run_ios("drp verify " + (d / "bad.json"));
  };
  for (const auto& [name, parent, shown] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"r2", "", "missing field \"r2\""},
           {"version", "", "missing field \"version\""},
           {"encoding", "choice", "missing field \"choice.encoding\""},
           {"point", "output", "missing field \"output.point\""}}) {
    auto r = without(name, parent);
    EXPECT_EQ(r.code, 2) << name << ": " << r.err;
    EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(shown), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(d / "bad.json"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
  }
  // A field of the wrong type is named too.
  auto j = full;
  j["r2"] = 7;
  std::ofstream(d / "typed.json") << j.dump();
  auto r = run_ios("drp show " + (d / "typed.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("field \"r2\" must be a list"), std::string::npos) << r.err;
  j = full;
  j["schema"] = 1;  // not a string: not our document, said as such
  std::ofstream(d / "schema.json") << j.dump();
  auto s = run_ios("drp verify " + (d / "schema.json"));
  EXPECT_EQ(s.code, 2);
  EXPECT_EQ(s.err.find("json.exception"), std::string::npos) << s.err;
}

TEST(CliDrp, RunReportsTheSizeOfTheFileItWrote) {
  TempDir d;
  auto r = run_ios("drp run --servers 8 --groups 1 --seed 3 -q --out " + (d / "t.json") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.json()["transcript_bytes"].get<std::uintmax_t>(), std::filesystem::file_size(d / "t.json"));
  auto text = run_ios("drp run --servers 8 --groups 1 --seed 3 -q --out " + (d / "u.json"));
  EXPECT_NE(text.out.find("transcript " + std::to_string(std::filesystem::file_size(d / "u.json")) + " bytes"),
            std::string::npos)
      << text.out;
}
