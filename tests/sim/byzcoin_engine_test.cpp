// The ByzCoin engine driven by hand (no simulator): the persisted vote after a restart, stale
// views, classification of bad peer input, the wire codec (round trips and every negative a
// decoder must refuse) and the tree shape.
#include <gtest/gtest.h>

#include "sim/byzcoin_toy_app.hpp"

using namespace ios;
using namespace ios::sim::byzcoin_toy;
using protocol::Effects;
using protocol::NodeId;

namespace {

constexpr std::uint32_t n = 4;

// Any valid prime-order point will do where the codec needs one.
crypto::PublicKey point() { return make_keys(1, 5).signing[0]->public_key(); }

struct Bench {
  Keys keys = make_keys(n, 77);
  ByzcoinConfig config(std::optional<std::uint32_t> self) const {
    ByzcoinConfig c;
    c.domain = chain_id;
    c.roster = keys.roster;
    c.members = {0, 1, 2, 3};
    c.observers = {4};
    c.self = self;
    if (self) c.signing_key = keys.signing[*self];
    c.tree = false;  // star: member 2's parent is the leader itself
    return c;
  }
  Announce announce(std::uint64_t view, std::string_view body) const {
    Announce a;
    a.height = 0;
    a.view = view;
    a.leader = static_cast<std::uint32_t>(view % n);
    a.invited = crypto::CosiMask::full(n);
    a.body = core::Bytes(body.begin(), body.end());
    a.sig = crypto::sign_tagged(*keys.signing[a.leader], announce_tag, chain_id, announce_signed_part(a));
    return a;
  }
  ViewChange view_change(std::uint32_t sender, std::uint64_t view) const {
    ViewChange v;
    v.height = 0;
    v.view = view;
    v.sender = sender;
    v.sig = crypto::sign_tagged(*keys.signing[sender], view_change_tag, chain_id, view_change_signed_part(v));
    return v;
  }
};

// One member's engine with its app, signer and store.
struct Member {
  Member(const Bench& b, std::uint32_t self, const sim::PersistStore& store = {})
      : app(self),
        signer(*b.keys.signing[self]),
        rng("IOS/test/byzcoin/engine", self),
        engine(b.config(self), app, &signer, rng, store) {
    Effects out;
    engine.on_start(0, out);
  }
  Effects deliver(NodeId from, const core::Bytes& payload) {
    Effects out;
    engine.on_message(1, from, payload, out);
    return out;
  }
  ToyApp app;
  crypto::CosiSigner signer;
  crypto::ChaChaRng rng;
  ByzcoinEngine engine;
};

std::vector<Commitment> commitments_in(const Effects& out) {
  std::vector<Commitment> found;
  for (const auto& e : out.list()) {
    const auto* s = std::get_if<protocol::Send>(&e);
    if (!s) continue;
    auto m = decode_message(s->payload, n);
    if (m && std::holds_alternative<Commitment>(*m)) found.push_back(std::get<Commitment>(*m));
  }
  return found;
}

sim::PersistStore persisted(const Effects& out) {
  sim::PersistStore store;
  for (const auto& e : out.list())
    if (const auto* p = std::get_if<protocol::Persist>(&e)) store[p->key] = p->value;
  return store;
}

}  // namespace

TEST(ByzcoinEngine, PersistsItsVoteBeforeItsCommitment) {
  Bench b;
  Member m(b, 2);
  const auto out = m.deliver(0, encode(b.announce(0, "h=0 p=0 #0")));
  ASSERT_EQ(commitments_in(out).size(), 1u);
  std::size_t persist_at = 0, send_at = 0;
  for (std::size_t i = 0; i < out.list().size(); ++i) {
    if (const auto* p = std::get_if<protocol::Persist>(&out.list()[i]); p && p->key == vote_key()) persist_at = i + 1;
    if (std::holds_alternative<protocol::Send>(out.list()[i]) && send_at == 0) send_at = i + 1;
  }
  ASSERT_GT(persist_at, 0u);
  EXPECT_LT(persist_at, send_at) << "the vote reaches the store before the commitment leaves";
  auto vote = decode_vote(persisted(out).at(vote_key()));
  ASSERT_TRUE(vote.ok());
  EXPECT_EQ(vote->view, 0u);
  EXPECT_EQ(vote->phase, Phase::prepare);
  EXPECT_EQ(vote->block, b.announce(0, "h=0 p=0 #0").block());
}

TEST(ByzcoinEngine, AfterRestartRefusesAnotherBlockAtTheSameHeightAndView) {
  Bench b;
  sim::PersistStore store;
  {
    Member before(b, 2);
    store = persisted(before.deliver(0, encode(b.announce(0, "h=0 p=0 #0"))));
  }
  // A leader that equivocates towards the restarted member (which lost its memory of the
  // first announce, but not its store).
  Member restarted(b, 2, store);
  const auto out = restarted.deliver(0, encode(b.announce(0, "h=0 p=0 #1 other")));
  EXPECT_TRUE(commitments_in(out).empty());
  ASSERT_TRUE(restarted.engine.last_reject());
  EXPECT_EQ(restarted.engine.last_reject()->reason, core::Reject::equivocation);
  EXPECT_FALSE(persisted(out).contains(vote_key()));
  // The same block is fine (a fresh commitment for the round that restarts).
  Member again(b, 2, store);
  EXPECT_EQ(commitments_in(again.deliver(0, encode(b.announce(0, "h=0 p=0 #0")))).size(), 1u);
  // Without the store the other block would have been signed: the refusal comes from the vote.
  Member fresh(b, 2);
  EXPECT_EQ(commitments_in(fresh.deliver(0, encode(b.announce(0, "h=0 p=0 #1 other")))).size(), 1u);
}

