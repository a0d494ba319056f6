// node/store: the node's SQLite database. Each test works in its own temporary directory and
// checks what a restart or a crash depends on: reopen keeps everything, WAL is on, a newer
// schema is refused with the documented message, a v0 file migrates (one transaction per
// step), commit_final is all-or-nothing, a corrupted block row is refused when loaded, the
// chain on disk links, the UTXO and peer indexes answer, and data committed by a process that
// then dies without closing (forked child, _exit or SIGKILL) is there when the parent reopens.
// One test measures commit_final of a 3000-tx block record (printed, not asserted).
#include "node/store/node_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "node/chain/finality.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/store/database.hpp"
#include "node/runtime/store_rows.hpp"
#include "node/store/schema.hpp"
#include "support/test_support.hpp"

using namespace ios;
using core::Reject;
using store::NodeStore;
using store::TxIndexRow;
using store::TxStatus;

namespace {

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "ios-store-XXXXXX").string();
    IOS_ASSERT(::mkdtemp(templ.data()) != nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Raw SQLite access, to look at and damage the file behind NodeStore's back.
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::string raw_text(const std::string& path, const std::string& sql) {
  auto db = store::Database::open(path);
  EXPECT_TRUE(db.ok());
  if (!db) return {};
  auto text = db->query_text(sql);
  EXPECT_TRUE(text.ok()) << (text ? "" : text.error().message());
  return text ? *text : std::string{};
}

// A well-formed FinalizedBlock (the store checks encoding and hashes, not the signatures): V
// must be a prime-order point, so it is an Ed25519 public key.
crypto::CollectiveSignature dummy_signature() {
  crypto::init();
  crypto::Seed seed;
  seed.data()[0] = 7;
  crypto::CollectiveSignature sig;
  sig.V = crypto::SigningKey(seed).public_key();
  sig.mask = crypto::CosiMask::full(4);
  return sig;
}

chain::FinalizedBlock make_block(std::uint64_t height, const core::Hash32& prev, core::Bytes body) {
  chain::FinalizedBlock b;
  b.height = height;
  b.view = 0;
  b.prev = prev;
  b.body = std::move(body);
  b.prepare = dummy_signature();
  b.commit = dummy_signature();
  return b;
}

core::Hash32 hash_of(std::string_view s) { return crypto::sha256(core::as_bytes(s)); }

const core::ShardId S0{0};

NodeStore::FinalRecord record(const chain::FinalizedBlock& b, std::vector<TxIndexRow> txs = {},
                              store::StateRows puts = {}, core::ShardId shard = S0) {
  return NodeStore::FinalRecord{b.height, b.hash(), chain::encode(b), std::move(puts), std::move(txs), shard,
                                "shard/" + core::to_string(shard) + "/epoch/0/"};
}

// A chain of final blocks starting at `first`, bodies "body <h>".
std::vector<chain::FinalizedBlock> make_chain(std::uint64_t first, std::size_t n, core::Hash32 prev = {}) {
  std::vector<chain::FinalizedBlock> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = first + i;
    std::string body = "body " + std::to_string(h);
    out.push_back(make_block(h, prev, core::Bytes(body.begin(), body.end())));
    prev = out.back().hash();
  }
  return out;
}

core::Bytes bytes_of(std::string_view s) { return core::Bytes(s.begin(), s.end()); }

NodeStore open_ok(const std::string& path) {
  auto s = NodeStore::open(path);
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message());
  IOS_ASSERT(s.ok());
  return std::move(s).value();
}

void expect_ok(const core::Status& st) { EXPECT_TRUE(st.ok()) << (st ? "" : st.error().message()); }

chain::Address address_of(std::string_view name) { return chain::Address(hash_of(name)); }

}  // namespace

// ---- open, reopen, WAL ----

TEST(NodeStore, CreatesAnEmptyDatabaseInWalMode) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  NodeStore s = open_ok(path);
  EXPECT_EQ(s.schema(), store::schema_version);
  auto last = s.last_height(S0);
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
  auto state = s.load_state();
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->empty());
  // The file says so to any other reader: WAL journal, our version, our application id.
  EXPECT_EQ(raw_text(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_text(path, "PRAGMA user_version"), std::to_string(store::schema_version));
  EXPECT_EQ(raw_text(path, "PRAGMA application_id"), std::to_string(store::ios_application_id));
}

