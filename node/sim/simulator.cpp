// The event loop: building a run, running it, one event at a time, and the checks after each.
// Effects are applied in simulator_effects.cpp, faults in simulator_faults.cpp.
#include "node/sim/simulator.hpp"

#include <algorithm>

#include "node/core/result.hpp"
#include "node/sim/seed.hpp"

namespace ios::sim {

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::invariant:
      return "invariant";
    case FailureKind::event_limit:
      return "event_limit";
    case FailureKind::queue_limit:
      return "queue_limit";
    case FailureKind::effects_limit:
      return "effects_limit";
    case FailureKind::message_too_large:
      return "message_too_large";
    case FailureKind::timer_limit:
      return "timer_limit";
    case FailureKind::byzantine_limit:
      return "byzantine_limit";
  }
  return "unknown";
}

std::string_view to_string(RunEnd end) {
  switch (end) {
    case RunEnd::time_reached:
      return "time_reached";
    case RunEnd::idle:
      return "idle";
    case RunEnd::condition_met:
      return "condition_met";
    case RunEnd::failed:
      return "failed";
  }
  return "unknown";
}

std::string Failure::report(std::string_view test_name) const {
  std::string time = std::to_string(time_us / us_per_ms) + ".";
  std::string frac = std::to_string(time_us % us_per_ms);
  time += std::string(3 - frac.size(), '0') + frac;
  std::string out = "sim failure: ";
  if (kind == FailureKind::invariant) {
    out += "invariant '" + name + "' violated";
  } else {
    out += std::string(to_string(kind)) + " (" + name + ")";
  }
  out += " at t=" + time + " ms (event " + std::to_string(event) + ", seed " + std::to_string(seed) + ")";
  if (!detail.empty()) out += ": " + detail;
  out += "\n" + replay_hint(seed, test_name);
  return out;
}

Simulator::Simulator(std::uint64_t seed, NetworkConfig network, SimLimits limits)
    : seed_(seed),
      limits_(limits),
      network_(seed, network),
      fault_rng_("IOS/v1/sim/faults", seed),
      queue_(limits.queue_size_max) {}

Simulator::~Simulator() = default;

Simulator::Node& Simulator::node(NodeId id) {
  IOS_ASSERT(id < nodes_.size());
  return *nodes_[id];
}

const Simulator::Node& Simulator::node(NodeId id) const {
  IOS_ASSERT(id < nodes_.size());
  return *nodes_[id];
}

NodeId Simulator::add_node(CoreFactory factory) {
  IOS_ASSERT(nodes_.size() < limits_.nodes_max);
  IOS_ASSERT(factory != nullptr);
  auto id = static_cast<NodeId>(nodes_.size());
  auto n = std::make_unique<Node>();
  n->factory = std::move(factory);
  nodes_.push_back(std::move(n));
  stats_.nodes.emplace_back();
  make_incarnation(id);
  if (started_) push(now_us_, Event{.kind = EventKind::start, .node = id, .incarnation = node(id).incarnation});
  return id;
}

void Simulator::start() {
  IOS_ASSERT(!started_);
  started_ = true;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    push(now_us_, Event{.kind = EventKind::start, .node = id, .incarnation = node(id).incarnation});
  }
}

void Simulator::add_invariant(std::string name, Invariant check) {
  IOS_ASSERT(check != nullptr);
  invariants_.emplace_back(std::move(name), std::move(check));
}

void Simulator::set_observer(std::function<void(const TraceEntry&)> observer) { observer_ = std::move(observer); }

bool Simulator::is_up(NodeId id) const { return node(id).up; }
bool Simulator::is_byzantine(NodeId id) const { return node(id).byzantine != nullptr; }
std::uint32_t Simulator::incarnation(NodeId id) const { return node(id).incarnation; }
const protocol::Core* Simulator::core(NodeId id) const { return node(id).up ? node(id).core.get() : nullptr; }
const PersistStore& Simulator::store(NodeId id) const { return node(id).store; }
const std::vector<Delivery>& Simulator::deliveries(NodeId id) const { return node(id).deliveries; }

