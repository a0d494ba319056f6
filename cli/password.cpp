#include "cli/password.hpp"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/output.hpp"
#include "cli/user_file.hpp"

namespace ios::cli {

PasswordText::~PasswordText() {
  if (!s_.empty()) sodium_memzero(s_.data(), s_.size());
}

void add_password_flags(CLI::App* cmd, PasswordSource& src, bool allow_insecure) {
  auto* file = cmd->add_option("--password-file", src.file, "Read the keystore password from this file (first line)");
  auto* env = cmd->add_option("--password-env", src.env, "Read the keystore password from this environment variable");
  file->excludes(env);
  if (allow_insecure) {
    auto* ins = cmd->add_flag("--insecure", src.insecure, "No password: a throwaway dev key, marked insecure in the file");
    ins->excludes(file)->excludes(env);
  }
}

namespace {

// A password is a line; a larger file is the wrong file.
inline constexpr std::size_t password_file_bytes_max = 64 * 1024;

std::string prompt(const char* text) {
  std::cerr << text << std::flush;
  termios old{};
  bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << '\n';
  return line;
}

PasswordText read_from_source(const PasswordSource& src, bool confirm) {
  if (!src.file.empty()) {
    PasswordText whole(read_user_file("--password-file", src.file, password_file_bytes_max));
    std::string line = whole.str().substr(0, whole.str().find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return PasswordText(std::move(line));
  }
  if (!src.env.empty()) {
    const char* v = std::getenv(src.env.c_str());
    if (v == nullptr) throw Failure(Exit::not_found, "environment variable " + src.env + " is not set");
    return PasswordText(std::string(v));
  }
  if (!isatty(STDIN_FILENO))
    throw Failure(Exit::usage, "no password source: use --password-file, --password-env or a terminal");
  PasswordText first(prompt("Keystore password: "));
  if (confirm) {
    PasswordText again(prompt("Repeat password: "));
    if (first.str().size() != again.str().size() ||
        sodium_memcmp(first.str().data(), again.str().data(), first.str().size()) != 0)
      throw Failure(Exit::usage, "the two passwords differ");
  }
  return PasswordText(first.str());
}

std::string source_name(const PasswordSource& src) {
  if (!src.file.empty()) return "--password-file " + src.file;
  if (!src.env.empty()) return "--password-env " + src.env;
  return "the password typed";
}

}  // namespace

PasswordText read_password(const PasswordSource& src, bool confirm, bool allow_empty) {
  if (src.insecure) return PasswordText(std::string{});
  PasswordText password = read_from_source(src, confirm);
  if (password.str().empty() && !allow_empty)
    throw Failure(Exit::usage, source_name(src) + ": the password is empty" +
                                   (confirm ? " (for a throwaway dev key without one, use --insecure)"
                                            : " (only an --insecure dev keystore opens without one)"));
  return PasswordText(password.str());  // a copy: PasswordText wipes, so it does not move
}

}  // namespace ios::cli