TEST(NodeStore, ReopenKeepsEverything) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  const auto blocks = make_chain(1, 3);
  const chain::Address alice = address_of("alice");
  const store::Utxo coin{chain::OutPoint{hash_of("genesis"), 0}, chain::TxOutput{alice, chain::Asset::ios, ~0ull}};
  const store::PeerRow peer{hash_of("peer key"), 3, "127.0.0.1:4100", 1234567};
  {
    NodeStore s = open_ok(path);
    expect_ok(s.put("pob/producer", bytes_of("seq 9")));
    expect_ok(s.put_batch({{"byzcoin/vote/1", bytes_of("v1")}, {"byzcoin/lock/1", bytes_of("l1")}}));
    expect_ok(s.put("pob/producer", bytes_of("seq 10")));  // overwrite
    for (const auto& b : blocks)
      expect_ok(s.commit_final(record(b, {{hash_of("tx " + std::to_string(b.height)), b.height, TxStatus::applied}},
                                      {{"byzcoin/block/" + std::to_string(b.height), chain::encode(b)}})));
    expect_ok(s.replace_utxos({coin}));
    expect_ok(s.save_peer(peer));
  }
  NodeStore moved = open_ok(path);
  NodeStore s = std::move(moved);  // movable: the connection and its statements go along
  auto state = s.load_state();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->size(), 6u);
  EXPECT_EQ(state->at("pob/producer"), bytes_of("seq 10"));
  EXPECT_EQ(state->at("byzcoin/vote/1"), bytes_of("v1"));
  EXPECT_EQ(state->at("byzcoin/block/2"), chain::encode(blocks[1]));
  EXPECT_EQ(**s.last_height(S0), 3u);
  for (const auto& b : blocks) {
    auto got = s.block(S0, b.height);
    ASSERT_TRUE(got.ok()) << got.error().message();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, chain::encode(b));
    auto t = s.tx(hash_of("tx " + std::to_string(b.height)));
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(t->has_value());
    EXPECT_EQ((*t)->height, b.height);
    EXPECT_EQ((*t)->status, TxStatus::applied);
  }
  EXPECT_FALSE(s.block(S0, 4)->has_value());
  EXPECT_FALSE(s.tx(hash_of("unknown"))->has_value());
  auto utxos = s.utxos_of(alice);
  ASSERT_TRUE(utxos.ok());
  ASSERT_EQ(utxos->size(), 1u);
  EXPECT_EQ(utxos->front(), coin);  // the u64 amount 2^64 - 1 survives the int64 column
  auto peers = s.peers();
  ASSERT_TRUE(peers.ok());
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ(peers->front(), peer);
}

// ---- versions and foreign files ----

// core.hpp Prune: the rows of one segment go, and no row of a neighbour whose prefix sorts
// beside it (step 1's "2.1/", epoch 20's "20/", the epoch core's "epoch/2/").
TEST(NodeStore, PruneDeletesTheRowsUnderOnePrefixAndNoNeighbours) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  expect_ok(s.put_batch({{"shard/1/epoch/2/byzcoin/vote", bytes_of("a")},
                         {"shard/1/epoch/2/pob/join", bytes_of("b")},
                         {"shard/1/epoch/2.1/byzcoin/vote", bytes_of("c")},
                         {"shard/1/epoch/20/byzcoin/vote", bytes_of("d")},
                         {"shard/1/epoch/2", bytes_of("e")},
                         {"epoch/2/record", bytes_of("f")}}));
  auto pruned = s.prune_state("shard/1/epoch/2/");
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2u);
  EXPECT_EQ(*s.prune_state("shard/1/epoch/2/"), 0u) << "again: nothing left, no error";
  auto state = s.load_state();
  ASSERT_TRUE(state.ok());
  std::vector<std::string> left;
  for (const auto& [key, value] : *state) left.push_back(key);
  EXPECT_EQ(left, (std::vector<std::string>{"epoch/2/record", "shard/1/epoch/2", "shard/1/epoch/2.1/byzcoin/vote",
                                            "shard/1/epoch/20/byzcoin/vote"}));
}

