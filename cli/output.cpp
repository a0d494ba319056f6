#include "cli/output.hpp"

#include <iostream>

namespace ios::cli {

const char* const exit_code_table =
    "Exit codes:\n"
    "  0  success\n"
    "  1  internal error (a bug in ios)\n"
    "  2  usage or config error (also a file that is a folder, unreadable, unwritable or too large)\n"
    "  3  not found (a file or the folder to write it in, tx, account, devnet home, node)\n"
    "  4  timeout\n"
    "  5  failed (drp run without output; tx rejected, a batch line failed)\n"
    "  6  verification failed (drp verify, lottery verify, lottery rank)\n"
    "  7  node unreachable\n"
    "  8  network unhealthy\n"
    "  9  conflict (file or home exists, port in use, devnet or node already running, validator database lost)\n"
    "  10 key or keystore error (wrong password, tampered file, unsupported version)\n";

const char* error_code(Exit exit) {
  switch (exit) {
    case Exit::ok:
      return "OK";
    case Exit::internal:
      return "INTERNAL";
    case Exit::usage:
      return "USAGE";
    case Exit::not_found:
      return "NOT_FOUND";
    case Exit::timeout:
      return "TIMEOUT";
    case Exit::failed_on_chain:
      return "FAILED_ON_CHAIN";
    case Exit::verification_failed:
      return "VERIFICATION_FAILED";
    case Exit::unreachable:
      return "UNREACHABLE";
    case Exit::unhealthy:
      return "UNHEALTHY";
    case Exit::conflict:
      return "CONFLICT";
    case Exit::key_error:
      return "KEY_ERROR";
  }
  return "INTERNAL";
}

void emit(const Globals& g, const std::string& schema, nlohmann::json doc, const std::string& text) {
  if (g.format == Format::text) {
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << '\n';
    std::cout.flush();
    return;
  }
  doc["schema"] = schema;
  // ndjson: one document per line; json: the same document, pretty for people.
  std::cout << (g.format == Format::json ? doc.dump(2) : doc.dump()) << '\n';
  std::cout.flush();
}

int report_failure(const Globals& g, Exit exit, const std::string& message, const nlohmann::json& details,
                   bool document_printed) {
  if (g.format != Format::text && !document_printed) {
    nlohmann::json doc{
        {"schema", "ios.error.v1"}, {"ok", false}, {"error", {{"code", error_code(exit)}, {"message", message}}}};
    if (!details.is_null()) doc["error"]["details"] = details;
    std::cout << (g.format == Format::json ? doc.dump(2) : doc.dump()) << '\n';
    std::cout.flush();
  }
  std::cerr << "ios: error: " << message << '\n';
  return static_cast<int>(exit);
}

void note(const Globals& g, const std::string& line) {
  if (!g.quiet) std::cerr << line << '\n';
}

void fail(Exit exit, const core::Error& error, const std::string& context) {
  throw Failure(exit, context.empty() ? error.message() : context + ": " + error.message());
}

void add_global_flags(CLI::App& app, Globals& g) {
  app.add_option_function<std::string>(
         "-o,--output",
         [&g](const std::string& v) {
           g.format = v == "json" ? Format::json : v == "ndjson" ? Format::ndjson : Format::text;
         },
         "Output format: text (default), json or ndjson")
      ->check(CLI::IsMember({"text", "json", "ndjson"}))
      ->type_name("FORMAT")
      ->group("Global");
  app.add_flag_callback(
         "--json", [&g] { g.format = Format::json; }, "Same as -o json")
      ->group("Global");
  app.add_flag("-q,--quiet", g.quiet, "No progress or warnings on stderr")->group("Global");
  app.add_flag("-v,--verbose", g.verbosity, "More detail on stderr (repeatable)")->group("Global");
  app.add_option("--home", g.home, "ios home folder")->envname("IOS_HOME")->group("Global");
  app.add_option("--rpc", g.rpc, "Node RPC URL")->envname("IOS_RPC")->group("Global");
}

}  // namespace ios::cli
