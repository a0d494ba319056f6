#include "cli/unknown_input.hpp"

#include <algorithm>
#include <vector>

namespace ios::cli {

namespace {

// Levenshtein distance; names are a few letters, so the quadratic table is nothing.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The deepest subcommand the parse entered: the one the stray word was meant for.
const CLI::App* deepest_parsed(const CLI::App& root) {
  const CLI::App* app = &root;
  for (auto subs = app->get_subcommands(); !subs.empty(); subs = app->get_subcommands()) app = subs.front();
  return app;
}

std::string command_path(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* p = app->get_parent(); p != nullptr; p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

}  // namespace

std::optional<std::string> closest_subcommand(const CLI::App& app, const std::string& word) {
  std::optional<std::string> best;
  // Up to a third of the word's letters wrong, at least two: "stauts" -> "status" (2), "foo" -> none.
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  // Hidden subcommands (group "") are not offered; option groups have no name.
  for (const CLI::App* sub :
       app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty() && !s->get_name().empty(); })) {
    const std::size_t d = edit_distance(word, sub->get_name());
    if (d < best_distance) best_distance = d, best = sub->get_name();
  }
  return best;
}

std::optional<std::string> unknown_input_message(const CLI::App& root) {
  const CLI::App* app = deepest_parsed(root);
  const auto stray = root.remaining(/*recurse=*/true);
  // An unknown flag first: it is usually why a required option seems missing.
  for (const auto& word : stray) {
    if (word.size() > 1 && word[0] == '-' && word != "--")
      return "unknown flag '" + word.substr(0, word.find('=')) + "' for '" + command_path(app) + "'";
  }
  const bool takes_subcommand = !app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }).empty();
  if (stray.empty() || !takes_subcommand) return std::nullopt;
  std::string message = "unknown command '" + stray.front() + "' for '" + command_path(app) + "'";
  if (auto near = closest_subcommand(*app, stray.front())) message += "; did you mean '" + *near + "'?";
  return message;
}

}  // namespace ios::cli