// node::PersistedRows over the store (node/runtime/store_rows.hpp): a restarted node reads one
// instance at a time. A segment gets its own state rows and the blocks it finalized, as the
// engine's "byzcoin/block/<h>" rows, and nothing of the segment or epoch beside it.
TEST(StoreRows, ASegmentGetsItsRowsAndItsBlocksAndNothingOfItsNeighbours) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  EXPECT_FALSE(*s.has_state());
  const auto chain = make_chain(0, 3);
  auto first = record(chain[0], {}, {{"shard/0/epoch/0/byzcoin/vote", bytes_of("v0")}});
  expect_ok(s.commit_final(first));
  auto second = record(chain[1]);
  second.segment = "shard/0/epoch/1/";
  expect_ok(s.commit_final(second));
  auto third = record(chain[2]);
  third.segment = "shard/0/epoch/1/";
  expect_ok(s.commit_final(third));
  expect_ok(s.put_batch({{"shard/0/epoch/1/byzcoin/vote", bytes_of("v1")}, {"epoch/1/record", bytes_of("r1")}}));
  EXPECT_TRUE(*s.has_state());
  runtime::NodeLog log(runtime::LogLevel::error, runtime::LogFormat::text);
  const runtime::StoreRows rows(s, log);
  using protocol::node::InstanceKey;
  EXPECT_EQ(rows.scoped(InstanceKey{S0, core::Epoch{1}}),
            (store::PersistedState{{"byzcoin/block/1", chain::encode(chain[1])},
                                   {"byzcoin/block/2", chain::encode(chain[2])},
                                   {"byzcoin/vote", bytes_of("v1")}}));
  EXPECT_EQ(rows.scoped(InstanceKey{S0, core::Epoch{0}}),
            (store::PersistedState{{"byzcoin/block/0", chain::encode(chain[0])}, {"byzcoin/vote", bytes_of("v0")}}));
  EXPECT_EQ(rows.scoped(InstanceKey{S0, core::Epoch{1}, protocol::node::Protocol::epoch}),
            (store::PersistedState{{"record", bytes_of("r1")}}))
      << "an epoch instance's rows, and no blocks";
  EXPECT_TRUE(rows.scoped(InstanceKey{core::ShardId{1}, core::Epoch{1}}).empty());
  EXPECT_EQ(rows.row(InstanceKey{S0, core::Epoch{1}, protocol::node::Protocol::epoch}, "record"), bytes_of("r1"));
  EXPECT_FALSE(rows.row(InstanceKey{S0, core::Epoch{1}, protocol::node::Protocol::epoch}, "transcript"));
}

TEST(NodeStore, RefusesANewerSchemaWithoutTouchingIt) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  { open_ok(path); }
  const auto newer = std::to_string(store::schema_version + 1);
  raw_exec(path, "PRAGMA user_version = " + newer);
  auto s = NodeStore::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::unknown_version);
  EXPECT_EQ(s.error().detail,
            "database schema " + newer + " is newer than this ios (" + std::to_string(store::schema_version) + "): upgrade ios");
  EXPECT_EQ(raw_text(path, "PRAGMA user_version"), newer);
}

TEST(NodeStore, MigratesAVersion0File) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  // v0: a SQLite file without ios tables, in the default rollback-journal mode.
  raw_exec(path, "PRAGMA journal_mode = DELETE; CREATE TABLE t (x); DROP TABLE t;");
  ASSERT_EQ(raw_text(path, "PRAGMA user_version"), "0");
  ASSERT_EQ(raw_text(path, "PRAGMA journal_mode"), "delete");
  {
    NodeStore s = open_ok(path);
    EXPECT_EQ(s.schema(), store::schema_version);
    expect_ok(s.put("k", bytes_of("v")));
  }
  EXPECT_EQ(raw_text(path, "PRAGMA user_version"), std::to_string(store::schema_version));
  EXPECT_EQ(raw_text(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(open_ok(path).load_state()->at("k"), bytes_of("v"));
}

TEST(NodeStore, EachMigrationIsOneTransaction) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  { open_ok(path); }  // at this build's version
  auto db = store::Database::open(path);
  ASSERT_TRUE(db.ok());
  const auto current = store::migrations();
  const int next = store::schema_version + 1;
  // A next version whose second statement fails: its first statement must not survive.
  std::vector<store::Migration> broken(current.begin(), current.end());
  broken.push_back({next, "CREATE TABLE extra (x); INSERT INTO nowhere VALUES (1);"});
  auto st = store::migrate(*db, broken);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, Reject::io_error);
  EXPECT_NE(st.error().detail.find("no such table: nowhere"), std::string::npos) << st.error().detail;
  EXPECT_EQ(*db->query_int("PRAGMA user_version"), store::schema_version);
  EXPECT_EQ(*db->query_int("SELECT count(*) FROM sqlite_master WHERE name = 'extra'"), 0);
  // A good next version lands with its version; this ios then refuses the file.
  std::vector<store::Migration> good(current.begin(), current.end());
  good.push_back({next, "CREATE TABLE extra (x);"});
  expect_ok(store::migrate(*db, good));
  EXPECT_EQ(*db->query_int("PRAGMA user_version"), next);
  auto s = NodeStore::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().detail, "database schema " + std::to_string(next) + " is newer than this ios (" +
                                  std::to_string(store::schema_version) + "): upgrade ios");
}

