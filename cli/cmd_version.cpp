#include <sodium.h>
#include <sqlite3.h>

#include "cli/commands.hpp"
#include "ios/build_info.hpp"

namespace ios::cli {

void register_version(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("version", "Versions of ios, its protocol, SQLite and libsodium");
  cmd->footer("Example:\n  ios version --json");
  cmd->callback([&g] {
    nlohmann::json doc{{"ios", build::version},
                       {"git_commit", build::git_commit},
                       {"protocol_version", build::protocol_version},
                       {"sqlite", sqlite3_libversion()},
                       {"libsodium", sodium_version_string()}};
    std::string text = std::string("ios ") + build::version + " (" + build::git_commit + ")\n" +
                       "protocol  " + std::to_string(build::protocol_version) + "\n" +
                       "sqlite    " + sqlite3_libversion() + "\n" +
                       "libsodium " + sodium_version_string() + "\n";
    emit(g, "ios.version.v1", doc, text);
  });
}

}  // namespace ios::cli
