// The node's log lines (node/runtime/node_log.hpp): levels filter, text lines start with the
// timestamp `ios devnet logs` merges by, and JSON lines are one object each.
#include "node/runtime/node_log.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace ios::runtime {
namespace {

std::vector<std::string> lines_of(std::FILE* f) {
  std::rewind(f);
  std::vector<std::string> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, f) != nullptr) lines.emplace_back(buf);
  return lines;
}

TEST(NodeLog, LevelsFilterAndTextLinesStartWithTheTimestamp) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  NodeLog log(LogLevel::info, LogFormat::text, f);
  log.write(LogLevel::debug, "deliver", "hidden");
  log.info("final", "height 7", {{"height", 7}, {"peers", 5}});
  log.warn("refused", "refused in the last 10 s", {{"tx_unknown_input", 3}});
  const auto lines = lines_of(f);
  std::fclose(f);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(lines[0][0])));
  EXPECT_NE(lines[0].find(" info final: height 7 height=7 peers=5\n"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" warn refused: "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("tx_unknown_input=3"), std::string::npos) << lines[1];
}

TEST(NodeLog, JsonLinesAreOneObjectEach) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  NodeLog log(LogLevel::debug, LogFormat::json, f);
  log.write(LogLevel::debug, "deliver", "x");
  log.info("view_change", "view 0 -> 1", {{"from", 0}, {"to", 1}});
  const auto lines = lines_of(f);
  std::fclose(f);
  ASSERT_EQ(lines.size(), 2u);
  const auto doc = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(doc["level"], "info");
  EXPECT_EQ(doc["event"], "view_change");
  EXPECT_EQ(doc["to"], 1);
  EXPECT_TRUE(doc["ts_ms"].is_number_unsigned());
}

TEST(NodeLog, ParsesLevelsAndFormats) {
  EXPECT_EQ(parse_log_level("warn"), LogLevel::warn);
  EXPECT_FALSE(parse_log_level("verbose"));
  EXPECT_EQ(parse_log_format("json"), LogFormat::json);
  EXPECT_FALSE(parse_log_format("yaml"));
}

}  // namespace
}  // namespace ios::runtime
