// NodeCore (node/protocol/node/node_core.hpp) and the envelope (envelope.hpp): one node hosts
// several (shard, epoch) instances, as a validator does during a TransEpoch swap. Each instance
// must see only its own messages, timers, verify answers and persisted rows, although two
// ShardValidators use the very same timer ids and keys.
#include "node/protocol/node/node_core.hpp"

#include <gtest/gtest.h>

#include <map>

#include "node/core/encoding.hpp"

using namespace ios;
using namespace ios::protocol;
using node::InstanceKey;
using node::NodeCore;

namespace {

const InstanceKey old_shard{core::ShardId{0}, core::Epoch{4}};
const InstanceKey new_shard{core::ShardId{1}, core::Epoch{5}};

// Records its inputs; on start it sets timer 7, persists "k", sends "hi" to node 9 and asks to
// verify nothing; on a message it answers "ack" to the sender; when a timer fires it cancels
// timer 7 (which just fired: nothing to cancel) and sets timer 8.
struct Probe final : Core {
  std::vector<std::string> seen;
  void on_start(TimeMs, Effects& out) override {
    out.set_timer(7, 100);
    out.persist("k", {1});
    out.send(9, {'h', 'i'});
    out.verify(1, {});
  }
  void on_message(TimeMs, NodeId from, core::ByteView payload, Effects& out) override {
    seen.push_back("msg " + std::to_string(from) + " " + std::string(payload.begin(), payload.end()));
    out.send(from, {'a', 'c', 'k'});
  }
  void on_timer(TimeMs, TimerId id, Effects& out) override {
    seen.push_back("timer " + std::to_string(id));
    out.cancel_timer(7);
    out.set_timer(8, 500);
  }
  void on_verify_done(TimeMs, std::uint64_t id, std::vector<bool>, Effects&) override {
    seen.push_back("verify " + std::to_string(id));
  }
};

struct Hosted {
  NodeCore node;
  Probe* old_probe = nullptr;
  Probe* new_probe = nullptr;
  Hosted() {
    auto a = std::make_unique<Probe>(), b = std::make_unique<Probe>();
    old_probe = a.get();
    new_probe = b.get();
    node.host(old_shard, std::move(a));
    node.host(new_shard, std::move(b));
  }
};

core::Bytes bytes(std::string_view s) { return core::Bytes(s.begin(), s.end()); }

}  // namespace

TEST(Envelope, IsFixedAndCanonical) {
  const auto wrapped = node::wrap(new_shard, bytes("body"));
  core::Writer w;
  w.u8(1).u8(1).u32(1).u64(5).u32(0).raw(bytes("body"));
  EXPECT_EQ(wrapped, w.take()) << "u8 version ‖ u8 protocol ‖ u32 shard ‖ u64 epoch ‖ u32 step ‖ payload";
  auto opened = node::open(wrapped);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->key, new_shard);
  EXPECT_EQ(core::Bytes(opened->payload.begin(), opened->payload.end()), bytes("body"));
  for (std::size_t len = 0; len < node::envelope_header_bytes; ++len)
    EXPECT_EQ(node::open(core::ByteView(wrapped).first(len)).error().reason, core::Reject::truncated) << len;
  auto bad = wrapped;
  bad[0] = 2;
  EXPECT_EQ(node::open(bad).error().reason, core::Reject::unknown_version);
  bad = wrapped;
  bad[1] = 9;
  EXPECT_EQ(node::open(bad).error().reason, core::Reject::non_canonical);
  // A client's message names no instance: only the one client key opens.
  bad[1] = 3;
  EXPECT_EQ(node::open(bad).error().reason, core::Reject::non_canonical) << "shard 1, epoch 5";
  auto client = node::open(node::wrap(node::client_key, bytes("body")));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->key.protocol, node::Protocol::client);
  bad[1] = 2;  // the epoch protocol: the same shard and epoch numbers name another instance
  auto epoch_instance = node::open(bad);
  ASSERT_TRUE(epoch_instance.ok());
  EXPECT_EQ(epoch_instance->key.protocol, node::Protocol::epoch);
  EXPECT_NE(epoch_instance->key, new_shard);
  EXPECT_EQ(node::persist_prefix(epoch_instance->key), "epoch/5/");
  EXPECT_EQ(node::persist_prefix(new_shard), "shard/1/epoch/5/");
  EXPECT_TRUE(node::open(core::ByteView(wrapped).first(node::envelope_header_bytes)).ok()) << "an empty payload is the instance's to judge";
  EXPECT_EQ(node::persist_prefix(new_shard), "shard/1/epoch/5/");
  // A TransEpoch step is an instance of its own, with rows no other step's prefix covers.
  auto step = new_shard;
  step.step = 3;
  auto opened_step = node::open(node::wrap(step, bytes("body")));
  ASSERT_TRUE(opened_step.ok());
  EXPECT_EQ(opened_step->key, step);
  EXPECT_NE(opened_step->key, new_shard);
  EXPECT_EQ(node::persist_prefix(step), "shard/1/epoch/5.3/");
  EXPECT_FALSE(node::persist_prefix(step).starts_with(node::persist_prefix(new_shard)));
}

