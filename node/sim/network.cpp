#include "node/sim/network.hpp"

#include <algorithm>
#include <cmath>

#include "node/core/result.hpp"

namespace ios::sim {

namespace {

void check_link(const LinkConfig& link) {
  IOS_ASSERT(link.loss_rate >= 0.0);
  IOS_ASSERT(link.loss_rate <= 1.0);
}

}  // namespace

Latency Latency::fixed_ms(TimeMs base_ms) { return uniform_ms(base_ms, 0); }

Latency Latency::uniform_ms(TimeMs base_ms, TimeMs jitter_ms) {
  Latency l;
  l.shape = Shape::uniform;
  l.base_us = to_us(base_ms);
  l.jitter_us = to_us(jitter_ms);
  return l;
}

Latency Latency::exponential_ms(TimeMs base_ms, TimeMs mean_ms) {
  Latency l;
  l.shape = Shape::exponential;
  l.base_us = to_us(base_ms);
  l.mean_us = to_us(mean_ms);
  return l;
}

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::none:
      return "none";
    case DropReason::loss:
      return "loss";
    case DropReason::partition:
      return "partition";
    case DropReason::destination_down:
      return "destination_down";
    case DropReason::unknown_destination:
      return "unknown_destination";
  }
  return "unknown";
}

Network::Network(std::uint64_t seed, NetworkConfig config) : config_(config), rng_("IOS/v1/sim/network", seed) {
  check_link(config_.link_default);
}

void Network::set_default_link(LinkConfig link) {
  check_link(link);
  config_.link_default = link;
}

void Network::set_link(NodeId from, NodeId to, LinkConfig link) {
  check_link(link);
  links_[{from, to}] = link;
}

void Network::clear_link(NodeId from, NodeId to) { links_.erase({from, to}); }

const LinkConfig& Network::link(NodeId from, NodeId to) const {
  auto it = links_.find({from, to});
  return it == links_.end() ? config_.link_default : it->second;
}

void Network::add_partition(PartitionId id, const std::vector<std::vector<NodeId>>& groups) {
  IOS_ASSERT(partitions_.count(id) == 1 || partitions_.size() < partitions_active_max);
  auto& membership = partitions_[id];
  membership.clear();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    // A node listed in two groups would be cut from itself; that is a bug in the caller.
    for (NodeId n : groups[g]) IOS_ASSERT(membership.emplace(n, g).second);
  }
}

void Network::heal(PartitionId id) { partitions_.erase(id); }

void Network::heal_all() { partitions_.clear(); }

bool Network::blocked(NodeId from, NodeId to) const {
  if (from == to) return false;
  for (const auto& [id, membership] : partitions_) {
    auto a = membership.find(from);
    auto b = membership.find(to);
    if (a != membership.end() && b != membership.end() && a->second != b->second) return true;
  }
  return false;
}

Route Network::route(NodeId from, NodeId to, TimeUs now_us) {
  if (from == to) return {DropReason::none, now_us};
  if (blocked(from, to)) return {DropReason::partition, 0};
  const LinkConfig& l = link(from, to);
  // Draw only when the link can lose: a lossless run does not consume the stream for it.
  if (l.loss_rate > 0.0 && rng_.unit() < l.loss_rate) return {DropReason::loss, 0};
  TimeUs delay_us = std::min(sample_delay(l.latency), config_.latency_us_max);
  TimeUs arrival_us = now_us > UINT64_MAX - delay_us ? UINT64_MAX : now_us + delay_us;
  if (config_.fifo_links) {
    TimeUs& last = last_arrival_us_[{from, to}];
    arrival_us = std::max(arrival_us, last);
    last = arrival_us;
  }
  return {DropReason::none, arrival_us};
}

TimeUs Network::sample_delay(const Latency& latency) {
  switch (latency.shape) {
    case Latency::Shape::uniform: {
      TimeUs extra = latency.jitter_us == 0 ? 0 : rng_.uniform(latency.jitter_us + 1);
      return latency.base_us + extra;
    }
    case Latency::Shape::exponential: {
      if (latency.mean_us == 0) return latency.base_us;
      // Inverse CDF; 1 - unit() is in (0, 1], so the logarithm is finite. std::log is the one
      // floating-point library call in the simulator (see README: determinism).
      double extra = -static_cast<double>(latency.mean_us) * std::log(1.0 - rng_.unit());
      double cap = static_cast<double>(config_.latency_us_max);
      return latency.base_us + static_cast<TimeUs>(std::llround(std::min(extra, cap)));
    }
  }
  IOS_ASSERT(false);
  return 0;
}

}  // namespace ios::sim
