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

std::string block_name(core::ShardId shard, std::uint64_t height) {
  return "block " + std::to_string(height) + " of shard " + core::to_string(shard);
}

// The save-side check of docs/STYLE.md rule 4: the bytes are a block of this height and hash.
core::Result<chain::FinalizedBlock> check_record(const NodeStore::FinalRecord& r) {
  const auto name = block_name(r.shard, r.height);
  if (r.height > height_max)
    return core::reject(core::Reject::wrong_height, name + " is over the store's limit 2^63 - 1");
  if (r.segment.empty() || r.segment.size() > NodeStore::segment_bytes_max)
    return core::reject(core::Reject::length_over_limit, name + ": segment of " + std::to_string(r.segment.size()) + " bytes");
  auto block = chain::decode_finalized_block(r.block);
  if (!block) return core::reject(block.error().reason, name + ": " + block.error().detail);
  if (block->height != r.height)
    return core::reject(core::Reject::bad_proof, name + " encodes height " + std::to_string(block->height));
  if (block->hash() != r.hash) return core::reject(core::Reject::bad_proof, name + " does not match its hash");
  for (const TxIndexRow& row : r.txs)
    if (row.height != r.height)
      return core::reject(core::Reject::wrong_height, name + " carries a tx row for height " + std::to_string(row.height));
  return block;
}

// The load-side check of docs/STYLE.md rule 4: a bit flipped on disk is refused, not served.
core::Status check_stored(const core::Bytes& bytes, const std::optional<core::Hash32>& hash, core::ShardId shard,
                          std::uint64_t height) {
  const std::string what = "stored " + block_name(shard, height);
  auto decoded = chain::decode_finalized_block(bytes);
  if (!decoded) return core::reject(decoded.error().reason, what + ": " + decoded.error().detail);
  if (!hash || decoded->height != height || decoded->hash() != *hash)
    return core::reject(core::Reject::bad_proof, what + " does not match its hash");
  return core::Ok{};
}

struct BlockRow {
  std::uint64_t height;
  core::Hash32 hash;
};