TEST(NodeEnvelope, PersistPrefixParsesBackToItsInstanceAndNothingElseParses) {
  // The runtime tells a segment's block rows and stored blocks apart by their prefix.
  for (const node::InstanceKey key : {node::InstanceKey{core::ShardId{0}, core::Epoch{0}},
                                      node::InstanceKey{core::ShardId{7}, core::Epoch{12}, node::Protocol::shard, 3},
                                      node::InstanceKey{core::ShardId{0}, core::Epoch{4}, node::Protocol::epoch, 0}}) {
    const auto row = node::persist_prefix(key) + "byzcoin/block/9";
    auto parsed = node::parse_persist_prefix(row);  // `rest` views into `row`
    ASSERT_TRUE(parsed.has_value()) << node::persist_prefix(key);
    EXPECT_EQ(parsed->key, key);
    EXPECT_EQ(parsed->rest, "byzcoin/block/9");
  }
  for (const char* bad : {"", "shard/", "shard/1/epoch/2", "shard/01/epoch/2/", "shard/1/epoch/2.0/", "shard/1/epoch/2./",
                          "shard/-1/epoch/2/", "shard/1/epoch/99999999999999999999/", "shard/4294967296/epoch/1/",
                          "epoch/x/", "byzcoin/block/1", "Shard/1/epoch/2/"})
    EXPECT_FALSE(node::parse_persist_prefix(bad).has_value()) << bad;
}

TEST(NodeCore, InstancesShareNothing) {
  Hosted h;
  Effects out;
  h.node.on_start(0, out);
  // Both instances set "timer 7": two different timers of the node.
  std::vector<TimerId> timers;
  std::vector<std::string> keys;
  std::vector<std::uint64_t> verifies;
  for (const auto& e : out.list()) {
    if (const auto* t = std::get_if<SetTimer>(&e)) timers.push_back(t->id);
    if (const auto* p = std::get_if<Persist>(&e)) keys.push_back(p->key);
    if (const auto* v = std::get_if<Verify>(&e)) verifies.push_back(v->id);
    if (const auto* s = std::get_if<Send>(&e)) {
      auto opened = node::open(s->payload);
      ASSERT_TRUE(opened.ok());
      EXPECT_EQ(s->to, 9u);
      EXPECT_EQ(core::Bytes(opened->payload.begin(), opened->payload.end()), bytes("hi"));
    }
  }
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_NE(timers[0], timers[1]);
  EXPECT_EQ(keys, (std::vector<std::string>{"shard/0/epoch/4/k", "shard/1/epoch/5/k"}));
  ASSERT_EQ(verifies.size(), 2u);
  EXPECT_NE(verifies[0], verifies[1]);

  // A timer, a verify answer and a message each reach their own instance only.
  Effects more;
  h.node.on_timer(100, timers[1], more);
  EXPECT_EQ(h.new_probe->seen, std::vector<std::string>{"timer 7"});
  EXPECT_TRUE(h.old_probe->seen.empty());
  ASSERT_EQ(more.list().size(), 1u) << "timer 7 fired: cancelling it is no effect";
  const auto eight = std::get<SetTimer>(more.list()[0]).id;
  EXPECT_NE(eight, timers[0]);
  Effects again;
  h.node.on_timer(100, timers[1], again);  // fired already: a late duplicate from the driver
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(h.new_probe->seen.size(), 1u);
  EXPECT_EQ(h.node.timers_set(), 2u) << "old shard's 7 and new shard's 8";
  h.node.on_verify_done(100, verifies[0], {}, more);
  EXPECT_EQ(h.old_probe->seen, std::vector<std::string>{"verify 1"});
  Effects reply;
  h.node.on_message(100, 3, node::wrap(old_shard, bytes("x")), reply);
  EXPECT_EQ(h.old_probe->seen.back(), "msg 3 x");
  ASSERT_EQ(reply.list().size(), 1u);
  auto opened = node::open(std::get<Send>(reply.list()[0]).payload);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->key, old_shard) << "an answer travels in its instance's envelope";
  EXPECT_EQ(h.new_probe->seen.size(), 1u);
}

