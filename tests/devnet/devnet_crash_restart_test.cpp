// Devnet test 2 (docs/security.md "Bad input on a live devnet"): kill -9 a normal validator under
// load. The normal league (4, f = 1) keeps finalizing; the same `ios node run --home …` brings the
// validator back, it catches up from its peers, agrees on the chain, and nothing that was final
// before the kill is lost.
#include <signal.h>

#include <thread>

#include "devnet/devnet_harness.hpp"
#include "node/protocol/node/node_core.hpp"
#include "node/store/node_store.hpp"

namespace ios::test {
namespace {

std::string write_batch(const Devnet& net, const std::string& file, std::size_t count, std::size_t offset) {
  const auto accounts = net.accounts();
  const std::size_t n = accounts.size();
  std::ofstream out(net.home() + "/" + file);
  for (std::size_t i = offset; i < offset + count; ++i)
    out << nlohmann::json{{"from", accounts[i % n].first}, {"to", accounts[(i + 1) % n].first}, {"amount", "5"}}.dump()
        << "\n";
  return net.home() + "/" + file;
}

std::vector<core::Hash32> final_hashes(const Run& r) {
  std::vector<core::Hash32> out;
  for (const auto& d : lines_with_schema(r.out, "ios.tx.send.v1")) {
    if (d["state"] == "final") out.push_back(*core::from_hex_fixed<32>(d["hash"].get<std::string>()));
  }
  return out;
}

TEST(DevnetCrashRestart, NormalValidatorKilledUnderLoadRestartsCatchesUpAndAgrees) {
  Devnet net;
  ASSERT_TRUE(net.up());
  // The victim: a normal validator that is not the node `ios tx` talks to (the first one).
  const DevnetNode* victim = nullptr;
  for (std::size_t i = 1; i < net.nodes().size(); ++i) {
    if (net.nodes()[i].role == "normal") victim = &net.nodes()[i];
  }
  ASSERT_NE(victim, nullptr);

  const auto before = net.ios("tx batch " + write_batch(net, "before.ndjson", 100, 0) + " --timeout 30s -o ndjson -q");
  ASSERT_EQ(before.code, 0) << before.err;
  const auto final_before = final_hashes(before);
  ASSERT_EQ(final_before.size(), 100u);

  test::Run during;
  std::thread load([&] {
    during = net.ios("tx batch " + write_batch(net, "during.ndjson", 300, 100) + " --timeout 60s -o ndjson -q");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(::kill(static_cast<pid_t>(victim->pid), SIGKILL), 0);
  load.join();
  EXPECT_EQ(during.code, 0) << during.err << during.out.substr(0, 2000);
  EXPECT_EQ(final_hashes(during).size(), 300u) << "finality stalled without one normal validator";

  ASSERT_TRUE(eventually(5000, [&] { return !pid_alive(victim->pid); }));
  net.restart_node(*victim);
  std::string url;
  const auto others_top = [&] {
    std::uint64_t top = 0;
    for (const auto& n : net.nodes())
      if (n.name != victim->name) top = std::max(top, height_at(n.rpc_url));
    return top;
  };
  ASSERT_TRUE(eventually(30000,
                         [&] {
                           url = Devnet::rpc_url_of(*victim);
                           const auto h = height_at(url);
                           return h > 0 && h + 2 >= others_top();
                         }))
      << "restarted " << victim->name << " did not catch up: " << slurp(victim->home + "/restart.log").substr(0, 3000);

  // Agreement: the same block at a common height.
  const auto common = std::min(height_at(url), height_at(net.nodes().front().rpc_url));
  ASSERT_GT(common, 0u);
  nlohmann::json mine, theirs;
  std::string why;
  const bool both = eventually(10000, [&] {
    rpc::RpcClient a(url, 3000), b(net.nodes().front().rpc_url, 3000);
    auto x = a.block(common);
    auto y = b.block(common);
    why =
        (x ? std::string() : "restarted: " + x.error().message) + (y ? std::string() : " other: " + y.error().message);
    if (x) mine = *x;
    if (y) theirs = *y;
    return x && y;
  });
  ASSERT_TRUE(both) << "block " << common << ": " << why;
  EXPECT_EQ(mine["hash"], theirs["hash"]);

  // Nothing final before the kill is lost, on the restarted node or any other.
  for (const auto& h : final_before) {
    EXPECT_EQ(tx_state_at(url, h), rpc::TxState::final) << core::to_hex(h);
    EXPECT_EQ(tx_state_at(net.nodes().front().rpc_url, h), rpc::TxState::final) << core::to_hex(h);
  }
  net.down();

  // docs/security.md "Unbounded queues and storage": every block was stored twice (a state row and
  // the blocks table) and a vote and a lock row were kept for every height. With the run's blocks
  // final (about 20 in a fresh clone's run, hundreds elsewhere), the restarted validator's database
  // holds each block once and one vote row.
  auto db = store::NodeStore::open(victim->home + "/node.db");
  ASSERT_TRUE(db.ok()) << db.error().message();
  auto last = db->last_height(core::ShardId{0});
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_GE(**last, 5u);
  auto state = db->load_state();
  ASSERT_TRUE(state.ok());
  // Every row belongs to the one instance the node hosts (a one-shard devnet: shard 0, epoch 0).
  const protocol::node::InstanceKey instance{core::ShardId{0}, core::Epoch{0}};
  const auto rows = protocol::node::scoped_state(*state, instance);
  EXPECT_EQ(rows.size(), state->size()) << "rows outside " << protocol::node::persist_prefix(instance);
  std::size_t block_rows = 0, vote_rows = 0, lock_rows = 0;
  for (const auto& [key, value] : rows) {
    block_rows += key.rfind("byzcoin/block/", 0) == 0;
    vote_rows += key.rfind("byzcoin/vote", 0) == 0;
    lock_rows += key.rfind("byzcoin/lock", 0) == 0;
  }
  EXPECT_EQ(block_rows, 0u) << "blocks live in the blocks table only";
  EXPECT_EQ(vote_rows, 1u);
  EXPECT_LE(lock_rows, 1u);
}

}  // namespace
}  // namespace ios::test
