#pragma once
// RAII over the SQLite C API, the only place in ios that calls it (docs/DESIGN.md §1: store/ sits
// beside protocol; the cores never see SQLite). Three owners, each closing what it opened on
// every path, so no handle leaks when a step fails half-way:
//   Database     one connection (sqlite3*), closed with sqlite3_close_v2;
//   Statement    one prepared statement, prepared once with SQLITE_PREPARE_PERSISTENT and
//                reused; values go in through bound parameters only, never spliced into SQL
//                text (no injection, and one query plan per statement);
//   Transaction  BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless committed,
//                so an error anywhere in between leaves the database as it was.
// Every SQLite failure becomes core::Reject::io_error carrying SQLite's own message; nothing
// throws. A connection is owned by one thread (opened with SQLITE_OPEN_NOMUTEX).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ios::store {

// How long a writer waits for another connection's lock before giving up with io_error.
inline constexpr int busy_timeout_ms = 5000;

class Database {
 public:
  // Opens or creates the file. Nothing is read yet: a file that is not a database is only
  // noticed by the first query, which then fails with SQLite's "file is not a database".
  static core::Result<Database> open(const std::string& path);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // io_error "<what>: <SQLite's last message on this connection>".
  core::Error error(std::string_view what) const;
  // Runs a fixed script (pragmas, migrations). Scripts carry no values: those are bound.
  core::Status exec(const std::string& script, std::string_view what);
  // The first column of the single row a one-shot query returns (pragmas).
  core::Result<std::int64_t> query_int(const std::string& sql);
  core::Result<std::string> query_text(const std::string& sql);

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  // Prepared once and kept for the life of the connection (SQLITE_PREPARE_PERSISTENT).
  static core::Result<Statement> prepare(const Database& db, std::string_view sql);

  // Empty: only for members filled by prepare() right after construction; use() asserts.
  Statement() = default;

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // One execution: bind, step, read columns; the statement is reset and its bindings cleared
  // when the Use ends, so a read never keeps its WAL snapshot (and the checkpointer) waiting.
  // Bind failures are sticky, like core::Reader: the next step() reports the first one.
  class Use {
   public:
    explicit Use(Statement& s) : s_(s) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use();

    // Parameters are 1-based, as in SQLite.
    Use& bind(int index, std::int64_t v);
    Use& bind(int index, core::ByteView v);
    Use& bind(int index, std::string_view v);

    // true: a row is ready; false: done. io_error naming `what` otherwise.
    core::Result<bool> step(std::string_view what);
    // Steps a statement that returns no rows.
    core::Status run(std::string_view what);
    // Rows changed by the last run() (INSERT/UPDATE/DELETE).
    int changes() const;

    std::int64_t column_int(int col) const;
    core::Bytes column_blob(int col) const;
    std::string column_text(int col) const;
    // A BLOB of exactly N bytes, or nullopt (a corrupted or foreign row).
    template <std::size_t N>
    std::optional<core::ByteArray<N>> column_fixed(int col) const {
      core::Bytes b = column_blob(col);
      if (b.size() != N) return std::nullopt;
      core::ByteArray<N> out{};
      std::copy(b.begin(), b.end(), out.begin());
      return out;
    }

   private:
    Statement& s_;
    int bind_rc_ = 0;  // SQLITE_OK
  };
  Use use() {
    IOS_ASSERT(stmt_ != nullptr);
    return Use(*this);
  }
  sqlite3* connection() const;

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  sqlite3_stmt* stmt_ = nullptr;
};

// The three statements a Transaction needs, prepared once per connection.
struct TransactionStatements {
  Statement begin;
  Statement commit;
  Statement rollback;

  static core::Result<TransactionStatements> prepare(const Database& db);
};

class Transaction {
 public:
  // BEGIN IMMEDIATE: takes the write lock now, so a conflicting writer is noticed at begin
  // (after busy_timeout_ms), not half-way through.
  static core::Result<Transaction> begin(TransactionStatements& statements, std::string_view what);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();  // rolls back unless commit() succeeded

  // Durable when it returns ok (synchronous=FULL: the WAL is fsynced at commit).
  core::Status commit(std::string_view what);

 private:
  explicit Transaction(TransactionStatements& s) : s_(&s) {}

  TransactionStatements* s_;
  bool open_ = true;
};

}  // namespace ios::store
