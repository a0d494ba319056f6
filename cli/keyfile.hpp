#pragma once
// Keystore files as the CLI sees them: exit codes of docs/CLI.md for every way a file can be bad
// (missing: 3; a folder, unreadable or too large: 2; malformed, tampered, wrong password, newer
// version: 10; exists: 9).
#include <nlohmann/json.hpp>
#include <string>

#include "cli/output.hpp"
#include "cli/password.hpp"
#include "node/crypto/identity.hpp"
#include "node/crypto/keystore.hpp"

namespace ios::cli {

crypto::KeystorePublic read_keystore_public(const std::string& path);

// An insecure dev keystore needs no password source; any other asks `src`.
crypto::Identity unlock_keystore(const std::string& path, const PasswordSource& src);

// Encrypts and writes with mode 0600; refuses an existing file (exit 9) unless `force`.
void write_keystore(const std::string& path, const crypto::Identity& identity, const PasswordSource& src, bool force);

// The flags and steps shared by the commands that write a new keystore (keygen, keys import).
struct NewKeystoreArgs {
  std::string type = "validator";
  std::string out;
  std::uint64_t epoch = 0;
  bool force = false;
  PasswordSource password;

  void add(CLI::App* cmd);  // --type --out --epoch --force and the password flags
  crypto::KeyType key_type() const { return *crypto::key_type_from_string(type); }
  // Exit 9 if --out exists and --force is absent, 3 or 2 if it cannot be written (user_file.hpp);
  // called before any password is asked for.
  void refuse_existing() const;
  // Writes the keystore, warns if it is insecure, prints the public identity.
  void save_and_print(const Globals& g, const std::string& schema, const crypto::Identity& identity) const;
};

// Public description: address, type and public keys (and PoP for validators). Never a secret.
nlohmann::json identity_json(const crypto::PublicIdentity& id);
std::string identity_text(const crypto::PublicIdentity& id);

}  // namespace ios::cli
