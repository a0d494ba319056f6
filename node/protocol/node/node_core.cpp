// The node core that hosts (shard, epoch) instances. What it does and its invariants:
// node_core.hpp.
#include "node/protocol/node/node_core.hpp"

#include <algorithm>

namespace ios::protocol::node {

PersistedState scoped_state(const PersistedState& all, const InstanceKey& key) {
  const auto prefix = persist_prefix(key);
  PersistedState mine;
  for (auto it = all.lower_bound(prefix); it != all.end() && it->first.starts_with(prefix); ++it)
    mine.emplace(it->first.substr(prefix.size()), it->second);
  return mine;
}

Succession both(Succession first, Succession second) {
  return [first = std::move(first), second = std::move(second)](const InstanceKey& from, const Core& instance,
                                                                 const Deliver& d) {
    auto out = first(from, instance, d);
    auto more = second(from, instance, d);
    for (auto& h : more.hosted) out.hosted.push_back(std::move(h));
    out.retired.insert(out.retired.end(), more.retired.begin(), more.retired.end());
    out.pruned.insert(out.pruned.end(), more.pruned.begin(), more.pruned.end());
    return out;
  };
}

void NodeCore::host(InstanceKey key, std::unique_ptr<Core> instance) {
  IOS_ASSERT(instance != nullptr);
  const bool fresh = instances_.emplace(key, std::move(instance)).second;
  IOS_ASSERT(fresh && "an instance is hosted once");
}

void NodeCore::on_start(TimeMs now_ms, Effects& out) {
  for (const auto& key : prune_at_start_) out.prune(persist_prefix(key));
  prune_at_start_.clear();
  std::vector<InstanceKey> keys;
  for (const auto& [key, instance] : instances_) keys.push_back(key);
  for (const auto& key : keys) start(now_ms, key, out);
}

void NodeCore::start(TimeMs now_ms, const InstanceKey& key, Effects& out) {
  // A start can deliver, and a delivery start more (a restarted node replays its segments one
  // after another): a queue, not recursion, so the depth stays one however long the history.
  to_start_.push_back(key);
  if (starting_) return;
  starting_ = true;
  while (!to_start_.empty()) {
    const auto next = to_start_.front();
    to_start_.pop_front();
    start_one(now_ms, next, out);
  }
  starting_ = false;
}

void NodeCore::start_one(TimeMs now_ms, const InstanceKey& key, Effects& out) {
  auto it = instances_.find(key);
  if (it == instances_.end()) return;  // retired by a succession an earlier start caused
  Effects inner;
  it->second->on_start(now_ms, inner);
  if (formed_epoch_ > 0) it->second->on_epoch_formed(now_ms, formed_epoch_, inner);
  translate(now_ms, key, inner, out);
}

void NodeCore::succeed(TimeMs now_ms, const InstanceKey& from, const Deliver& delivered, Effects& out) {
  const bool formed = from.protocol == Protocol::epoch && delivered.kind == formed_kind;
  if (formed) {
    formed_epoch_ = std::max(formed_epoch_, from.epoch.value);
    std::vector<InstanceKey> old;
    for (const auto& [key, instance] : instances_)
      if (key.protocol == Protocol::epoch && key.epoch.value + epoch_instances_kept < from.epoch.value) old.push_back(key);
    for (const auto& key : old) remove(key);
  }
  std::vector<InstanceKey> started;
  if (succession_) {
    auto delivering = instances_.find(from);
    if (delivering == instances_.end()) return;  // retired by an earlier delivery of this input
    auto next = succession_(from, *delivering->second, delivered);
    for (const auto& key : next.retired) remove(key);
    for (const auto& key : next.pruned) {
      remove(key);
      out.prune(persist_prefix(key));
    }
    for (auto& hosted : next.hosted) {
      if (instances_.contains(hosted.key)) continue;  // hosted already: the first one stays
      started.push_back(hosted.key);
      host(hosted.key, std::move(hosted.core));
    }
  }
  if (formed) {
    // Everyone hosted before this record hears of it; the ones started below hear at start.
    std::vector<InstanceKey> keys;
    for (const auto& [key, instance] : instances_)
      if (std::find(started.begin(), started.end(), key) == started.end()) keys.push_back(key);
    for (const auto& key : keys) {
      auto it = instances_.find(key);
      if (it == instances_.end()) continue;
      Effects inner;
      it->second->on_epoch_formed(now_ms, formed_epoch_, inner);
      translate(now_ms, key, inner, out);
    }
  }
  for (const auto& key : started) start(now_ms, key, out);
}

void NodeCore::on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) {
  auto opened = open(payload);
  if (!opened) {
    ++counters_.bad_envelopes;
    return;
  }
  auto it = instances_.find(opened->key);
  if (it == instances_.end()) {
    ++counters_.no_instance;
    return;
  }
  Effects inner;
  it->second->on_message(now_ms, from, opened->payload, inner);
  translate(now_ms, it->first, inner, out);
}

