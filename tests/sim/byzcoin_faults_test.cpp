// ByzCoin under faults in the simulator (docs/PROTOCOLS.md §11.2; the scenarios of the task list):
// a leader that crashes right after its prepare announcement, a leader that crashes after
// prepare (members locked: the block must survive the view change), an equivocating leader,
// a 2|2 partition (no quorum anywhere) then heal, a crashed sub-leader (star fallback), a
// witness that commits but never responds (restart without it), and a restarted member that
// catches up. The safety invariants (agreement, once per height in order, verify_finality)
// run after every event; every test prints its seed.
#include <gtest/gtest.h>

#include <memory>

#include "sim/byzcoin_toy_app.hpp"

using namespace ios;
using namespace ios::sim::byzcoin_toy;
using protocol::NodeId;
using protocol::TimeMs;
using sim::RunEnd;

namespace {

std::optional<Message> peek(const protocol::Send& s, std::uint32_t n) {
  auto m = decode_message(s.payload, n);
  if (!m) return std::nullopt;
  return std::move(m).value();
}

// A rewrite that passes everything and raises `flag` when `node` sends an announce of
// `phase` at `height`: the test then crashes the node at that instant.
sim::ByzantineRewrite watch_announce(std::shared_ptr<bool> flag, std::uint32_t n, std::uint64_t height, Phase phase) {
  return [=](const protocol::Send& s) -> std::vector<protocol::Send> {
    if (auto m = peek(s, n)) {
      const auto* a = std::get_if<Announce>(&*m);
      if (a && a->height == height && a->phase == phase) *flag = true;
    }
    return {s};
  };
}

void expect_ok(Cluster& c, RunEnd end) {
  ASSERT_FALSE(c.sim().failure()) << c.sim().failure()->report(sim::toy::current_test_name());
  ASSERT_EQ(end, RunEnd::condition_met) << "stalled at t=" << c.sim().now_ms() << " ms, heights " << c.height(0) << " "
                                        << c.height(1) << " " << c.height(2) << " " << c.height(3);
}

// Four members under the safety invariants, started (the caller runs them).
std::unique_ptr<Cluster> started_four_members(std::uint64_t seed) {
  ClusterOptions o;
  o.members = 4;
  o.seed = seed;
  auto c = std::make_unique<Cluster>(o);
  c->add_safety_invariants();
  c->sim().start();
  return c;
}

// Crash the leader of height H at view 0 right after it sends its `phase` announcement.
struct LeaderCrash {
  std::uint64_t height = 0;
  NodeId leader = 0;
};
LeaderCrash crash_leader_at(Cluster& c, Phase phase) {
  expect_ok(c, c.sim().run_until(c.reached(2), 10'000));
  const std::uint64_t h = c.height(0) + 1;
  const NodeId leader = static_cast<NodeId>(h % c.members());
  auto flag = std::make_shared<bool>(false);
  c.sim().set_byzantine(leader, watch_announce(flag, c.members(), h, phase));
  auto end = c.sim().run_until([flag](const sim::Simulator&) { return *flag; }, 20'000);
  EXPECT_EQ(end, RunEnd::condition_met);
  c.sim().crash(leader, c.sim().now_ms());
  return {h, leader};
}

// A cluster of `n` members whose safety invariants run after every event. Not started yet, so
// a test can make a member Byzantine first. On the heap: its nodes hold pointers into it.
// `tree` defaults to what ClusterOptions defaults to (the three-level tree).
std::unique_ptr<Cluster> guarded_cluster(std::uint32_t n, std::uint64_t seed, bool tree = ClusterOptions{}.tree) {
  ClusterOptions o;
  o.members = n;
  o.seed = seed;
  o.tree = tree;
  auto c = std::make_unique<Cluster>(o);
  c->add_safety_invariants();
  return c;
}

// Start `c`, crash the leader of a height right after its `phase` announcement, and run until
// four more heights are final with every chain consistent; the block finalized at the crashed
// leader's height must have needed a view change.
LeaderCrash finalize_past_leader_crash(Cluster& c, Phase phase) {
  c.sim().start();
  const auto crash = crash_leader_at(c, phase);
  expect_ok(c, c.sim().run_until(c.reached(crash.height + 4), 60'000));
  c.expect_consistent_chains();
  const auto& b = *c.node(c.observer())->engine().final_at(crash.height);
  EXPECT_GE(b.view, 1u) << "height " << crash.height << " was finalized after a view change";
  return crash;
}

}  // namespace

TEST(ByzcoinFaults, LeaderCrashDuringPrepareViewChangeResumes) {
  for (auto seed : sim::toy::test_seeds({201, 202})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    for (std::uint32_t n : {4u, 7u}) {
      auto c = guarded_cluster(n, seed);
      finalize_past_leader_crash(*c, Phase::prepare);
      EXPECT_GT(c->total_stats().view_changes, 0u);
    }
  }
}

// The PBFT lock: the crashed leader's block had σ_p and members locked on it, so the new
// leader must re-propose exactly that block (its body names the crashed proposer).
TEST(ByzcoinFaults, LeaderCrashAfterPrepareLockedBlockSurvives) {
  for (auto seed : sim::toy::test_seeds({211, 212})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    for (std::uint32_t n : {4u, 7u}) {
      auto c = guarded_cluster(n, seed);
      const auto crash = finalize_past_leader_crash(*c, Phase::commit);
      const auto& b = *c->node(c->observer())->engine().final_at(crash.height);
      EXPECT_NE(body_text(b.body).find(" p=" + std::to_string(crash.leader) + " "), std::string::npos)
          << "height " << crash.height << " body '" << body_text(b.body) << "' is not the locked block of leader "
          << crash.leader;
    }
  }
}

namespace {
// Member `liar` shows one body to some members and another, re-signed with its own key, to
// the rest, whenever it leads a prepare round.
sim::ByzantineRewrite equivocate(const Keys& keys, std::uint32_t n, NodeId liar, bool tree) {
  auto key = keys.signing[liar];
  return [=](const protocol::Send& s) -> std::vector<protocol::Send> {
    auto m = peek(s, n);
    const auto* a = m ? std::get_if<Announce>(&*m) : nullptr;
    if (!a || a->phase != Phase::prepare || a->leader != liar || a->attempt != 0) return {s};
    Announce other = *a;
    other.body.push_back('!');
    other.relay = false;
    other.sig = crypto::sign_tagged(*key, announce_tag, chain_id, announce_signed_part(other));
    // Star: members up to n/2 get one body, the others the other; neither side has a quorum.
    if (!tree) return {s.to <= n / 2 ? s : protocol::Send{s.to, encode(other)}};
    // Tree: the sub-leader relays the honest body; everyone else also gets the other one directly.
    std::vector<protocol::Send> out{s};
    for (NodeId i = 0; i < n; ++i)
      if (i != liar && i != s.to) out.push_back({i, encode(other)});
    return out;
  };
}
}  // namespace

TEST(ByzcoinFaults, EquivocatingLeaderAtMostOneBodyPerHeight) {
  for (auto seed : sim::toy::test_seeds({221, 222})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    for (auto [n, tree] : {std::pair{7u, false}, std::pair{4u, true}}) {
      auto c = guarded_cluster(n, seed, tree);
      const NodeId liar = 1;
      c->sim().set_byzantine(liar, equivocate(c->keys(), n, liar, tree));
      c->sim().start();
      // The liar leads heights 1, 1 + n, ... at view 0; the invariant checks every final.
      expect_ok(*c, c->sim().run_until(c->reached(2 * n + 2), 120'000));
      c->expect_consistent_chains();
      std::uint64_t refused = 0;
      for (NodeId id = 0; id < n; ++id) refused += c->node(id)->engine().rejected(core::Reject::equivocation);
      std::cout << "n=" << n << (tree ? " tree" : " star") << ": equivocation refusals " << refused << ", view changes "
                << c->total_stats().view_changes << "\n";
      EXPECT_GT(refused + c->total_stats().view_changes, 0u);
    }
  }
}

TEST(ByzcoinFaults, PartitionWithoutQuorumStallsThenHeals) {
  for (auto seed : sim::toy::test_seeds({231})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    auto c = guarded_cluster(4, seed);
    c->sim().start();
    expect_ok(*c, c->sim().run_until(c->reached(3), 10'000));
    const TimeMs t0 = c->sim().now_ms();
    c->sim().partition({{0, 1}, {2, 3}}, t0, t0 + 5'000);
    // A round whose last message was already delivered may still complete; then nothing.
    c->sim().run_until(t0 + 300);
    const auto frozen = c->agreed_heights();
    c->sim().run_until(t0 + 4'999);
    ASSERT_FALSE(c->sim().failure()) << c->sim().failure()->report(sim::toy::current_test_name());
    EXPECT_EQ(c->agreed_heights(), frozen) << "a block was finalized without a quorum";
    expect_ok(*c, c->sim().run_until(c->reached(frozen + 4), t0 + 120'000));
    c->expect_consistent_chains();
    std::cout << "healed at " << t0 + 5'000 << " ms, height " << frozen + 4 << " at " << c->sim().now_ms() << " ms\n";
  }
}

TEST(ByzcoinFaults, SubleaderCrashFallsBackToStar) {
  for (auto seed : sim::toy::test_seeds({241})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    auto c = guarded_cluster(7, seed);
    c->sim().start();
    // Member 1 is a sub-leader whenever member 0 or 4 leads (tree of 7: sub-leaders L+1, L+4).
    c->sim().crash(1, 0);
    expect_ok(*c, c->sim().run_until(c->reached(12), 60'000));
    EXPECT_GT(c->total_stats().star_fallbacks, 0u);
    c->expect_consistent_chains();
  }
}

TEST(ByzcoinFaults, SilentResponderForcesRestartWithoutIt) {
  for (auto seed : sim::toy::test_seeds({251})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    for (std::uint32_t n : {4u, 7u}) {
      auto c = guarded_cluster(n, seed);
      const NodeId silent = 2;
      c->sim().set_byzantine(silent, [n](const protocol::Send& s) -> std::vector<protocol::Send> {
        auto m = peek(s, n);
        if (m && std::holds_alternative<Response>(*m)) return {};
        return {s};
      });
      c->sim().start();
      expect_ok(*c, c->sim().run_until(c->reached(10), 60'000));
      EXPECT_GT(c->total_stats().restarts, 0u);
      c->expect_consistent_chains();
      // It never responds to anyone, so only the rounds it leads itself carry its bit.
      for (const auto& b : c->node(0)->engine().recent())
        if ((b.height + b.view) % n != silent) {
          EXPECT_FALSE(b.commit.mask.contains(silent)) << "height " << b.height;
        }
    }
  }
}

TEST(ByzcoinFaults, RestartedMemberReplaysAndCatchesUp) {
  for (auto seed : sim::toy::test_seeds({261})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    auto c = guarded_cluster(4, seed);
    c->sim().start();
    expect_ok(*c, c->sim().run_until(c->reached(3), 10'000));
    const std::uint64_t before = c->height(2);
    c->sim().crash(2, c->sim().now_ms());
    expect_ok(*c, c->sim().run_until(c->reached(before + 8), 60'000));
    c->sim().restart(2, c->sim().now_ms());
    c->sim().run_until(c->sim().now_ms() + 1);
    ASSERT_TRUE(c->sim().is_up(2));
    // The new incarnation replayed its persisted blocks into the app before anything else.
    EXPECT_GE(c->node(2)->app().finals.size(), before);
    const std::uint64_t target = c->height(0) + 3;
    expect_ok(*c, c->sim().run_until(c->reached(target), c->sim().now_ms() + 60'000));
    EXPECT_GE(c->height(2), target);
    c->expect_consistent_chains();
  }
}

// engine.hpp final_blocks_in_memory_max: the engine kept every final block of its chain in memory
// (bodies up to 4 MiB). Now it keeps the newest 64; a member that was down while the others
// finalized far more than that catches up from blocks its peers read back from their stores.
TEST(ByzcoinFaults, AMemberDownForMoreBlocksThanKeptInMemoryCatchesUpFromPeersStores) {
  for (auto seed : sim::toy::test_seeds({262})) {
    SCOPED_TRACE(sim::toy::announce_seed(seed));
    auto c = guarded_cluster(4, seed);
    c->sim().start();
    expect_ok(*c, c->sim().run_until(c->reached(3), 10'000));
    c->sim().crash(2, c->sim().now_ms());
    // Every fourth height waits out a view change (member 2 leads it).
    const std::uint64_t far = final_blocks_in_memory_max + 40;
    expect_ok(*c, c->sim().run_until(c->reached(far, {0, 1, 3}), 120'000));
    for (protocol::NodeId id : {0u, 1u, 3u}) {
      EXPECT_EQ(c->node(id)->engine().recent().size(), final_blocks_in_memory_max) << "node " << id;
      EXPECT_GT(c->node(id)->engine().recent_from(), 5u) << "node " << id;
    }
    c->sim().restart(2, c->sim().now_ms());
    const std::uint64_t target = c->height(0) + 3;
    expect_ok(*c, c->sim().run_until(c->reached(target), c->sim().now_ms() + 60'000));
    EXPECT_GE(c->height(2), target);
    std::uint64_t loads = 0;
    for (protocol::NodeId id : {0u, 1u, 3u, c->observer()}) loads += c->node(id)->engine().stats().sync_loads;
    EXPECT_GT(loads, 0u) << "the catch-up was served from the store";
    EXPECT_EQ(c->node(2)->engine().recent().size(), final_blocks_in_memory_max) << "the member that caught up keeps 64 too";
    c->expect_consistent_chains();
  }
}

TEST(ByzcoinFaults, SyncRequestFloodIsAnsweredOnlyUpToTheBytesBudget) {
  // docs/security.md "Unbounded queues and storage": sync requests had no rate limit, and each is
  // answered with up to 32 blocks / 8 MiB. A member that asks 2,000 times in one instant must get
  // at most about one second's budget of responses; the refusals are counted; the others keep
  // finalizing.
  SCOPED_TRACE(sim::toy::announce_seed(2401));
  auto cluster = started_four_members(2401);
  Cluster& c = *cluster;
  expect_ok(c, c.sim().run_until(c.reached(20), 20'000));
  const auto sent_before = c.sim().stats().nodes[0].bytes_sent;
  const auto now = c.sim().now_ms();
  constexpr int requests = 2000;
  for (int i = 0; i < requests; ++i) c.sim().inject(1, 0, encode(SyncRequest{0}), now + 1);
  c.sim().run_until(now + 200);
  ASSERT_FALSE(c.sim().failure()) << c.sim().failure()->report(sim::toy::current_test_name());
  const auto sent = c.sim().stats().nodes[0].bytes_sent - sent_before;
  // Each answer is 20 small blocks; unlimited, 2,000 answers would be far above the budget.
  EXPECT_LE(sent, 2 * sync_response_bytes_per_peer_per_s_max) << sent << " bytes sent in 200 ms";
  const auto& s = c.node(0)->engine().stats();
  EXPECT_GT(s.sync_requests_refused, 0u);
  EXPECT_LT(s.sync_requests_refused, static_cast<std::uint64_t>(requests));
  EXPECT_GE(c.height(2), 20u);
}

TEST(ByzcoinFaults, VotesAndLocksTakeOneRowEachWhateverTheHeight) {
  // docs/security.md "Unbounded queues and storage": a vote and a lock row per height were kept
  // forever (27 MB of database at height 12,000). Only the current height's matter after a restart;
  // they are one row each.
  SCOPED_TRACE(sim::toy::announce_seed(2402));
  auto cluster = started_four_members(2402);
  Cluster& c = *cluster;
  expect_ok(c, c.sim().run_until(c.reached(30), 30'000));
  for (protocol::NodeId id = 0; id < 4; ++id) {
    std::size_t votes = 0, locks = 0;
    for (const auto& [key, value] : c.sim().store(id)) {
      votes += key.rfind("byzcoin/vote", 0) == 0;
      locks += key.rfind("byzcoin/lock", 0) == 0;
    }
    EXPECT_EQ(votes, 1u) << "member " << id;
    EXPECT_LE(locks, 1u) << "member " << id;
  }
}
