// The node home's files (node/runtime/node_config.hpp): config.json round trip and refusals,
// ports.json, atomic writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/crypto/keystore_file.hpp"
#include "node/runtime/node_config.hpp"

namespace ios::runtime {
namespace {

std::filesystem::path temp_home() {
  auto dir = std::filesystem::temp_directory_path() / ("ios-node-config-" + std::to_string(::getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(NodeConfig, RoundTripsThroughItsFile) {
  const auto home = temp_home();
  NodeConfig c;
  c.name = "node3";
  c.index = 3;
  c.genesis = "../../genesis.json";
  c.peers = {{0, "../node0/ports.json", "", 0}, {1, "", "10.0.0.2", 7001}};
  c.view_timeout_ms = 750;
  ASSERT_TRUE(save_node_config(home, c).ok());
  auto back = load_node_config(home);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->to_json(), c.to_json());
  EXPECT_EQ(back->peers[1].host, "10.0.0.2");
  EXPECT_EQ(back->view_timeout_ms, 750u);
}

TEST(NodeConfig, RefusesANewerVersionAndBadFields) {
  NodeConfig c;
  c.name = "n";
  auto j = c.to_json();
  j["version"] = 2;
  EXPECT_EQ(NodeConfig::from_json(j).error().reason, core::Reject::unknown_version);
  j = c.to_json();
  j["p2p"]["port"] = 70000;
  EXPECT_EQ(NodeConfig::from_json(j).error().reason, core::Reject::bad_json);
  j = c.to_json();
  j.erase("index");
  EXPECT_EQ(NodeConfig::from_json(j).error().reason, core::Reject::bad_json);
  EXPECT_FALSE(load_node_config(temp_home()).ok());  // no config.json
}

TEST(NodeConfig, NamesAMissingFieldInOurWords) {
  NodeConfig c;
  c.name = "n";
  auto j = c.to_json();
  j.erase("index");
  const auto missing = NodeConfig::from_json(j).error().detail;
  EXPECT_NE(missing.find("missing field \"index\""), std::string::npos) << missing;
  EXPECT_EQ(missing.find("json.exception"), std::string::npos) << missing;
  j = c.to_json();
  j["name"] = 7;
  const auto typed = NodeConfig::from_json(j).error().detail;
  EXPECT_NE(typed.find("wrong type"), std::string::npos) << typed;
  EXPECT_EQ(typed.find("json.exception"), std::string::npos) << typed;
}

TEST(NodeConfig, PortsFileIsWrittenWholeAndParsedStrictly) {
  const auto home = temp_home();
  EXPECT_FALSE(read_ports_file(home / "ports.json").has_value());
  ASSERT_TRUE(crypto::write_secret_file((home / "ports.json").string(), to_json(PortsFile{42, 7001, 7002}).dump(), true).ok());
  auto p = read_ports_file(home / "ports.json");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->pid, 42);
  EXPECT_EQ(p->p2p, 7001);
  EXPECT_EQ(p->rpc, 7002);
  std::ofstream(home / "half.json") << "{\"pid\": 4";
  EXPECT_FALSE(read_ports_file(home / "half.json").has_value());
  for (const char* bad : {R"({"version":1,"pid":0,"p2p":1,"rpc":2})", R"({"version":2,"pid":5,"p2p":1,"rpc":2})",
                          R"({"version":1,"pid":5,"p2p":0,"rpc":2})", R"({"version":1,"pid":5,"p2p":1,"rpc":70000})"}) {
    EXPECT_FALSE(ports_from_json(nlohmann::json::parse(bad)).ok()) << bad;
  }
  // No temporary file is left behind.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(home)) files += e.path().filename().string().find(".tmp") != std::string::npos;
  EXPECT_EQ(files, 0u);
}

}  // namespace
}  // namespace ios::runtime
