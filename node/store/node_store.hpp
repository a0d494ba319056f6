#pragma once
// The node's SQLite store (docs/DESIGN.md §5; docs/STYLE.md rules 4 and 6): what `ios node` keeps on
// disk in <home>/.../node.db. Written only by node/runtime, one thread; the protocol cores
// never see it: they emit Persist effects, and get their own rows back in their constructors
// (state_under and segment_blocks, through node/runtime/store_rows.hpp).
//
// Invariants and what they defend against:
//   - Persist before you speak: put() and put_batch() return only once the rows are durable
//     (WAL + synchronous=FULL fsyncs at commit), so a validator that crashes after sending a
//     vote finds that vote again and can never sign a conflicting one (equivocation).
//   - A final block, its tx index rows and the state rows produced with it commit in ONE
//     transaction (commit_final), so a crash never leaves a block without its state or state
//     without its block.
//   - The chain on disk is a chain, per shard: commit_final refuses a block whose hash does not
//     match its bytes, whose height is not the shard's last + 1, or whose prev is not its
//     stored last hash (a node joining a shard from a handed-over state may start above a gap:
//     FinalRecord::joins); block() re-checks the hash when loading (a flipped bit on disk is
//     caught, not served).
//   - Every SQLite failure is Reject::io_error with SQLite's message; nothing throws.
//
// The UTXO and peer tables are indexes for RPC and the net layer; the blocks are the truth.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/protocol/core/core.hpp"
#include "node/store/schema.hpp"

namespace ios::store {

// Same type as protocol::pob::PersistedState: what a core's constructor takes.
using PersistedState = std::map<std::string, core::Bytes, std::less<>>;
using StateRows = std::vector<std::pair<std::string, core::Bytes>>;
using Utxo = std::pair<chain::OutPoint, chain::TxOutput>;

// Bounds on what one read may return (docs/STYLE.md rule 5): a larger answer is refused with
// length_over_limit rather than truncated, so RPC never shows a partial balance as complete.
inline constexpr std::size_t utxos_of_count_max = 65536;
inline constexpr std::size_t peers_count_max = 4096;

enum class TxStatus : std::uint8_t {
  applied = 0,   // its state change is in the block
  excluded = 1,  // listed in the block's `excluded` (not applied; it may be resubmitted)
};

struct TxIndexRow {
  core::Hash32 hash{};  // chain::tx_hash
  std::uint64_t height = 0;
  TxStatus status = TxStatus::applied;
  core::ShardId shard{};  // of the block (the FinalRecord's)

  bool operator==(const TxIndexRow&) const = default;
};

struct PeerRow {
  crypto::PublicKey key{};  // the node key its handshake proved
  protocol::NodeId node_id = 0;
  std::string address;  // last "host:port" it was reached at; at most peer_address_bytes_max
  std::uint64_t last_seen_ms = 0;

  bool operator==(const PeerRow&) const = default;
};

class NodeStore {
 public:
  // One final block with its index rows and the state rows the same input produced.
  struct FinalRecord {
    std::uint64_t height = 0;
    core::Hash32 hash{};
    core::Bytes block;        // chain::encode(FinalizedBlock)
    StateRows puts;           // written in order, after the block
    std::vector<TxIndexRow> txs;  // every row's height must be `height` (their shard is the record's)
    core::ShardId shard{};
    // The persist prefix of the segment instance that finalized it (node::persist_prefix), to
    // which a restart gives the block back; 1 to segment_bytes_max bytes.
    std::string segment;
    // The first block this node applies after joining the shard from a handover (it never
    // applied the blocks in between): it may follow a gap in the shard's stored heights.
    bool joins = false;
  };
  // A stored block as a restart replays it.
  struct StoredBlock {
    core::ShardId shard;
    std::uint64_t height = 0;
    std::string segment;
    core::Bytes block;
  };
  static constexpr std::size_t segment_bytes_max = 64;

  // Opens or creates `path`: WAL, synchronous=FULL, foreign keys on, busy timeout. Refuses a
  // newer schema (unknown_version "database schema 3 is newer than this ios (1): upgrade ios")
  // and anything that is not an ios database (io_error with SQLite's message); migrates an
  // older one, one transaction per step.
  static core::Result<NodeStore> open(const std::string& path);

  NodeStore(NodeStore&&) noexcept;
  NodeStore& operator=(NodeStore&&) noexcept;
  NodeStore(const NodeStore&) = delete;
  NodeStore& operator=(const NodeStore&) = delete;
  ~NodeStore();

  int schema() const;

  // ---- key/value state of the protocol cores (durable when these return) ----
  core::Status put(std::string_view key, core::ByteView value);
  core::Status put_batch(const StateRows& puts);  // one transaction, in order
  core::Result<PersistedState> load_state() const;
  core::Result<std::optional<core::Bytes>> state_value(std::string_view key) const;  // one row
  core::Result<std::size_t> prune_state(std::string_view prefix);  // deletes every row whose key starts with it: how many
  core::Result<PersistedState> state_under(std::string_view prefix) const;  // every row whose key starts with it
  core::Result<bool> has_state() const;  // any row at all

  // ---- final blocks ----
  // Per shard: refuses (nothing written) bad_proof if `block` does not decode to `height` and
  // `hash` or does not link to the shard's stored last block; wrong_height unless height = the
  // shard's last + 1 (any height if the store has no block of that shard yet, or above the
  // last for a record that `joins`: a node that joins a shard starts from a handed-over state);
  // io_error if any row violates the schema (e.g. an empty key or segment).
  core::Status commit_final(const FinalRecord& r);
  // The stored bytes, re-checked: bad_proof "stored block 12 of shard 1 does not match its hash".
  core::Result<std::optional<core::Bytes>> block(core::ShardId shard, std::uint64_t height) const;
  // The persist prefix of the segment that finalized it (FinalRecord::segment).
  core::Result<std::optional<std::string>> block_segment(core::ShardId shard, std::uint64_t height) const;
  core::Result<std::optional<std::uint64_t>> last_height(core::ShardId shard) const;
  // The stored blocks that segment finalized (FinalRecord::segment), by height, each re-checked
  // against its hash (an index finds them: schema 4).
  core::Result<std::vector<StoredBlock>> segment_blocks(std::string_view segment) const;
  // Applied wins: a tx once applied keeps that row; an excluded one is replaced when a later
  // block applies (or excludes) it again.
  core::Result<std::optional<TxIndexRow>> tx(const core::Hash32& hash) const;

  // ---- UTXO index ----
  core::Status replace_utxos(const std::vector<Utxo>& all);  // one transaction
  // One transaction: `created` are inserted first, then `spent` deleted, so a block's raw lists
  // work even when one of its txs spends another's output. A spent outpoint that is not in the
  // index is refused (unknown_input): the index is stale and must be rebuilt.
  core::Status update_utxos(const std::vector<chain::OutPoint>& spent, const std::vector<Utxo>& created);
  // In outpoint order; length_over_limit if the owner has more than count_max.
  core::Result<std::vector<Utxo>> utxos_of(const chain::Address& owner,
                                           std::size_t count_max = utxos_of_count_max) const;

  // ---- peers ----
  core::Status save_peer(const PeerRow& peer);  // replaces the row of the same key
  // Most recently seen first, at most peers_count_max.
  core::Result<std::vector<PeerRow>> peers() const;

 private:
  struct Impl;
  explicit NodeStore(std::unique_ptr<Impl> impl);

  // Reads mutate SQLite statement state but not the store's content; Impl is behind a
  // pointer so const readers can use the prepared statements.
  std::unique_ptr<Impl> impl_;
};

}  // namespace ios::store
