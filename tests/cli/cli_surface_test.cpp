// The command surface of docs/CLI.md: help, exit codes, global flags, JSON error documents.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/run_ios.hpp"

using ios::test::run_ios;

TEST(CliSurface, HelpListsEveryCommandAndTheExitCodes) {
  auto r = run_ios("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* cmd : {"version", "keygen", "keys", "lottery"}) EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  for (const char* line : {"0  success", "2  usage", "6  verification failed", "9  conflict", "10 key or keystore"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line;
}

TEST(CliSurface, EverySubcommandHelpHasAnExample) {
  for (const char* cmd : {"version", "keygen", "keys show", "keys list", "keys import", "keys export", "lottery prove",
                          "lottery verify", "lottery rank"}) {
    auto r = run_ios(std::string(cmd) + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd;
  }
}

TEST(CliSurface, ParseErrorsExitTwoWithOneLine) {
  for (const char* args : {"", "bogus", "keygen --bogus-flag", "keygen", "lottery", "keys show",
                           "lottery verify --pubkey 00", "-o yaml version"}) {
    auto r = run_ios(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(ios::test::count_lines(r.err), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("ios: error: ", 0), 0u) << r.err;
  }
}

TEST(CliSurface, JsonErrorsAreOneDocumentWithSchema) {
  auto r = run_ios("keys show /nonexistent/key --json");
  EXPECT_EQ(r.code, 3);
  auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.error.v1");
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["error"]["code"], "NOT_FOUND");
  auto usage = run_ios("keygen --json");
  EXPECT_EQ(usage.code, 2);
  EXPECT_EQ(usage.json()["error"]["code"], "USAGE");
}

TEST(CliSurface, VersionReportsLibraries) {
  auto r = run_ios("version --json");
  ASSERT_EQ(r.code, 0);
  auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.version.v1");
  EXPECT_EQ(doc["protocol_version"], 2);
  EXPECT_EQ(doc["libsodium"], "1.0.18");
  EXPECT_FALSE(doc["sqlite"].get<std::string>().empty());
  EXPECT_FALSE(doc["git_commit"].get<std::string>().empty());
  // Global flags work before the subcommand too, and ndjson is one line.
  auto nd = run_ios("-o ndjson version");
  EXPECT_EQ(nd.code, 0);
  EXPECT_EQ(ios::test::count_lines(nd.out), 1);
}

TEST(CliSurface, UnknownCommandIsNamedWithTheClosestOne) {
  auto r = run_ios("devnet stauts");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("unknown command 'stauts' for 'ios devnet'; did you mean 'status'?"), std::string::npos)
      << r.err;
  auto top = run_ios("foo");
  EXPECT_EQ(top.code, 2);
  EXPECT_NE(top.err.find("unknown command 'foo' for 'ios'"), std::string::npos) << top.err;
  EXPECT_EQ(top.err.find("did you mean"), std::string::npos) << top.err;  // nothing is close to "foo"
  auto near = run_ios("kegen --json");
  EXPECT_EQ(near.code, 2);
  EXPECT_NE(near.json()["error"]["message"].get<std::string>().find("did you mean 'keygen'?"), std::string::npos);
  // The hidden `devnet supervise` is never offered.
  EXPECT_EQ(run_ios("devnet supervse").err.find("supervise"), std::string::npos);
}

TEST(CliSurface, UnknownFlagIsReportedBeforeMissingRequiredOptions) {
  auto r = run_ios("tx send --bogus");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("unknown flag '--bogus' for 'ios tx send'"), std::string::npos) << r.err;
  auto v = run_ios("keygen --out x --bogus=1");
  EXPECT_EQ(v.code, 2);
  EXPECT_NE(v.err.find("unknown flag '--bogus'"), std::string::npos) << v.err;
}

