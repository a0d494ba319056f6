#include "cli/args.hpp"

#include "node/chain/amount.hpp"

namespace ios::cli {

core::Bytes parse_hex_arg(const std::string& flag, const std::string& text) {
  auto v = core::from_hex(text);
  if (!v) throw Failure(Exit::usage, flag + ": not valid hex (even number of 0-9a-f characters)");
  return *v;
}

std::uint64_t parse_duration_ms(const std::string& flag, const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  if (digits == 0 || digits > 9 || scale == 0)
    throw Failure(Exit::usage, flag + ": expected a duration such as 250ms, 30s or 2m, got '" + text + "'");
  return std::stoull(text.substr(0, digits)) * scale;
}

std::uint64_t parse_uint_arg(const std::string& name, const std::string& text) {
  // Amounts are u64 decimals with the same rules: one parser for both.
  auto v = chain::parse_amount(text);
  if (!v) throw Failure(Exit::usage, name + ": expected a decimal number, got '" + text + "'");
  return *v;
}

}  // namespace ios::cli
