#include "node/store/database.hpp"

#include <sqlite3.h>

#include <memory>
#include <utility>

namespace ios::store {

namespace {

core::Error sqlite_error(sqlite3* db, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return core::reject(core::Reject::io_error, std::move(detail));
}

}  // namespace

// ---- Database ------------------------------------------------------------------------------

core::Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Database owned(db, path);  // closes db on every path below, even when open failed
  if (rc != SQLITE_OK) return sqlite_error(db, "open " + path);
  sqlite3_extended_result_codes(db, 1);
  if (sqlite3_busy_timeout(db, busy_timeout_ms) != SQLITE_OK) return sqlite_error(db, "busy timeout " + path);
  return owned;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

// close_v2 defers the close until the last statement is finalized, so member order can never
// turn into a leaked or half-closed connection.
Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

core::Error Database::error(std::string_view what) const { return sqlite_error(db_, what); }

core::Status Database::exec(const std::string& script, std::string_view what) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return core::Ok{};
  std::string detail(what);
  detail += ": ";
  detail += message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return core::reject(core::Reject::io_error, std::move(detail));
}

core::Result<std::int64_t> Database::query_int(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return error(sql);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return error(sql);
  return static_cast<std::int64_t>(sqlite3_column_int64(stmt.get(), 0));
}

core::Result<std::string> Database::query_text(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return error(sql);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return error(sql);
  const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
  return std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "");
}

// ---- Statement -----------------------------------------------------------------------------

core::Result<Statement> Statement::prepare(const Database& db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  Statement owned(stmt);
  if (rc != SQLITE_OK) return db.error("prepare " + std::string(sql));
  IOS_ASSERT(stmt != nullptr);  // our own SQL is never empty
  return owned;
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

sqlite3* Statement::connection() const { return sqlite3_db_handle(stmt_); }

Statement::Use::~Use() {
  sqlite3_reset(s_.stmt_);
  sqlite3_clear_bindings(s_.stmt_);
}

Statement::Use& Statement::Use::bind(int index, std::int64_t v) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_int64(s_.stmt_, index, v);
  return *this;
}

Statement::Use& Statement::Use::bind(int index, core::ByteView v) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's buffer may go away. A zero-length
  // view still binds a zero-length BLOB, not NULL (the NOT NULL constraints stay meaningful).
  static const std::uint8_t empty = 0;
  const void* data = v.empty() ? &empty : v.data();
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = sqlite3_bind_blob64(s_.stmt_, index, data, v.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement::Use& Statement::Use::bind(int index, std::string_view v) {
  static const char empty = 0;
  const char* data = v.empty() ? &empty : v.data();
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = sqlite3_bind_text64(s_.stmt_, index, data, v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

core::Result<bool> Statement::Use::step(std::string_view what) {
  sqlite3* db = sqlite3_db_handle(s_.stmt_);
  if (bind_rc_ != SQLITE_OK) {
    std::string detail(what);
    detail += ": bind: ";
    detail += sqlite3_errstr(bind_rc_);
    return core::reject(core::Reject::io_error, std::move(detail));
  }
  const int rc = sqlite3_step(s_.stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db, what);
}

core::Status Statement::Use::run(std::string_view what) {
  auto row = step(what);
  if (!row) return row.error();
  IOS_ASSERT(!*row);  // run() is for statements without results
  return core::Ok{};
}

int Statement::Use::changes() const { return sqlite3_changes(sqlite3_db_handle(s_.stmt_)); }

std::int64_t Statement::Use::column_int(int col) const { return sqlite3_column_int64(s_.stmt_, col); }

core::Bytes Statement::Use::column_blob(int col) const {
  // Call order per the SQLite docs: the pointer first, then the size.
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_.stmt_, col));
  const int size = sqlite3_column_bytes(s_.stmt_, col);
  if (data == nullptr || size <= 0) return {};
  return core::Bytes(data, data + size);
}

std::string Statement::Use::column_text(int col) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(s_.stmt_, col));
  const int size = sqlite3_column_bytes(s_.stmt_, col);
  if (data == nullptr || size <= 0) return {};
  return std::string(data, static_cast<std::size_t>(size));
}

// ---- Transaction ---------------------------------------------------------------------------

core::Result<TransactionStatements> TransactionStatements::prepare(const Database& db) {
  auto begin = Statement::prepare(db, "BEGIN IMMEDIATE");
  if (!begin) return begin.error();
  auto commit = Statement::prepare(db, "COMMIT");
  if (!commit) return commit.error();
  auto rollback = Statement::prepare(db, "ROLLBACK");
  if (!rollback) return rollback.error();
  return TransactionStatements{std::move(begin).value(), std::move(commit).value(), std::move(rollback).value()};
}

core::Result<Transaction> Transaction::begin(TransactionStatements& statements, std::string_view what) {
  if (auto st = statements.begin.use().run(std::string("begin ") + std::string(what)); !st) return st.error();
  return Transaction(statements);
}

Transaction::Transaction(Transaction&& other) noexcept : s_(other.s_), open_(std::exchange(other.open_, false)) {}

Transaction::~Transaction() {
  if (!open_) return;
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) already rolled the transaction back; a second
  // ROLLBACK would only fail, so ask the connection first.
  if (sqlite3_get_autocommit(s_->rollback.connection()) != 0) return;
  // A destructor cannot report; if ROLLBACK itself failed (the connection is broken), the
  // next BEGIN fails with io_error and nothing of this transaction was committed.
  (void)s_->rollback.use().run("rollback");
}

core::Status Transaction::commit(std::string_view what) {
  IOS_ASSERT(open_);
  if (auto st = s_->commit.use().run(std::string("commit ") + std::string(what)); !st) return st.error();
  open_ = false;
  return core::Ok{};
}

}  // namespace ios::store