// A database written before shards (v1) holds blocks whose signatures bind no shard or epoch:
// this ios cannot replay them, so such a file is refused with what to do; an empty v1 file is
// upgraded.
TEST(NodeStore, RefusesAV1DatabaseWithBlocksAndUpgradesAnEmptyOne) {
  TempDir dir;
  const std::string path = dir.file("node.db"), empty = dir.file("empty.db");
  for (const auto& p : {path, empty}) {
    auto db = store::Database::open(p);
    ASSERT_TRUE(db.ok());
    expect_ok(store::migrate(*db, store::migrations().first(1)));
    ASSERT_EQ(*db->query_int("PRAGMA user_version"), 1);
  }
  raw_exec(path, "INSERT INTO state VALUES ('byzcoin/vote/7', x'0102');");
  auto refused = NodeStore::open(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, Reject::unknown_version);
  EXPECT_NE(refused.error().detail.find("before shards"), std::string::npos) << refused.error().detail;
  EXPECT_NE(refused.error().detail.find("ios devnet reset"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(raw_text(path, "PRAGMA user_version"), "1") << "left as it was";
  NodeStore upgraded = open_ok(empty);
  EXPECT_EQ(upgraded.schema(), store::schema_version);
  EXPECT_TRUE(upgraded.load_state()->empty());
}

// Schema 3 (TransEpoch: a node serves several shards over its life): blocks and the tx index
// are per (shard, height), each block names its segment, and a node that joins a shard from a
// handed-over state may start that shard's chain anywhere — but never go back.
TEST(NodeStore, EachShardKeepsItsOwnChainAndItsBlocksSegments) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  const core::ShardId S1{1};
  const auto zero = make_chain(0, 3);
  const auto one = make_chain(20, 2, hash_of("a handed-over state"));
  for (const auto& b : zero) expect_ok(s.commit_final(record(b)));
  auto joined = record(one[0], {{hash_of("t1"), 20, TxStatus::applied}}, {}, S1);
  joined.segment = "shard/1/epoch/3.2/";
  joined.joins = true;
  expect_ok(s.commit_final(joined));
  auto next = record(one[1], {}, {}, S1);
  next.segment = "shard/1/epoch/3.2/";
  expect_ok(s.commit_final(next));
  EXPECT_EQ(**s.last_height(S0), 2u);
  EXPECT_EQ(**s.last_height(S1), 21u);
  EXPECT_FALSE(s.block(S1, 1)->has_value()) << "heights are per shard";
  EXPECT_EQ(**s.block(S1, 20), chain::encode(one[0]));
  EXPECT_EQ(**s.block_segment(S1, 20), "shard/1/epoch/3.2/");
  EXPECT_EQ(**s.block_segment(S0, 1), "shard/0/epoch/0/");
  EXPECT_FALSE(s.block_segment(S1, 1)->has_value());
  EXPECT_EQ((*s.tx(hash_of("t1")))->shard, S1);
  // A gap only for a record that joins, and never backwards.
  auto gap = record(make_chain(30, 1, one[1].hash())[0], {}, {}, S1);
  gap.segment = "shard/1/epoch/4/";
  EXPECT_EQ(s.commit_final(gap).error().reason, Reject::wrong_height);
  auto back = record(make_chain(5, 1)[0], {}, {}, S1);
  back.segment = "shard/1/epoch/4/";
  back.joins = true;
  EXPECT_EQ(s.commit_final(back).error().reason, Reject::wrong_height);
  auto unnamed = record(make_chain(22, 1, one[1].hash())[0], {}, {}, S1);
  unnamed.segment.clear();
  EXPECT_EQ(s.commit_final(unnamed).error().reason, Reject::length_over_limit);
  // What a restart replays of one segment: that segment's blocks only, by height (schema 4).
  auto replay = s.segment_blocks("shard/1/epoch/3.2/");
  ASSERT_TRUE(replay.ok());
  ASSERT_EQ(replay->size(), 2u);
  EXPECT_EQ((*replay)[0].shard, S1);
  EXPECT_EQ((*replay)[0].height, 20u);
  EXPECT_EQ((*replay)[0].segment, "shard/1/epoch/3.2/");
  EXPECT_EQ((*replay)[1].block, chain::encode(one[1]));
  EXPECT_EQ(s.segment_blocks("shard/0/epoch/0/")->size(), 3u);
  EXPECT_TRUE(s.segment_blocks("shard/1/epoch/3.")->empty()) << "a segment is named whole, not by a prefix";
}

// A schema-2 database (one shard per node) keeps its chain: its blocks move under the shard its
// state rows name, in that shard's epoch-0 segment, with their tx rows.
TEST(NodeStore, MigratesV2BlocksUnderTheNodesShard) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  {
    auto db = store::Database::open(path);
    ASSERT_TRUE(db.ok());
    expect_ok(store::migrate(*db, store::migrations().first(2)));
  }
  const auto chain = make_chain(0, 2);
  raw_exec(path, "INSERT INTO state VALUES ('shard/1/epoch/0/byzcoin/vote', x'0102');");
  for (const auto& b : chain) {
    const auto encoded = chain::encode(b);
    raw_exec(path, "INSERT INTO blocks VALUES (" + std::to_string(b.height) + ", x'" + core::to_hex(b.hash()) + "', x'" +
                       core::to_hex(encoded) + "');");
  }
  raw_exec(path, "INSERT INTO txs VALUES (x'" + core::to_hex(hash_of("t")) + "', 1, 0);");
  NodeStore s = open_ok(path);
  EXPECT_EQ(s.schema(), store::schema_version);
  const core::ShardId S1{1};
  EXPECT_EQ(**s.last_height(S1), 1u);
  EXPECT_FALSE(s.last_height(S0)->has_value());
  EXPECT_EQ(**s.block(S1, 1), chain::encode(chain[1]));
  auto t = s.tx(hash_of("t"));
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->shard, S1);
  EXPECT_EQ((*t)->height, 1u);
  EXPECT_EQ(s.segment_blocks("shard/1/epoch/0/")->size(), 2u);
}

