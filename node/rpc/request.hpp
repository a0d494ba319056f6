#pragma once
// Pure parsing of what an HTTP client sends the node API (server.hpp): the POST /v1/tx body
// and the path parameters. No sockets here, so the fuzz target (tests/fuzz/fuzz_rpc_request.cpp)
// and the unit tests reach every branch directly.
//
// Invariants and the attacks they stop:
//   - Bounded before work: the hex text of a tx is refused above submit_tx_hex_chars_max before
//     it is decoded, and the whole body is already capped by RpcLimits::body_bytes_max (413).
//   - Strict: the body is one JSON object with exactly one key "tx"; a duplicate or unknown key
//     is refused (bad_json) instead of letting "the last one wins" differ between a proxy that
//     read the first "tx" and the node that reads the last.
//   - The tx bytes go through chain::decode_tx, which is canonical (no truncation, no trailing
//     bytes, version 1 only), so one submitted tx has exactly one id.
//   - Path parameters are canonical: a hash is exactly 64 hex digits, a height is decimal
//     without sign or leading zeros and fits a u64; nothing the client sent is echoed back in
//     an error message (it may be arbitrary bytes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/chain/tx.hpp"
#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::rpc {

inline constexpr std::size_t submit_tx_hex_chars_max = 2 * chain::tx_bytes_max;
// The body {"tx": "<hex>"} nests one level; anything deeper is not a submit body.
inline constexpr int submit_body_depth_max = 1;
inline constexpr std::size_t height_digits_max = 20;  // 18446744073709551615

// {"tx": "<hex of chain::encode(tx)>"} -> the decoded tx. bad_json (not JSON, not an object,
// missing / duplicate / unknown key, "tx" not a string, nested deeper than
// submit_body_depth_max), length_over_limit, bad_hex, or decode_tx's own rejection.
core::Result<chain::Tx> parse_submit_body(std::string_view body);
// The body the client sends for `tx`; parse_submit_body(dump(submit_body(tx))) == tx.
nlohmann::json submit_body(const chain::Tx& tx);

// Exactly 64 hex digits (either case). bad_hex otherwise.
core::Result<core::Hash32> parse_tx_hash(std::string_view text);
// Decimal digits only, no leading zero (except "0"), at most 2^64 - 1. non_canonical otherwise.
core::Result<std::uint64_t> parse_height(std::string_view text);

}  // namespace ios::rpc
