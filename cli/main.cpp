// The ios binary: parse (CLI11), call the libraries, print. No protocol logic lives here.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/unknown_input.hpp"
#include "node/crypto/hash.hpp"

int main(int argc, char** argv) {
  using namespace ios::cli;
  ios::crypto::init();

  Globals g;
  CLI::App app{"ios: run and test the sharded IOS blockchain (whitepaper: Internet of Services)", "ios"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand: `ios keygen ... --json`
  app.footer(std::string("\n") + exit_code_table);
  add_global_flags(app, g);

  register_version(app, g);
  register_keygen(app, g);
  register_keys(app, g);
  register_lottery(app, g);
  register_drp(app, g);
  register_epoch(app, g);
  register_sim(app, g);
  register_node(app, g);
  register_tx(app, g);
  register_devnet(app, g);
  register_account(app, g);
  register_block(app, g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Every parse error is a usage error (docs/CLI.md): one line, exit 2. A stray word is named
    // before anything CLI11 checked first (a required option it made look missing).
    return report_failure(g, Exit::usage, unknown_input_message(app).value_or(e.what()) + " (see --help)");
  } catch (const Failure& f) {
    return report_failure(g, f.exit(), f.what(), f.details(), f.document_printed());
  } catch (const std::exception& e) {
    return report_failure(g, Exit::internal, std::string("internal error: ") + e.what());
  }
  return 0;
}
