#pragma once
// The epoch chain document a running node serves (GET /v1/epochs/{e|latest}), for `ios epoch
// show` and `ios drp show --epoch`: the node is found as for every command (--rpc, --home),
// RPC failures get their documented exit codes, and an answer that is not an epoch chain
// document (a node of another version, or not a node) is exit 7 with what was wrong — never
// undefined behaviour on a missing field.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/output.hpp"

namespace ios::cli {

// "latest" (nullopt) or an epoch from 1; exit 2 naming `flag` otherwise (record 0 is the genesis).
std::optional<std::uint64_t> parse_epoch_arg(const std::string& flag, const std::string& text);

// {"epoch": E, "chain": {..., "records": [non-empty list of objects]}} for record `epoch`, or
// the latest one.
nlohmann::json fetch_epoch_chain(const Globals& g, std::optional<std::uint64_t> epoch);

}  // namespace ios::cli
