// The fault menu: crash and restart (incarnations), partitions and heals, link changes and
// loss, Byzantine rewrites, and any scheduled driver action. Every timed fault is a control
// event in the queue, so it happens between two inputs, in a deterministic order, and shows
// up in the trace and the transcript.
#include <algorithm>

#include "node/core/encoding.hpp"
#include "node/core/result.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

namespace {

std::string describe_groups(const std::vector<std::vector<NodeId>>& groups) {
  std::string out;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) out += " |";
    for (NodeId n : groups[g]) out += " " + std::to_string(n);
  }
  return out;
}

}  // namespace

void Simulator::make_incarnation(NodeId id) {
  Node& n = node(id);
  IOS_ASSERT(!n.up);
  IOS_ASSERT(n.core == nullptr);
  core::Writer stream_seed;
  stream_seed.u64(seed_).u32(id).u32(n.incarnation);
  n.rng = std::make_unique<crypto::ChaChaRng>("IOS/v1/sim/node", stream_seed.view());
  const SimNodeContext context{id, n.incarnation, seed_, *n.rng, n.store, n.applied_txs};
  n.core = n.factory(context);
  IOS_ASSERT(n.core != nullptr);
  n.up = true;
  n.started = false;
}

void Simulator::do_crash(NodeId id) {
  Node& n = node(id);
  if (!n.up) return;
  for (const auto& [timer, key] : n.timers) queue_.erase(key);
  n.timers.clear();
  n.core.reset();  // before the Rng it may refer to
  n.rng.reset();
  n.up = false;
  ++stats_.nodes[id].crashes;
}

void Simulator::do_restart(NodeId id) {
  do_crash(id);
  Node& n = node(id);
  ++n.incarnation;
  make_incarnation(id);
  ++stats_.nodes[id].restarts;
  start_core(id);
}

TimeUs Simulator::control_time(TimeMs at_ms) const {
  IOS_ASSERT(at_ms >= now_ms());  // a fault in the past is a bug in the driver
  return std::max(to_us(at_ms), now_us_);
}

void Simulator::schedule(TimeMs at_ms, std::string what, std::function<void(Simulator&)> action) {
  IOS_ASSERT(action != nullptr);
  push(control_time(at_ms), Event{.kind = EventKind::control, .what = std::move(what), .action = std::move(action)});
}

void Simulator::crash(NodeId id, TimeMs at_ms) {
  IOS_ASSERT(id < nodes_.size());
  schedule(at_ms, "crash " + std::to_string(id), [id](Simulator& s) { s.do_crash(id); });
}

void Simulator::restart(NodeId id, TimeMs at_ms) {
  IOS_ASSERT(id < nodes_.size());
  schedule(at_ms, "restart " + std::to_string(id), [id](Simulator& s) { s.do_restart(id); });
}

PartitionId Simulator::partition(std::vector<std::vector<NodeId>> groups, TimeMs from_ms,
                                 std::optional<TimeMs> until_ms) {
  IOS_ASSERT(!until_ms || *until_ms >= from_ms);
  const PartitionId id = next_partition_++;
  std::string what = "partition " + std::to_string(id) + ":" + describe_groups(groups);
  schedule(from_ms, std::move(what),
           [id, groups = std::move(groups)](Simulator& s) { s.network_.add_partition(id, groups); });
  if (until_ms) heal(id, *until_ms);
  return id;
}

void Simulator::heal(PartitionId id, TimeMs at_ms) {
  schedule(at_ms, "heal " + std::to_string(id), [id](Simulator& s) { s.network_.heal(id); });
}

void Simulator::heal_all(TimeMs at_ms) {
  schedule(at_ms, "heal all", [](Simulator& s) { s.network_.heal_all(); });
}

void Simulator::set_default_link(LinkConfig link, TimeMs at_ms) {
  IOS_ASSERT(link.loss_rate >= 0.0);
  IOS_ASSERT(link.loss_rate <= 1.0);
  schedule(at_ms, "default link", [link](Simulator& s) { s.network_.set_default_link(link); });
}

void Simulator::set_link(NodeId from, NodeId to, LinkConfig link, TimeMs at_ms) {
  IOS_ASSERT(link.loss_rate >= 0.0);
  IOS_ASSERT(link.loss_rate <= 1.0);
  schedule(at_ms, "link " + std::to_string(from) + "->" + std::to_string(to),
           [from, to, link](Simulator& s) { s.network_.set_link(from, to, link); });
}

void Simulator::clear_link(NodeId from, NodeId to, TimeMs at_ms) {
  schedule(at_ms, "clear link " + std::to_string(from) + "->" + std::to_string(to),
           [from, to](Simulator& s) { s.network_.clear_link(from, to); });
}

void Simulator::set_loss(double loss_rate, TimeMs at_ms) {
  IOS_ASSERT(loss_rate >= 0.0);
  IOS_ASSERT(loss_rate <= 1.0);
  schedule(at_ms, "loss " + std::to_string(loss_rate), [loss_rate](Simulator& s) {
    LinkConfig link = s.network_.config().link_default;
    link.loss_rate = loss_rate;
    s.network_.set_default_link(link);
  });
}

void Simulator::inject(NodeId from, NodeId to, core::Bytes payload, TimeMs at_ms) {
  IOS_ASSERT(from < nodes_.size());
  schedule(at_ms, "inject " + std::to_string(from) + "->" + std::to_string(to),
           [from, to, payload = std::move(payload)](Simulator& s) {
             s.route_message(from, {to, payload});
           });
}

void Simulator::set_byzantine(NodeId id, ByzantineRewrite rewrite) {
  IOS_ASSERT(rewrite != nullptr);
  node(id).byzantine = std::move(rewrite);
  trace({.kind = TraceKind::control, .node = id, .what = "byzantine"});
}

void Simulator::clear_byzantine(NodeId id) {
  node(id).byzantine = nullptr;
  trace({.kind = TraceKind::control, .node = id, .what = "honest"});
}

}  // namespace ios::sim
