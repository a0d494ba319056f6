#pragma once
// Leader-election lottery tickets, whitepaper §5.1 (Algorithm 1, "Leader Election with
// Back-up Protocol") and docs/PROTOCOLS.md §9.1.
//
// A ticket is an ECVRF proof (RFC 9381, suite 0x03) by a validator's VRF key over
//   alpha = "IOS/v1/leader" ‖ config_hash (32) ‖ u64 epoch ‖ u64 view.
// alpha is fixed by the previous epoch's finalized configuration, never by the prover, so a
// validator cannot grind it; the VRF's uniqueness gives each key exactly one valid ticket per
// (epoch, view).
#include <cstdint>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/vrf.hpp"

namespace ios::protocol::lottery {

inline constexpr std::uint8_t ticket_version = 1;

struct LotteryContext {
  core::Hash32 config_hash{};
  std::uint64_t epoch = 0;
  std::uint64_t view = 0;
};

core::Bytes leader_alpha(const LotteryContext& ctx);

struct LotteryTicket {
  crypto::PublicKey vrf_key{};
  crypto::VrfProof proof{};
};

// Canonical encoding for gossip: version ‖ vrf_key (32) ‖ proof (80). Strict: any other
// length or version is a typed rejection.
core::Bytes encode(const LotteryTicket& t);
core::Result<LotteryTicket> decode_ticket(core::ByteView bytes);

}  // namespace ios::protocol::lottery
