// `ios tx` as a user runs it against a live devnet: the documents of send and status, and the
// exit codes of docs/CLI.md for each way a transfer can go wrong.
#include <algorithm>
#include <cctype>

#include "devnet/devnet_harness.hpp"
#include "support/chain_fixtures.hpp"

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
  // ... and remembered with that reason (issue 10: it read as unknown, exit 3, right after).
  const std::string refused = cheap.json()["error"]["details"]["hash"];
  auto why = net.ios("tx status " + refused + " --json");
  EXPECT_EQ(why.code, 0) << why.out << why.err;
  EXPECT_EQ(why.json()["state"], "rejected") << why.out;
  EXPECT_NE(why.json()["reason"].get<std::string>().find("fee_too_low"), std::string::npos) << why.out;
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

// Issue 10: consecutive sends from one account, each in its own process, whatever they wait
// for and whichever node they go to, are all accepted, all become final, and the balances are
// exact on every node. (The second of two sends used to pick the coin the first had spent:
// unknown_input, exit 5.)
TEST(DevnetTxCli, BackToBackSendsFromOneAccountInSeparateProcesses) {
  Devnet net;
  ASSERT_TRUE(net.up());
  std::vector<std::string> hashes;
  const auto send = [&](const std::string& via, const std::string& wait) {
    auto r = run_ios("tx send" + via + " --home " + net.home() +
                     " --from acct2 --to acct3 --amount 7 --wait " + wait + " --json -q");
    EXPECT_EQ(r.code, 0) << "via '" << via << "', --wait " << wait << ": " << r.out << r.err;
    if (r.code == 0) hashes.push_back(r.json()["hash"]);
  };
  for (int i = 0; i < 3; ++i) send("", "none");
  for (int i = 0; i < 3; ++i) send("", "optimistic");
  // Through a different node each time: a node that never saw the earlier sends.
  for (std::size_t i = 0; i < 6; ++i) send(" --rpc " + net.nodes()[i].rpc_url, i % 2 == 0 ? "none" : "optimistic");
  // A batch of the same sender right after, then a send right after the batch.
  std::ofstream(net.home() + "/two.ndjson") << "{\"from\":\"acct2\",\"to\":\"acct3\",\"amount\":\"7\",\"wait\":\"none\"}\n"
                                               "{\"from\":\"acct2\",\"to\":\"acct3\",\"amount\":\"7\",\"wait\":\"none\"}\n";
  auto batch = net.ios("tx batch " + net.home() + "/two.ndjson -o ndjson -q");
  EXPECT_EQ(batch.code, 0) << batch.out << batch.err;
  for (const auto& line : lines_with_schema(batch.out, "ios.tx.send.v1")) hashes.push_back(line["hash"]);
  send(" --rpc " + net.nodes()[5].rpc_url, "none");
  ASSERT_EQ(hashes.size(), 15u);
  for (const auto& h : hashes) {
    EXPECT_TRUE(eventually(30000, [&] {
      auto s = net.ios("tx status " + h + " --json");
      return s.code == 0 && s.json()["state"] == "final";
    })) << h << ": " << net.ios("tx status " + h).out;
  }
  const auto accounts = net.accounts();
  const auto& payer = accounts[2].second;
  const auto& payee = accounts[3].second;
  for (const auto& n : net.nodes()) {
    rpc::RpcClient client(n.rpc_url);
    EXPECT_TRUE(eventually(10000, [&] {
      auto a = client.account(payer);
      auto b = client.account(payee);
      return a && b && (*a)["balance"] == std::to_string(1'000'000'000 - 15 * 8) &&
             (*b)["balance"] == std::to_string(1'000'000'000 + 15 * 7);
    })) << n.name << ": " << client.account(payer)->dump() << " " << client.account(payee)->dump();
  }
  // The node logs say what happened (issue 10): peers joining, and every 10 s a progress line.
  const auto log_of_node0 = [&] { return slurp(net.nodes()[0].home + "/node.log"); };
  EXPECT_TRUE(eventually(5000, [&] { return log_of_node0().find(" info peer_up: ") != std::string::npos; }))
      << log_of_node0();
  EXPECT_TRUE(eventually(15000, [&] { return log_of_node0().find(" info final: ") != std::string::npos; }))
      << log_of_node0();
  net.down();
}

// Issue 10, inspecting the chain: account, block and tx show; tx status --wait; the faucet.
TEST(DevnetTxCli, InspectingTheChain) {
  Devnet net;
  ASSERT_TRUE(net.up());
  const auto accounts = net.accounts();
  // A fresh address, funded by the faucet, then shown.
  const auto fresh = test::addr(test::seeded_key(77));
  auto fund = net.ios("devnet fund " + fresh.to_string() + " 5000 --wait final --json -q");
  ASSERT_EQ(fund.code, 0) << fund.out << fund.err;
  const std::string hash = fund.json()["hash"];
  const auto height = fund.json()["height"].get<std::uint64_t>();
  auto shown = net.ios("account show " + fresh.to_string() + " --json");
  ASSERT_EQ(shown.code, 0) << shown.out << shown.err;
  EXPECT_EQ(shown.json()["schema"], "ios.account.show.v1");
  EXPECT_EQ(shown.json()["balance"], "5000");
  EXPECT_EQ(shown.json()["spendable"], "5000");
  ASSERT_EQ(shown.json()["utxos"].size(), 1u);
  EXPECT_EQ(shown.json()["utxos"][0]["state"], "final");
  // Upper case is the same Bech32m address (BIP-350).
  std::string upper = fresh.to_string();
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(net.ios("account show " + upper + " --json").json()["balance"], "5000");

  auto tx = net.ios("tx show " + hash + " --json");
  ASSERT_EQ(tx.code, 0) << tx.out << tx.err;
  const auto t = tx.json();
  EXPECT_EQ(t["schema"], "ios.tx.show.v1");
  EXPECT_EQ(t["state"], "final");
  EXPECT_EQ(t["height"], height);
  EXPECT_EQ(t["fee"], "1");
  EXPECT_EQ(t["outputs"][0]["to"], fresh.to_string());
  EXPECT_EQ(t["outputs"][0]["amount"], "5000");
  ASSERT_EQ(t["from"].size(), 1u);
  const std::string payer = t["from"][0];
  EXPECT_TRUE(std::any_of(accounts.begin(), accounts.end(), [&](const auto& a) { return a.second.to_string() == payer; }));

  auto block = net.ios("block show " + std::to_string(height) + " --json");
  ASSERT_EQ(block.code, 0) << block.out << block.err;
  const auto b = block.json();
  EXPECT_EQ(b["schema"], "ios.block.show.v1");
  EXPECT_EQ(b["height"], height);
  const auto& hashes = b["tx_hashes"];
  EXPECT_NE(std::find(hashes.begin(), hashes.end(), hash), hashes.end()) << b.dump();
  // 2f+1 of the 4 normal validators at least, and only those (the believable ones do not vote).
  EXPECT_GE(b["commit_signers"].size(), 3u) << b.dump();
  for (const auto& n : net.nodes()) {
    const bool signed_it = std::find(b["commit_signers"].begin(), b["commit_signers"].end(), n.index) != b["commit_signers"].end();
    if (n.role == "believable") {
      EXPECT_FALSE(signed_it) << n.name << " " << b.dump();
    }
  }
  auto latest = net.ios("block show latest --json");
  ASSERT_EQ(latest.code, 0) << latest.err;
  EXPECT_GE(latest.json()["height"].get<std::uint64_t>(), height);
  EXPECT_EQ(net.ios("block show 999999999").code, 3);
  EXPECT_EQ(net.ios("block show tip").code, 2);

  // tx status --wait on a hash a script already has.
  EXPECT_EQ(net.ios("tx status " + hash + " --wait final --timeout 5s").code, 0);
  auto never = net.ios("tx status " + std::string(64, 'e') + " --wait final --timeout 300ms --json");
  EXPECT_EQ(never.code, 4) << never.out;
  EXPECT_EQ(never.json()["error"]["code"], "TIMEOUT") << never.out;
  // A send that waits for nothing, then a status that waits for final.
  auto quick = net.ios("tx send --from acct1 --to acct2 --amount 3 --wait none --json -q");
  ASSERT_EQ(quick.code, 0) << quick.out << quick.err;
  auto waited = net.ios("tx status " + quick.json()["hash"].get<std::string>() + " --wait final --timeout 20s --json");
  EXPECT_EQ(waited.code, 0) << waited.out << waited.err;
  EXPECT_EQ(waited.json()["state"], "final");
  net.down();
}

}  // namespace
}  // namespace ios::test
