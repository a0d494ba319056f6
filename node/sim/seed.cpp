#include "node/sim/seed.hpp"

namespace ios::sim {

std::string replay_hint(std::uint64_t seed, std::string_view test_name) {
  std::string out = "replay: ";
  out += seed_env_var;
  out += "=" + std::to_string(seed);
  if (!test_name.empty()) {
    out += " ctest -R '^";
    out += test_name;
    out += "$' --output-on-failure  (in the build directory)";
  }
  return out;
}

std::optional<std::uint64_t> parse_seed(std::string_view text) {
  std::uint64_t base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    std::uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint64_t>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint64_t>(c - 'a') + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = static_cast<std::uint64_t>(c - 'A') + 10;
    } else {
      return std::nullopt;
    }
    if (value > (UINT64_MAX - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

}  // namespace ios::sim
