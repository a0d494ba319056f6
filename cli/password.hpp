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
// given and stdin is not a terminal, Failure(not_found) for a missing file or variable.
PasswordText read_password(const PasswordSource& src, bool confirm);

}  // namespace ios::cli