core::Result<std::optional<BlockRow>> read_last_block(Statement& stmt, core::ShardId shard) {
  auto q = stmt.use();
  q.bind(1, static_cast<std::int64_t>(shard.value));
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
    static const std::array<StatementSql, 19> statement_sql = {{
      {&Impl::put_state,
       "INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
      {&Impl::load_state, "SELECT key, value FROM state ORDER BY key"},
      {&Impl::select_state, "SELECT value FROM state WHERE key = ?1"},
      {&Impl::prune_state, "DELETE FROM state WHERE key >= ?1 AND key < ?2"},
      {&Impl::state_under, "SELECT key, value FROM state WHERE key >= ?1 AND key < ?2 ORDER BY key"},
      {&Impl::any_state, "SELECT EXISTS (SELECT 1 FROM state)"},
      {&Impl::insert_block, "INSERT INTO blocks (shard, height, hash, block, segment) VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&Impl::select_block, "SELECT hash, block FROM blocks WHERE shard = ?1 AND height = ?2"},
      {&Impl::select_block_segment, "SELECT segment FROM blocks WHERE shard = ?1 AND height = ?2"},
      {&Impl::last_block, "SELECT height, hash FROM blocks WHERE shard = ?1 ORDER BY height DESC LIMIT 1"},
      {&Impl::segment_blocks, "SELECT shard, height, hash, block FROM blocks WHERE segment = ?1 ORDER BY height"},
      // Applied wins: a later block may exclude a replay of an applied tx; that must not hide it.
      {&Impl::upsert_tx,
       "INSERT INTO txs (hash, shard, height, status) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hash) DO UPDATE SET "
       "shard = excluded.shard, height = excluded.height, status = excluded.status WHERE txs.status <> 0"},
      {&Impl::select_tx, "SELECT shard, height, status FROM txs WHERE hash = ?1"},
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

namespace {
// Keys compare as bytes (BINARY): the rows under `prefix` are [prefix, prefix_end(prefix)).
std::string prefix_end(std::string_view prefix) {
  IOS_ASSERT(!prefix.empty() && static_cast<unsigned char>(prefix.back()) < 0xff);
  std::string end(prefix);
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}
}  // namespace

core::Result<std::size_t> NodeStore::prune_state(std::string_view prefix) {
  const auto end = prefix_end(prefix);
  auto q = impl_->prune_state.use();
  q.bind(1, prefix).bind(2, std::string_view(end));
  if (auto ok = q.run("prune " + std::string(prefix)); !ok) return ok.error();
  return static_cast<std::size_t>(q.changes());
}

core::Result<PersistedState> NodeStore::state_under(std::string_view prefix) const {
  const auto end = prefix_end(prefix);
  PersistedState state;
  auto q = impl_->state_under.use();
  q.bind(1, prefix).bind(2, std::string_view(end));
  for (;;) {
    auto row = q.step("state under " + std::string(prefix));
    if (!row) return row.error();
    if (!*row) break;
    state.emplace(q.column_text(0), q.column_blob(1));
  }
  return state;
}

core::Result<bool> NodeStore::has_state() const {
  auto q = impl_->any_state.use();
  auto row = q.step("any state");
  if (!row) return row.error();
  IOS_ASSERT(*row);  // EXISTS always answers one row
  return q.column_int(0) != 0;
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
  const std::string what = block_name(r.shard, r.height);
  auto tx = Transaction::begin(impl_->ts, what);
  if (!tx) return tx.error();
  // Under the write lock, so the chain cannot change between this check and the insert.
  auto last = read_last_block(impl_->last_block, r.shard);
  if (!last) return last.error();
  if (*last) {
    const auto& [last_height, last_hash] = **last;
    if (r.joins ? r.height <= last_height : r.height != last_height + 1)
      return core::reject(core::Reject::wrong_height, what + " after stored " + block_name(r.shard, last_height));
    if (!r.joins && block->prev != last_hash)
      return core::reject(core::Reject::bad_proof, what + " does not link to stored " + block_name(r.shard, last_height));
  }
  const auto shard = static_cast<std::int64_t>(r.shard.value);
  const auto height = static_cast<std::int64_t>(r.height);
  if (auto st = impl_->insert_block.use()
                    .bind(1, shard)
                    .bind(2, height)
                    .bind(3, core::ByteView(r.hash))
                    .bind(4, r.block)
                    .bind(5, std::string_view(r.segment))
                    .run(what);
      !st)
    return st;
  for (const TxIndexRow& row : r.txs) {
    auto q = impl_->upsert_tx.use();
    q.bind(1, core::ByteView(row.hash)).bind(2, shard).bind(3, height).bind(4, static_cast<std::int64_t>(row.status));
    if (auto st = q.run(what + " tx " + core::to_hex(row.hash)); !st) return st;
  }
  for (const auto& [key, value] : r.puts)
    if (auto st = impl_->write_state(key, value); !st) return st;
  return tx->commit(what);
}

core::Result<std::optional<core::Bytes>> NodeStore::block(core::ShardId shard, std::uint64_t height) const {
  if (height > height_max) return std::optional<core::Bytes>{};
  auto q = impl_->select_block.use();
  q.bind(1, static_cast<std::int64_t>(shard.value)).bind(2, static_cast<std::int64_t>(height));
  auto row = q.step("stored " + block_name(shard, height));
  if (!row) return row.error();
  if (!*row) return std::optional<core::Bytes>{};
  core::Bytes bytes = q.column_blob(1);
  if (auto ok = check_stored(bytes, q.column_fixed<32>(0), shard, height); !ok) return ok.error();
  return std::optional<core::Bytes>{std::move(bytes)};
}

core::Result<std::optional<std::string>> NodeStore::block_segment(core::ShardId shard, std::uint64_t height) const {
  if (height > height_max) return std::optional<std::string>{};
  auto q = impl_->select_block_segment.use();
  q.bind(1, static_cast<std::int64_t>(shard.value)).bind(2, static_cast<std::int64_t>(height));
  auto row = q.step("segment of " + block_name(shard, height));
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{q.column_text(0)};
}

core::Result<std::optional<std::uint64_t>> NodeStore::last_height(core::ShardId shard) const {
  auto last = read_last_block(impl_->last_block, shard);
  if (!last) return last.error();
  if (!*last) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{(*last)->height};
}

core::Result<std::vector<NodeStore::StoredBlock>> NodeStore::segment_blocks(std::string_view segment) const {
  std::vector<StoredBlock> out;
  auto q = impl_->segment_blocks.use();
  q.bind(1, segment);
  for (;;) {
    auto row = q.step("blocks of " + std::string(segment));
    if (!row) return row.error();
    if (!*row) break;
    const std::int64_t shard = q.column_int(0), height = q.column_int(1);
    if (shard < 0 || height < 0) return core::reject(core::Reject::io_error, "a stored block row is corrupted");
    StoredBlock b{core::ShardId{static_cast<std::uint32_t>(shard)}, static_cast<std::uint64_t>(height), std::string(segment),
                  q.column_blob(3)};
    if (auto ok = check_stored(b.block, q.column_fixed<32>(2), b.shard, b.height); !ok) return ok.error();
    out.push_back(std::move(b));
  }
  return out;
}

core::Result<std::optional<TxIndexRow>> NodeStore::tx(const core::Hash32& hash) const {
  auto q = impl_->select_tx.use();
  q.bind(1, core::ByteView(hash));
  auto row = q.step("tx " + core::to_hex(hash));
  if (!row) return row.error();
  if (!*row) return std::optional<TxIndexRow>{};
  const std::int64_t shard = q.column_int(0);
  const std::int64_t height = q.column_int(1);
  const std::int64_t status = q.column_int(2);
  if (shard < 0 || height < 0 || (status != 0 && status != 1))
    return core::reject(core::Reject::io_error, "stored tx " + core::to_hex(hash) + " row is corrupted");
  return std::optional<TxIndexRow>{TxIndexRow{hash, static_cast<std::uint64_t>(height), static_cast<TxStatus>(status),
                                              core::ShardId{static_cast<std::uint32_t>(shard)}}};
}

}  // namespace ios::store