std::optional<EventKey> Simulator::push(TimeUs at_us, Event event) {
  IOS_ASSERT(at_us >= now_us_);  // the clock never runs backwards
  if (failure_) return std::nullopt;
  auto key = queue_.push(at_us, std::move(event));
  if (!key) {
    fail(FailureKind::queue_limit, "queue_size_max",
         std::to_string(queue_.size()) + " events pending; the limit is " + std::to_string(queue_.size_max()));
    return std::nullopt;
  }
  stats_.queue_size_peak = std::max<std::uint64_t>(stats_.queue_size_peak, queue_.size());
  return key;
}

void Simulator::count_drop(DropReason reason) {
  ++stats_.messages_dropped;
  switch (reason) {
    case DropReason::loss:
      ++stats_.dropped_loss;
      break;
    case DropReason::partition:
      ++stats_.dropped_partition;
      break;
    case DropReason::destination_down:
      ++stats_.dropped_destination_down;
      break;
    case DropReason::unknown_destination:
      ++stats_.dropped_unknown_destination;
      break;
    case DropReason::none:
      IOS_ASSERT(reason != DropReason::none);
      break;
  }
}

void Simulator::fail(FailureKind kind, std::string name, std::string detail) {
  if (failure_) return;  // the first failure is the one reported
  failure_ = Failure{kind, std::move(name), std::move(detail), now_us_, stats_.events, seed_};
}

void Simulator::trace(TraceEntry entry) {
  entry.event = stats_.events;
  entry.time_us = now_us_;
  transcript_.record(entry);
  if (observer_) observer_(entry);
}

// --- running ---------------------------------------------------------------------------------

bool Simulator::step() {
  if (failure_ || queue_.empty()) return false;
  if (stats_.events >= limits_.events_max) {
    fail(FailureKind::event_limit, "events_max",
         std::to_string(stats_.events) + " events processed without finishing (a livelock?); " +
             std::to_string(queue_.size()) + " pending");
    return false;
  }
  auto [key, event] = queue_.pop();
  process(key, std::move(event));
  return true;
}

RunEnd Simulator::run_loop(TimeUs limit_us, const RunCondition* done, bool advance_clock) {
  for (;;) {
    if (failure_) return RunEnd::failed;
    if (done != nullptr && (*done)(*this)) return RunEnd::condition_met;
    if (queue_.empty() && !advance_clock) return RunEnd::idle;
    if (queue_.empty() || queue_.next_key().time_us > limit_us) break;
    step();
  }
  now_us_ = std::max(now_us_, limit_us);
  return RunEnd::time_reached;
}

RunEnd Simulator::run_until(TimeMs time_ms) {
  // Events at exactly time_ms (= to_us(time_ms)) run; one at time_ms + 0.5 ms waits.
  return run_loop(to_us(time_ms), nullptr, true);
}

RunEnd Simulator::run_until_idle(TimeMs limit_ms) { return run_loop(to_us(limit_ms), nullptr, false); }

RunEnd Simulator::run_until(const RunCondition& done, TimeMs limit_ms) {
  return run_loop(to_us(limit_ms), &done, false);
}

void Simulator::process(const EventKey& key, Event event) {
  IOS_ASSERT(key.time_us >= now_us_);
  now_us_ = key.time_us;
  ++stats_.events;
  switch (event.kind) {
    case EventKind::start:
      on_start_event(event);
      break;
    case EventKind::message:
      on_message_event(event);
      break;
    case EventKind::timer:
      on_timer_event(event);
      break;
    case EventKind::control:
      on_control_event(event);
      break;
    case EventKind::verify_done:
      on_verify_done_event(event);
      break;
    case EventKind::loaded:
      on_loaded_event(event);
      break;
  }
  if (!failure_) check_invariants();
}

void Simulator::on_start_event(const Event& event) {
  Node& n = node(event.node);
  // A start for an incarnation that crashed (or was replaced) before its time: nothing to do.
  if (!n.up || n.incarnation != event.incarnation) return;
  start_core(event.node);
}

