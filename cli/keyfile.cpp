#include "cli/keyfile.hpp"

#include <filesystem>
#include <sstream>

#include "cli/output.hpp"
#include "cli/user_file.hpp"
#include "node/chain/address.hpp"
#include "node/crypto/keystore_file.hpp"

namespace ios::cli {

namespace {

std::string read_keystore_text(const std::string& path) {
  return read_user_file("keystore", path, crypto::keystore_bytes_max);
}

}  // namespace

crypto::KeystorePublic read_keystore_public(const std::string& path) {
  auto pub = crypto::keystore_read_public(read_keystore_text(path));
  if (!pub) fail(Exit::key_error, pub.error(), path);
  return *pub;
}

crypto::Identity unlock_keystore(const std::string& path, const PasswordSource& src) {
  std::string text = read_keystore_text(path);
  auto pub = crypto::keystore_read_public(text);
  if (!pub) fail(Exit::key_error, pub.error(), path);
  bool no_source = src.file.empty() && src.env.empty();
  PasswordSource effective = src;
  if (pub->insecure && no_source) effective.insecure = true;
  PasswordText password = read_password(effective, false, /*allow_empty=*/pub->insecure);
  auto identity = crypto::keystore_decrypt(text, password.str());
  if (!identity) fail(Exit::key_error, identity.error(), path);
  return std::move(identity).value();
}

void write_keystore(const std::string& path, const crypto::Identity& identity, const PasswordSource& src, bool force) {
  PasswordText password = read_password(src, true, /*allow_empty=*/false);
  auto params = src.insecure ? crypto::KdfParams::insecure() : crypto::KdfParams::moderate();
  std::string text = crypto::keystore_encrypt(identity, password.str(), params, src.insecure);
  write_user_file("--out", path, text, force);
}

void NewKeystoreArgs::add(CLI::App* cmd) {
  cmd->add_option("--type", type, "validator (signing, VRF and PVSS keys with a PoP) or account (signing key)")
      ->check(CLI::IsMember({"validator", "account"}))
      ->capture_default_str();
  cmd->add_option("--out", out, "Keystore file to write (mode 0600)")->required();
  cmd->add_option("--epoch", epoch, "Registration epoch bound into the proof of possession")->capture_default_str();
  cmd->add_flag("--force", force, "Overwrite an existing file");
  add_password_flags(cmd, password, true);
}

void NewKeystoreArgs::refuse_existing() const { check_writable_path("--out", out, force); }

void NewKeystoreArgs::save_and_print(const Globals& g, const std::string& schema, const crypto::Identity& identity) const {
  write_keystore(out, identity, password, force);
  if (password.insecure) note(g, "warning: " + out + " is an insecure dev key (no password)");
  auto doc = identity_json(identity.public_identity());
  doc["keystore"] = out;
  emit(g, schema, doc, identity_text(identity.public_identity()) + "keystore     " + out + "\n");
}

nlohmann::json identity_json(const crypto::PublicIdentity& id) {
  nlohmann::json j{{"type", std::string(crypto::to_string(id.type))},
                   {"address", chain::Address::from_public_key(id.signing).to_string()},
                   {"public_keys", {{"signing", core::to_hex(id.signing)}}}};
  if (id.type == crypto::KeyType::validator) {
    j["public_keys"]["vrf"] = core::to_hex(id.vrf);
    j["public_keys"]["pvss"] = core::to_hex(id.pvss);
    j["proof_of_possession"] = {{"epoch", id.pop_epoch}, {"signature", core::to_hex(id.pop)}};
  }
  return j;
}

std::string identity_text(const crypto::PublicIdentity& id) {
  std::ostringstream out;
  out << "address      " << chain::Address::from_public_key(id.signing).to_string() << "\n"
      << "type         " << crypto::to_string(id.type) << "\n"
      << "signing key  " << core::to_hex(id.signing) << "\n";
  if (id.type == crypto::KeyType::validator) {
    out << "vrf key      " << core::to_hex(id.vrf) << "\n"
        << "pvss key     " << core::to_hex(id.pvss) << "\n"
        << "pop          " << core::to_hex(id.pop) << " (epoch " << id.pop_epoch << ")\n";
  }
  return out.str();
}

}  // namespace ios::cli