TEST(NodeStore, RefusesFilesThatAreNotIosDatabases) {
  TempDir dir;
  const std::string garbage = dir.file("garbage.db");
  {
    std::ofstream f(garbage, std::ios::binary);
    for (int i = 0; i < 256; ++i) f << "this is not a database ";
  }
  auto a = NodeStore::open(garbage);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().reason, Reject::io_error);
  EXPECT_NE(a.error().detail.find("file is not a database"), std::string::npos) << a.error().detail;

  const std::string other_app = dir.file("other.db");
  raw_exec(other_app, "CREATE TABLE accounts (name TEXT);");
  auto b = NodeStore::open(other_app);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().reason, Reject::io_error);
  EXPECT_NE(b.error().detail.find("not an ios database"), std::string::npos) << b.error().detail;
  EXPECT_EQ(raw_text(other_app, "SELECT count(*) FROM sqlite_master"), "1");  // nothing added

  const std::string other_id = dir.file("other-id.db");
  raw_exec(other_id, "PRAGMA application_id = 42;");
  auto c = NodeStore::open(other_id);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("application_id 42"), std::string::npos) << c.error().detail;

  auto d = NodeStore::open(dir.file("no-such-dir/node.db"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().reason, Reject::io_error);
}

// ---- final blocks ----

TEST(NodeStore, CommitFinalIsAllOrNothing) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  const auto blocks = make_chain(1, 2);
  expect_ok(s.commit_final(record(blocks[0])));
  // Block 2 with tx rows and state rows, the last of which violates the schema (empty key):
  // the failure comes after the block and tx rows were written inside the transaction.
  const std::vector<TxIndexRow> txs = {{hash_of("a"), 2, TxStatus::applied}, {hash_of("b"), 2, TxStatus::excluded}};
  auto st = s.commit_final(record(blocks[1], txs, {{"byzcoin/vote/2", bytes_of("vote")}, {"", bytes_of("bad")}}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, Reject::io_error);
  EXPECT_NE(st.error().detail.find("CHECK constraint failed"), std::string::npos) << st.error().detail;
  EXPECT_FALSE(s.block(S0, 2)->has_value());
  EXPECT_EQ(**s.last_height(S0), 1u);
  EXPECT_FALSE(s.tx(hash_of("a"))->has_value());
  EXPECT_FALSE(s.tx(hash_of("b"))->has_value());
  EXPECT_TRUE(s.load_state()->empty());
  // The same block with valid rows then commits: the failed transaction left nothing open.
  expect_ok(s.commit_final(record(blocks[1], txs, {{"byzcoin/vote/2", bytes_of("vote")}})));
  EXPECT_EQ(**s.last_height(S0), 2u);
  EXPECT_EQ((*s.tx(hash_of("b")))->status, TxStatus::excluded);
  EXPECT_EQ(s.load_state()->size(), 1u);
}

