#pragma once
// Seeds are printed always (docs/STYLE.md rule 8). A run is a pure function of its seed, its
// configuration and the code; these helpers turn a seed into the line a person pastes to
// replay it, and parse the seed back. The library never reads the environment: a test or a
// command reads IOS_SIM_SEED and passes the parsed seed in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ios::sim {

// The environment variable the sim tests read to replay a single seed.
inline constexpr std::string_view seed_env_var = "IOS_SIM_SEED";

// "replay: IOS_SIM_SEED=<seed> ctest -R '^<test>$' --output-on-failure  (in the build directory)",
// or without a test name "replay: IOS_SIM_SEED=<seed>".
std::string replay_hint(std::uint64_t seed, std::string_view test_name = {});

// Decimal or 0x-prefixed hexadecimal; nullopt for anything else (empty, signs, overflow).
std::optional<std::uint64_t> parse_seed(std::string_view text);

}  // namespace ios::sim
