#include "node/sim/event_queue.hpp"

#include "node/core/result.hpp"

namespace ios::sim {

std::optional<EventKey> EventQueue::push(TimeUs at_us, Event event) {
  if (events_.size() >= size_max_) return std::nullopt;
  EventKey key{at_us, seq_++};
  events_.emplace(key, std::move(event));
  return key;
}

const EventKey& EventQueue::next_key() const {
  IOS_ASSERT(!events_.empty());
  return events_.begin()->first;
}

std::pair<EventKey, Event> EventQueue::pop() {
  IOS_ASSERT(!events_.empty());
  auto node = events_.extract(events_.begin());
  return {node.key(), std::move(node.mapped())};
}

}  // namespace ios::sim
