#pragma once
// What CLI11 leaves unexplained: `ios devnet stauts` fails with "A subcommand is required" and
// `ios tx send --bogus` with "--from is required", because CLI11 checks requirements before it
// reports the words it could not place. After a failed parse those words are still in the
// apps' remaining lists; this names the first of them as what the user got wrong.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace ios::cli {

// "unknown flag '--bogus' for 'ios tx send'", or "unknown command 'stauts' for 'ios devnet';
// did you mean 'status'?"; nullopt when the parse left no stray word (the error stands).
std::optional<std::string> unknown_input_message(const CLI::App& root);

// The closest visible subcommand of `app` to `word` within a small edit distance, if any.
std::optional<std::string> closest_subcommand(const CLI::App& app, const std::string& word);

}  // namespace ios::cli
