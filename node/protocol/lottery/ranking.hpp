#pragma once
// Ranking a view's tickets into a leader and two backups (whitepaper §5.1, Algorithm 1, steps
// 2-4). Pure function: the caller supplies the tickets it collected within Δ.
//
// Invariants:
//  - only tickets whose VRF proof verifies under the given alpha are ranked; every other ticket
//    is listed as invalid with its typed reason, so a forged or stale ticket cannot win;
//  - a key counts once (RFC 9381 VRFs are unique, so a second valid ticket from the same key
//    carries the same beta; a repeat is listed as a duplicate);
//  - order: beta ascending, compared as a 512-bit big-endian unsigned integer (i.e. bytewise
//    lexicographic over all 64 bytes); ties — probability about 2^-512 — go to the smaller
//    public key, bytewise. Every node compares the same bytes, so all agree on the order;
//  - leader = first, backups = the next two (fewer when fewer valid tickets exist).
#include <optional>
#include <string>
#include <vector>

#include "node/protocol/lottery/ticket.hpp"

namespace ios::protocol::lottery {

struct RankedTicket {
  crypto::PublicKey vrf_key{};
  crypto::VrfOutput beta{};
  std::size_t input_index = 0;  // position in the caller's list
};

struct RejectedTicket {
  std::size_t input_index = 0;
  crypto::PublicKey vrf_key{};
  core::Error reason;
};

struct Ranking {
  std::vector<RankedTicket> ranked;  // all valid tickets, best first
  std::vector<RejectedTicket> invalid;

  const RankedTicket* leader() const { return ranked.empty() ? nullptr : &ranked[0]; }
  std::vector<RankedTicket> backups() const;  // at most two
};

bool ranks_before(const RankedTicket& a, const RankedTicket& b);

Ranking rank_tickets(const std::vector<LotteryTicket>& tickets, const LotteryContext& ctx);
Ranking rank_tickets(const std::vector<LotteryTicket>& tickets, core::ByteView alpha);

}  // namespace ios::protocol::lottery