TEST(NodeStore, PutBatchIsAllOrNothing) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  auto st = s.put_batch({{"a", bytes_of("1")}, {std::string(store::state_key_bytes_max + 1, 'k'), bytes_of("2")}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, Reject::io_error);
  EXPECT_TRUE(s.load_state()->empty());
  expect_ok(s.put(std::string(store::state_key_bytes_max, 'k'), bytes_of("at the limit")));
  EXPECT_FALSE(s.put("", bytes_of("x")).ok());
}

TEST(NodeStore, CommitFinalKeepsTheChainAChain) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  const auto blocks = make_chain(10, 3);
  expect_ok(s.commit_final(record(blocks[0])));  // the first block may have any height

  NodeStore::FinalRecord wrong_hash = record(blocks[1]);
  wrong_hash.hash[0] ^= 1;
  EXPECT_EQ(s.commit_final(wrong_hash).error().reason, Reject::bad_proof);

  NodeStore::FinalRecord wrong_height = record(blocks[1]);
  wrong_height.height = 12;
  EXPECT_EQ(s.commit_final(wrong_height).error().reason, Reject::bad_proof);  // bytes say 11

  auto gap = s.commit_final(record(blocks[2]));
  EXPECT_EQ(gap.error().reason, Reject::wrong_height);
  EXPECT_EQ(gap.error().detail, "block 12 of shard 0 after stored block 10 of shard 0");

  auto again = s.commit_final(record(blocks[0]));
  EXPECT_EQ(again.error().reason, Reject::wrong_height);

  const auto fork = make_block(11, hash_of("another parent"), bytes_of("fork"));
  auto unlinked = s.commit_final(record(fork));
  EXPECT_EQ(unlinked.error().reason, Reject::bad_proof);
  EXPECT_EQ(unlinked.error().detail, "block 11 of shard 0 does not link to stored block 10 of shard 0");

  auto stray_row = s.commit_final(record(blocks[1], {{hash_of("t"), 10, TxStatus::applied}}));
  EXPECT_EQ(stray_row.error().reason, Reject::wrong_height);

  NodeStore::FinalRecord garbage = record(blocks[1]);
  garbage.block.push_back(0);
  EXPECT_EQ(s.commit_final(garbage).error().reason, Reject::trailing_bytes);

  EXPECT_EQ(**s.last_height(S0), 10u);
  expect_ok(s.commit_final(record(blocks[1])));
  expect_ok(s.commit_final(record(blocks[2])));
  EXPECT_EQ(**s.last_height(S0), 12u);
}

TEST(NodeStore, RefusesACorruptedBlockRowWhenLoading) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  const auto blocks = make_chain(10, 3);
  {
    NodeStore s = open_ok(path);
    for (const auto& b : blocks) expect_ok(s.commit_final(record(b)));
  }
  // One bit of block 12's body flipped on disk: it still decodes, but its hash is another.
  chain::FinalizedBlock flipped = blocks[2];
  flipped.body[0] ^= 1;
  raw_exec(path, "UPDATE blocks SET block = x'" + core::to_hex(chain::encode(flipped)) + "' WHERE height = 12");
  // Block 11's stored hash damaged instead of its bytes.
  raw_exec(path, "UPDATE blocks SET hash = zeroblob(32) WHERE height = 11");
  // Block 10 truncated.
  raw_exec(path, "UPDATE blocks SET block = substr(block, 1, 20) WHERE height = 10");

  NodeStore s = open_ok(path);
  auto b12 = s.block(S0, 12);
  ASSERT_FALSE(b12.ok());
  EXPECT_EQ(b12.error().reason, Reject::bad_proof);
  EXPECT_EQ(b12.error().detail, "stored block 12 of shard 0 does not match its hash");
  auto b11 = s.block(S0, 11);
  ASSERT_FALSE(b11.ok());
  EXPECT_EQ(b11.error().detail, "stored block 11 of shard 0 does not match its hash");
  auto b10 = s.block(S0, 10);
  ASSERT_FALSE(b10.ok());
  EXPECT_EQ(b10.error().reason, Reject::truncated);
  EXPECT_EQ(b10.error().detail.rfind("stored block 10 of shard 0: ", 0), 0u) << b10.error().detail;
}

