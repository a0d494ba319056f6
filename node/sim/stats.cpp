#include "node/sim/stats.hpp"

namespace ios::sim {

std::string SimStats::summary() const {
  std::string out;
  out += "events " + std::to_string(events);
  out += ", messages sent " + std::to_string(messages_sent);
  out += " delivered " + std::to_string(messages_delivered);
  out += " dropped " + std::to_string(messages_dropped);
  out += " (loss " + std::to_string(dropped_loss);
  out += ", partition " + std::to_string(dropped_partition);
  out += ", down " + std::to_string(dropped_destination_down);
  out += ", unknown " + std::to_string(dropped_unknown_destination) + ")";
  out += ", bytes sent " + std::to_string(bytes_sent);
  out += ", timers fired " + std::to_string(timers_fired);
  out += ", queue peak " + std::to_string(queue_size_peak);
  return out;
}

}  // namespace ios::sim
