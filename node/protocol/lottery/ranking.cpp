#include "node/protocol/lottery/ranking.hpp"

#include <algorithm>
#include <set>

namespace ios::protocol::lottery {

std::vector<RankedTicket> Ranking::backups() const {
  std::vector<RankedTicket> out;
  for (std::size_t i = 1; i < ranked.size() && i <= 2; ++i) out.push_back(ranked[i]);
  return out;
}

bool ranks_before(const RankedTicket& a, const RankedTicket& b) {
  if (a.beta != b.beta) return a.beta < b.beta;  // std::array compares bytewise = big-endian order
  return a.vrf_key < b.vrf_key;
}

Ranking rank_tickets(const std::vector<LotteryTicket>& tickets, const LotteryContext& ctx) {
  return rank_tickets(tickets, leader_alpha(ctx));
}

Ranking rank_tickets(const std::vector<LotteryTicket>& tickets, core::ByteView alpha) {
  Ranking out;
  std::set<crypto::PublicKey> seen;
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    const auto& t = tickets[i];
    auto beta = crypto::vrf_verify(t.vrf_key, t.proof, alpha);
    if (!beta) {
      out.invalid.push_back({i, t.vrf_key, beta.error()});
      continue;
    }
    if (!seen.insert(t.vrf_key).second) {
      out.invalid.push_back({i, t.vrf_key, core::reject(core::Reject::duplicate, "a second ticket for this key")});
      continue;
    }
    out.ranked.push_back({t.vrf_key, *beta, i});
  }
  std::sort(out.ranked.begin(), out.ranked.end(), ranks_before);
  return out;
}

}  // namespace ios::protocol::lottery
