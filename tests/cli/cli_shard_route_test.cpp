// `ios tx send` follows the sender's shard from node to node (cli/shard_route.hpp): TransEpoch
// moves validators between shards every epoch, so the node the wallet picked may leave the
// sender's shard between the pick and the submission, or while the transfer is followed. Two
// in-process nodes stand for a devnet whose state.json lists both: node A leaves the shard, node
// B serves it. Without the route the first transfer is refused (wrong_shard, exit 5) and the
// second waits for ever on a node that no longer learns the shard's blocks (exit 4), as does a
// `tx status --wait` of a transfer pending on a node that leaves.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "cli/run_ios.hpp"
#include "devnet/state.hpp"
#include "node/chain/tx.hpp"
#include "node/rpc/node_api.hpp"
#include "node/rpc/server.hpp"

using namespace ios;
using ios::test::run_ios;
using ios::test::TempDir;

namespace {

// A node of a two-shard devnet that serves `shard` until told it left; it knows one coin of
// the sender, and a transfer it accepted is final at once (if `finalizes`).
class MovingNode : public rpc::NodeApi {
 public:
  MovingNode(std::uint32_t shard, bool finalizes) : shard_(shard), finalizes_(finalizes) {}
  nlohmann::json status() override {
    return {{"chain_id", "ios-test"},
            {"shard", left_ ? 1 - shard_ : shard_},
            {"shards", 2},
            {"role", "normal"},
            {"segments", nlohmann::json::array({{{"shard", shard_}, {"ended", ended_.load()}}})}};
  }
  rpc::SubmitResult submit(const chain::Tx& tx) override {
    std::lock_guard lock(mu_);
    const auto hash = chain::tx_hash(tx);
    ++submits_;
    if (leave_at_submit_) left_ = true;  // it left between the wallet's pick and the transfer
    if (refuse_as_left_ && (left_ || refused_)) {
      // A status that lags: it names the shard again, yet the node still refuses.
      if (lags_after_refusal_) refused_ = true, left_ = false;
      return {hash, false, "wrong_shard: this node left the shard"};
    }
    if (ahead_) {
      // Its state is past the transfer's parent: the resubmission's input is spent here. Its
      // tracker reports that refusal until the block with the transfer reaches it.
      got_.insert(hash);
      return {hash, false, "unknown_input: input 0 is not unspent"};
    }
    got_.insert(hash);
    if (leave_after_submit_) left_ = true;
    if (end_after_submit_) ended_ = true;
    return {hash, true, {}};
  }
  rpc::TxStatus tx_status(const core::Hash32& hash) override {
    std::lock_guard lock(mu_);
    if (!got_.contains(hash)) return {hash, rpc::TxState::unknown, {}, {}};
    if (ahead_ && ++ahead_polls_ <= 3) return {hash, rpc::TxState::rejected, {}, "unknown_input: input 0 is not unspent"};
    if (!finalizes_) return {hash, rpc::TxState::pending, {}, {}};
    return {hash, rpc::TxState::final, 7, {}};
  }
  std::optional<nlohmann::json> account(const chain::Address&) override {
    return nlohmann::json{{"balance", "1000"},
                          {"utxos", nlohmann::json::array({{{"tx", std::string(64, 'c')}, {"index", 0}, {"amount", "1000"}}})}};
  }
  std::optional<nlohmann::json> block(std::optional<std::uint64_t>) override { return std::nullopt; }
  std::optional<nlohmann::json> tx_body(const core::Hash32&) override { return std::nullopt; }
  std::string metrics() override { return ""; }
  void know(const core::Hash32& hash) {
    std::lock_guard lock(mu_);
    got_.insert(hash);
  }
  std::size_t received() {
    std::lock_guard lock(mu_);
    return got_.size();
  }
  int submits() {
    std::lock_guard lock(mu_);
    return submits_;
  }

  std::atomic<bool> left_{false};
  std::atomic<bool> ended_{false};  // its segment of the shard ended; its status still names the shard
  bool end_after_submit_ = false;   // set before requests start
  bool refuse_as_left_ = true;       // set before requests start
  bool leave_after_submit_ = false;  // likewise
  bool leave_at_submit_ = false;     // likewise
  bool lags_after_refusal_ = false;  // likewise
  bool ahead_ = false;               // likewise

 private:
  std::uint32_t shard_;
  bool finalizes_;
  std::mutex mu_;
  std::set<core::Hash32> got_;
  int submits_ = 0;
  bool refused_ = false;
  int ahead_polls_ = 0;
};

struct Served {
  std::unique_ptr<rpc::RpcServer> server;
  std::string url;
  explicit Served(MovingNode& node) : server(std::make_unique<rpc::RpcServer>(node)) {
    auto port = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(port.ok());
    url = "http://127.0.0.1:" + std::to_string(*port);
    server->start();
  }
};

struct Fixture {
  TempDir d;
  std::string sender_key, recipient;
  std::uint32_t shard = 0;
  Fixture() {
    auto from = run_ios("keygen --type account --insecure -q --out " + (d / "from.key") + " --json");
    EXPECT_EQ(from.code, 0);
    shard = chain::Address::parse(from.json()["address"].get<std::string>())->shard(2);
    sender_key = d / "from.key";
    auto to = run_ios("keygen --type account --insecure -q --out " + (d / "to.key") + " --json");
    recipient = to.json()["address"];
  }
  // state.json of a running devnet whose nodes are A then B (both alive: this process).
  void devnet(const std::vector<std::string>& urls) {
    devnet::DevnetState state;
    state.supervisor_pid = ::getpid();
    for (std::uint32_t i = 0; i < urls.size(); ++i) {
      devnet::NodeState n;
      n.name = "node" + std::to_string(i);
      n.index = i;
      n.pid = ::getpid();
      n.role = "normal";
      n.rpc_url = urls[i];
      n.home = d / n.name;
      state.nodes.push_back(n);
    }
    std::filesystem::create_directories(d.path() / "devnet");
    ASSERT_TRUE(devnet::write_state(d.path() / "devnet" / "state.json", state).ok());
  }
  test::Run send() const {
    return run_ios("tx send --home " + (d / "devnet") + " --from " + sender_key + " --to " + recipient +
                   " --amount 1 --wait final --timeout 8s --json");
  }
};

}  // namespace

