// ios lottery: RFC 9381 conformance through the CLI, verification exit codes, and ranking.
#include <gtest/gtest.h>

#include "cli/run_ios.hpp"

using ios::test::run_ios;
using ios::test::TempDir;

namespace {
// RFC 9381 Appendix B.3, example 17.
const std::string sk17 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
const std::string pk17 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
const std::string pi17 =
    "f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed5933bf0864a62558b3ed7f2fea45c92a465"
    "301b3bbf5e3e54ddf2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02";
const std::string beta17 =
    "eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb5e33821bc613efb94db5e5b54c70a848"
    "a0bef4553a41befc57663b56373a5031";
const std::string config = std::string(64, 'a');
}  // namespace

TEST(CliLottery, ProveReproducesRfc9381Example17) {
  auto r = run_ios("lottery prove --vrf-secret-hex " + sk17 + " --alpha-hex 72 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = r.json();
  EXPECT_EQ(doc["pi"], pi17);
  EXPECT_EQ(doc["beta"], beta17);
  EXPECT_EQ(doc["public_key"], pk17);
}

TEST(CliLottery, VerifyAcceptsAndRejectsWithExitSix) {
  auto ok = run_ios("lottery verify --pubkey " + pk17 + " --proof " + pi17 + " --alpha-hex 72 --json");
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.json()["beta"], beta17);
  std::string bad = pi17;
  bad[100] = bad[100] == '0' ? '1' : '0';
  auto r = run_ios("lottery verify --pubkey " + pk17 + " --proof " + bad + " --alpha-hex 72");
  EXPECT_EQ(r.code, 6);
  EXPECT_EQ(ios::test::count_lines(r.err), 1);
  EXPECT_EQ(run_ios("lottery verify --pubkey " + pk17 + " --proof " + pi17 + " --alpha-hex 73").code, 6);
  // Malformed input is a usage error, not a verification failure.
  EXPECT_EQ(run_ios("lottery verify --pubkey zz --proof " + pi17 + " --alpha-hex 72").code, 2);
  EXPECT_EQ(run_ios("lottery verify --pubkey " + pk17.substr(2) + " --proof " + pi17 + " --alpha-hex 72").code, 2);
  EXPECT_EQ(run_ios("lottery verify --pubkey " + pk17 + " --proof " + pi17 + " --epoch 1").code, 2);
  EXPECT_EQ(run_ios("lottery verify --pubkey " + pk17 + " --proof " + pi17 + " --alpha-hex 72 --epoch 1").code, 2);
}

TEST(CliLottery, KeystoreTicketsVerifyAndRankPicksTheSmallestBeta) {
  TempDir d;
  std::string tickets = "{\"version\":1,\"epoch\":5,\"view\":0,\"config_hash\":\"" + config + "\",\"tickets\":[";
  std::vector<std::string> betas;
  for (int i = 0; i < 5; ++i) {
    // Appended, not "v" + to_string(i): GCC 12 at -O3 reports that concatenation as a memcpy
    // out of bounds (a false positive of its -Warray-bounds/-Wstringop-overflow family).
    std::string name = "v";
    name += std::to_string(i);
    name += ".key";
    std::string key = d / name;
    ASSERT_EQ(run_ios("keygen --out " + key + " --insecure -q").code, 0);
    auto t = run_ios("lottery prove --key " + key + " --epoch 5 --view 0 --config-hash " + config + " --json");
    ASSERT_EQ(t.code, 0) << t.err;
    auto doc = t.json();
    auto v = run_ios("lottery verify --pubkey " + doc["public_key"].get<std::string>() + " --proof " +
                     doc["pi"].get<std::string>() + " --epoch 5 --view 0 --config-hash " + config);
    EXPECT_EQ(v.code, 0);
    // The same ticket is not valid for another view.
    EXPECT_EQ(run_ios("lottery verify --pubkey " + doc["public_key"].get<std::string>() + " --proof " +
                      doc["pi"].get<std::string>() + " --epoch 5 --view 1 --config-hash " + config)
                  .code,
              6);
    betas.push_back(doc["beta"]);
    tickets += "{\"public_key\":\"" + doc["public_key"].get<std::string>() + "\",\"proof\":\"" +
               doc["pi"].get<std::string>() + "\"},";
  }
  // A forged ticket (the RFC example, made for another alpha) and a malformed one.
  tickets += "{\"public_key\":\"" + pk17 + "\",\"proof\":\"" + pi17 + "\"},{\"public_key\":\"00\",\"proof\":\"00\"}]}";
  std::ofstream(d / "tickets.json") << tickets;
  auto r = run_ios("lottery rank " + (d / "tickets.json") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = r.json();
  std::sort(betas.begin(), betas.end());
  EXPECT_EQ(doc["leader"]["beta"], betas[0]);
  ASSERT_EQ(doc["backups"].size(), 2u);
  EXPECT_EQ(doc["backups"][0]["beta"], betas[1]);
  EXPECT_EQ(doc["backups"][1]["beta"], betas[2]);
  EXPECT_EQ(doc["ranked"].size(), 5u);
  ASSERT_EQ(doc["invalid"].size(), 2u);
  std::set<int> invalid_index{doc["invalid"][0]["index"].get<int>(), doc["invalid"][1]["index"].get<int>()};
  EXPECT_EQ(invalid_index, (std::set<int>{5, 6}));
}

TEST(CliLottery, RankRefusesBadFiles) {
  TempDir d;
  EXPECT_EQ(run_ios("lottery rank " + (d / "none.json")).code, 3);
  std::ofstream(d / "junk.json") << "[1,2";
  EXPECT_EQ(run_ios("lottery rank " + (d / "junk.json")).code, 2);
  std::ofstream(d / "v2.json") << "{\"version\":2,\"alpha_hex\":\"\",\"tickets\":[]}";
  EXPECT_EQ(run_ios("lottery rank " + (d / "v2.json")).code, 2);
  std::ofstream(d / "none_valid.json") << "{\"version\":1,\"alpha_hex\":\"73\",\"tickets\":[{\"public_key\":\"" + pk17 +
                                              "\",\"proof\":\"" + pi17 + "\"}]}";
  EXPECT_EQ(run_ios("lottery rank " + (d / "none_valid.json")).code, 6);
}

TEST(CliLottery, RankNamesAMissingOrMistypedFieldInOurWords) {
  TempDir d;
  std::ofstream(d / "no_view.json") << "{\"version\":1,\"epoch\":1,\"config_hash\":\"" + config + "\",\"tickets\":[]}";
  auto r = run_ios("lottery rank " + (d / "no_view.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("missing field \"view\""), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
  std::ofstream(d / "typed.json") << "{\"version\":1,\"epoch\":\"1\",\"view\":0,\"config_hash\":\"" + config +
                                         "\",\"tickets\":[]}";
  auto t = run_ios("lottery rank " + (d / "typed.json"));
  EXPECT_EQ(t.code, 2);
  EXPECT_NE(t.err.find("field \"epoch\" must be a non-negative integer"), std::string::npos) << t.err;
  EXPECT_EQ(t.err.find("json.exception"), std::string::npos) << t.err;
}
