#include "cli/args.hpp"

namespace ios::cli {

core::Bytes parse_hex_arg(const std::string& flag, const std::string& text) {
  auto v = core::from_hex(text);
  if (!v) throw Failure(Exit::usage, flag + ": not valid hex (even number of 0-9a-f characters)");
  return *v;
}

}  // namespace ios::cli
