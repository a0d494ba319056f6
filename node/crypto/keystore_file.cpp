#include "node/crypto/keystore_file.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2 (glibc, _GNU_SOURCE)
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace ios::crypto {

namespace {

core::Error io_error(const std::string& what, const std::string& path, int err) {
  return core::reject(core::Reject::io_error, what + " " + path + ": " + std::strerror(err));
}

core::Error exists_error(const std::string& path) { return core::reject(core::Reject::io_error, "exists: " + path); }

std::string directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Closes the descriptor and removes the temporary file unless release() was called.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // close(2) reports delayed write errors on some filesystems, so it is checked.
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void release() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

// Closes a descriptor on every return path.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

core::Status write_all(int fd, std::string_view contents, const std::string& path) {
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
  return core::Ok{};
}

// Moves tmp to path without ever replacing an existing file. renameat2(RENAME_NOREPLACE)
// where the filesystem supports it, else link(2) + unlink, which are atomic as well.
core::Status move_no_replace(TempFile& tmp, const std::string& path) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, tmp.path().c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    tmp.release();
    return core::Ok{};
  }
  if (errno == EEXIST) return exists_error(path);
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return io_error("cannot create", path, errno);
#endif
  if (::link(tmp.path().c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) return exists_error(path);
    return io_error("cannot create", path, errno);
  }
  return core::Ok{};  // ~TempFile unlinks the temporary name
}

// Makes the rename durable: without it a crash can lose the directory entry.
core::Status sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot sync directory", dir, err);
  return core::Ok{};
}

}  // namespace

core::Status write_secret_file(const std::string& path, std::string_view contents, bool overwrite) {
  struct stat st {};
  if (!overwrite && ::lstat(path.c_str(), &st) == 0) return exists_error(path);  // early, cheap
  std::string dir = directory_of(path);
  std::string name = std::filesystem::path(path).filename().string();
  std::string pattern = dir + "/." + name + ".tmp-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  // mkostemp opens with O_CREAT|O_EXCL and mode 0600 under a fresh random name.
  int fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a temporary file in", dir, errno);
  TempFile tmp(fd, std::string(buf.data()));
  // Exactly 0600 whatever the umask (a umask can only remove bits, never add them).
  if (::fchmod(tmp.fd(), S_IRUSR | S_IWUSR) != 0) return io_error("cannot chmod", tmp.path(), errno);
  if (auto s = write_all(tmp.fd(), contents, tmp.path()); !s) return s;
  if (::fsync(tmp.fd()) != 0) return io_error("cannot sync", tmp.path(), errno);
  if (tmp.close() != 0) return io_error("cannot close", tmp.path(), errno);
  if (overwrite) {
    if (::rename(tmp.path().c_str(), path.c_str()) != 0) return io_error("cannot replace", path, errno);
    tmp.release();
  } else if (auto s = move_no_replace(tmp, path); !s) {
    return s;
  }
  return sync_directory(dir);
}

core::Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return core::reject(core::Reject::io_error, "not found: " + path);
  if (fd < 0) return io_error("cannot open", path, errno);
  FdGuard guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return core::reject(core::Reject::io_error, "not a regular file: " + path);
  auto too_large = [&] {
    return core::reject(core::Reject::io_error,
                        "too large: " + path + " is over the limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) return too_large();
  std::string out;
  char chunk[4096];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path, errno);
    if (n == 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) return too_large();  // the file grew after fstat
  }
  return out;
}

}  // namespace ios::crypto
