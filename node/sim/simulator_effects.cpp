// Applying a core's effects, in the order the core listed them (core.hpp: a Persist is durable
// before any later Send of the same batch leaves — docs/STYLE.md rule 6).
#include <algorithm>
#include <variant>

#include "node/core/result.hpp"
#include "node/crypto/hash.hpp"
#include "node/sim/simulator.hpp"

namespace ios::sim {

void Simulator::run_core(NodeId id, const std::function<void(protocol::Core&, protocol::Effects&)>& call) {
  Node& n = node(id);
  IOS_ASSERT(n.up);
  IOS_ASSERT(n.core != nullptr);
  protocol::Effects out;
  call(*n.core, out);
  apply_effects(id, out.take());
}

void Simulator::apply_effects(NodeId id, std::vector<protocol::Effect> effects) {
  if (effects.size() > limits_.effects_per_input_max) {
    fail(FailureKind::effects_limit, "effects_per_input_max",
         "node " + std::to_string(id) + " returned " + std::to_string(effects.size()) + " effects for one input");
    return;
  }
  for (auto& effect : effects) {
    if (failure_) return;
    if (auto* send = std::get_if<protocol::Send>(&effect)) {
      send_message(id, std::move(*send));
    } else if (auto* timer = std::get_if<protocol::SetTimer>(&effect)) {
      set_timer(id, *timer);
    } else if (auto* cancel = std::get_if<protocol::CancelTimer>(&effect)) {
      cancel_timer(id, *cancel);
    } else if (auto* save = std::get_if<protocol::Persist>(&effect)) {
      persist(id, std::move(*save));
    } else if (auto* result = std::get_if<protocol::Deliver>(&effect)) {
      deliver(id, std::move(*result));
    } else if (const auto* v = std::get_if<protocol::Verify>(&effect)) {
      verify(id, *v);
    } else if (const auto* l = std::get_if<protocol::Load>(&effect)) {
      load(id, *l);
    } else if (const auto* p = std::get_if<protocol::Prune>(&effect)) {
      prune(id, *p);
    } else if (const auto* b = std::get_if<protocol::BlockApplied>(&effect)) {
      node(id).applied_txs.insert(b->applied.begin(), b->applied.end());
    }
  }
}

void Simulator::send_message(NodeId from, protocol::Send send) {
  const Node& n = node(from);
  if (!n.byzantine) {
    route_message(from, std::move(send));
    return;
  }
  std::vector<protocol::Send> rewritten = n.byzantine(send);
  if (rewritten.size() > limits_.byzantine_sends_max) {
    fail(FailureKind::byzantine_limit, "byzantine_sends_max",
         "the rewrite of node " + std::to_string(from) + " returned " + std::to_string(rewritten.size()) + " messages");
    return;
  }
  for (auto& s : rewritten) {
    if (failure_) return;
    route_message(from, std::move(s));
  }
}

void Simulator::route_message(NodeId from, protocol::Send send) {
  const std::size_t bytes = send.payload.size();
  if (bytes > limits_.message_bytes_max) {
    fail(FailureKind::message_too_large, "message_bytes_max",
         "node " + std::to_string(from) + " sent " + std::to_string(bytes) + " bytes to node " +
             std::to_string(send.to) + "; the limit is " + std::to_string(limits_.message_bytes_max));
    return;
  }
  Route route;
  if (send.to >= nodes_.size()) {
    route.drop = DropReason::unknown_destination;
  } else if (!node(send.to).up) {
    route.drop = DropReason::destination_down;  // it would be dropped on arrival anyway
  } else {
    route = network_.route(from, send.to, now_us_);
  }
  ++stats_.messages_sent;
  stats_.bytes_sent += bytes;
  ++stats_.nodes[from].messages_sent;
  stats_.nodes[from].bytes_sent += bytes;
  const core::Hash32 digest = crypto::sha256(send.payload);
  trace({.kind = TraceKind::send,
         .node = from,
         .incarnation = node(from).incarnation,
         .peer = send.to,
         .at_us = route.arrival_us,
         .bytes = bytes,
         .digest = digest,
         .drop = route.drop});
  if (route.drop != DropReason::none) {
    count_drop(route.drop);
    return;
  }
  push(route.arrival_us, Event{.kind = EventKind::message,
                               .node = send.to,
                               .incarnation = node(send.to).incarnation,
                               .from = from,
                               .sent_us = now_us_,
                               .payload = std::move(send.payload),
                               .digest = digest});
}

void Simulator::set_timer(NodeId id, const protocol::SetTimer& timer) {
  Node& n = node(id);
  // A time in the past fires as soon as possible: after the events already due now.
  const TimeUs at_us = std::max(to_us(timer.at_ms), now_us_);
  if (auto it = n.timers.find(timer.id); it != n.timers.end()) {
    queue_.erase(it->second);  // replaced
    n.timers.erase(it);
  } else if (n.timers.size() >= limits_.timers_per_node_max) {
    fail(FailureKind::timer_limit, "timers_per_node_max",
         "node " + std::to_string(id) + " has " + std::to_string(n.timers.size()) + " timers pending");
    return;
  }
  ++stats_.timers_set;
  trace({.kind = TraceKind::set_timer, .node = id, .incarnation = n.incarnation, .timer = timer.id, .at_us = at_us});
  auto key = push(at_us, Event{.kind = EventKind::timer, .node = id, .incarnation = n.incarnation, .timer = timer.id});
  if (key) n.timers.emplace(timer.id, *key);
}

void Simulator::cancel_timer(NodeId id, const protocol::CancelTimer& timer) {
  Node& n = node(id);
  trace({.kind = TraceKind::cancel_timer, .node = id, .incarnation = n.incarnation, .timer = timer.id});
  auto it = n.timers.find(timer.id);
  if (it == n.timers.end()) return;  // fired or never set: nothing to cancel
  queue_.erase(it->second);
  n.timers.erase(it);
  ++stats_.timers_cancelled;
}

void Simulator::persist(NodeId id, protocol::Persist persist) {
  Node& n = node(id);
  ++stats_.nodes[id].persists;
  trace({.kind = TraceKind::persist,
         .node = id,
         .incarnation = n.incarnation,
         .bytes = persist.value.size(),
         .digest = crypto::sha256(persist.value),
         .what = persist.key});
  n.store[std::move(persist.key)] = std::move(persist.value);
}

void Simulator::prune(NodeId id, const protocol::Prune& p) {
  Node& n = node(id);
  std::uint64_t rows = 0;
  for (auto it = n.store.lower_bound(p.prefix); it != n.store.end() && it->first.starts_with(p.prefix); ++rows)
    it = n.store.erase(it);
  trace({.kind = TraceKind::prune, .node = id, .incarnation = n.incarnation, .bytes = rows, .what = p.prefix});
}

void Simulator::deliver(NodeId id, protocol::Deliver deliver) {
  Node& n = node(id);
  ++stats_.nodes[id].deliveries;
  trace({.kind = TraceKind::deliver,
         .node = id,
         .incarnation = n.incarnation,
         .bytes = deliver.value.size(),
         .digest = crypto::sha256(deliver.value),
         .what = deliver.kind});
  n.deliveries.push_back(Delivery{now_us_, n.incarnation, std::move(deliver.kind), std::move(deliver.value)});
}

void Simulator::verify(NodeId id, const protocol::Verify& v) {
  // Checked now, answered as the node's next input at this same instant (after the events
  // already due): the core sees the asynchronous shape of the runtime, deterministically.
  auto valid = verifier_ ? verifier_(id, v.checks) : crypto::verify_each(v.checks);
  IOS_ASSERT(valid.size() == v.checks.size());
  push(now_us_, Event{.kind = EventKind::verify_done,
                      .node = id,
                      .incarnation = node(id).incarnation,
                      .verify_id = v.id,
                      .valid = std::move(valid)});
}

void Simulator::load(NodeId id, const protocol::Load& l) {
  // Read now (every earlier Persist of this node is in its store), answered like a Verify: the
  // node's next input at this instant, as the runtime answers after its read.
  const auto& store = node(id).store;
  std::vector<std::optional<core::Bytes>> values;
  std::size_t bytes = 0;
  for (const auto& key : l.keys) {
    if (l.bytes_max != 0 && bytes >= l.bytes_max) break;
    auto it = store.find(key);
    values.push_back(it == store.end() ? std::nullopt : std::optional<core::Bytes>(it->second));
    if (it != store.end()) bytes += it->second.size();
  }
  push(now_us_, Event{.kind = EventKind::loaded,
                      .node = id,
                      .incarnation = node(id).incarnation,
                      .verify_id = l.id,
                      .loaded = std::move(values)});
}

}  // namespace ios::sim
