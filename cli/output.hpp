#pragma once
// Output conventions of docs/CLI.md: data on stdout, progress and errors on stderr; with -o json
// exactly one JSON document carrying a "schema" field (errors too); stable exit codes.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "node/core/result.hpp"

namespace ios::cli {

enum class Exit : int {
  ok = 0,
  internal = 1,
  usage = 2,
  not_found = 3,
  timeout = 4,
  failed_on_chain = 5,
  verification_failed = 6,
  unreachable = 7,
  unhealthy = 8,
  conflict = 9,
  key_error = 10,
};

// The table printed by `ios --help`, kept beside the enum it documents.
extern const char* const exit_code_table;

enum class Format { text, json, ndjson };

struct Globals {
  Format format = Format::text;
  bool quiet = false;
  int verbosity = 0;
  std::string home;
  std::string rpc;
};

// Thrown by a command to end with a documented exit code; main() prints it once.
class Failure : public std::runtime_error {
 public:
  Failure(Exit exit, std::string message, nlohmann::json details = nullptr)
      : std::runtime_error(std::move(message)), exit_(exit), details_(std::move(details)) {}
  Exit exit() const { return exit_; }
  // Machine-readable specifics for the JSON error document (e.g. the failing step).
  const nlohmann::json& details() const { return details_; }

  // For a command that already printed its whole result (a batch's results and summary): the
  // exit code and the stderr line, and no second document on stdout.
  static Failure after_output(Exit exit, std::string message) {
    Failure f(exit, std::move(message));
    f.document_printed_ = true;
    return f;
  }
  bool document_printed() const { return document_printed_; }

 private:
  Exit exit_;
  nlohmann::json details_;
  bool document_printed_ = false;
};

// The JSON error code of docs/CLI.md for an exit code ("TIMEOUT", "VERIFICATION_FAILED", ...).
const char* error_code(Exit exit);

// Prints a command's result: `doc` (its "schema" is set here) in JSON modes, `text` otherwise.
void emit(const Globals& g, const std::string& schema, nlohmann::json doc, const std::string& text);

// Prints a failure in the chosen format; returns the exit code for main(). With
// `document_printed` only the stderr line (the command's document is already out).
int report_failure(const Globals& g, Exit exit, const std::string& message, const nlohmann::json& details = nullptr,
                   bool document_printed = false);

// Progress and warnings for people; silent with -q.
void note(const Globals& g, const std::string& line);

// Turns a typed rejection into a Failure with the given exit code.
[[noreturn]] void fail(Exit exit, const core::Error& error, const std::string& context = {});

// Adds the global flags (-o/--json/-q/-v/--home/--rpc) to an app or subcommand.
void add_global_flags(CLI::App& app, Globals& g);

}  // namespace ios::cli