// ByzCoin arms each timer under a fresh id (a generation in the low bits) and cancels the old
// one: a million heights must not leave a million mappings behind.
TEST(NodeCore, TimerMappingsLiveOnlyWhileTheTimerIsSet) {
  struct Rearming final : Core {
    TimerId next = 1;
    void on_start(TimeMs, Effects& out) override { out.set_timer(next, 10); }
    void on_message(TimeMs, NodeId, core::ByteView, Effects& out) override {
      out.cancel_timer(next);  // set: cancelled
      out.cancel_timer(next + 1000);  // never set: nothing to cancel
      out.set_timer(++next, 10);
    }
    void on_timer(TimeMs, TimerId, Effects& out) override { out.set_timer(++next, 10); }
  };
  NodeCore node;
  node.host(old_shard, std::make_unique<Rearming>());
  Effects out;
  node.on_start(0, out);
  const auto message = node::wrap(old_shard, {});
  for (int i = 0; i < 10'000; ++i) {
    Effects e;
    node.on_message(1, 2, message, e);
    ASSERT_EQ(e.list().size(), 2u) << "one cancel, one set";
    if (i % 2 == 0) {
      Effects fired;
      node.on_timer(2, std::get<SetTimer>(e.list()[1]).id, fired);
    }
  }
  EXPECT_EQ(node.timers_set(), 1u);
}

