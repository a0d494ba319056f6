#pragma once
// The simulated network (docs/DESIGN.md §2, the FoundationDB habit: every node talks through one
// network object that the simulator owns and can break). For each message it decides, from
// the link's configuration and one seeded ChaCha20 stream, whether the message is blocked by
// a partition, lost, or when it arrives. It keeps no clock and schedules nothing: the
// Simulator asks it at send time and again at arrival time (a partition that starts while a
// message is on the wire cuts that message too).
//
// Model:
//  - every directed link (from, to) has a LinkConfig: the default, or an override;
//  - latency is `base + U[0, jitter]` (whole µs, inclusive) or `base + Exp(mean)`, the
//    total cut at NetworkConfig::latency_us_max so the exponential tail stays finite;
//  - a message is lost with probability loss_rate, independently of every other;
//  - a partition is a list of groups; nodes in different groups of an active partition
//    cannot reach each other (both directions); nodes in no group are unaffected;
//  - a node sending to itself uses loopback: no delay, never lost, never blocked;
//  - with fifo_links a link never reorders (a TCP connection); without, jitter may reorder
//    (datagrams), which protocols must tolerate anyway.
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "node/crypto/random.hpp"
#include "node/sim/time.hpp"

namespace ios::sim {

struct Latency {
  enum class Shape : std::uint8_t { uniform, exponential };
  Shape shape = Shape::uniform;
  TimeUs base_us = 1000;
  TimeUs jitter_us = 0;  // uniform: the extra delay is U[0, jitter_us]
  TimeUs mean_us = 0;    // exponential: the extra delay is Exp with this mean

  static Latency fixed_ms(TimeMs base_ms);
  static Latency uniform_ms(TimeMs base_ms, TimeMs jitter_ms);
  static Latency exponential_ms(TimeMs base_ms, TimeMs mean_ms);
};

struct LinkConfig {
  Latency latency;
  double loss_rate = 0.0;  // in [0, 1]
};

struct NetworkConfig {
  LinkConfig link_default;
  bool fifo_links = false;
  TimeUs latency_us_max = 60'000'000;  // no message takes longer than a minute
};

enum class DropReason : std::uint8_t {
  none,
  loss,                 // the link's loss rate
  partition,            // blocked at send or at arrival
  destination_down,     // crashed, not restarted, or restarted since the send
  unknown_destination,  // no such node (a Byzantine redirect, or a bug in the core)
};

std::string_view to_string(DropReason reason);

struct Route {
  DropReason drop = DropReason::none;
  TimeUs arrival_us = 0;  // when drop == none
};

using PartitionId = std::uint32_t;

class Network {
 public:
  // At most this many partitions at once (docs/STYLE.md rule 5); more is a bug in the driver.
  static constexpr std::size_t partitions_active_max = 1024;

  Network(std::uint64_t seed, NetworkConfig config);

  const NetworkConfig& config() const { return config_; }
  void set_default_link(LinkConfig link);
  void set_link(NodeId from, NodeId to, LinkConfig link);  // directed
  void clear_link(NodeId from, NodeId to);                 // back to the default
  const LinkConfig& link(NodeId from, NodeId to) const;

  void add_partition(PartitionId id, const std::vector<std::vector<NodeId>>& groups);
  void heal(PartitionId id);  // no effect if not active
  void heal_all();
  bool blocked(NodeId from, NodeId to) const;
  std::size_t partitions_active() const { return partitions_.size(); }

  // The fate of one message sent at now_us (destination liveness is the Simulator's part).
  Route route(NodeId from, NodeId to, TimeUs now_us);

 private:
  TimeUs sample_delay(const Latency& latency);

  NetworkConfig config_;
  crypto::ChaChaRng rng_;
  std::map<std::pair<NodeId, NodeId>, LinkConfig> links_;
  std::map<PartitionId, std::map<NodeId, std::size_t>> partitions_;  // node -> group index
  std::map<std::pair<NodeId, NodeId>, TimeUs> last_arrival_us_;      // fifo_links only
};

}  // namespace ios::sim
