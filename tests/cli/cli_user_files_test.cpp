// Files a user names (transcripts, tickets, batches, keystores, password files, --out): a folder,
// a missing folder or an unreadable file is the user's mistake, answered with one line naming
// the file and the reason and the documented exit code (README: 3 missing, 2 otherwise), never
// exit 1 or a stream library's words.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_ios.hpp"

using ios::test::count_lines;
using ios::test::run_command;
using ios::test::run_ios;
using ios::test::TempDir;

namespace {

void expect_one_line_naming(const ios::test::Run& r, const std::string& path, const std::string& reason) {
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("basic_filebuf"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

}  // namespace

TEST(CliUserFiles, AFolderWhereAFileIsExpectedIsAUsageError) {
  TempDir d;
  const std::string dir = d.path().string();
  for (const std::string& args : {"drp verify " + dir, "drp show " + dir, "lottery rank " + dir, "keys show " + dir,
                                  "tx batch " + dir + " --home " + dir,
                                  "keys import --secret-file " + dir + " --out " + (d / "k") + " --insecure",
                                  "devnet init --policy " + dir + " --home " + (d / "h")}) {
    auto r = run_ios(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    expect_one_line_naming(r, dir, "is a folder");
  }
}

TEST(CliUserFiles, AFolderInJsonModeIsOneErrorDocument) {
  TempDir d;
  auto r = run_ios("lottery rank " + d.path().string() + " --json");
  EXPECT_EQ(r.code, 2);
  auto doc = r.json();
  EXPECT_EQ(doc["schema"], "ios.error.v1");
  EXPECT_EQ(doc["error"]["code"], "USAGE");
}

TEST(CliUserFiles, OutInAMissingFolderIsNotFound) {
  TempDir d;
  const std::string out = d / "no/such/folder/x";
  for (const std::string& args :
       {"keygen --type account --insecure --out " + out, "drp run --servers 4 --groups 1 -q --out " + out}) {
    auto r = run_ios(args);
    EXPECT_EQ(r.code, 3) << args << ": " << r.err;
    expect_one_line_naming(r, out, "does not exist");
  }
  // A folder given as --out.
  auto r = run_ios("keygen --type account --insecure --force --out " + d.path().string());
  EXPECT_EQ(r.code, 2) << r.err;
  expect_one_line_naming(r, d.path().string(), "is a folder");
}

TEST(CliUserFiles, UnreadableFileSaysSo) {
  TempDir d;
  std::ofstream(d / "t.json") << "{}";
  ::chmod((d / "t.json").c_str(), 0);
  // Root reads a mode-000 file, and CI runs as root: there the commands run as nobody
  // (setpriv), from a copy of the binary in a folder nobody may enter.
  std::string ios = IOS_BINARY;
  if (::geteuid() == 0) {
    ::chmod(d.path().c_str(), 0755);
    std::filesystem::copy_file(IOS_BINARY, d / "ios");
    ::chmod((d / "ios").c_str(), 0755);
    ios = "setpriv --reuid=65534 --regid=65534 --clear-groups " + (d / "ios");
  }
  for (const char* cmd : {"drp verify ", "lottery rank ", "keys show "}) {
    auto r = run_command(ios + " " + cmd + (d / "t.json"));
    EXPECT_EQ(r.code, 2) << cmd << r.err;
    expect_one_line_naming(r, d / "t.json", "ermission denied");
  }
}

TEST(CliUserFiles, AMissingFileIsNotFound) {
  TempDir d;
  for (const char* cmd : {"drp verify ", "lottery rank ", "keys show "}) {
    auto r = run_ios(cmd + (d / "none.json"));
    EXPECT_EQ(r.code, 3) << cmd << r.err;
    expect_one_line_naming(r, d / "none.json", "not found");
  }
}

TEST(CliUserFiles, ANodeHomeWhoseConfigIsAFolderIsAUsageError) {
  TempDir d;
  std::filesystem::create_directories(d / "node/config.json");
  auto r = run_ios("node status --home " + (d / "node"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.find("basic_filebuf"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
}
