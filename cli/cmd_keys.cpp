// ios keys show / list / import / export: manage keystores without ever printing a secret
// unless asked with --print-secret.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/keyfile.hpp"
#include "cli/user_file.hpp"
#include "node/crypto/keystore_file.hpp"

namespace ios::cli {

namespace {

void register_keys_show(CLI::App& keys, Globals& g) {
  auto file = std::make_shared<std::string>();
  auto* cmd = keys.add_subcommand("show", "Public keys and address of a keystore (no password needed)");
  cmd->add_option("FILE", *file, "Keystore file")->required();
  cmd->footer("Example:\n  ios keys show node.key --json");
  cmd->callback([file, &g] {
    auto pub = read_keystore_public(*file);
    auto doc = identity_json(pub.identity);
    doc["keystore"] = *file;
    doc["insecure"] = pub.insecure;
    emit(g, "ios.keys.show.v1", doc,
         identity_text(pub.identity) + "insecure     " + (pub.insecure ? "yes" : "no") + "\n");
  });
}

void register_list(CLI::App& keys, Globals& g) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = keys.add_subcommand("list", "Keystores in a folder: name, type, address");
  cmd->add_option("DIR", *dir, "Folder to scan (not recursive)")->required();
  cmd->footer("Files that are not keystores are skipped with a warning.\nExample:\n  ios keys list ~/.ios/keys");
  cmd->callback([dir, &g] {
    std::error_code ec;
    if (!std::filesystem::is_directory(*dir, ec)) throw Failure(Exit::not_found, "not a folder: " + *dir);
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(*dir, ec))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    nlohmann::json list = nlohmann::json::array();
    std::ostringstream text;
    for (const auto& path : files) {
      auto contents = crypto::read_text_file(path.string(), crypto::keystore_bytes_max);
      if (!contents) {
        note(g, "skipped " + path.string() + ": " + contents.error().message());
        continue;
      }
      auto pub = crypto::keystore_read_public(*contents);
      if (!pub) {
        note(g, "skipped " + path.string() + ": not a keystore" + (g.verbosity > 0 ? " (" + pub.error().message() + ")" : ""));
        continue;
      }
      auto entry = identity_json(pub->identity);
      entry["name"] = path.filename().string();
      entry["keystore"] = path.string();
      entry["insecure"] = pub->insecure;
      std::string name = path.filename().string();
      std::string type{crypto::to_string(pub->identity.type)};
      name.resize(std::max<std::size_t>(name.size(), 16), ' ');
      type.resize(10, ' ');
      text << name << " " << type << entry["address"].get<std::string>() << (pub->insecure ? "  insecure" : "") << "\n";
      list.push_back(std::move(entry));
    }
    emit(g, "ios.keys.list.v1", {{"keys", list}}, text.str());
  });
}

void register_import(CLI::App& keys, Globals& g) {
  struct Args {
    std::string secret_file;
    NewKeystoreArgs keystore;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = keys.add_subcommand("import", "Make a keystore from a master seed kept in a file");
  cmd->add_option("--secret-file", args->secret_file, "File holding the 32-byte master seed as 64 hex characters")
      ->required();
  args->keystore.add(cmd);
  cmd->footer("The seed is what `ios keys export --print-secret` prints.\n"
              "Example:\n  ios keys import --secret-file seed.hex --out node.key --password-file pw.txt");
  cmd->callback([args, &g] {
    const auto& k = args->keystore;
    k.refuse_existing();
    auto text = read_user_file("--secret-file", args->secret_file, 4096);
    std::string hex = text;
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
    auto seed = core::from_hex_fixed<32>(hex);
    sodium_memzero(hex.data(), hex.size());
    sodium_memzero(text.data(), text.size());
    if (!seed) throw Failure(Exit::key_error, args->secret_file + ": expected a 32-byte master seed as 64 hex characters");
    auto identity = crypto::Identity::from_master_seed(k.key_type(), crypto::Secret<32>(*seed), k.epoch);
    sodium_memzero(seed->data(), seed->size());
    k.save_and_print(g, "ios.keys.import.v1", identity);
  });
}

void register_export(CLI::App& keys, Globals& g) {
  struct Args {
    std::string file;
    bool print_secret = false;
    PasswordSource password;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = keys.add_subcommand("export", "Print a keystore's master seed (needs --print-secret and the password)");
  cmd->add_option("FILE", args->file, "Keystore file")->required();
  cmd->add_flag("--print-secret", args->print_secret, "Yes, print the secret master seed on stdout");
  add_password_flags(cmd, args->password, false);
  cmd->footer("Example:\n  ios keys export node.key --print-secret --password-file pw.txt > seed.hex");
  cmd->callback([args, &g] {
    if (!args->print_secret) throw Failure(Exit::usage, "refusing to print a secret without --print-secret");
    auto identity = unlock_keystore(args->file, args->password);
    std::string hex = core::to_hex(identity.master_seed().view());
    note(g, "warning: the master seed controls every key of this identity; keep it offline");
    emit(g, "ios.keys.export.v1",
         {{"master_seed", hex}, {"type", std::string(crypto::to_string(identity.type()))}}, hex + "\n");
    sodium_memzero(hex.data(), hex.size());
  });
}

}  // namespace

void register_keys(CLI::App& app, Globals& g) {
  auto* keys = app.add_subcommand("keys", "Manage keystores: show, list, import, export");
  keys->require_subcommand(1);
  register_keys_show(*keys, g);
  register_list(*keys, g);
  register_import(*keys, g);
  register_export(*keys, g);
}

}  // namespace ios::cli
