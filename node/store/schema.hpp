#pragma once
// The node database's schema and its migrations (docs/DESIGN.md §5; docs/CLI.md "Files": a newer
// version is refused with a clear message). The version lives in SQLite's user_version, the
// owner in application_id ("ios1"), both in the file header.
//
// Invariants:
//   - a database is at exactly one version: each migration runs in its own transaction
//     together with the user_version bump, so a crash mid-migration leaves the old version;
//   - a database newer than this binary is never touched (not even its journal mode), so an
//     old ios cannot damage what a newer one wrote: Reject::unknown_version;
//   - a SQLite file owned by another program (another application_id, or tables without an
//     ios version) is refused rather than having ios tables added to it: Reject::io_error.
//
// Version 0 is a database without ios tables: a new, empty file (or one an `ios` crashed
// before its first migration committed). Migration 1 creates the v1 tables from it.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "node/core/result.hpp"
#include "node/store/database.hpp"

namespace ios::store {

inline constexpr int schema_version = 4;
inline constexpr std::int64_t ios_application_id = 0x696F7331;  // "ios1"

// Limits the schema enforces with CHECK constraints (and NodeStore before it writes).
inline constexpr std::size_t state_key_bytes_max = 256;
inline constexpr std::size_t peer_address_bytes_max = 255;  // "host:port"

struct Migration {
  int to_version;           // steps[i].to_version == i + 1
  std::string_view script;  // fixed SQL: no values are ever spliced into it
};

// The migrations of this build, in order; the last one's to_version is schema_version.
std::span<const Migration> migrations();

// "database schema 3 is newer than this ios (1): upgrade ios"
core::Error newer_schema_error(std::int64_t found, int supported);

// Refuses a file that is not an ios database (see above), or is newer than `steps` reach;
// otherwise brings it to steps.back().to_version, one transaction per step. The journal mode
// and other connection settings are the caller's (NodeStore::open).
core::Status check_owner(Database& db);
core::Status migrate(Database& db, std::span<const Migration> steps);

}  // namespace ios::store
