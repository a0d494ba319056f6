// The sharding policy file (node/chain/shard_policy.hpp, whitepaper §8.2): strict JSON, every
// refusal names its field, and the BFT arithmetic.
#include "node/chain/shard_policy.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "devnet/home.hpp"
#include "support/chain_fixtures.hpp"

namespace ios::chain {
namespace {

using core::Reject;

core::Error refusal(const std::string& text) { return test::refusal_of(parse_shard_policy, text); }

TEST(ShardPolicy, DefaultsAndRoundTrip) {
  auto p = parse_shard_policy(R"({"version": 1})");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(*p, ShardPolicy{});
  ShardPolicy custom;
  custom.shards = 4;
  custom.believable_size = 3;
  custom.believable_min = 2;
  custom.normal_size = 7;
  custom.sample_rate = 0.25;
  custom.min_fee = 18446744073709551615u;
  custom.epoch_ms = 60000;
  auto back = parse_shard_policy(to_json(custom).dump());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, custom);
  EXPECT_EQ(to_json(custom)["min_fee"], "18446744073709551615");  // amounts are strings
}

TEST(ShardPolicy, ExampleFileParses) {
  std::ifstream in(std::string(IOS_SOURCE_DIR) + "/examples/policy/default.json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto p = parse_shard_policy(text.str());
  ASSERT_TRUE(p.ok()) << p.error().message();
  // The file is the policy `ios devnet init` uses without --policy (issue 10: they differed in
  // optimistic_interval_ms); the CLI test compares the genesis made either way.
  auto devnet_default = devnet::devnet_policy(devnet::DevnetOptions{});
  ASSERT_TRUE(devnet_default.ok());
  EXPECT_EQ(*p, *devnet_default);
}

TEST(ShardPolicy, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"({"version":1,"normal_size":3})", "normal_size"},
      {R"({"version":1,"normal_size":"4"})", "normal_size"},
      {R"({"version":1,"shards":0})", "shards"},
      {R"({"version":1,"shards":-1})", "shards"},
      {R"({"version":1,"shards":4294967296})", "shards"},
      {R"({"version":1,"sample_rate":0})", "sample_rate"},
      {R"({"version":1,"sample_rate":1.5})", "sample_rate"},
      {R"({"version":1,"sample_rate":"0.1"})", "sample_rate"},
      {R"({"version":1,"believable_min":0})", "believable_min"},
      {R"({"version":1,"believable_size":2,"believable_min":3})", "believable_min"},
      {R"({"version":1,"block_interval_ms":0})", "block_interval_ms"},
      {R"({"version":1,"optimistic_interval_ms":0})", "optimistic_interval_ms"},
      {R"({"version":1,"optimistic_interval_ms":60})", "optimistic_interval_ms"},
      {R"({"version":1,"view_timeout_ms":50})", "view_timeout_ms"},
      {R"({"version":1,"delta_ms":0})", "delta_ms"},
      {R"({"version":1,"min_fee":1})", "min_fee"},
      {R"({"version":1,"min_fee":"01"})", "min_fee"},
      {R"({"version":1,"min_fee":"18446744073709551616"})", "min_fee"},
      {R"({"version":1,"epoch_ms":1.5})", "epoch_ms"},
      {R"({"version":1,"epoch_ms":999})", "epoch_ms"},
      {R"({"version":1,"epoch_ms":604800001})", "epoch_ms"},
      {R"({"version":1,"delta_ms":3600001})", "delta_ms"},
      {R"({"version":1,"normal_sise":4})", "normal_sise"},
      {R"({"shards":1})", "version"},
      {R"({"version":0})", "version"},
  };
  for (const auto& c : cases) {
    auto e = refusal(c.json);
    EXPECT_EQ(e.reason, Reject::bad_policy) << c.json << " -> " << e.message();
    EXPECT_EQ(e.detail.rfind(std::string(c.field) + ": ", 0), 0u) << c.json << " -> " << e.message();
  }
}

TEST(ShardPolicy, SyntaxAndVersion) {
  EXPECT_EQ(refusal("{").reason, Reject::bad_json);
  EXPECT_EQ(refusal("[1]").reason, Reject::bad_json);
  EXPECT_EQ(refusal(R"({"version":2})").reason, Reject::unknown_version);
  EXPECT_EQ(refusal(std::string(policy_json_bytes_max + 1, ' ')).reason, Reject::bad_json);
}

TEST(ShardPolicy, PobCanBeSwitchedOff) {
  auto p = parse_shard_policy(R"({"version":1,"believable_size":0,"believable_min":1})");
  ASSERT_TRUE(p.ok()) << p.error().message();
}

TEST(ShardPolicy, FaultToleranceAndQuorum) {
  EXPECT_EQ(fault_tolerance(0), 0u);
  EXPECT_EQ(fault_tolerance(1), 0u);
  EXPECT_EQ(fault_tolerance(3), 0u);
  EXPECT_EQ(fault_tolerance(4), 1u);
  EXPECT_EQ(fault_tolerance(6), 1u);
  EXPECT_EQ(fault_tolerance(7), 2u);
  EXPECT_EQ(fault_tolerance(100), 33u);
  EXPECT_EQ(quorum(4), 3u);
  EXPECT_EQ(quorum(7), 5u);
  EXPECT_EQ(quorum(1), 1u);
  // For every n: two quorums overlap in more than f members (an honest one), and the honest
  // members alone form a quorum (liveness).
  for (std::uint32_t n = 1; n <= 200; ++n) {
    const auto f = fault_tolerance(n), q = quorum(n);
    EXPECT_GT(2 * q, n + f) << n;
    EXPECT_LE(q, n - f) << n;
    if (n % 3 == 1) {
      EXPECT_EQ(q, 2 * f + 1) << n;
    }
  }
}

}  // namespace
}  // namespace ios::chain