TEST(NodeCore, MisroutedAndMalformedMessagesAreCountedAndDropped) {
  Hosted h;
  Effects out;
  h.node.on_message(0, 3, node::wrap({core::ShardId{0}, core::Epoch{5}}, bytes("x")), out);
  h.node.on_message(0, 3, bytes("no envelope"), out);
  h.node.on_message(0, 3, {}, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(h.old_probe->seen.empty());
  EXPECT_TRUE(h.new_probe->seen.empty());
  EXPECT_EQ(h.node.counters().no_instance, 1u);
  EXPECT_EQ(h.node.counters().bad_envelopes, 2u);
  EXPECT_EQ(h.node.only<Probe>(), nullptr) << "two probes: no single one";
  EXPECT_EQ(h.node.instance<Probe>(new_shard), h.new_probe);
}

TEST(NodeCore, ScopedStateGivesEachInstanceItsRowsWithoutThePrefix) {
  const node::PersistedState all{{"shard/0/epoch/4/byzcoin/vote/1", {1}},
                                 {"shard/0/epoch/4/pob/producer", {2}},
                                 {"shard/0/epoch/40/pob/producer", {3}},
                                 {"shard/1/epoch/5/pob/producer", {4}}};
  EXPECT_EQ(node::scoped_state(all, old_shard),
            (node::PersistedState{{"byzcoin/vote/1", {1}}, {"pob/producer", {2}}}));
  EXPECT_EQ(node::scoped_state(all, new_shard), (node::PersistedState{{"pob/producer", {4}}}));
}

namespace {

// An epoch instance that, on any message, declares its epoch formed (the EpochCore's
// Deliver{"epoch-record"}); it records that it started.
struct FormingProbe final : Core {
  bool started = false;
  void on_start(TimeMs, Effects&) override { started = true; }
  void on_message(TimeMs, NodeId, core::ByteView, Effects& out) override { out.deliver("epoch-record", {0xee}); }
  void on_timer(TimeMs, TimerId, Effects&) override {}
};

InstanceKey forming(std::uint64_t e) { return {core::ShardId{0}, core::Epoch{e}, node::Protocol::epoch}; }

}  // namespace

TEST(NodeCore, SuccessionHostsWhatFollowsAFormedEpochAndRetiresOldEpochInstances) {
  NodeCore n;
  std::map<std::uint64_t, FormingProbe*> probes;
  auto first = std::make_unique<FormingProbe>();
  probes[1] = first.get();
  n.host(forming(1), std::move(first));
  std::vector<std::pair<std::uint64_t, core::Bytes>> calls;
  n.set_succession([&](const InstanceKey& from, const Core&, const Deliver& d) {
    node::Succeeded next;
    if (d.kind != node::formed_kind) return next;
    const auto epoch = from.epoch.value;
    calls.emplace_back(epoch, d.value);
    auto p = std::make_unique<FormingProbe>();
    probes[epoch + 1] = p.get();
    next.hosted.push_back({forming(epoch + 1), std::move(p)});
    return next;
  });
  Effects out;
  n.on_start(0, out);
  ASSERT_TRUE(probes[1]->started);
  // Each epoch instance forms its epoch in turn; the next is hosted and started at once, and
  // the record passes through to the driver.
  const std::uint64_t last = 1 + node::epoch_instances_kept + 2;
  for (std::uint64_t e = 1; e <= last; ++e) {
    Effects formed;
    n.on_message(10 * e, 3, node::wrap(forming(e), bytes("go")), formed);
    ASSERT_EQ(calls.size(), e);
    EXPECT_EQ(calls.back(), (std::pair<std::uint64_t, core::Bytes>{e, core::Bytes{0xee}}));
    EXPECT_TRUE(probes[e + 1]->started) << "epoch " << e + 1 << " started when " << e << " was formed";
    ASSERT_EQ(formed.list().size(), 1u);
    EXPECT_EQ(std::get<Deliver>(formed.list()[0]).kind, "epoch-record");
  }
  // Instances older than epoch_instances_kept behind the last formed one are gone: a message
  // for them is "no instance"; the recent ones still answer (they hand a lagging peer its record).
  const auto before = n.counters().no_instance;
  Effects late;
  n.on_message(1000, 3, node::wrap(forming(1), bytes("late")), late);
  EXPECT_EQ(n.counters().no_instance, before + 1);
  EXPECT_NE(n.instance<FormingProbe>(forming(last + 1 - node::epoch_instances_kept)), nullptr);
  EXPECT_EQ(n.instance<FormingProbe>(forming(last - node::epoch_instances_kept - 1)), nullptr);
  // Shard instances are never retired by the succession.
  NodeCore m;
  m.host(old_shard, std::make_unique<Probe>());
  m.host(forming(1), std::make_unique<FormingProbe>());
  m.set_succession([](const InstanceKey&, const Core&, const Deliver&) { return node::Succeeded{}; });
  Effects ignored;
  m.on_start(0, ignored);
  m.on_message(5, 3, node::wrap(forming(1), bytes("go")), ignored);
  EXPECT_NE(m.instance<Probe>(old_shard), nullptr);
}

namespace {

// A shard segment: on any message it ends (Deliver "shard-handover"); it records the formed
// epochs it is told of.
struct SegmentProbe final : Core {
  std::vector<std::uint64_t> formed;
  bool started = false;
  void on_start(TimeMs, Effects&) override { started = true; }
  void on_message(TimeMs, NodeId, core::ByteView, Effects& out) override {
    out.deliver(std::string(node::handover_kind), {0xaa});
  }
  void on_timer(TimeMs, TimerId, Effects&) override {}
  void on_epoch_formed(TimeMs, std::uint64_t epoch, Effects&) override { formed.push_back(epoch); }
};

InstanceKey step(std::uint64_t e, std::uint32_t s) { return {core::ShardId{1}, core::Epoch{e}, node::Protocol::shard, s}; }

}  // namespace

// TransEpoch hosting (node/protocol/transepoch/shard_hosting.hpp) rests on this: a segment's
// handover reaches the succession with the segment's key, which may start the next step and
// retire an old one; a key hosted twice keeps the first; every instance hears of a formed
// epoch, and one started later hears of the last formed before it.
TEST(NodeCore, SuccessionStartsAndRetiresSegmentsAndEveryoneHearsOfFormedEpochs) {
  NodeCore n;
  std::map<InstanceKey, SegmentProbe*> probes;
  auto add = [&](const InstanceKey& key) {
    auto p = std::make_unique<SegmentProbe>();
    probes[key] = p.get();
    return p;
  };
  n.host(step(3, 0), add(step(3, 0)));
  n.host(forming(4), std::make_unique<FormingProbe>());
  n.set_formed_epoch(3);
  std::vector<InstanceKey> handovers;
  n.set_succession([&](const InstanceKey& from, const Core&, const Deliver& d) {
    node::Succeeded next;
    if (d.kind != node::handover_kind) return next;
    handovers.push_back(from);
    next.hosted.push_back({step(from.epoch.value, from.step + 1), add(step(from.epoch.value, from.step + 1))});
    if (from.step >= 1) next.retired.push_back(step(from.epoch.value, from.step - 1));
    return next;
  });
  Effects out;
  n.on_start(0, out);
  EXPECT_EQ(probes[step(3, 0)]->formed, std::vector<std::uint64_t>{3}) << "told of the epoch formed before it started";

  n.on_message(1, 2, node::wrap(step(3, 0), bytes("end")), out);
  ASSERT_EQ(handovers, std::vector<InstanceKey>{step(3, 0)});
  ASSERT_NE(n.instance<SegmentProbe>(step(3, 1)), nullptr);
  EXPECT_TRUE(probes[step(3, 1)]->started);
  EXPECT_EQ(probes[step(3, 1)]->formed, std::vector<std::uint64_t>{3});
  n.on_message(2, 2, node::wrap(step(3, 1), bytes("end")), out);
  EXPECT_EQ(n.instance<SegmentProbe>(step(3, 0)), nullptr) << "retired by the succession";
  EXPECT_NE(n.instance<SegmentProbe>(step(3, 1)), nullptr);
  EXPECT_NE(n.instance<SegmentProbe>(step(3, 2)), nullptr);

  // Epoch 4 forms: every instance hosted hears of it once.
  n.on_message(3, 2, node::wrap(forming(4), bytes("go")), out);
  EXPECT_EQ(probes[step(3, 1)]->formed, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(probes[step(3, 2)]->formed, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(n.formed_epoch(), 4u);

  // The same key offered again (a second handover of step 1): the hosted one stays.
  auto* kept = n.instance<SegmentProbe>(step(3, 2));
  n.on_message(4, 2, node::wrap(step(3, 1), bytes("again")), out);
  EXPECT_EQ(n.instance<SegmentProbe>(step(3, 2)), kept);
}

// core.hpp Load: like Verify, each instance's load ids map to ids of the node and its keys get
// the instance's prefix; the answer reaches the instance that asked, under its own id. A
// succession's `pruned` instance goes at once and its prefix becomes a Prune; an answer to a
// Load it left behind is dropped.
namespace {
struct LoadProbe final : Core {
  std::vector<std::string> seen;
  void on_start(TimeMs, Effects& out) override { out.load(3, {"byzcoin/block/7"}); }
  void on_message(TimeMs, NodeId, core::ByteView, Effects& out) override { out.deliver(std::string(node::handover_kind), {}); }
  void on_timer(TimeMs, TimerId, Effects&) override {}
  void on_loaded(TimeMs, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects&) override {
    seen.push_back("loaded " + std::to_string(id) + " " +
                   (values.size() == 1 && values[0] ? std::string(values[0]->begin(), values[0]->end()) : "-"));
  }
};
}  // namespace

TEST(NodeCore, LoadsAreScopedToTheirInstanceAndAPrunedInstanceLeavesAPrune) {
  NodeCore n;
  auto a = std::make_unique<LoadProbe>(), b = std::make_unique<LoadProbe>();
  auto* old_probe = a.get();
  auto* new_probe = b.get();
  n.host(old_shard, std::move(a));
  n.host(new_shard, std::move(b));
  n.set_succession([&](const InstanceKey& from, const Core&, const Deliver&) {
    node::Succeeded next;
    if (from == new_shard) next.pruned.push_back(old_shard);
    return next;
  });
  Effects out;
  n.on_start(0, out);
  std::vector<Load> loads;
  for (const auto& e : out.list())
    if (const auto* l = std::get_if<Load>(&e)) loads.push_back(*l);
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_NE(loads[0].id, loads[1].id);
  EXPECT_EQ(loads[0].keys, std::vector<std::string>{"shard/0/epoch/4/byzcoin/block/7"});
  EXPECT_EQ(loads[1].keys, std::vector<std::string>{"shard/1/epoch/5/byzcoin/block/7"});

  Effects more;
  n.on_loaded(1, loads[1].id, {bytes("b7")}, more);
  EXPECT_EQ(new_probe->seen, std::vector<std::string>{"loaded 3 b7"});
  EXPECT_TRUE(old_probe->seen.empty());

  // The new shard's segment ends; its succession prunes the old one.
  Effects pruning;
  n.on_message(2, 2, node::wrap(new_shard, bytes("end")), pruning);
  std::vector<std::string> pruned;
  for (const auto& e : pruning.list())
    if (const auto* p = std::get_if<Prune>(&e)) pruned.push_back(p->prefix);
  EXPECT_EQ(pruned, std::vector<std::string>{"shard/0/epoch/4/"});
  EXPECT_EQ(n.instance<LoadProbe>(old_shard), nullptr);
  // A new instance under the same key (the review's case): the old instance's answer is not its.
  auto again = std::make_unique<LoadProbe>();
  auto* successor = again.get();
  n.host(old_shard, std::move(again));
  Effects late;
  n.on_loaded(3, loads[0].id, {bytes("a7")}, late);  // its instance is gone: dropped
  EXPECT_TRUE(late.empty());
  EXPECT_TRUE(successor->seen.empty()) << "the answer to the pruned instance's Load reached its successor";
}
