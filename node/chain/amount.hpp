#pragma once
// IOS token amounts (whitepaper §8.1: every token is minted in the genesis block, so the total
// supply is a fixed u64 and every sum the ledger forms must be checked for overflow: an
// unchecked wrap would mint tokens out of nothing).
#include <cstdint>
#include <string_view>

#include "node/core/result.hpp"

namespace ios::chain {

using Amount = std::uint64_t;

// a + b, or amount_overflow.
core::Result<Amount> add_amount(Amount a, Amount b);

// Canonical decimal text (JSON files carry amounts as strings, docs/CLI.md): digits only, no sign,
// no leading zero, at most 2^64 − 1. bad_amount otherwise.
core::Result<Amount> parse_amount(std::string_view decimal);

}  // namespace ios::chain