namespace {
const char* const every_command[] = {
    "version",        "keygen",        "keys show",  "keys list",   "keys import", "keys export", "lottery prove",
    "lottery verify", "lottery rank",  "drp run",    "drp verify",  "drp show",    "sim run",     "node init",
    "node run",       "node status",   "tx send",    "tx status",   "tx batch",    "tx load",     "devnet init",
    "devnet up",      "devnet status", "devnet env", "devnet wait", "devnet logs", "devnet down", "devnet reset",
    "devnet fund",    "tx show",       "account show", "block show"};

// Scanned by hand rather than with std::regex: GCC 12 reports false maybe-uninitialized
// warnings inside <regex> in the sanitizer build (-O1), and warnings are errors.
// Each "WORD verify" in `text`: the WORD.
std::vector<std::string> words_before_verify(const std::string& text) {
  std::vector<std::string> words;
  for (auto at = text.find(" verify"); at != std::string::npos; at = text.find(" verify", at + 1)) {
    auto begin = at;
    while (begin > 0 && text[begin - 1] >= 'a' && text[begin - 1] <= 'z') --begin;
    if (begin < at) words.push_back(text.substr(begin, at - begin));
  }
  return words;
}

// Each path starting "examples/" in `text`, up to the first character not in a path.
std::vector<std::string> example_paths(const std::string& text) {
  const auto in_path = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-'; };
  std::vector<std::string> paths;
  for (auto at = text.find("examples/"); at != std::string::npos; at = text.find("examples/", at + 1)) {
    auto end = at;
    while (end < text.size() && in_path(text[end])) ++end;
    paths.push_back(text.substr(at, end - at));
  }
  return paths;
}
}  // namespace

TEST(CliSurface, HelpNamesOnlyCommandsThatExist) {
  auto r = run_ios("--help");
  ASSERT_EQ(r.code, 0);
  // "X verify" in the exit code table must be a command a user can run.
  const auto verify_words = words_before_verify(r.out);
  EXPECT_FALSE(verify_words.empty()) << "the exit code table names the verify commands";
  for (const auto& word : verify_words) {
    auto help = run_ios(word + " verify --help");
    EXPECT_EQ(help.code, 0) << "`ios --help` names `" << word << " verify`, which does not exist";
  }
  EXPECT_EQ(r.out.find("Atomix"), std::string::npos) << "no Atomix command exists yet";
  for (const char* cmd : every_command) EXPECT_EQ(run_ios(std::string(cmd) + " --help").code, 0) << cmd;
}

TEST(CliSurface, HelpExamplesNameFilesThatExist) {
  std::size_t examples = 0;
  for (const char* cmd : every_command) {
    auto help = run_ios(std::string(cmd) + " --help");
    for (const auto& example : example_paths(help.out)) {
      ++examples;
      const std::string path = std::string(IOS_SOURCE_DIR) + "/" + example;
      EXPECT_TRUE(std::filesystem::exists(path)) << "`ios " << cmd << " --help` names " << example;
    }
  }
  EXPECT_GT(examples, 0u) << "at least `lottery rank --help` names a file under examples/";
  // The example of `lottery rank --help` runs as shown.
  auto rank = run_ios("lottery rank " + std::string(IOS_SOURCE_DIR) + "/examples/lottery/tickets.json --json");
  EXPECT_EQ(rank.code, 0) << rank.err;
}

TEST(CliSurface, ExamplePolicyIsTheDevnetDefault) {
  // examples/policy/default.json is what `ios devnet init` uses without --policy: the same
  // genesis, byte for byte, with the file or without it.
  ios::test::TempDir d;
  auto plain = run_ios("devnet init --seed 5 --json -q --home " + (d / "plain"));
  auto with_file = run_ios("devnet init --seed 5 --json -q --home " + (d / "file") + " --policy " +
                           std::string(IOS_SOURCE_DIR) + "/examples/policy/default.json");
  ASSERT_EQ(plain.code, 0) << plain.err;
  ASSERT_EQ(with_file.code, 0) << with_file.err;
  EXPECT_EQ(with_file.json()["policy"], plain.json()["policy"]);
  EXPECT_EQ(with_file.json()["genesis_hash"], plain.json()["genesis_hash"]);
}