TEST(ByzcoinEngine, AVoteInADatabaseOfTheOldPerHeightFormatStillBindsAfterRestart) {
  // docs/security.md "Unbounded queues and storage" moved the vote to one row; a database written
  // before keeps the vote of its current height under "byzcoin/vote/<h>", and it must still stop an
  // equivocation.
  Bench b;
  sim::PersistStore store;
  {
    Member before(b, 2);
    store = persisted(before.deliver(0, encode(b.announce(0, "h=0 p=0 #0"))));
  }
  ASSERT_TRUE(store.contains(vote_key()));
  store[legacy_vote_key(0)] = store.at(vote_key());
  store.erase(vote_key());
  Member restarted(b, 2, store);
  EXPECT_TRUE(commitments_in(restarted.deliver(0, encode(b.announce(0, "h=0 p=0 #1 other")))).empty());
  ASSERT_TRUE(restarted.engine.last_reject());
  EXPECT_EQ(restarted.engine.last_reject()->reason, core::Reject::equivocation);
}

TEST(ByzcoinEngine, StaleViewsAreRejected) {
  Bench b;
  Member m(b, 2);
  m.deliver(0, encode(b.view_change(0, 1)));
  m.deliver(1, encode(b.view_change(1, 1)));  // f+1: member 2 joins, then 2f+1 move it
  ASSERT_EQ(m.engine.view(), 1u);
  EXPECT_EQ(m.engine.leader(), 1u);
  m.deliver(0, encode(b.announce(0, "h=0 p=0 #0")));
  EXPECT_EQ(m.engine.rejected(core::Reject::stale_view), 1u);
  m.deliver(3, encode(b.view_change(3, 1)));
  EXPECT_EQ(m.engine.rejected(core::Reject::stale_view), 2u);
  EXPECT_EQ(m.engine.view(), 1u) << "views never go back";
  // The current view's leader is heard.
  EXPECT_EQ(commitments_in(m.deliver(1, encode(b.announce(1, "h=0 p=1 #0")))).size(), 1u);
}

TEST(ByzcoinEngine, ClassifiesBadPeerInput) {
  Bench b;
  Member m(b, 2);
  m.deliver(9, encode(b.view_change(0, 1)));
  EXPECT_EQ(m.engine.last_reject()->reason, core::Reject::not_in_roster);
  m.deliver(0, {0xB1, 1});
  EXPECT_EQ(m.engine.last_reject()->reason, core::Reject::truncated);
  auto forged = b.view_change(0, 1);
  forged.view = 2;  // signature was for view 1
  m.deliver(0, encode(forged));
  EXPECT_EQ(m.engine.last_reject()->reason, core::Reject::bad_signature);
  auto wrong_leader = b.announce(0, "h=0 p=0 #0");
  wrong_leader.leader = 1;
  wrong_leader.sig =
      crypto::sign_tagged(*b.keys.signing[1], announce_tag, chain_id, announce_signed_part(wrong_leader));
  m.deliver(1, encode(wrong_leader));
  EXPECT_EQ(m.engine.last_reject()->reason, core::Reject::wrong_leader);
  auto unsigned_announce = b.announce(0, "h=0 p=0 #0");
  unsigned_announce.sig[0] ^= 1;
  m.deliver(0, encode(unsigned_announce));
  EXPECT_EQ(m.engine.last_reject()->reason, core::Reject::bad_signature);
  // A final block whose signatures do not verify never reaches the app.
  chain::FinalizedBlock fake{0, 0, {}, {'x'}, {}, {}};
  fake.prepare.mask = crypto::CosiMask::full(n);
  fake.commit.mask = crypto::CosiMask::full(n);
  fake.prepare.V = point();
  m.deliver(0, encode(FinalMsg{fake}));
  EXPECT_EQ(m.engine.height(), 0u);
  EXPECT_TRUE(m.app.finals.empty());
  EXPECT_GE(m.engine.stats().rejected, 6u);
}

// ---- codec -------------------------------------------------------------------------------------

