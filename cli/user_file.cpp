#include "cli/user_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/output.hpp"
#include "node/crypto/keystore_file.hpp"

namespace ios::cli {

namespace {

std::string named(const std::string& what, const std::string& path) { return what.empty() ? path : what + " " + path; }

// stat(2) first, so the reason is a user's word ("is a folder"), not a stream's failure.
void check_readable(const std::string& what, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      throw Failure(Exit::not_found, (what.empty() ? "" : what + " ") + "not found: " + path);
    throw Failure(Exit::usage, named(what, path) + ": cannot read: " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) throw Failure(Exit::usage, named(what, path) + ": is a folder, expected a file");
  if (!S_ISREG(st.st_mode)) throw Failure(Exit::usage, named(what, path) + ": not a regular file");
}

}  // namespace

std::string read_user_file(const std::string& what, const std::string& path, std::size_t max_bytes) {
  check_readable(what, path);
  auto text = crypto::read_text_file(path, max_bytes);
  // The library's detail names the path and the system's reason (permission denied, too large).
  if (!text) throw Failure(Exit::usage, (what.empty() ? "" : what + ": ") + text.error().detail);
  return std::move(text).value();
}

nlohmann::json read_user_json(const std::string& what, const std::string& path, std::size_t max_bytes) {
  const auto text = read_user_file(what, path, max_bytes);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte says where; the library's own words stay out of the message.
    throw Failure(Exit::usage, named(what, path) + ": not JSON (syntax error at byte " + std::to_string(e.byte) + ")");
  }
}

void check_writable_path(const std::string& what, const std::string& path, bool overwrite) {
  const std::filesystem::path p(path);
  const auto folder = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
  std::error_code ec;
  if (!std::filesystem::exists(folder, ec))
    throw Failure(Exit::not_found, named(what, path) + ": cannot write: folder " + folder.string() + " does not exist");
  if (!std::filesystem::is_directory(folder, ec))
    throw Failure(Exit::usage, named(what, path) + ": cannot write: " + folder.string() + " is not a folder");
  if (std::filesystem::is_directory(p, ec))
    throw Failure(Exit::usage, named(what, path) + ": is a folder, expected a file name");
  if (!overwrite && std::filesystem::exists(std::filesystem::symlink_status(p, ec)))
    throw Failure(Exit::conflict, path + " already exists (use --force to overwrite)");
}

void write_user_file(const std::string& what, const std::string& path, std::string_view text, bool overwrite) {
  check_writable_path(what, path, overwrite);
  auto written = crypto::write_secret_file(path, text, overwrite);
  if (written) return;
  if (written.error().detail.rfind("exists:", 0) == 0)
    throw Failure(Exit::conflict, path + " already exists (use --force to overwrite)");
  throw Failure(Exit::usage, (what.empty() ? "" : what + ": ") + written.error().detail);
}

chain::Genesis read_user_genesis(const std::string& path) {
  const auto j = read_user_json("genesis", path, chain::genesis_json_bytes_max);
  auto g = chain::genesis_from_json(j);
  if (!g) throw Failure(Exit::usage, "genesis " + path + ": " + g.error().message());
  return std::move(*g);
}

}  // namespace ios::cli