TEST(CliShardRoute, ARefusalFromANodeThatLeftTheShardIsSentToOneThatServesIt) {
  Fixture f;
  MovingNode a(f.shard, true), b(f.shard, true);
  Served sa(a), sb(b);
  f.devnet({sa.url, sb.url});
  a.leave_at_submit_ = true;
  auto r = f.send();
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["state"], "final");
  EXPECT_EQ(a.received(), 0u);
  EXPECT_EQ(b.received(), 1u) << "the transfer went to the node that serves the shard now";
}

TEST(CliShardRoute, ATransferFollowedOnANodeThatLeftTheShardIsFollowedWhereTheShardIsNow) {
  Fixture f;
  MovingNode a(f.shard, false), b(f.shard, true);  // A never learns it final once gone
  a.refuse_as_left_ = false;
  a.leave_after_submit_ = true;
  Served sa(a), sb(b);
  f.devnet({sa.url, sb.url});
  auto r = f.send();
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["state"], "final");
  EXPECT_EQ(a.received(), 1u);
  EXPECT_EQ(b.received(), 1u) << "sent again to the node that serves the shard now";
}

TEST(CliShardRoute, WithRpcTheUserChoseTheNodeAndSeesItsRefusal) {
  Fixture f;
  MovingNode a(f.shard, true);
  Served sa(a);
  f.devnet({sa.url});
  a.left_ = true;
  auto r = run_ios("tx send --rpc " + sa.url + " --from " + f.sender_key + " --to " + f.recipient + " --amount 1 --json");
  EXPECT_EQ(r.code, 2) << r.err << r.out;  // the node says it serves the other shard: asked the wrong node
  EXPECT_EQ(a.received(), 0u);
}

TEST(CliShardRoute, AStatusWaitFollowsTheShardWhenItsNodeLeaves) {
  Fixture f;
  MovingNode a(f.shard, false), b(f.shard, true);  // A: pending for ever; B: final
  core::Hash32 hash{};
  hash.fill(0xab);
  a.know(hash);
  b.know(hash);
  Served sa(a), sb(b);
  f.devnet({sa.url, sb.url});
  std::thread leave([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    a.left_ = true;
  });
  auto r = run_ios("tx status " + core::to_hex(hash) + " --home " + (f.d / "devnet") + " --wait final --timeout 8s --json");
  leave.join();
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["state"], "final") << "read from the node that serves the shard now";
}

TEST(CliShardRoute, ANodeWhoseSegmentOfTheShardEndedIsLeftThoughItsStatusStillNamesTheShard) {
  Fixture f;
  MovingNode a(f.shard, false), b(f.shard, true);
  a.refuse_as_left_ = false;
  a.end_after_submit_ = true;
  Served sa(a), sb(b);
  f.devnet({sa.url, sb.url});
  auto r = f.send();
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["state"], "final");
  EXPECT_EQ(b.received(), 1u) << "sent again to the node with a running segment of the shard";
}

// Two nodes whose statuses lag behind their moves must not pass a transfer back and forth while a
// third serves the shard: A refuses (it left) but its status soon names the shard again; B takes
// the transfer and leaves; the route then prefers C, which it has not left, over A.
TEST(CliShardRoute, ARouteMovesToANodeItHasNotLeftBeforeOneWhoseStatusLags) {
  Fixture f;
  MovingNode a(f.shard, true), b(f.shard, false), c(f.shard, true);
  a.leave_at_submit_ = true;
  a.lags_after_refusal_ = true;
  b.refuse_as_left_ = false;
  b.leave_after_submit_ = true;
  Served sa(a), sb(b), sc(c);
  f.devnet({sa.url, sb.url, sc.url});
  auto r = f.send();
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["state"], "final");
  EXPECT_EQ(a.submits(), 1) << "A refused once and was not tried again";
  EXPECT_EQ(b.received(), 1u);
  EXPECT_EQ(c.received(), 1u) << "the route went to the node it had not left";
}

// After a move, the new node may answer the resubmission with unknown_input: its state is past
// the transfer's parent. That is no verdict on a transfer the first node accepted; the wallet
// follows it to its final state.
TEST(CliShardRoute, AnUnknownInputAnswerAfterAMoveIsNoVerdict) {
  Fixture f;
  MovingNode a(f.shard, false), b(f.shard, true);
  a.refuse_as_left_ = false;
  a.leave_after_submit_ = true;
  b.ahead_ = true;
  Served sa(a), sb(b);
  f.devnet({sa.url, sb.url});
  auto r = f.send();
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.json()["state"], "final");
  EXPECT_EQ(b.received(), 1u);
}
