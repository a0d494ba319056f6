// ios keygen: a new identity (validator) or account key in an encrypted keystore.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/keyfile.hpp"


namespace ios::cli {

void register_keygen(CLI::App& app, Globals& g) {
  struct Args {
    NewKeystoreArgs keystore;
    std::string seed_hex;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("keygen", "New validator identity or account key in an encrypted keystore");
  args->keystore.add(cmd);
  cmd->add_option("--seed", args->seed_hex, "32-byte master seed in hex: deterministic keys for tests only");
  cmd->footer(
      "Prints the address and public keys, never a secret.\n"
      "Examples:\n"
      "  ios keygen --out node.key --password-file pw.txt\n"
      "  ios keygen --type account --out alice.key --insecure --json");
  cmd->callback([args, &g] {
    const auto& k = args->keystore;
    k.refuse_existing();  // before asking for a password: nothing to lose, nothing half done
    std::optional<crypto::Identity> identity;
    if (!args->seed_hex.empty()) {
      auto seed = parse_hex_arg<32>("--seed", args->seed_hex);
      note(g, "warning: --seed makes a predictable key; use it only for tests");
      identity.emplace(crypto::Identity::from_master_seed(k.key_type(), crypto::Secret<32>(seed), k.epoch));
      sodium_memzero(seed.data(), seed.size());
    } else {
      identity.emplace(crypto::Identity::generate(k.key_type(), k.epoch));
    }
    k.save_and_print(g, "ios.keygen.v1", *identity);
  });
}

}  // namespace ios::cli
