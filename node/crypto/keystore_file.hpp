#pragma once
// Reading and writing secret files at the edge (docs/CLI.md "Secrets": keystores are mode 0600).
//
// write_secret_file never exposes a partly written or world-readable file at `path`: the
// contents go to a fresh temporary file in the same directory, created 0600 from the start
// (O_CREAT|O_EXCL, so a pre-planted file or symlink cannot be reused), written, fsync'ed,
// then moved into place with one atomic step, and the directory is fsync'ed so the new name
// survives a crash. On any failure the temporary file is removed and `path` is untouched.
#include <cstddef>
#include <string>
#include <string_view>

#include "node/core/result.hpp"

namespace ios::crypto {

// overwrite = false: refuses an existing `path` with io_error and a detail starting
// "exists:"; the check is atomic (link(2) fails with EEXIST), not a racy exists-then-rename.
// overwrite = true: atomically replaces `path` (a symlink at `path` is replaced, not followed).
core::Status write_secret_file(const std::string& path, std::string_view contents, bool overwrite);

// io_error "not found: PATH" if missing; io_error for anything that is not a regular file or
// is larger than max_bytes (the limit keeps a hostile or mistaken path from filling memory).
core::Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes);

}  // namespace ios::crypto
