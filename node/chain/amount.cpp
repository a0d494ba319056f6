#include "node/chain/amount.hpp"

#include <string>

namespace ios::chain {

core::Result<Amount> add_amount(Amount a, Amount b) {
  Amount sum = a + b;
  if (sum < a) return core::reject(core::Reject::amount_overflow, std::to_string(a) + " + " + std::to_string(b));
  return sum;
}

core::Result<Amount> parse_amount(std::string_view s) {
  auto bad = [&s] { return core::reject(core::Reject::bad_amount, "\"" + std::string(s.substr(0, 32)) + "\" is not a decimal amount"); };
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return bad();
  Amount n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return bad();
    auto d = static_cast<Amount>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return core::reject(core::Reject::amount_overflow, std::string(s) + " does not fit in 64 bits");
    n = n * 10 + d;
  }
  return n;
}

}  // namespace ios::chain
