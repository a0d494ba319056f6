#pragma once
// How a validator runs the epoch chain inside its NodeCore (docs/DESIGN.md §2 "One node,
// several instances"), the same in the node runtime and the simulator: one EpochCore forming
// the epoch after the last record this validator holds, keyed (protocol epoch, shard 0, e),
// and a succession that hosts the core of e + 1 as soon as record e is final.
//
// Rows (NodeCore prefixes them with "epoch/<e>/"): "record" (SignedEpochRecord), "transcript"
// (the DRP transcript, when known), "lock" (what this validator co-signed while forming e).
// A restarted validator goes on from its last record, with the lock it persisted for the next.
#include <memory>

#include "node/protocol/epoch/epoch_core.hpp"
#include "node/protocol/node/node_core.hpp"

namespace ios::protocol::epoch {

node::InstanceKey forming(std::uint64_t epoch);

// The key of a row of the instance forming `epoch` ("epoch/<e>/" + name), as a store holds it.
std::string epoch_row_key(std::uint64_t epoch, std::string_view name);

// The stored record of epoch e, with its transcript when `with_transcript` and stored; nullopt
// if this node holds no record e. A row that does not decode is this node's own store broken:
// it aborts (docs/STYLE.md: our own invariant violations crash loudly).
std::optional<ChainEntry> stored_entry(const node::PersistedState& rows, std::uint64_t epoch, std::size_t roster_size,
                                       bool with_transcript = true);
// Records 1.. that `rows` hold, in order, with their transcripts; stops at the first epoch
// without a record.
std::vector<ChainEntry> stored_chain(const node::PersistedState& rows, std::size_t roster_size);

// Records 1.. that `rows` hold, in order, without their transcripts.
std::vector<EpochRecord> stored_records(const node::PersistedState& rows, std::size_t roster_size);

struct EpochHosting {
  std::shared_ptr<const chain::Genesis> genesis;
  std::uint32_t self = 0;                    // roster index = NodeId
  const crypto::Identity* identity = nullptr;  // outlives the node core
  core::Rng* rng = nullptr;                    // likewise
  EpochTiming timing{};
  std::uint64_t epochs_max = 0;  // the last epoch to form; 0: no end
};

// The core forming e + 1 once record e is final (NodeCore's succession for the epoch chain).
node::Succession epoch_succession(const EpochHosting& hosting);

// Requires check_genesis(*hosting.genesis). Sets epoch_succession and the node's formed epoch.
// Returns the records `rows` hold (1..last, decoded once at start for the shards' hosting too);
// the core it hosts forms the successor of the last (of the genesis's record when none).
std::vector<EpochRecord> host_epochs(node::NodeCore& node, const node::PersistedRows& rows, const EpochHosting& hosting);

}  // namespace ios::protocol::epoch
