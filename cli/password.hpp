#pragma once
// Where a keystore password comes from (docs/CLI.md, Secrets): never argv. A file, an environment
// variable, a TTY prompt, or --insecure for throwaway dev keys (empty password, marked in the
// keystore). The password is wiped from memory when the PasswordText goes out of scope.
#include <CLI/CLI.hpp>
#include <string>

namespace ios::cli {

struct PasswordSource {
  std::string file;
  std::string env;
  bool insecure = false;
};

class PasswordText {
 public:
  explicit PasswordText(std::string s) : s_(std::move(s)) {}
  ~PasswordText();
  PasswordText(const PasswordText&) = delete;
  PasswordText& operator=(const PasswordText&) = delete;
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Adds --password-file, --password-env and (when allow_insecure) --insecure.
void add_password_flags(CLI::App* cmd, PasswordSource& src, bool allow_insecure);

// For a new keystore (`confirm` asks twice at a TTY). Throws Failure(usage) when no source is
// given and stdin is not a terminal, Failure(not_found) for a missing file or variable, and
// Failure(usage) for a password file that is a folder or unreadable (cli/user_file.hpp).
// An empty password is refused (usage) unless `allow_empty`: a keystore under an empty
// password is as open as an insecure one without saying so, and an empty file or variable is
// far more often a mistake (a folder, an unset export) than a choice; --insecure is the way.
PasswordText read_password(const PasswordSource& src, bool confirm, bool allow_empty);

}  // namespace ios::cli
