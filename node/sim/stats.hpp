#pragma once
// Counters of a run. Two runs with the same seed have equal SimStats (operator==), which the
// determinism tests check next to the transcript hash. "Delivered" counts messages handed to
// a core; "deliveries" counts the cores' own Deliver effects (results for the test).
#include <cstdint>
#include <string>
#include <vector>

namespace ios::sim {

struct NodeStats {
  std::uint64_t messages_sent = 0;      // entering the network, after any Byzantine rewrite
  std::uint64_t messages_received = 0;  // handed to this node's core
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t timers_fired = 0;
  std::uint64_t persists = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  bool operator==(const NodeStats&) const = default;
};

struct SimStats {
  std::uint64_t events = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;  // the sum of the four reasons below
  std::uint64_t dropped_loss = 0;
  std::uint64_t dropped_partition = 0;
  std::uint64_t dropped_destination_down = 0;
  std::uint64_t dropped_unknown_destination = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_delivered = 0;
  std::uint64_t timers_set = 0;
  std::uint64_t timers_fired = 0;
  std::uint64_t timers_cancelled = 0;  // a CancelTimer that found a pending timer
  std::uint64_t queue_size_peak = 0;
  std::vector<NodeStats> nodes;  // by NodeId

  std::uint64_t messages_in_flight() const { return messages_sent - messages_delivered - messages_dropped; }
  std::string summary() const;  // one line, for logs
  bool operator==(const SimStats&) const = default;
};

}  // namespace ios::sim
