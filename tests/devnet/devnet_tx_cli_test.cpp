// `ios tx` as a user runs it against a live devnet: the documents of send and status, and the
// exit codes of docs/CLI.md for each way a transfer can go wrong.
#include <algorithm>

#include "devnet/devnet_harness.hpp"

namespace ios::test {
namespace {

TEST(DevnetTxCli, SendStatusAndExitCodes) {
  Devnet net;
  ASSERT_TRUE(net.up());

  auto sent = net.ios("tx send --from acct0 --to acct1 --amount 1000 --wait final --json -q");
  ASSERT_EQ(sent.code, 0) << sent.err;
  const auto doc = sent.json();
  EXPECT_EQ(doc["schema"], "ios.tx.send.v1");
  EXPECT_EQ(doc["state"], "final");
  EXPECT_TRUE(doc["height"].is_number_unsigned());
  EXPECT_TRUE(doc["latency_ms"]["final"].is_number_unsigned());
  const std::string hash = doc["hash"];

  auto status = net.ios("tx status " + hash + " --json");
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(status.json()["schema"], "ios.tx.status.v1");
  EXPECT_EQ(status.json()["state"], "final");
  EXPECT_EQ(status.json()["height"], doc["height"]);
  // Through --rpc, to an address rather than an account name, with wait none.
  const auto to = net.accounts()[2].second.to_string();
  auto direct = run_ios("tx send --rpc " + net.nodes()[1].rpc_url + " --home " + net.home() + " --from acct0 --to " +
                        to + " --amount 5 --wait none --json -q");
  EXPECT_EQ(direct.code, 0) << direct.err;

  EXPECT_EQ(net.ios("tx status " + std::string(64, 'a') + " --json").code, 3);
  EXPECT_EQ(net.ios("tx send --from acct99 --to acct1 --amount 1").code, 3);
  EXPECT_EQ(net.ios("tx send --from acct0 --to nobody --amount 1").code, 3);
  EXPECT_EQ(net.ios("tx send --from acct0 --to ios1qqqq --amount 1").code, 2);
  EXPECT_EQ(net.ios("tx send --from acct0 --to acct1 --amount 1 --wait soon").code, 2);
  EXPECT_EQ(net.ios("tx send --from acct0 --to acct1 --amount 1 --timeout 30").code, 2);
  // More than the account holds: refused before anything is sent.
  auto broke = net.ios("tx send --from acct3 --to acct1 --amount 18000000000000000000 --json");
  EXPECT_EQ(broke.code, 5) << broke.out;
  EXPECT_EQ(broke.json()["error"]["code"], "FAILED_ON_CHAIN");
  // A fee below the policy minimum is refused by the node, with its reason.
  auto cheap = net.ios("tx send --from acct4 --to acct1 --amount 1 --fee 0 --json");
  EXPECT_EQ(cheap.code, 5) << cheap.out;
  EXPECT_NE(cheap.out.find("fee_too_low"), std::string::npos) << cheap.out;
  // A batch with a malformed line sends nothing (exit 2); a failing line makes the batch exit 5.
  std::ofstream(net.home() + "/bad.ndjson")
      << "{\"from\":\"acct6\",\"to\":\"acct1\",\"amount\":\"1\"}\n{\"from\":\"acct6\"\n";
  EXPECT_EQ(net.ios("tx batch " + net.home() + "/bad.ndjson").code, 2);
  // Line 3 overspends: it is never signed nor sent, so its result carries no hash, only why.
  std::ofstream(net.home() + "/mixed.ndjson")
      << "{\"from\":\"acct6\",\"to\":\"acct1\",\"amount\":\"1\"}\n"
         "{\"from\":\"acct7\",\"to\":\"acct1\",\"amount\":\"1\",\"fee\":\"0\"}\n"
         "{\"from\":\"acct8\",\"to\":\"acct1\",\"amount\":\"18000000000000000000\"}\n";
  auto mixed = net.ios("tx batch " + net.home() + "/mixed.ndjson -o ndjson -q");
  EXPECT_EQ(mixed.code, 5) << mixed.out;
  const auto summary = lines_with_schema(mixed.out, "ios.tx.batch.summary.v1");
  ASSERT_EQ(summary.size(), 1u) << mixed.out;
  EXPECT_EQ(summary[0]["ok"], 1);
  EXPECT_EQ(summary[0]["failed"], 2);
  // -o ndjson is a stream whose last line is the summary (no error document after it).
  const std::string last_line = mixed.out.substr(mixed.out.rfind('\n', mixed.out.size() - 2) + 1);
  EXPECT_EQ(nlohmann::json::parse(last_line), summary[0]) << mixed.out;
  const auto results = lines_with_schema(mixed.out, "ios.tx.send.v1");
  ASSERT_EQ(results.size(), 3u) << mixed.out;
  for (const auto& r : results) {
    if (r["line"] != 3) {
      EXPECT_EQ(r["hash"].get<std::string>().size(), 64u) << r.dump();
      continue;
    }
    EXPECT_FALSE(r.contains("hash")) << r.dump();
    EXPECT_NE(r["reason"].get<std::string>().find("insufficient funds"), std::string::npos) << r.dump();
  }
  // -o json is one document, the results inside it in file order (a failed line: the error document).
  auto one = net.ios("tx batch " + net.home() + "/mixed.ndjson --json -q");
  EXPECT_EQ(one.code, 5) << one.out;
  const auto batch_doc = one.json();  // throws unless stdout is exactly one document
  EXPECT_EQ(batch_doc["schema"], "ios.error.v1");
  ASSERT_EQ(batch_doc["error"]["details"]["results"].size(), 3u) << one.out;
  EXPECT_EQ(batch_doc["error"]["details"]["results"][2]["line"], 3);
  EXPECT_EQ(batch_doc["error"]["details"]["failed"], 2);
  // Unreachable node.
  EXPECT_EQ(run_ios("tx status " + std::string(64, 'a') + " --rpc http://127.0.0.1:1").code, 7);

  // A short load run: every offered transfer final, a sane report.
  auto load = net.ios("tx load --tps 100 --duration 2s --accounts 4 --json -q");
  ASSERT_EQ(load.code, 0) << load.err << load.out;
  const auto l = load.json();
  EXPECT_EQ(l["schema"], "ios.tx.load.v1");
  // Every tick is either submitted or reported as skipped (no chain ready: a slow build's
  // finality can fall behind); whatever was submitted became final.
  EXPECT_EQ(l["submitted"].get<int>() + l["skipped"].get<int>(), 200) << l.dump();
  EXPECT_GE(l["submitted"].get<int>(), 150) << l.dump();
  EXPECT_EQ(l["final"], l["submitted"]) << l.dump();
  EXPECT_GT(l["achieved_final_tps"].get<double>(), 0.0);
  EXPECT_TRUE(l["latency_ms"]["final"]["p99"].is_number());

  // With the normal league paused nothing can become final: a timeout (4), naming the last
  // state the transfer reached. (A short --timeout alone proves nothing: a fast block can
  // finalize the transfer before the first poll.)
  std::vector<std::int64_t> paused;
  for (const auto& n : net.nodes()) {
    if (n.role != "normal") continue;
    ASSERT_EQ(::kill(static_cast<pid_t>(n.pid), SIGSTOP), 0);
    paused.push_back(n.pid);
  }
  // Asked through a believable validator's API: the paused normal ones cannot answer.
  const auto believable =
      std::find_if(net.nodes().begin(), net.nodes().end(), [](const auto& n) { return n.role == "believable"; });
  ASSERT_NE(believable, net.nodes().end());
  auto hurried = run_ios("tx send --rpc " + believable->rpc_url + " --home " + net.home() +
                         " --from acct5 --to acct1 --amount 1 --wait final --timeout 1500ms --json");
  for (auto pid : paused) ::kill(static_cast<pid_t>(pid), SIGCONT);
  EXPECT_EQ(hurried.code, 4) << hurried.out << hurried.err;
  EXPECT_EQ(hurried.json()["error"]["code"], "TIMEOUT") << hurried.out;
  EXPECT_NE(hurried.out.find("optimistic"), std::string::npos) << hurried.out;
  net.down();
}

}  // namespace
}  // namespace ios::test