TEST(NodeStore, TxIndexKeepsTheBlockThatAppliedIt) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  const auto blocks = make_chain(1, 3);
  const core::Hash32 t = hash_of("resubmitted tx");
  expect_ok(s.commit_final(record(blocks[0], {{t, 1, TxStatus::excluded}})));
  EXPECT_EQ(**s.tx(t), (TxIndexRow{t, 1, TxStatus::excluded}));
  expect_ok(s.commit_final(record(blocks[1], {{t, 2, TxStatus::applied}})));  // resubmitted, applied
  EXPECT_EQ(**s.tx(t), (TxIndexRow{t, 2, TxStatus::applied}));
  expect_ok(s.commit_final(record(blocks[2], {{t, 3, TxStatus::excluded}})));  // a replay, excluded
  EXPECT_EQ(**s.tx(t), (TxIndexRow{t, 2, TxStatus::applied}));
}

// ---- UTXO and peer indexes ----

TEST(NodeStore, UtxoIndexAnswersByOwner) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  const chain::Address alice = address_of("alice");
  const chain::Address bob = address_of("bob");
  auto utxo = [](std::string_view tx, std::uint32_t i, chain::Address owner, chain::Amount amount) {
    return store::Utxo{chain::OutPoint{hash_of(tx), i}, chain::TxOutput{owner, chain::Asset::ios, amount}};
  };
  const auto a1 = utxo("t1", 1, alice, 5);
  const auto a0 = utxo("t1", 0, alice, 7);
  const auto b0 = utxo("t2", 0, bob, 9);
  expect_ok(s.replace_utxos({a1, b0, a0}));
  EXPECT_EQ(*s.utxos_of(alice), (std::vector<store::Utxo>{a0, a1}));  // outpoint order
  EXPECT_EQ(*s.utxos_of(bob), (std::vector<store::Utxo>{b0}));
  EXPECT_TRUE(s.utxos_of(address_of("carol"))->empty());

  // A block where bob's new output is spent by a later tx of the same block (raw lists).
  const auto b1 = utxo("t3", 0, bob, 4);
  const auto c0 = utxo("t4", 0, address_of("carol"), 4);
  expect_ok(s.update_utxos({a0.first, b1.first}, {b1, c0}));
  EXPECT_EQ(*s.utxos_of(alice), (std::vector<store::Utxo>{a1}));
  EXPECT_EQ(*s.utxos_of(bob), (std::vector<store::Utxo>{b0}));
  EXPECT_EQ(*s.utxos_of(address_of("carol")), (std::vector<store::Utxo>{c0}));

  // A stale index is refused as a whole: the created output is not left behind.
  auto stale = s.update_utxos({a0.first}, {utxo("t5", 0, alice, 1)});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().reason, Reject::unknown_input);
  EXPECT_EQ(*s.utxos_of(alice), (std::vector<store::Utxo>{a1}));

  // More than asked for is refused, not truncated.
  expect_ok(s.replace_utxos({a0, a1, b0}));
  EXPECT_EQ(s.utxos_of(alice, 2)->size(), 2u);
  EXPECT_EQ(s.utxos_of(alice, 1).error().reason, Reject::length_over_limit);
  EXPECT_EQ(s.replace_utxos({a0, a0}).error().reason, Reject::io_error);  // an outpoint twice
  EXPECT_EQ(s.utxos_of(alice)->size(), 2u);
}

TEST(NodeStore, PeersAreUpdatedAndListedMostRecentFirst) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  const store::PeerRow p1{hash_of("k1"), 1, "127.0.0.1:4001", 100};
  const store::PeerRow p2{hash_of("k2"), 2, "127.0.0.1:4002", 200};
  expect_ok(s.save_peer(p1));
  expect_ok(s.save_peer(p2));
  EXPECT_EQ(*s.peers(), (std::vector<store::PeerRow>{p2, p1}));
  const store::PeerRow p1_moved{hash_of("k1"), 1, "10.0.0.1:4001", 300};
  expect_ok(s.save_peer(p1_moved));
  EXPECT_EQ(*s.peers(), (std::vector<store::PeerRow>{p1_moved, p2}));
  store::PeerRow long_address = p2;
  long_address.address.assign(store::peer_address_bytes_max + 1, 'a');
  EXPECT_EQ(s.save_peer(long_address).error().reason, Reject::length_over_limit);
}

