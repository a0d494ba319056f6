#include "node/store/schema.hpp"

#include <array>

namespace ios::store {

namespace {

// v1. Tables:
//   state   the key/value rows the protocol cores persist (Persist effects): ByzCoin votes,
//           locks and blocks, the PoB producer's next seq. Keys are never empty (CHECK).
//   blocks  final blocks by height with their hash; the hash is checked against the block
//           when it is saved and again when it is loaded (docs/STYLE.md rule 4).
//   txs     tx hash -> the final block that applied or excluded it (status 0 / 1).
//   utxos   an index of the ledger's unspent outputs for RPC, rebuilt from the blocks.
//   peers   the last address and time each peer (by node key) was seen.
// Unsigned 64-bit amounts and times are stored as their two's-complement int64 bits (SQLite
// integers are signed); heights are refused above 2^63 − 1 so that ORDER BY height holds.
constexpr std::string_view v1_script = R"sql(
CREATE TABLE state (
  key   TEXT PRIMARY KEY NOT NULL CHECK (length(CAST(key AS BLOB)) BETWEEN 1 AND 256),
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE blocks (
  height INTEGER PRIMARY KEY CHECK (height >= 0),
  hash   BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  block  BLOB NOT NULL
);
CREATE TABLE txs (
  hash   BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
  height INTEGER NOT NULL REFERENCES blocks (height),
  status INTEGER NOT NULL CHECK (status IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX txs_by_height ON txs (height);
CREATE TABLE utxos (
  tx     BLOB NOT NULL CHECK (length(tx) = 32),
  idx    INTEGER NOT NULL CHECK (idx BETWEEN 0 AND 4294967295),
  owner  BLOB NOT NULL CHECK (length(owner) = 32),
  asset  INTEGER NOT NULL CHECK (asset IN (0, 1)),
  amount INTEGER NOT NULL,
  PRIMARY KEY (tx, idx)
) WITHOUT ROWID;
CREATE INDEX utxos_by_owner ON utxos (owner);
CREATE TABLE peers (
  key          BLOB PRIMARY KEY NOT NULL CHECK (length(key) = 32),
  node_id      INTEGER NOT NULL CHECK (node_id BETWEEN 0 AND 4294967295),
  address      TEXT NOT NULL CHECK (length(CAST(address AS BLOB)) <= 255),
  last_seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
PRAGMA application_id = 1768911665;
)sql";

// v2. A node hosts protocol instances keyed by (shard, epoch) (node/protocol/node/node_core.hpp),
// each instance's state rows live under "shard/<s>/epoch/<e>/", and consensus signatures bind
// shard and epoch. No table changes; a v1 file with rows is refused before this step
// (NodeStore::open), so only empty v1 files get here.
constexpr std::string_view v2_script = R"sql(
SELECT 1;
)sql";

// v3. A node's blocks belong to a shard, and with TransEpoch a node serves more than one shard
// over its life (node/protocol/transepoch): blocks and the tx index are keyed by (shard, height),
// and each block names the segment — the (shard, epoch, step) instance whose roster finalized it,
// by its persist prefix — so a restart gives each block back to the instance that replays it.
// A v2 file's blocks are all of the node's epoch-0 shard, which its state rows name
// ("shard/<s>/epoch/0/…"); they move over under that shard and its epoch-0 segment.
// `blocks` keeps a rowid: its rows hold whole blocks (up to MiBs), which a WITHOUT ROWID table
// stores in its key B-tree — commit_final of 3000-tx blocks took 35 times as long that way
// (NodeStore.MeasureCommitFinalOf3000TxBlocks: 53 s against 1.5 s for 20 blocks).
constexpr std::string_view v3_script = R"sql(
CREATE TABLE blocks_v3 (
  shard   INTEGER NOT NULL CHECK (shard BETWEEN 0 AND 4294967295),
  height  INTEGER NOT NULL CHECK (height >= 0),
  hash    BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  block   BLOB NOT NULL,
  segment TEXT NOT NULL CHECK (length(CAST(segment AS BLOB)) BETWEEN 1 AND 64),
  PRIMARY KEY (shard, height)
);
CREATE TABLE txs_v3 (
  hash   BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
  shard  INTEGER NOT NULL,
  height INTEGER NOT NULL,
  status INTEGER NOT NULL CHECK (status IN (0, 1)),
  FOREIGN KEY (shard, height) REFERENCES blocks_v3 (shard, height)
) WITHOUT ROWID;
CREATE TEMP TABLE v2_shard AS
  SELECT coalesce((SELECT CAST(substr(key, 7, instr(substr(key, 7), '/') - 1) AS INTEGER)
                   FROM state WHERE key LIKE 'shard/%/epoch/0/%' ORDER BY key LIMIT 1), 0) AS shard;
INSERT INTO blocks_v3 (shard, height, hash, block, segment)
  SELECT v2_shard.shard, height, hash, block, 'shard/' || v2_shard.shard || '/epoch/0/' FROM blocks, v2_shard;
INSERT INTO txs_v3 (hash, shard, height, status) SELECT hash, v2_shard.shard, height, status FROM txs, v2_shard;
DROP TABLE v2_shard;
DROP INDEX txs_by_height;
DROP TABLE txs;
DROP TABLE blocks;
ALTER TABLE blocks_v3 RENAME TO blocks;
ALTER TABLE txs_v3 RENAME TO txs;
CREATE INDEX txs_by_block ON txs (shard, height);
)sql";

// v4. A restarted node reads the blocks of each segment it replays as it makes the segment
// (node::PersistedRows), not every block it ever stored: an index by segment finds them
// without reading the blocks of others (the segment column comes after the block's bytes).
constexpr std::string_view v4_script = R"sql(
CREATE INDEX blocks_by_segment ON blocks (segment, height);
)sql";

constexpr std::array<Migration, 4> all_migrations = {{
    {1, v1_script},
    {2, v2_script},
    {3, v3_script},
    {4, v4_script},
}};
static_assert(all_migrations.back().to_version == schema_version);
static_assert(ios_application_id == 1768911665);  // the literal in v1_script

core::Result<std::int64_t> user_version(Database& db) { return db.query_int("PRAGMA user_version"); }

core::Status check_empty(Database& db) {
  auto tables = db.query_int("SELECT count(*) FROM sqlite_master");
  if (!tables) return tables.error();
  if (*tables != 0)
    return core::reject(core::Reject::io_error, "not an ios database: " + db.path() + " has " +
                                                    std::to_string(*tables) + " tables but no ios schema version");
  return core::Ok{};
}

// One step in one transaction: the script and the version bump commit together or not at all.
core::Status migrate_step(Database& db, TransactionStatements& ts, const Migration& step, std::int64_t target,
                          bool& done) {
  auto tx = Transaction::begin(ts, "migration");
  if (!tx) return tx.error();
  auto version = user_version(db);  // again under the write lock: another opener may have migrated
  if (!version) return version.error();
  if (*version > target) return newer_schema_error(*version, static_cast<int>(target));
  if (*version >= step.to_version) return core::Ok{};
  if (*version == 0) {
    if (auto st = check_empty(db); !st) return st;
  }
  IOS_ASSERT(*version == step.to_version - 1);
  const std::string what = "migration to schema " + std::to_string(step.to_version);
  if (auto st = db.exec(std::string(step.script), what); !st) return st;
  // PRAGMA takes no bound parameters; the number is our own constant, not input.
  if (auto st = db.exec("PRAGMA user_version = " + std::to_string(step.to_version), what); !st) return st;
  if (auto st = tx->commit(what); !st) return st;
  done = step.to_version == target;
  return core::Ok{};
}

}  // namespace

std::span<const Migration> migrations() { return all_migrations; }

core::Error newer_schema_error(std::int64_t found, int supported) {
  return core::reject(core::Reject::unknown_version, "database schema " + std::to_string(found) +
                                                         " is newer than this ios (" + std::to_string(supported) +
                                                         "): upgrade ios");
}

core::Status check_owner(Database& db) {
  // The first read of the file: a file that is not SQLite at all fails here with SQLite's
  // "file is not a database".
  auto id = db.query_int("PRAGMA application_id");
  if (!id) return id.error();
  auto version = user_version(db);
  if (!version) return version.error();
  if (*id == ios_application_id) return core::Ok{};
  if (*id != 0)
    return core::reject(core::Reject::io_error,
                        "not an ios database: " + db.path() + " has application_id " + std::to_string(*id));
  if (*version != 0)
    return core::reject(core::Reject::io_error, "not an ios database: " + db.path() + " has user_version " +
                                                    std::to_string(*version) + " but no ios application_id");
  return check_empty(db);
}

core::Status migrate(Database& db, std::span<const Migration> steps) {
  IOS_ASSERT(!steps.empty());
  for (std::size_t i = 0; i < steps.size(); ++i) IOS_ASSERT(steps[i].to_version == static_cast<int>(i) + 1);
  const std::int64_t target = steps.back().to_version;
  auto version = user_version(db);
  if (!version) return version.error();
  if (*version > target) return newer_schema_error(*version, static_cast<int>(target));
  if (*version == target) return core::Ok{};
  auto ts = TransactionStatements::prepare(db);
  if (!ts) return ts.error();
  for (std::size_t i = static_cast<std::size_t>(*version); i < steps.size(); ++i) {
    bool done = false;
    if (auto st = migrate_step(db, *ts, steps[i], target, done); !st) return st;
    if (done) break;
  }
  return core::Ok{};
}

}  // namespace ios::store
