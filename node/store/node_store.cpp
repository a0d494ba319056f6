// NodeStore: opening, the protocol cores' key/value state, final blocks and the tx index.
// The UTXO and peer indexes are in node_store_index.cpp.
#include "node/store/node_store.hpp"

#include <array>
#include <limits>
#include <utility>

#include "node/chain/finality.hpp"
#include "node/store/node_store_impl.hpp"

namespace ios::store {

namespace {

constexpr std::uint64_t height_max = std::numeric_limits<std::int64_t>::max();

// Connection settings, applied on every open (they are per connection, except journal_mode,
// which the file remembers). WAL + FULL: a commit is durable when it returns, even across a
// power cut; readers never block the writer.
core::Status configure(Database& db) {
  auto mode = db.query_text("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") return core::reject(core::Reject::io_error, "journal_mode is " + *mode + ", not wal");
  if (auto st = db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", "configure " + db.path()); !st)
    return st;
  auto fk = db.query_int("PRAGMA foreign_keys");
  if (!fk) return fk.error();
  if (*fk != 1) return core::reject(core::Reject::io_error, "foreign keys are not available in this SQLite");
  return core::Ok{};
}

std::string block_name(std::uint64_t height) { return "block " + std::to_string(height); }

// The save-side check of docs/STYLE.md rule 4: the bytes are a block of this height and hash.
core::Result<chain::FinalizedBlock> check_record(const NodeStore::FinalRecord& r) {
  if (r.height > height_max)
    return core::reject(core::Reject::wrong_height, block_name(r.height) + " is over the store's limit 2^63 - 1");
  auto block = chain::decode_finalized_block(r.block);
  if (!block) return core::reject(block.error().reason, block_name(r.height) + ": " + block.error().detail);
  if (block->height != r.height)
    return core::reject(core::Reject::bad_proof, block_name(r.height) + " encodes height " +
                                                     std::to_string(block->height));
  if (block->hash() != r.hash)
    return core::reject(core::Reject::bad_proof, block_name(r.height) + " does not match its hash");
  for (const TxIndexRow& row : r.txs)
    if (row.height != r.height)
      return core::reject(core::Reject::wrong_height, block_name(r.height) + " carries a tx row for height " +
                                                          std::to_string(row.height));
  return block;
}

struct BlockRow {
  std::uint64_t height;
  core::Hash32 hash;
};

core::Result<std::optional<BlockRow>> read_last_block(Statement& stmt) {
  auto q = stmt.use();
  auto row = q.step("last block");
  if (!row) return row.error();
  if (!*row) return std::optional<BlockRow>{};
  auto hash = q.column_fixed<32>(1);
  const std::int64_t height = q.column_int(0);
  if (!hash || height < 0) return core::reject(core::Reject::io_error, "last block row is corrupted");
  return std::optional<BlockRow>{BlockRow{static_cast<std::uint64_t>(height), *hash}};
}

}  // namespace

// ---- open ----------------------------------------------------------------------------------

core::Result<std::unique_ptr<NodeStore::Impl>> NodeStore::Impl::prepare(Database db, int version) {
  struct StatementSql {
    Statement Impl::*member;
    std::string_view sql;
  };
// `excluded` in an upsert is SQLite's name for the row that was about to be inserted.
    static const std::array<StatementSql, 14> statement_sql = {{
      {&Impl::put_state,
       "INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
      {&Impl::load_state, "SELECT key, value FROM state ORDER BY key"},
      {&Impl::select_state, "SELECT value FROM state WHERE key = ?1"},
      {&Impl::insert_block, "INSERT INTO blocks (height, hash, block) VALUES (?1, ?2, ?3)"},
      {&Impl::select_block, "SELECT hash, block FROM blocks WHERE height = ?1"},
      {&Impl::last_block, "SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1"},
      // Applied wins: a later block may exclude a replay of an applied tx; that must not hide it.
      {&Impl::upsert_tx,
       "INSERT INTO txs (hash, height, status) VALUES (?1, ?2, ?3) ON CONFLICT (hash) DO UPDATE SET "
       "height = excluded.height, status = excluded.status WHERE txs.status <> 0"},
      {&Impl::select_tx, "SELECT height, status FROM txs WHERE hash = ?1"},
      {&Impl::clear_utxos, "DELETE FROM utxos"},
      {&Impl::insert_utxo, "INSERT INTO utxos (tx, idx, owner, asset, amount) VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&Impl::delete_utxo, "DELETE FROM utxos WHERE tx = ?1 AND idx = ?2"},
      {&Impl::select_utxos_of,
       "SELECT tx, idx, asset, amount FROM utxos WHERE owner = ?1 ORDER BY tx, idx LIMIT ?2"},
      {&Impl::upsert_peer,
       "INSERT INTO peers (key, node_id, address, last_seen_ms) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE "
       "SET node_id = excluded.node_id, address = excluded.address, last_seen_ms = excluded.last_seen_ms"},
      {&Impl::select_peers,
       "SELECT key, node_id, address, last_seen_ms FROM peers ORDER BY last_seen_ms DESC LIMIT ?1"},
  }};
  auto ts = TransactionStatements::prepare(db);
  if (!ts) return ts.error();
  auto impl = std::make_unique<Impl>(std::move(db), version, std::move(ts).value());
  for (const auto& [member, sql] : statement_sql) {
    auto stmt = Statement::prepare(impl->db, sql);
    if (!stmt) return stmt.error();
    (*impl).*member = std::move(stmt).value();
  }
  return impl;
}

core::Result<NodeStore> NodeStore::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return db.error();
  // Ownership and version first: a newer or foreign file is refused before anything (even
  // its journal mode) is changed.
  if (auto st = check_owner(*db); !st) return st.error();
  auto version = db->query_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version > schema_version) return newer_schema_error(*version, schema_version);
  if (*version == 1) {
    // Schema 1 predates shards: its blocks' collective signatures bind the chain id alone, and
    // since schema 2 every consensus signature binds shard and epoch too
    // (chain::consensus_domain). Its chain cannot be replayed, and re-fetching it under it
    // would leave two chains in one file. An empty one is simply upgraded.
    auto rows = db->query_int("SELECT (SELECT count(*) FROM blocks) + (SELECT count(*) FROM state)");
    if (!rows) return rows.error();
    if (*rows > 0)
      return core::reject(core::Reject::unknown_version,
                          "database schema 1 (" + path +
                              ") was written before shards: its blocks are signed without shard and epoch, which this "
                              "ios no longer accepts; start this node from an empty database (`ios devnet reset`, or "
                              "move the file away)");
  }
  if (auto st = configure(*db); !st) return st.error();
  if (auto st = migrate(*db, migrations()); !st) return st.error();
  auto impl = Impl::prepare(std::move(db).value(), schema_version);
  if (!impl) return impl.error();
  return NodeStore(std::move(impl).value());
}

NodeStore::NodeStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NodeStore::NodeStore(NodeStore&&) noexcept = default;
NodeStore& NodeStore::operator=(NodeStore&&) noexcept = default;
NodeStore::~NodeStore() = default;

int NodeStore::schema() const { return impl_->schema; }

// ---- key/value state -----------------------------------------------------------------------

core::Status NodeStore::Impl::write_state(std::string_view key, core::ByteView value) {
  return put_state.use().bind(1, key).bind(2, value).run("put " + std::string(key));
}

core::Status NodeStore::put(std::string_view key, core::ByteView value) {
  // Autocommit: one statement is its own transaction, durable when it returns.
  return impl_->write_state(key, value);
}

core::Status NodeStore::put_batch(const StateRows& puts) {
  auto tx = Transaction::begin(impl_->ts, "put batch");
  if (!tx) return tx.error();
  for (const auto& [key, value] : puts)
    if (auto st = impl_->write_state(key, value); !st) return st;
  return tx->commit("put batch");
}

core::Result<PersistedState> NodeStore::load_state() const {
  PersistedState state;
  auto q = impl_->load_state.use();
  for (;;) {
    auto row = q.step("load state");
    if (!row) return row.error();
    if (!*row) break;
    state.emplace(q.column_text(0), q.column_blob(1));
  }
  return state;
}

core::Result<std::optional<core::Bytes>> NodeStore::state_value(std::string_view key) const {
  auto q = impl_->select_state.use();
  q.bind(1, key);
  auto row = q.step("load state row");
  if (!row) return row.error();
  if (!*row) return std::optional<core::Bytes>{};
  return std::optional<core::Bytes>{q.column_blob(0)};
}

// ---- final blocks and the tx index ---------------------------------------------------------

core::Status NodeStore::commit_final(const FinalRecord& r) {
  auto block = check_record(r);
  if (!block) return block.error();
  const std::string what = block_name(r.height);
  auto tx = Transaction::begin(impl_->ts, what);
  if (!tx) return tx.error();
  // Under the write lock, so the chain cannot change between this check and the insert.
  auto last = read_last_block(impl_->last_block);
  if (!last) return last.error();
  if (*last) {
    if (r.height != (*last)->height + 1)
      return core::reject(core::Reject::wrong_height, what + " after stored " + block_name((*last)->height));
    if (block->prev != (*last)->hash)
      return core::reject(core::Reject::bad_proof, what + " does not link to stored " + block_name((*last)->height));
  }
  const auto height = static_cast<std::int64_t>(r.height);
  if (auto st = impl_->insert_block.use().bind(1, height).bind(2, core::ByteView(r.hash)).bind(3, r.block).run(what);
      !st)
    return st;
  for (const TxIndexRow& row : r.txs) {
    auto q = impl_->upsert_tx.use();
    q.bind(1, core::ByteView(row.hash)).bind(2, height).bind(3, static_cast<std::int64_t>(row.status));
    if (auto st = q.run(what + " tx " + core::to_hex(row.hash)); !st) return st;
  }
  for (const auto& [key, value] : r.puts)
    if (auto st = impl_->write_state(key, value); !st) return st;
  return tx->commit(what);
}

core::Result<std::optional<core::Bytes>> NodeStore::block(std::uint64_t height) const {
  if (height > height_max) return std::optional<core::Bytes>{};
  const std::string what = "stored " + block_name(height);
  auto q = impl_->select_block.use();
  q.bind(1, static_cast<std::int64_t>(height));
  auto row = q.step(what);
  if (!row) return row.error();
  if (!*row) return std::optional<core::Bytes>{};
  auto hash = q.column_fixed<32>(0);
  core::Bytes bytes = q.column_blob(1);
  // The load-side check of docs/STYLE.md rule 4: a bit flipped on disk is refused, not served.
  auto decoded = chain::decode_finalized_block(bytes);
  if (!decoded) return core::reject(decoded.error().reason, what + ": " + decoded.error().detail);
  if (!hash || decoded->height != height || decoded->hash() != *hash)
    return core::reject(core::Reject::bad_proof, what + " does not match its hash");
  return std::optional<core::Bytes>{std::move(bytes)};
}

core::Result<std::optional<std::uint64_t>> NodeStore::last_height() const {
  auto last = read_last_block(impl_->last_block);
  if (!last) return last.error();
  if (!*last) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{(*last)->height};
}

core::Result<std::optional<TxIndexRow>> NodeStore::tx(const core::Hash32& hash) const {
  auto q = impl_->select_tx.use();
  q.bind(1, core::ByteView(hash));
  auto row = q.step("tx " + core::to_hex(hash));
  if (!row) return row.error();
  if (!*row) return std::optional<TxIndexRow>{};
  const std::int64_t height = q.column_int(0);
  const std::int64_t status = q.column_int(1);
  if (height < 0 || (status != 0 && status != 1))
    return core::reject(core::Reject::io_error, "stored tx " + core::to_hex(hash) + " row is corrupted");
  return std::optional<TxIndexRow>{
      TxIndexRow{hash, static_cast<std::uint64_t>(height), static_cast<TxStatus>(status)}};
}

}  // namespace ios::store