// ---- crashes ----

namespace {

// Runs `body` in a forked child that never closes the store; returns the child's exit code,
// or 128 + signal.
int in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  IOS_ASSERT(pid >= 0);
  if (pid == 0) ::_exit(body());
  int status = 0;
  IOS_ASSERT(::waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// In the child: open, commit block 1 with state and a vote, then leave without closing.
int commit_then_die(const std::string& path, const chain::FinalizedBlock& b, bool kill) {
  auto s = NodeStore::open(path);
  if (!s) return 2;
  if (!s->commit_final(record(b, {{hash_of("crash tx"), b.height, TxStatus::applied}}, {{"pob/producer", bytes_of("7")}})))
    return 3;
  if (!s->put("byzcoin/vote/2", bytes_of("my vote"))) return 4;
  if (kill) ::raise(SIGKILL);
  ::_exit(0);  // no destructors: the connection is never closed, the WAL never checkpointed
}

void expect_survived(const std::string& path, const chain::FinalizedBlock& b) {
  NodeStore s = open_ok(path);
  EXPECT_EQ(**s.last_height(S0), b.height);
  EXPECT_EQ(**s.block(S0, b.height), chain::encode(b));
  EXPECT_EQ((*s.tx(hash_of("crash tx")))->status, TxStatus::applied);
  auto state = s.load_state();
  EXPECT_EQ(state->at("pob/producer"), bytes_of("7"));
  EXPECT_EQ(state->at("byzcoin/vote/2"), bytes_of("my vote"));
}

}  // namespace

TEST(NodeStore, DataCommittedByAProcessThatExitsWithoutClosingSurvives) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  const auto b = make_chain(1, 1)[0];
  ASSERT_EQ(in_child([&] { return commit_then_die(path, b, false); }), 0);
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));  // left behind, recovered on open
  expect_survived(path, b);
}

TEST(NodeStore, DataCommittedByAProcessKilledWithSigkillSurvives) {
  TempDir dir;
  const std::string path = dir.file("node.db");
  const auto b = make_chain(1, 1)[0];
  ASSERT_EQ(in_child([&] { return commit_then_die(path, b, true); }), 128 + SIGKILL);
  expect_survived(path, b);
}

// ---- measurement ----

TEST(NodeStore, MeasureCommitFinalOf3000TxBlocks) {
  TempDir dir;
  NodeStore s = open_ok(dir.file("node.db"));
  auto rng = test::seeded_rng("store-bench", 1);
  constexpr std::size_t txs_per_block = 3000;
  constexpr std::size_t tx_bytes = 200;  // about a 1-input, 2-output transfer
  constexpr std::size_t blocks = 20;
  core::Hash32 prev{};
  std::vector<NodeStore::FinalRecord> records;
  for (std::size_t h = 1; h <= blocks; ++h) {
    core::Bytes body(txs_per_block * tx_bytes);
    rng.fill(body);
    auto b = make_block(h, prev, std::move(body));
    prev = b.hash();
    std::vector<TxIndexRow> txs(txs_per_block);
    for (auto& t : txs) {
      rng.fill(t.hash);
      t.height = h;
    }
    records.push_back(record(b, std::move(txs),
                             {{"byzcoin/block/" + std::to_string(h), chain::encode(b)},
                              {"byzcoin/vote/" + std::to_string(h), bytes_of("vote")},
                              {"byzcoin/lock/" + std::to_string(h), bytes_of("lock")}}));
  }
  const auto start = std::chrono::steady_clock::now();
  for (const auto& r : records) expect_ok(s.commit_final(r));
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / blocks;
  std::printf("[ measure  ] commit_final, %zu-tx block record (%zu-byte body, block also in state): %.2f ms/block "
              "over %zu blocks (WAL, synchronous=FULL)\n",
              txs_per_block, txs_per_block * tx_bytes, ms, blocks);
  EXPECT_EQ(**s.last_height(S0), blocks);
}
