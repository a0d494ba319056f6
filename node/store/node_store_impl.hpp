#pragma once
// NodeStore's connection and its prepared statements (private to node/store). Member order
// matters only for readability: Database closes with sqlite3_close_v2, which waits for the
// statements, and members are destroyed in reverse order anyway (statements first).
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "node/store/database.hpp"
#include "node/store/node_store.hpp"

namespace ios::store {

struct NodeStore::Impl {
  Database db;
  int schema = 0;
  TransactionStatements ts;

  Statement put_state;
  Statement load_state;
  Statement select_state;
  Statement prune_state;
  Statement state_under;
  Statement any_state;
  Statement insert_block;
  Statement select_block;
  Statement select_block_segment;
  Statement last_block;
  Statement segment_blocks;
  Statement upsert_tx;
  Statement select_tx;
  Statement clear_utxos;
  Statement insert_utxo;
  Statement delete_utxo;
  Statement select_utxos_of;
  Statement upsert_peer;
  Statement select_peers;

  explicit Impl(Database database, int version, TransactionStatements statements)
      : db(std::move(database)), schema(version), ts(std::move(statements)) {}

  // Prepares every statement above once (they live as long as the connection).
  static core::Result<std::unique_ptr<Impl>> prepare(Database db, int version);

  // Runs inside the caller's transaction; the caller commits.
  core::Status write_state(std::string_view key, core::ByteView value);
  core::Status write_utxo(const chain::OutPoint& at, const chain::TxOutput& out);
};

// SQLite integers are signed 64-bit: unsigned values that are never compared in SQL (amounts,
// times) are stored as their bits; see schema.cpp.
inline std::int64_t as_sql(std::uint64_t v) { return std::bit_cast<std::int64_t>(v); }
inline std::uint64_t from_sql(std::int64_t v) { return std::bit_cast<std::uint64_t>(v); }

}  // namespace ios::store