void Simulator::start_core(NodeId id) {
  Node& n = node(id);
  if (n.started) return;  // restarted (and so started) before start() was called
  n.started = true;
  trace({.kind = TraceKind::start, .node = id, .incarnation = n.incarnation});
  run_core(id, [&](protocol::Core& core, protocol::Effects& out) { core.on_start(now_ms(), out); });
}

void Simulator::on_message_event(const Event& event) {
  Node& n = node(event.node);
  TraceEntry entry{.kind = TraceKind::message,
                   .node = event.node,
                   .incarnation = n.incarnation,
                   .peer = event.from,
                   .at_us = event.sent_us,
                   .bytes = event.payload.size(),
                   .digest = event.digest};
  if (!n.up || n.incarnation != event.incarnation) {
    entry.drop = DropReason::destination_down;
  } else if (network_.blocked(event.from, event.node)) {
    entry.drop = DropReason::partition;  // the link was cut while the message was on it
  }
  trace(entry);
  if (entry.drop != DropReason::none) {
    count_drop(entry.drop);
    return;
  }
  ++stats_.messages_delivered;
  stats_.bytes_delivered += event.payload.size();
  ++stats_.nodes[event.node].messages_received;
  stats_.nodes[event.node].bytes_received += event.payload.size();
  run_core(event.node, [&](protocol::Core& core, protocol::Effects& out) {
    core.on_message(now_ms(), event.from, event.payload, out);
  });
}

void Simulator::on_timer_event(const Event& event) {
  Node& n = node(event.node);
  // Crashes erase their timers from the queue, and SetTimer/CancelTimer erase the ones they
  // replace, so a timer event always belongs to the live incarnation.
  IOS_ASSERT(n.up);
  IOS_ASSERT(n.incarnation == event.incarnation);
  auto erased = n.timers.erase(event.timer);
  IOS_ASSERT(erased == 1);
  ++stats_.timers_fired;
  ++stats_.nodes[event.node].timers_fired;
  trace({.kind = TraceKind::timer, .node = event.node, .incarnation = n.incarnation, .timer = event.timer});
  run_core(event.node,
           [&](protocol::Core& core, protocol::Effects& out) { core.on_timer(now_ms(), event.timer, out); });
}

void Simulator::on_verify_done_event(const Event& event) {
  Node& n = node(event.node);
  // The answer to an incarnation that crashed meanwhile: that core is gone, and the new one
  // never asked (a runtime that restarts loses its verifier's queue the same way).
  if (!n.up || n.incarnation != event.incarnation) return;
  const auto valid = static_cast<std::uint64_t>(std::count(event.valid.begin(), event.valid.end(), true));
  trace({.kind = TraceKind::verify_done, .node = event.node, .incarnation = n.incarnation, .timer = event.verify_id,
         .at_us = valid, .bytes = event.valid.size()});
  run_core(event.node, [&](protocol::Core& core, protocol::Effects& out) {
    core.on_verify_done(now_ms(), event.verify_id, event.valid, out);
  });
}

void Simulator::on_loaded_event(Event& event) {
  Node& n = node(event.node);
  if (!n.up || n.incarnation != event.incarnation) return;  // as for a Verify: that core is gone
  const auto found = static_cast<std::uint64_t>(
      std::count_if(event.loaded.begin(), event.loaded.end(), [](const auto& v) { return v.has_value(); }));
  trace({.kind = TraceKind::loaded, .node = event.node, .incarnation = n.incarnation, .timer = event.verify_id,
         .at_us = found, .bytes = event.loaded.size()});
  run_core(event.node, [&](protocol::Core& core, protocol::Effects& out) {
    core.on_loaded(now_ms(), event.verify_id, std::move(event.loaded), out);
  });
}

void Simulator::on_control_event(Event& event) {
  trace({.kind = TraceKind::control, .what = event.what});
  event.action(*this);
}

void Simulator::check_invariants() {
  for (const auto& [name, check] : invariants_) {
    if (auto violation = check(*this)) {
      fail(FailureKind::invariant, name, *violation);
      return;
    }
  }
}

}  // namespace ios::sim