namespace {
std::vector<Message> samples(const Bench& b) {
  std::vector<Message> all;
  auto a = b.announce(0, "h=0 p=0 #0");
  all.push_back(a);
  crypto::CollectiveSignature sig{point(), {}, crypto::CosiMask::full(n)};
  a.phase = Phase::commit;
  a.certificate = sig;
  a.relay = true;
  all.push_back(a);
  all.push_back(Commitment{0, 1, Phase::commit, 3, 2, point(), crypto::CosiMask::full(n)});
  all.push_back(Challenge{0, 1, Phase::prepare, 0, {}, crypto::CosiMask::full(n)});
  all.push_back(Response{5, 0, Phase::prepare, 1, 3, {}, crypto::CosiMask::full(n)});
  chain::FinalizedBlock block{0, 0, {}, {'b'}, sig, sig};
  all.push_back(FinalMsg{block});
  auto vc = b.view_change(1, 2);
  vc.prepared = ViewChange::Prepared{1, {}, block.hash(), sig};
  vc.body = block.body;
  all.push_back(vc);
  auto stripped = vc;
  stripped.body.reset();
  all.push_back(NewView{0, 2, 2, {stripped, b.view_change(0, 2)}});
  all.push_back(SyncRequest{17});
  all.push_back(SyncResponse{{block, block}});
  return all;
}
}  // namespace

TEST(ByzcoinMessages, RoundTripAndRefuseEveryTruncationAndTrailingByte) {
  Bench b;
  for (const auto& m : samples(b)) {
    const core::Bytes wire = encode(m);
    SCOPED_TRACE(to_string(static_cast<MsgKind>(wire[2])));
    auto back = decode_message(wire, n);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(encode(*back), wire);
    for (std::size_t len = 0; len < wire.size(); ++len)
      EXPECT_FALSE(decode_message(core::ByteView(wire).first(len), n).ok()) << "prefix of " << len;
    auto longer = wire;
    longer.push_back(0);
    auto r = decode_message(longer, n);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, core::Reject::trailing_bytes);
  }
}

TEST(ByzcoinMessages, RefusesWrongTagVersionKindPhaseIndexAndMask) {
  Bench b;
  const core::Bytes wire = encode(Commitment{0, 1, Phase::commit, 3, 2, point(), crypto::CosiMask::full(n)});
  auto reason = [](core::Bytes w, std::size_t roster = n) {
    auto r = decode_message(w, roster);
    return r ? std::optional<core::Reject>{} : std::optional{r.error().reason};
  };
  auto edit = [&](std::size_t at, std::uint8_t v) {
    auto w = wire;
    w[at] = v;
    return w;
  };
  EXPECT_EQ(reason(edit(0, 0xB2)), core::Reject::non_canonical);  // another engine's tag
  EXPECT_EQ(reason(edit(1, 2)), core::Reject::unknown_version);
  EXPECT_EQ(reason(edit(2, 0)), core::Reject::non_canonical);  // unknown kind
  EXPECT_EQ(reason(edit(2, 10)), core::Reject::non_canonical);
  EXPECT_EQ(reason(edit(3 + 16, 3)), core::Reject::non_canonical);          // phase
  EXPECT_EQ(reason(edit(3 + 16 + 1 + 4, 4)), core::Reject::not_in_roster);  // sender index 4 of 4
  EXPECT_TRUE(reason(wire, 9).has_value()) << "a mask for 4 members is refused in a roster of 9";
  // Mask padding bits set.
  EXPECT_EQ(reason(edit(wire.size() - 1, 0xFF)), core::Reject::non_canonical);
  // A new_view may quote at most n view changes, and never with bodies.
  auto vc = b.view_change(1, 2);
  vc.prepared = ViewChange::Prepared{1, {}, {}, {point(), {}, crypto::CosiMask::full(n)}};
  vc.body = core::Bytes{'x'};
  EXPECT_EQ(reason(encode(NewView{0, 2, 2, {vc}})), core::Reject::non_canonical);
  EXPECT_EQ(reason(encode(NewView{0, 2, 2, std::vector<ViewChange>(n + 1, b.view_change(0, 2))})),
            core::Reject::length_over_limit);
}

TEST(ByzcoinTree, ThreeLevelsWithSqrtSubleadersRotatedByTheRoot) {
  const auto full = crypto::CosiMask::full(10);
  const Tree t = make_tree(3, full, false);
  ASSERT_EQ(t.subleaders, (std::vector<std::uint32_t>{4, 7, 0}));
  EXPECT_EQ(t.leaves[0], (std::vector<std::uint32_t>{5, 6}));
  EXPECT_EQ(t.leaves[2], (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(t.parent_of(5), 4u);
  EXPECT_EQ(t.parent_of(7), 3u);
  EXPECT_FALSE(t.parent_of(3).has_value());
  EXPECT_EQ(t.subtree_of(0), (std::vector<std::uint32_t>{0, 1, 2}));
  // A member left out of a restart is not in the tree.
  auto invited = full;
  invited.set(5, false);
  const Tree r = make_tree(3, invited, false);
  EXPECT_FALSE(r.parent_of(5).has_value());
  std::size_t members = r.subleaders.size();
  for (const auto& l : r.leaves) members += l.size();
  EXPECT_EQ(members, 8u);
  // Star: everyone is a child of the root.
  const Tree s = make_tree(3, full, true);
  EXPECT_EQ(s.subleaders.size(), 9u);
  for (const auto& l : s.leaves) EXPECT_TRUE(l.empty());
}
