#pragma once
// Offline verification of a RandHound transcript (docs/PROTOCOLS.md §7.3): recompute the session
// and grouping, check every signature and binding, the choice and the servers' collective
// signature on it, every chosen dealing and every decryption proof, recover every chosen
// secret and recompute the output. The first failing step is named.
#include <string_view>

#include "node/protocol/drp/transcript.hpp"

namespace ios::protocol::drp {

enum class VerifyStep : std::uint8_t { config, i1, r1, choice, cosi, i2, r2, recovery, output };
std::string_view to_string(VerifyStep step);

struct VerifyFailure {
  VerifyStep step;
  core::Error error;
  std::string message() const;
};

struct Verified {
  core::Hash32 session{};
  core::Hash32 randomness{};
  std::size_t dealers = 0;  // chosen dealers whose secrets were recovered
  std::size_t r2_count = 0;
};

// Either the verified output or the first failure.
struct VerifyOutcome {
  std::optional<Verified> verified;
  std::optional<VerifyFailure> failure;
};

// pop_chain as in DrpRoster::admit: the chain the servers' PoPs are bound to.
VerifyOutcome verify_transcript(const Transcript& t, core::ByteView pop_chain = crypto::keystore_pop_chain);

}  // namespace ios::protocol::drp
