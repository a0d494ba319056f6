// ios keygen and ios keys: keystores as a user handles them, and every bad input answered
// with one line, the documented exit code, and nothing corrupted.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cli/run_ios.hpp"

using ios::test::run_ios;
using ios::test::slurp;
using ios::test::TempDir;

namespace {
const std::string seed = "0101010101010101010101010101010101010101010101010101010101010101";
}

TEST(CliKeys, KeygenValidatorPrintsPublicKeysNeverTheSecret) {
  TempDir d;
  auto r = run_ios("keygen --out " + (d / "v.key") + " --insecure --seed " + seed + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.keygen.v1");
  EXPECT_EQ(doc["type"], "validator");
  EXPECT_EQ(doc["address"].get<std::string>().rfind("ios1", 0), 0u);
  EXPECT_EQ(doc["public_keys"]["vrf"].get<std::string>().size(), 64u);
  EXPECT_EQ(doc["public_keys"]["pvss"].get<std::string>().size(), 64u);
  EXPECT_EQ(doc["proof_of_possession"]["signature"].get<std::string>().size(), 128u);
  EXPECT_EQ(r.out.find(seed), std::string::npos);
  EXPECT_EQ(slurp(d / "v.key").find(seed), std::string::npos);
  EXPECT_NE(r.err.find("warning"), std::string::npos);  // --seed and --insecure both warn
  struct stat st{};
  ASSERT_EQ(stat((d / "v.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(CliKeys, SameSeedSameKeys) {
  TempDir d;
  auto a = run_ios("keygen --out " + (d / "a.key") + " --insecure --seed " + seed + " --json");
  auto b = run_ios("keygen --out " + (d / "b.key") + " --insecure --seed " + seed + " --json");
  ASSERT_EQ(a.code, 0);
  ASSERT_EQ(b.code, 0);
  EXPECT_EQ(a.json()["public_keys"], b.json()["public_keys"]);
  EXPECT_EQ(a.json()["address"], b.json()["address"]);
}

TEST(CliKeys, RefusesToOverwriteUnlessForced) {
  TempDir d;
  ASSERT_EQ(run_ios("keygen --type account --out " + (d / "k") + " --insecure").code, 0);
  std::string before = slurp(d / "k");
  auto r = run_ios("keygen --type account --out " + (d / "k") + " --insecure");
  EXPECT_EQ(r.code, 9);
  EXPECT_EQ(ios::test::count_lines(r.err), 1);
  EXPECT_EQ(slurp(d / "k"), before);
  EXPECT_EQ(run_ios("keygen --type account --out " + (d / "k") + " --insecure --force").code, 0);
  EXPECT_NE(slurp(d / "k"), before);
}

TEST(CliKeys, PasswordFileRoundTripAndWrongPassword) {
  TempDir d;
  std::ofstream(d / "pw") << "correct horse\n";
  std::ofstream(d / "bad") << "wrong\n";
  ASSERT_EQ(run_ios("keygen --type account --seed " + seed + " --out " + (d / "k") + " --password-file " + (d / "pw")).code, 0);
  auto ok = run_ios("keys export " + (d / "k") + " --print-secret --password-file " + (d / "pw"));
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, seed + "\n");
  auto bad = run_ios("keys export " + (d / "k") + " --print-secret --password-file " + (d / "bad"));
  EXPECT_EQ(bad.code, 10);
  EXPECT_NE(bad.err.find("wrong password"), std::string::npos);
  EXPECT_EQ(ios::test::count_lines(bad.err), 1);
  EXPECT_EQ(bad.out, "");
  // No password source and no terminal: a usage error, not a hang.
  EXPECT_EQ(run_ios("keys export " + (d / "k") + " --print-secret").code, 2);
  // The env variable route.
  auto env = run_ios("keys export " + (d / "k") + " --print-secret --password-env IOS_TEST_PW");
  EXPECT_EQ(env.code, 3);  // not set
  auto env_ok = run_ios("keys export " + (d / "k") + " --print-secret --password-env HOME");
  EXPECT_EQ(env_ok.code, 10);  // set, but not the password
}

TEST(CliKeys, ExportNeedsPrintSecretAndImportRoundTrips) {
  TempDir d;
  auto made = run_ios("keygen --out " + (d / "v.key") + " --insecure --json");
  ASSERT_EQ(made.code, 0);
  EXPECT_EQ(run_ios("keys export " + (d / "v.key")).code, 2);
  auto exp = run_ios("keys export " + (d / "v.key") + " --print-secret");
  ASSERT_EQ(exp.code, 0) << exp.err;
  std::ofstream(d / "seed.hex") << exp.out;
  auto imp = run_ios("keys import --secret-file " + (d / "seed.hex") + " --out " + (d / "w.key") + " --insecure --json");
  ASSERT_EQ(imp.code, 0) << imp.err;
  EXPECT_EQ(imp.json()["public_keys"], made.json()["public_keys"]);
  std::ofstream(d / "bad.hex") << "abcd\n";
  EXPECT_EQ(run_ios("keys import --secret-file " + (d / "bad.hex") + " --out " + (d / "x.key") + " --insecure").code, 10);
  EXPECT_FALSE(std::filesystem::exists(d / "x.key"));
}

TEST(CliKeys, BadKeystoresAreRefusedAndLeftAlone) {
  TempDir d;
  ASSERT_EQ(run_ios("keygen --out " + (d / "v.key") + " --insecure").code, 0);
  std::string good = slurp(d / "v.key");
  EXPECT_EQ(run_ios("keys show " + (d / "missing.key")).code, 3);

  // Tampered public key: show refuses (the PoP no longer verifies), export refuses.
  std::string tampered = good;
  auto pos = tampered.find("\"signing\": \"") + 12;
  tampered[pos] = tampered[pos] == 'a' ? 'b' : 'a';
  std::ofstream(d / "t.key") << tampered;
  EXPECT_EQ(run_ios("keys show " + (d / "t.key")).code, 10);
  auto t = run_ios("keys export " + (d / "t.key") + " --print-secret");
  EXPECT_EQ(t.code, 10);
  EXPECT_EQ(ios::test::count_lines(t.err), 1);

  // Tampered ciphertext: public part fine, decryption refused.
  std::string ct = good;
  auto c = ct.find("\"ciphertext\": \"") + 15;
  ct[c] = ct[c] == '0' ? '1' : '0';
  std::ofstream(d / "c.key") << ct;
  EXPECT_EQ(run_ios("keys show " + (d / "c.key")).code, 0);
  EXPECT_EQ(run_ios("keys export " + (d / "c.key") + " --print-secret").code, 10);

  // A newer format version and garbage.
  std::string v2 = good;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  std::ofstream(d / "v2.key") << v2;
  auto r2 = run_ios("keys show " + (d / "v2.key"));
  EXPECT_EQ(r2.code, 10);
  EXPECT_NE(r2.err.find("version"), std::string::npos);
  std::ofstream(d / "junk.key") << "{not json";
  EXPECT_EQ(run_ios("keys show " + (d / "junk.key")).code, 10);
  EXPECT_EQ(slurp(d / "v.key"), good);
}

TEST(CliKeys, ListSkipsWhatIsNotAKeystore) {
  TempDir d;
  ASSERT_EQ(run_ios("keygen --out " + (d / "a.key") + " --insecure").code, 0);
  ASSERT_EQ(run_ios("keygen --type account --out " + (d / "b.key") + " --insecure").code, 0);
  std::ofstream(d / "notes.txt") << "hello";
  auto r = run_ios("keys list " + d.path().string() + " --json");
  ASSERT_EQ(r.code, 0);
  auto keys = r.json()["keys"];
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0]["name"], "a.key");
  EXPECT_EQ(keys[0]["type"], "validator");
  EXPECT_EQ(keys[1]["type"], "account");
  EXPECT_NE(r.err.find("notes.txt"), std::string::npos);
  EXPECT_EQ(run_ios("keys list " + (d / "nope")).code, 3);
}

TEST(CliKeys, EmptyPasswordIsRefusedUnlessInsecure) {
  TempDir d;
  ::setenv("IOS_TEST_EMPTY_PW", "", 1);  // set, and empty
  std::ofstream(d / "empty");
  std::ofstream(d / "newline") << "\n";
  for (const std::string& source : {"--password-file " + (d / "empty"), "--password-file " + (d / "newline"),
                                    std::string("--password-env IOS_TEST_EMPTY_PW")}) {
    auto r = run_ios("keygen --type account --out " + (d / "k") + " " + source);
    EXPECT_EQ(r.code, 2) << source << ": " << r.err;
    EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--insecure"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(d / "k")) << source;
  }
  // An insecure dev key still opens with an empty password file (it has no password).
  ASSERT_EQ(run_ios("keygen --type account --insecure --seed " + seed + " --out " + (d / "dev")).code, 0);
  EXPECT_EQ(run_ios("keys export " + (d / "dev") + " --print-secret --password-file " + (d / "empty")).code, 0);
  // A real keystore is not unlocked with an empty password: refused as such, not "wrong password".
  std::ofstream(d / "pw") << "correct horse\n";
  ASSERT_EQ(run_ios("keygen --type account --out " + (d / "real") + " --password-file " + (d / "pw")).code, 0);
  auto r = run_ios("keys export " + (d / "real") + " --print-secret --password-file " + (d / "empty"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
}

TEST(CliKeys, PasswordFileThatIsAFolderIsAnIoErrorNotAWrongPassword) {
  TempDir d;
  auto r = run_ios("keygen --type account --out " + (d / "k") + " --password-file " + d.path().string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--password-file " + d.path().string() + ": is a folder"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "k"));
  std::ofstream(d / "pw") << "correct horse\n";
  ASSERT_EQ(run_ios("keygen --type account --out " + (d / "real") + " --password-file " + (d / "pw")).code, 0);
  auto u = run_ios("keys export " + (d / "real") + " --print-secret --password-file " + d.path().string());
  EXPECT_EQ(u.code, 2) << u.err;
  EXPECT_EQ(u.err.find("wrong password"), std::string::npos) << u.err;
  EXPECT_NE(u.err.find("is a folder"), std::string::npos) << u.err;
  auto missing = run_ios("keys export " + (d / "real") + " --print-secret --password-file " + (d / "none"));
  EXPECT_EQ(missing.code, 3) << missing.err;
}