void NodeCore::on_timer(TimeMs now_ms, TimerId id, Effects& out) {
  auto owner = timer_owners_.find(id);
  if (owner == timer_owners_.end()) return;  // cancelled after the driver queued it: ignored
  const auto [key, inner_id] = owner->second;
  forget_timer(owner);  // fired: the instance sets it again if it wants it again
  auto it = instances_.find(key);
  if (it == instances_.end()) return;
  Effects inner;
  it->second->on_timer(now_ms, inner_id, inner);
  translate(now_ms, key, inner, out);
}

void NodeCore::remove(const InstanceKey& key) {
  if (instances_.erase(key) == 0) return;
  // Its timers and the answers it waits for die with it: an instance hosted later under the same
  // key must never get them (its ids mean other things).
  for (auto it = timer_owners_.begin(); it != timer_owners_.end();) {
    if (it->second.first == key) {
      timer_ids_.erase(it->second);
      it = timer_owners_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto* owners : {&verify_owners_, &load_owners_}) {
    for (auto it = owners->begin(); it != owners->end();) {
      if (it->second.first == key) {
        orphaned_answers_.insert(it->first);
        it = owners->erase(it);
      } else {
        ++it;
      }
    }
  }
}

std::optional<std::pair<InstanceKey, std::uint64_t>> NodeCore::answered(AnswerOwners& owners, std::uint64_t id) {
  if (orphaned_answers_.erase(id) == 1) return std::nullopt;  // its instance is gone
  auto owner = owners.find(id);
  IOS_ASSERT(owner != owners.end() && "an answer to a Verify or Load this core emitted");
  const auto found = owner->second;
  owners.erase(owner);
  IOS_ASSERT(instances_.contains(found.first));  // remove() orphans the answers of what it removes
  return found;
}

void NodeCore::on_verify_done(TimeMs now_ms, std::uint64_t id, std::vector<bool> valid, Effects& out) {
  const auto owner = answered(verify_owners_, id);
  if (!owner) return;
  Effects inner;
  instances_.at(owner->first)->on_verify_done(now_ms, owner->second, std::move(valid), inner);
  translate(now_ms, owner->first, inner, out);
}

void NodeCore::on_loaded(TimeMs now_ms, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out) {
  const auto owner = answered(load_owners_, id);
  if (!owner) return;
  Effects inner;
  instances_.at(owner->first)->on_loaded(now_ms, owner->second, std::move(values), inner);
  translate(now_ms, owner->first, inner, out);
}

void NodeCore::forget_timer(std::map<TimerId, std::pair<InstanceKey, TimerId>>::iterator owner) {
  timer_ids_.erase(owner->second);
  timer_owners_.erase(owner);
}

TimerId NodeCore::outer_timer(const InstanceKey& key, TimerId inner) {
  auto [it, fresh] = timer_ids_.try_emplace({key, inner}, next_timer_);
  if (fresh) {
    timer_owners_.emplace(next_timer_, std::make_pair(key, inner));
    ++next_timer_;
  }
  return it->second;
}

void NodeCore::translate(TimeMs now_ms, const InstanceKey key, Effects& inner, Effects& out) {
  std::vector<Deliver> delivered;  // for the succession, after this input's own effects
  for (auto& e : inner.take()) {
    if (auto* s = std::get_if<Send>(&e)) {
      out.send(s->to, wrap(key, s->payload));
    } else if (auto* t = std::get_if<SetTimer>(&e)) {
      out.set_timer(outer_timer(key, t->id), t->at_ms);
    } else if (auto* c = std::get_if<CancelTimer>(&e)) {
      // A timer that is not set (never, or it fired) has nothing to cancel.
      if (auto it = timer_ids_.find({key, c->id}); it != timer_ids_.end()) {
        out.cancel_timer(it->second);
        forget_timer(timer_owners_.find(it->second));
      }
    } else if (auto* p = std::get_if<Persist>(&e)) {
      out.persist(persist_prefix(key) + p->key, std::move(p->value));
    } else if (auto* v = std::get_if<Verify>(&e)) {
      const auto id = next_verify_++;
      verify_owners_.emplace(id, std::make_pair(key, v->id));
      out.verify(id, std::move(v->checks));
    } else if (auto* l = std::get_if<Load>(&e)) {
      const auto id = next_load_++;
      load_owners_.emplace(id, std::make_pair(key, l->id));
      for (auto& k : l->keys) k = persist_prefix(key) + k;
      out.load(id, std::move(l->keys), l->bytes_max);
    } else {
      if (auto* d = std::get_if<Deliver>(&e); d && succession_ && (d->kind == formed_kind || d->kind == handover_kind))
        delivered.push_back(*d);
      out.pass(std::move(e));  // Deliver, BlockApplied
    }
  }
  for (const auto& d : delivered) succeed(now_ms, key, d, out);
}

}  // namespace ios::protocol::node
