// ios keygen: a new identity (validator) or account key in an encrypted keystore.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/keyfile.hpp"

#include <filesystem>

namespace ios::cli {

void register_keygen(CLI::App& app, Globals& g) {
  struct Args {
    std::string type = "validator";
    std::string out;
    std::string seed_hex;
    std::uint64_t epoch = 0;
    bool force = false;
    PasswordSource password;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("keygen", "New validator identity or account key in an encrypted keystore");
  cmd->add_option("--type", args->type, "validator (signing, VRF and PVSS keys with a PoP) or account (signing key)")
      ->check(CLI::IsMember({"validator", "account"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Keystore file to write (mode 0600)")->required();
  add_password_flags(cmd, args->password, true);
  cmd->add_option("--seed", args->seed_hex, "32-byte master seed in hex: deterministic keys for tests only");
  cmd->add_option("--epoch", args->epoch, "Registration epoch bound into the proof of possession")->capture_default_str();
  cmd->add_flag("--force", args->force, "Overwrite an existing file");
  cmd->footer(
      "Prints the address and public keys, never a secret.\n"
      "Examples:\n"
      "  ios keygen --out node.key --password-file pw.txt\n"
      "  ios keygen --type account --out alice.key --insecure --json");
  cmd->callback([args, &g] {
    auto type = *crypto::key_type_from_string(args->type);
    // Refuse before asking for a password: nothing to lose, nothing half done.
    if (!args->force && std::filesystem::exists(args->out))
      throw Failure(Exit::conflict, args->out + " already exists (use --force to overwrite)");
    std::optional<crypto::Identity> identity;
    if (!args->seed_hex.empty()) {
      auto seed = parse_hex_arg<32>("--seed", args->seed_hex);
      note(g, "warning: --seed makes a predictable key; use it only for tests");
      identity.emplace(crypto::Identity::from_master_seed(type, crypto::Secret<32>(seed), args->epoch));
      sodium_memzero(seed.data(), seed.size());
    } else {
      identity.emplace(crypto::Identity::generate(type, args->epoch));
    }
    write_keystore(args->out, *identity, args->password, args->force);
    if (args->password.insecure) note(g, "warning: " + args->out + " is an insecure dev key (no password)");
    auto doc = identity_json(identity->public_identity());
    doc["keystore"] = args->out;
    emit(g, "ios.keygen.v1", doc, identity_text(identity->public_identity()) + "keystore     " + args->out + "\n");
  });
}

}  // namespace ios::cli
