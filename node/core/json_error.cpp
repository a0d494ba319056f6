#include "node/core/json_error.hpp"

namespace ios::core {

namespace {

// The library's ids (nlohmann/json docs, "Exceptions"): stable across its versions.
constexpr int key_not_found_id = 403;  // out_of_range: "key 'NAME' not found"
constexpr int wrong_type_id = 302;     // type_error: "type must be string, but is number"

}  // namespace

std::string describe_json_error(const nlohmann::json::exception& e) {
  std::string text = e.what();
  if (text.rfind("[json.exception.", 0) == 0) {
    const auto close = text.find("] ");
    if (close != std::string::npos) text.erase(0, close + 2);
  }
  if (e.id == key_not_found_id) {
    const auto first = text.find('\'');
    const auto last = text.rfind('\'');
    if (first != std::string::npos && last > first)
      return "missing field \"" + text.substr(first + 1, last - first - 1) + "\"";
  }
  if (e.id == wrong_type_id) return "a field has the wrong type (" + text + ")";
  return text;
}

}  // namespace ios::core
