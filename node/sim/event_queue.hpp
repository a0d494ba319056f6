#pragma once
// The simulator's agenda: every future input (a node's start, a message arrival, a timer, a
// fault) is one Event, ordered by (virtual time, sequence number). The sequence number is
// taken at insertion, so events at the same microsecond run in the order they were
// scheduled — ties are deterministic and never depend on addresses or hash-map order.
// The queue is bounded (docs/STYLE.md rule 5): push refuses instead of growing past size_max.
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/sim/time.hpp"

namespace ios::sim {

class Simulator;

enum class EventKind : std::uint8_t { start, message, timer, control, verify_done, loaded };

struct EventKey {
  TimeUs time_us = 0;
  std::uint64_t seq = 0;
  auto operator<=>(const EventKey&) const = default;
};

struct Event {
  EventKind kind = EventKind::control;
  NodeId node = 0;                           // start, message (receiver), timer (owner)
  std::uint32_t incarnation = 0;             // start, message, timer: the incarnation it is meant for
  NodeId from = 0;                           // message
  TimeUs sent_us = 0;                        // message
  core::Bytes payload{};                     // message
  core::Hash32 digest{};                     // message: SHA-256 of the payload, computed once at send
  TimerId timer = 0;                         // timer
  std::uint64_t verify_id = 0;               // verify_done, loaded: the id of the Verify or Load it answers
  std::vector<bool> valid{};                 // verify_done: one verdict per check
  std::vector<std::optional<core::Bytes>> loaded{};  // loaded: one value per key
  std::string what{};                        // control: a name for the trace and the transcript
  std::function<void(Simulator&)> action{};  // control
};

class EventQueue {
 public:
  explicit EventQueue(std::size_t size_max) : size_max_(size_max) {}

  // nullopt when the queue is full; the caller reports that as a failure.
  std::optional<EventKey> push(TimeUs at_us, Event event);
  bool erase(const EventKey& key) { return events_.erase(key) == 1; }
  bool empty() const { return events_.empty(); }
  std::size_t size() const { return events_.size(); }
  std::size_t size_max() const { return size_max_; }
  const EventKey& next_key() const;  // requires !empty()
  std::pair<EventKey, Event> pop();  // requires !empty()

 private:
  std::map<EventKey, Event> events_;
  std::uint64_t seq_ = 0;
  std::size_t size_max_;
};

}  // namespace ios::sim
