#pragma once
// The envelope of every peer message (docs/DESIGN.md §2 "One node, several instances"): which
// protocol it belongs to and which (shard, epoch) instance of it. A node may run more than one
// instance at once — during a TransEpoch swap a validator serves its old shard while it
// bootstraps into its new one (whitepaper §6.2) — so a message is routed by its envelope, not
// guessed from its first byte.
//
//   u8 version (1) ‖ u8 protocol ‖ u32 shard ‖ u64 epoch ‖ u32 step ‖ payload (the instance's bytes)
//
// step: the TransEpoch step of a shard's epoch (node/protocol/transepoch), one roster each; 0
// for the first step and for the epoch protocol.
//
// Invariants: the header is fixed-size and canonical (unknown versions and protocols are
// refused, a short header is truncated); the payload is passed on untouched, and the
// instance decodes and checks it as before. The envelope authenticates nothing by itself: the
// peer channel authenticates the sender, and every signature inside binds shard and epoch
// again (chain::consensus_domain), so a rewritten envelope only misroutes a message into an
// instance that refuses it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/core/ids.hpp"
#include "node/core/result.hpp"

namespace ios::protocol::node {

inline constexpr std::uint8_t envelope_version = 1;
inline constexpr std::size_t envelope_header_bytes = 1 + 1 + 4 + 8 + 4;

enum class Protocol : std::uint8_t {
  shard = 1,  // one shard's PoB validator (PoB and ByzCoin messages)
  epoch = 2,  // forming an epoch: lottery, DRP, co-signed record (node/protocol/epoch); shard 0
  client = 3,  // a client and a node's door (node/protocol/client); shard, epoch and step 0
};

// An instance of a protocol on this node, and the envelope of its messages.
struct InstanceKey {
  core::ShardId shard;
  core::Epoch epoch;
  Protocol protocol = Protocol::shard;
  std::uint32_t step = 0;
  auto operator<=>(const InstanceKey&) const = default;
};

// The client protocol's one key: a door belongs to the node, not to an instance.
inline constexpr InstanceKey client_key{core::ShardId{0}, core::Epoch{0}, Protocol::client, 0};

core::Bytes wrap(const InstanceKey& key, core::ByteView payload);

struct Opened {
  InstanceKey key;
  core::ByteView payload;  // a view into the bytes given to open()
};
// truncated, unknown_version, or non_canonical (an unknown protocol, or a client envelope
// that is not client_key).
core::Result<Opened> open(core::ByteView message);

// Where an instance's persisted rows live (a client door persists nothing): "shard/<s>/epoch/<e>/" for a shard's first step,
// "shard/<s>/epoch/<e>.<k>/" for its step k ≥ 1 (no step's prefix is a prefix of another's),
// "epoch/<e>/" for the forming of epoch e; then the instance's own key.
std::string persist_prefix(const InstanceKey& key);
// The instance a row key belongs to and the instance's own key after the prefix; nullopt if
// `row_key` does not start with a prefix persist_prefix makes (canonical numbers only).
struct ScopedRow {
  InstanceKey key;
  std::string_view rest;
};
std::optional<ScopedRow> parse_persist_prefix(std::string_view row_key);

}  // namespace ios::protocol::node
